"""The settings binder: the training panel's fields show the session's settings.

Each field *shows* a model value (an evented field of the project's
:class:`~nnviz.files.project.TrainingSettings`, or the data set spec) and *sends* a session
command when the user changes it. The binder keeps no value of its own: when a setting
changes (by this field, by Undo, by opening a file), the model's event puts the value
into the widget, with the widget's signals blocked so that showing is never mistaken for
a user's edit.

A CSV file picked with "Load CSV..." is parsed on a thread of its own (a
:class:`~ui.thread_job.ThreadJob`) while a progress dialog with Cancel is shown: the window
stays responsive, Cancel abandons the result, and the parsed data set is handed to the
session (``session.set_dataset(spec, data)``), which does not parse it again.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QObject, QSignalBlocker, Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from nnviz.data import datasets, features
from nnviz.engine import optimizers
from nnviz.errors import NnvizError
from nnviz.files.project import DatasetSpec
from ui.dialogs import show_error
from ui.thread_job import ThreadJob
from ui.training.panel import LOAD_CSV

__all__ = ["SettingsBinder"]

#: What a CSV parse may fail with that is the file's fault or the machine's, not a bug.
_CSV_ERRORS = (NnvizError, MemoryError, OSError)


class SettingsBinder(QObject):
    """Binds the panel's settings fields to a :class:`~nnviz.session.session.Session`."""

    def __init__(self, panel, session, window):
        super().__init__(panel)
        self.panel, self.session, self.window = panel, session, window
        #: The CSV file being parsed, with its progress dialog (None when none is).
        self.csv_job: ThreadJob | None = None
        self._csv_spec: DatasetSpec | None = None
        self.csv_progress: QProgressDialog | None = None
        p = panel
        p.set_datasets([(info.name, info.description) for info in datasets.DATASETS.values()])
        p.learning_rate.valueChanged.connect(
            lambda v: self._set(learning_rate=float(v)))
        p.batch_size.valueChanged.connect(lambda v: self._set(batch_size=int(v)))
        p.epochs.valueChanged.connect(lambda v: self._set(epochs=int(v)))
        p.seed.valueChanged.connect(lambda v: self._set(seed=int(v)))
        p.loss_combo.currentIndexChanged.connect(
            lambda _i: self._set(loss=p.loss_combo.currentData()))
        p.regularization_combo.currentIndexChanged.connect(
            lambda _i: self._set(regularization=p.regularization_combo.currentData()))
        p.regularization_rate.valueChanged.connect(
            lambda v: self._set(regularization_rate=float(v)))
        p.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_chosen)
        p.dataset_combo.activated.connect(self._on_dataset_chosen)
        p.noise.valueChanged.connect(lambda v: self._set_params(noise=float(v)))
        p.size.valueChanged.connect(lambda v: self._set_params(n_samples=int(v)))
        p.split.valueChanged.connect(lambda v: self._set_params(validation_split=float(v)))
        p.features.sig_changed.connect(self._on_features_chosen)
        project = session.project
        project.training.events.all.connect(self._on_model_changed)
        project.events.dataset_changed.connect(self._on_model_changed)
        self.show_settings()

    # ------------------------------------------------------------------ model -> widgets
    def _on_model_changed(self, *_args) -> None:
        self.show_settings()

    def show_settings(self) -> None:
        """Put every setting of the project into its field (the fields do not emit)."""
        p, t, d = self.panel, self.session.project.training, self.session.project.dataset
        widgets = (p.learning_rate, p.batch_size, p.epochs, p.seed, p.loss_combo,
                   p.optimizer_combo, p.dataset_combo, p.noise, p.size, p.split,
                   p.regularization_combo, p.regularization_rate)
        blockers = [QSignalBlocker(w) for w in widgets]
        p.learning_rate.setValue(t.learning_rate)
        p.regularization_combo.setCurrentIndex(
            max(p.regularization_combo.findData(t.regularization), 0))
        p.regularization_rate.setValue(t.regularization_rate)
        p.regularization_rate.setEnabled(t.regularization != "none")
        p.batch_size.setValue(t.batch_size)
        p.epochs.setValue(t.epochs)
        p.seed.setValue(t.seed)
        i = p.loss_combo.findData(t.loss)
        if i < 0:
            p.loss_combo.addItem(t.loss, t.loss)
            i = p.loss_combo.count() - 1
        p.loss_combo.setCurrentIndex(i)
        key = "momentum" if t.optimizer == "sgd" and t.momentum else t.optimizer
        p.optimizer_combo.setCurrentIndex(max(p.optimizer_combo.findData(key), 0))
        name = d.name or ""
        i = p.dataset_combo.findData(name)
        if d.is_csv:
            label = os.path.basename(d.csv_path or "data.csv")
            i = p.dataset_combo.findData("csv")
            if i < 0:
                p.dataset_combo.insertItem(p.dataset_combo.count() - 1, label, "csv")
                i = p.dataset_combo.count() - 2
            else:
                p.dataset_combo.setItemText(i, label)
        p.dataset_combo.setCurrentIndex(max(i, 0))
        # Only the fields that apply to this data set are enabled (a CSV file has a fixed
        # number of rows and no noise; a bundled set has its file's samples and no noise).
        info = datasets.DATASETS.get(name)
        applies = set(datasets.default_params(name)) if info else {"validation_split"}
        params = d.params or {}
        p.noise.setEnabled("noise" in applies)
        p.size.setEnabled("n_samples" in applies and info is not None and not info.bundled)
        p.noise.setValue(float(params.get("noise") or 0.0))
        p.size.setValue(int(params.get("n_samples") or 200))
        p.split.setValue(float(params.get("validation_split", 0.2)))
        del blockers
        p.features.show_features(d.features, self._crosses_apply())

    def _crosses_apply(self) -> bool:
        """Whether the data set has the two inputs feature crosses are made from."""
        if self.session.project.dataset.name is None:
            return False
        try:
            return self.session.dataset().n_base_features == features.BASE_INPUTS
        except NnvizError:
            return False

    # ------------------------------------------------------------------ widgets -> commands
    def _report(self, error: NnvizError) -> None:
        self.panel.set_message(str(error), error=True)
        self.show_settings()  # the fields show what the project holds, not the refused value

    def _refused(self, settings) -> bool:
        """A change of a setting the lesson locks (nnviz.document.lessons) is refused, saying so."""
        why = self.session.project.lesson.refusal(settings)
        if why:
            self.panel.set_message(why, error=True)
            self.show_settings()
        return bool(why)

    def _set(self, text: str | None = None, **changes) -> None:
        if self._refused(changes):
            return
        try:
            self.session.set_setting(text=text, **changes)
        except NnvizError as error:
            self._report(error)

    def _on_optimizer_chosen(self, _index: int) -> None:
        name, settings = optimizers.resolve(self.panel.optimizer_combo.currentData())
        t = self.session.project.training
        # A newly chosen optimizer starts at its own learning rate (the registry's).
        lr = optimizers.default_learning_rate(name) if name != t.optimizer else t.learning_rate
        if self.session.project.lesson.is_locked("learning_rate"):
            lr = t.learning_rate  # a locked rate stays what the lesson set
        label = self.panel.optimizer_combo.currentText()
        self._set(text=f"Use {label}", optimizer=name, learning_rate=lr, optimizer_options={},
                  **settings)

    def _set_params(self, **params) -> None:
        d = self.session.project.dataset
        if d.name is None:
            return
        applies = set(datasets.default_params(d.name)) if d.name in datasets.DATASETS else \
            {"validation_split", "seed", "header", "standardize", "task", "delimiter"}
        params = {k: v for k, v in params.items() if k in applies}
        if not params:
            return
        merged = {**(d.params or {}), **params}
        self._set_dataset(DatasetSpec(d.name, merged, d.csv_path, d.target, d.features))

    def _on_features_chosen(self, chosen: list) -> None:
        try:
            self.session.set_features(chosen)
        except NnvizError as error:
            self._report(error)

    def _set_dataset(self, spec: DatasetSpec, data=None) -> bool:
        if self._refused(["dataset"]):
            return False
        try:
            self.session.set_dataset(spec, data=data)
        except NnvizError as error:
            self._report(error)
            show_error(self.window, "Cannot load the data set", error)
            return False
        return True

    def _on_dataset_chosen(self, index: int) -> None:
        data = self.panel.dataset_combo.itemData(index)
        if data == LOAD_CSV:
            self._load_csv()
            return
        if data == "csv":
            return
        params = datasets.default_params(data)
        if params.get("n_samples") is None:
            params.pop("n_samples")
        spec, loaded = DatasetSpec(data, params), None
        chosen = self.session.project.dataset.features
        if chosen:  # the crosses stay for another data set of two inputs (as Playground)
            try:
                loaded = spec.load()
            except NnvizError as error:
                self._report(error)
                show_error(self.window, "Cannot load the data set", error)
                return
            if loaded.n_features == features.BASE_INPUTS:
                spec = spec.with_features(chosen)
                loaded = datasets.with_features(loaded, chosen)
        self._set_dataset(spec, data=loaded)

    def _load_csv(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self.window, "Load a CSV data set", "",
                                               "CSV files (*.csv *.csv.gz);;All files (*)")
        if not path:
            self.show_settings()
            return
        spec = DatasetSpec("csv", {"seed": self.session.project.training.seed,
                                   "validation_split": 0.2}, csv_path=path, target=-1)
        self.load_in_background(spec)

    def load_in_background(self, spec: DatasetSpec) -> None:
        """Parse ``spec``'s file on a thread, with a progress dialog; then use it.

        Cancel abandons the result (the parse cannot be interrupted, so the thread ends
        on its own and its data set is dropped). An error is shown as a dialog naming the
        line and column, as before.
        """
        if self.csv_job is not None:
            self._cancel_csv()
        # The parse (nnviz.data.datasets.load_csv) cannot be interrupted: Cancel drops its result.
        job = ThreadJob(spec.load, "nnviz-csv", expected=_CSV_ERRORS)
        dialog = QProgressDialog(f"Reading {os.path.basename(spec.csv_path or '')}…",
                                 "Cancel", 0, 0, self.window)
        dialog.setObjectName("csvProgressDialog")
        dialog.setWindowTitle("Load CSV")
        dialog.setLabelText(f"Reading {os.path.basename(spec.csv_path or '')}…")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(300)  # a small file is read before the dialog would show
        dialog.canceled.connect(self._cancel_csv)
        self.csv_job, self.csv_progress, self._csv_spec = job, dialog, spec
        job.done.connect(self._on_csv_finished)
        job.start()
        dialog.setValue(0)  # starts the dialog's clock

    def _cancel_csv(self) -> None:
        dialog = self.csv_progress
        self.csv_job, self.csv_progress = None, None  # its result is dropped when it ends
        if dialog is not None:
            dialog.canceled.disconnect(self._cancel_csv)
            dialog.close()
            dialog.deleteLater()
        self.show_settings()  # the combo shows the data set in use again
        self.panel.set_message("Loading the CSV file was cancelled.")

    def _on_csv_finished(self) -> None:
        job, spec = self.csv_job, self._csv_spec
        if job is None or self.sender() is not job or spec is None:
            return  # cancelled: the result is dropped
        dialog = self.csv_progress
        self.csv_job, self.csv_progress = None, None
        if dialog is not None:
            dialog.canceled.disconnect(self._cancel_csv)
            dialog.close()
            dialog.deleteLater()
        if job.error is not None:
            error = job.error
            if isinstance(error, MemoryError):
                error = "There is not enough memory to load this file."
            self.panel.set_message(str(error), error=True)
            self.show_settings()
            show_error(self.window, "Cannot load the data set", error)
            return
        self._set_dataset(spec, data=job.result)
