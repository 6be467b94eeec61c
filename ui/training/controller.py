"""The training controller: docks, the worker thread, and the picture of training.

``TrainingController(window)`` adds the docks "trainingPanel", "lectureView" and "plots"
to ``window``, starts the training thread, and keeps three things in step:

* the **project** (settings the panel edits, the design's weights after training);
* the **worker** (commands out over queued signals, snapshots in);
* the **view** (canvas, plots, lecture view), redrawn from the newest snapshot only.

A frame costs a handful of Python calls: the canvas gets whole arrays per layer, each plot
curve one ``setData``, the lecture view one ``setHtml``. The worker publishes at most
~30 snapshots a second and each overwrites the previous unread one, so the window never
falls behind however fast training runs.
"""
from __future__ import annotations

import gc
import os
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog

from nnviz import datasets
from nnviz.errors import DesignError, NnvizError
from nnviz.project import DatasetSpec
from ui.dialogs import show_error
from ui.training.lecture_view import LectureView
from ui.training.panel import LOAD_CSV, TrainingPanel
from ui.training.plots import PlotsDock
from ui.training.worker import SetupRequest, Snapshot, TrainingWorker

__all__ = ["TrainingController"]

#: Seconds between two canvas updates while training fast (a step always draws).
CANVAS_INTERVAL = 0.125
#: Seconds between two plot redraws while training fast.
PLOTS_INTERVAL = 0.5

_OPTIMIZER_KEYS = {"sgd": ("sgd", 0.0), "momentum": ("sgd", 0.9), "adam": ("adam", 0.0),
                   "rmsprop": ("rmsprop", 0.0)}


class TrainingController(QObject):
    """Owns the training docks and the worker thread of one window.

    Public: ``panel``, ``lecture``, ``plots`` (the docks), ``worker``, ``thread``,
    ``step(kind)``, ``train()``, ``pause()``, ``reset()``, ``set_presentation_mode(on)``,
    ``shutdown()``, ``snapshot`` (the last one drawn), ``frames`` (how many were drawn).
    """

    sig_setup = Signal(object)
    sig_step = Signal(str)
    sig_train = Signal()
    sig_pause = Signal()
    sig_reset = Signal()
    sig_speed = Signal(float)
    sig_learning_rate = Signal(float)
    sig_epochs = Signal(int)
    sig_travel = Signal(int)
    sig_stop = Signal()
    #: A snapshot was drawn (tests and the benchmark wait on it).
    sig_frame = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.project = window.project
        self.panel = TrainingPanel(window)
        self.lecture = LectureView(window)
        self.plots = PlotsDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lecture)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.plots)

        self.snapshot: Snapshot | None = None
        self.frames = 0
        # Set while a setting that applies in place (learning rate, epochs) is stored, so
        # the project's settings_changed event does not rebuild the model for it.
        self._live_setting = False
        self._generation = 0
        self._dirty = True
        self._running_wanted = False
        self._storing = False
        self._reset_pending = False
        self._selection = None
        self._trace = None
        self._ids: list[str] = []
        self._info: dict = {}
        self._presentation = False
        self._was_fullscreen = False
        self._hidden_docks: list = []
        self._last_canvas = 0.0
        self._last_plots = 0.0
        self._drawing = False  # inside _draw (posted events are being sent)

        self.thread = QThreadWithName()
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        for signal, slot in ((self.sig_setup, self.worker.setup),
                             (self.sig_step, self.worker.step),
                             (self.sig_train, self.worker.train),
                             (self.sig_pause, self.worker.pause),
                             (self.sig_reset, self.worker.reset),
                             (self.sig_speed, self.worker.set_speed),
                             (self.sig_learning_rate, self.worker.set_learning_rate),
                             (self.sig_epochs, self.worker.set_epochs),
                             (self.sig_travel, self.worker.travel_to),
                             (self.sig_stop, self.worker.stop)):
            signal.connect(slot, Qt.ConnectionType.QueuedConnection)
        self.worker.sig_snapshot_ready.connect(self._on_worker_snapshot,
                                               Qt.ConnectionType.QueuedConnection)
        self.worker.sig_error.connect(self._on_worker_error, Qt.ConnectionType.QueuedConnection)
        self.thread.start()
        self._alive = True

        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.timeout.connect(self._rebuild_now)

        self._wire_panel()
        self._wire_shortcuts()
        self._wire_document()
        self._load_settings_into_panel()
        self._rebuild_now()

    # ------------------------------------------------------------------ wiring
    def _wire_panel(self) -> None:
        p = self.panel
        p.set_dataset_names(list(datasets.BUILTIN))
        p.step_button.clicked.connect(lambda: self.step("stage"))
        p.batch_button.clicked.connect(lambda: self.step("batch"))
        p.epoch_button.clicked.connect(lambda: self.step("epoch"))
        p.train_button.toggled.connect(self._on_train_toggled)
        p.reset_button.clicked.connect(self.reset)
        p.speed_combo.currentIndexChanged.connect(
            lambda _i: self.sig_speed.emit(float(p.speed_combo.currentData())))
        self.sig_speed.emit(float(p.speed_combo.currentData()))
        p.learning_rate.valueChanged.connect(self._on_learning_rate_changed)
        p.batch_size.valueChanged.connect(lambda v: self._update_training(batch_size=int(v)))
        p.epochs.valueChanged.connect(self._on_epochs_changed)
        p.seed.valueChanged.connect(self._on_seed_changed)
        p.loss_combo.currentIndexChanged.connect(
            lambda _i: self._update_training(loss=p.loss_combo.currentData()))
        p.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_changed)
        p.dataset_combo.activated.connect(self._on_dataset_chosen)
        p.noise.valueChanged.connect(lambda v: self._update_dataset_params(noise=float(v)))
        p.size.valueChanged.connect(lambda v: self._update_dataset_params(n_samples=int(v)))
        p.split.valueChanged.connect(
            lambda v: self._update_dataset_params(validation_split=float(v)))
        p.show_gradients.toggled.connect(lambda _on: self._draw_canvas(self.snapshot))
        p.time_slider.valueChanged.connect(self._on_time_slider)
        p.now_button.clicked.connect(lambda: self.sig_travel.emit(-1))

    def _wire_shortcuts(self) -> None:
        w = self.window
        self._shortcuts = []

        def add(keys, slot, presentation_only=False):
            sc = QShortcut(QKeySequence(keys), w)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            sc.setEnabled(not presentation_only)
            self._shortcuts.append((sc, presentation_only))
            return sc

        add(Qt.Key.Key_Space, lambda: self.step("stage"))
        add(Qt.Key.Key_PageDown, lambda: self.step("stage"))
        add(QKeySequence("Shift+Space"), lambda: self.step("batch"))
        add(QKeySequence("Ctrl+E"), lambda: self.step("epoch"))
        add(QKeySequence("Ctrl+Space"), self.toggle_training)
        add(Qt.Key.Key_F5, self.toggle_training)
        add(Qt.Key.Key_Escape, lambda: self.set_presentation_mode(False), presentation_only=True)
        # View > Presentation Mode (F11): the window puts this action in its View menu; it
        # is added to the window too, so F11 works whether or not the menu shows it.
        self.presentation_action = QAction("&Presentation Mode", w)
        self.presentation_action.setObjectName("actionPresentationMode")
        self.presentation_action.setCheckable(True)
        self.presentation_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.presentation_action.setStatusTip(
            "Full screen, large type, only the step buttons; PageDown steps, Esc leaves")
        self.presentation_action.toggled.connect(self.set_presentation_mode)
        w.addAction(self.presentation_action)

    def _wire_document(self) -> None:
        ev = self.project.design.events
        for signal in (ev.layer_added, ev.layer_removed, ev.layer_changed, ev.connection_added,
                       ev.connection_removed, ev.reset):
            signal.connect(self._on_design_edited)
        ev.weights_changed.connect(self._on_design_weights_changed)
        self.project.events.settings_changed.connect(self._on_project_settings_changed)
        self.window.scene.sig_selection_changed.connect(self._on_scene_selection_changed)
        # A tap of Space on the canvas is a step too (held with a drag, Space pans).
        self.window.canvas.sig_space_tapped.connect(lambda: self.step("stage"))

    # ------------------------------------------------------------------ commands
    def step(self, kind: str = "stage") -> None:
        """One step: "stage" (forward/loss/backward/update of one layer), "batch" or "epoch"."""
        if not self._ensure_built():
            return
        self._set_running(False)
        self.panel.set_message("")
        self.sig_step.emit(kind)

    def train(self) -> None:
        """Start training (until Pause, the epochs are done, or divergence)."""
        if not self._ensure_built():
            self._set_running(False)
            return
        self._set_running(True)
        self.panel.set_message("")
        _freeze_startup_objects()
        self.sig_train.emit()

    def pause(self) -> None:
        """Pause training after the current batch."""
        self.worker.interrupt()
        self._set_running(False)
        self.sig_pause.emit()

    def toggle_training(self) -> None:
        """Train if paused, pause if training (Ctrl+Space, F5)."""
        if self._running_wanted:
            self.pause()
        else:
            self.train()

    def reset(self) -> None:
        """Weights back to the seeded initial ones; plots and counters cleared."""
        self.worker.interrupt()
        self._set_running(False)
        if not self._ensure_built():
            return
        self.panel.set_message("")
        self._reset_pending = True  # the project's history is cleared with the reset frame
        self.sig_reset.emit()

    def set_presentation_mode(self, on: bool) -> None:
        """Full screen, large type, controls reduced to the steps; PageDown steps, Esc leaves.

        The layer palette and the inspector are hidden (and shown again on leaving if they
        were open), the canvas writes larger names and keeps the network fitted to the
        screen, so neurons and their numbers are as large as the screen allows.
        """
        on = bool(on)
        if on == self._presentation:
            return
        self._presentation = on
        self.presentation_action.setChecked(on)
        self.panel.set_presentation_mode(on)
        self.lecture.set_font_scale(1.7 if on else 1.0)
        for sc, presentation_only in self._shortcuts:
            if presentation_only:
                sc.setEnabled(on)
        w = self.window
        docks = [w.palette_dock, w.inspector]
        if on:
            self._hidden_docks = [d for d in docks if d.isVisible()]
            for dock in self._hidden_docks:
                dock.hide()
            self._was_fullscreen = w.isFullScreen()
            w.showFullScreen()
        else:
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = []
            if not self._was_fullscreen:
                w.showNormal()
        w.canvas.set_presentation_mode(on)

    @property
    def presentation_mode(self) -> bool:
        """Whether presentation mode is on."""
        return self._presentation

    @property
    def trace(self):
        """The latest :class:`~nnviz.training.StageTrace` shown, or None (read-only)."""
        return self._trace

    @property
    def layer_ids(self) -> list[str]:
        """The design ids of the model's chain, input layer first (read-only copy)."""
        return list(self._ids)

    def shutdown(self) -> None:
        """Stop the worker cooperatively and wait for its thread (called on window close)."""
        if not self._alive:
            return
        self._alive = False
        self._rebuild_timer.stop()
        self.worker.interrupt()
        self.worker.gui_idle.set()
        if self.thread.isRunning():
            self.sig_stop.emit()
            if not self.thread.wait(10000):
                # Never terminate(): report instead; the stop flag is already set.
                raise RuntimeError("The training thread did not stop within 10 s.")
        self.store_history()

    # ------------------------------------------------------------------ building
    def _ensure_built(self) -> bool:
        if self._dirty:
            self._rebuild_now()
        return not self._dirty

    def _schedule_rebuild(self) -> None:
        self._dirty = True
        self._generation += 1  # snapshots of the old model are ignored from now on
        self._rebuild_timer.start(0)

    def _rebuild_now(self) -> None:
        """Build the model from the design (weights that fit are kept) and hand it over."""
        self._rebuild_timer.stop()
        if not self._alive:
            return
        self._generation += 1
        t = self.project.training
        try:
            ds = self.project.load_dataset()
            self._storing = True
            try:
                model = self.project.build_model()
            finally:
                self._storing = False
            chain = self.project.design.chain()
            problems = self.project.design.validate(ds.n_features, ds.n_targets)
            if problems:
                raise DesignError(problems[0].message, problems[0].layer_id)
        except NnvizError as error:
            self._dirty = True
            # Nothing of the old model may be drawn against the edited design.
            self._trace = None
            self._ids = []
            self._set_running(False)
            self.panel.set_message(str(error), error=True)
            return
        self._dirty = False
        self._ids = [spec.id for spec in chain]
        self._info = {
            "ids": self._ids,
            "names": [spec.name for spec in chain],
            "activations": [spec.activation for spec in chain[1:]],
            "loss": model.loss.name,
            "optimizer": t.optimizer if t.optimizer != "sgd" or not t.momentum else "momentum",
            "learning_rate": t.learning_rate,
        }
        plane = None
        if ds.n_features in (1, 2):
            lo, hi = ds.x.min(axis=0), ds.x.max(axis=0)
            pad = 0.1 * np.maximum(hi - lo, 1e-6)
            lo, hi = lo - pad, hi + pad
            plane = (lo[0], hi[0], lo[1], hi[1]) if ds.n_features == 2 else (lo[0], hi[0])
        self.plots.set_data(ds.x_train, ds.y_train, ds.task)
        self.plots.clear_history()
        labels = ds.labels if ds.is_classification else ds.y[:, 0]
        self.panel.set_preview(ds.x, labels)
        self._trace = None
        self.panel.set_message("")
        self.sig_setup.emit(SetupRequest(model=model, dataset=ds, batch_size=t.batch_size,
                                         seed=t.seed, epochs=t.epochs, shuffle=t.shuffle,
                                         generation=self._generation, plane=plane))

    # ------------------------------------------------------------------ settings
    def _load_settings_into_panel(self) -> None:
        p, t, d = self.panel, self.project.training, self.project.dataset
        widgets = (p.learning_rate, p.batch_size, p.epochs, p.seed, p.loss_combo,
                   p.optimizer_combo, p.dataset_combo, p.noise, p.size, p.split)
        for w in widgets:
            w.blockSignals(True)
        try:
            p.learning_rate.setValue(t.learning_rate)
            p.batch_size.setValue(t.batch_size)
            p.epochs.setValue(t.epochs)
            p.seed.setValue(t.seed)
            i = p.loss_combo.findData(t.loss)
            if i < 0:
                p.loss_combo.addItem(t.loss, t.loss)
                i = p.loss_combo.count() - 1
            p.loss_combo.setCurrentIndex(i)
            key = "momentum" if t.optimizer == "sgd" and t.momentum else t.optimizer
            i = p.optimizer_combo.findData(key)
            p.optimizer_combo.setCurrentIndex(max(i, 0))
            name = d.name or ""
            i = p.dataset_combo.findData(name)
            if i < 0 and d.is_csv:
                label = os.path.basename(d.csv_path or "data.csv")
                p.dataset_combo.insertItem(p.dataset_combo.count() - 1, label, "csv")
                i = p.dataset_combo.count() - 2
            p.dataset_combo.setCurrentIndex(max(i, 0))
            params = d.params or {}
            p.noise.setEnabled("noise" in params or (name in datasets.BUILTIN and name not in
                                                     ("iris", "digits")))
            p.noise.setValue(float(params.get("noise") or 0.0))
            p.size.setValue(int(params.get("n_samples") or 200))
            p.split.setValue(float(params.get("validation_split", 0.2)))
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _update_training(self, **changes) -> None:
        try:
            self.project.update_training(**changes)
        except NnvizError as error:
            self.panel.set_message(str(error), error=True)

    def _on_learning_rate_changed(self, value: float) -> None:
        # The learning rate changes in place: no rebuild, training can go on.
        self._live_setting = True
        try:
            self._update_training(learning_rate=float(value))
        finally:
            self._live_setting = False
        self._info["learning_rate"] = float(value)
        self.sig_learning_rate.emit(float(value))

    def _on_epochs_changed(self, value: int) -> None:
        # Only where training stops changes: the weights and the history so far stay.
        self._live_setting = True
        try:
            self._update_training(epochs=int(value))
        finally:
            self._live_setting = False
        self.sig_epochs.emit(int(value))

    def _on_seed_changed(self, value: int) -> None:
        # A new seed means new initial weights: forget the stored ones, then rebuild.
        self.project.design.clear_weights()
        self._update_training(seed=int(value))

    def _on_optimizer_changed(self, _index: int) -> None:
        name, momentum = _OPTIMIZER_KEYS[self.panel.optimizer_combo.currentData()]
        lr = {"sgd": 0.1, "adam": 0.01, "rmsprop": 0.01}[name] \
            if name != self.project.training.optimizer else self.project.training.learning_rate
        self._update_training(optimizer=name, momentum=momentum, learning_rate=lr,
                              optimizer_options={})
        self.panel.learning_rate.blockSignals(True)
        self.panel.learning_rate.setValue(lr)
        self.panel.learning_rate.blockSignals(False)

    def _update_dataset_params(self, **params) -> None:
        d = self.project.dataset
        merged = {**(d.params or {}), **params}
        self.project.set_dataset(DatasetSpec(d.name, merged, d.csv_path, d.target))

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
        self.project.set_dataset(DatasetSpec(data, params))

    def _load_csv(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self.window, "Load a CSV data set", "",
                                               "CSV files (*.csv *.csv.gz);;All files (*)")
        if not path:
            self._load_settings_into_panel()
            return
        spec = DatasetSpec("csv", {"seed": self.project.training.seed,
                                   "validation_split": 0.2}, csv_path=path, target=-1)
        try:
            spec.load()
        except NnvizError as error:
            # The open data set stays; the dialog names the line and column to fix.
            self.panel.set_message(str(error), error=True)
            self._load_settings_into_panel()
            show_error(self.window, "Cannot load the data set", error)
            return
        self.project.set_dataset(spec)

    def _on_project_settings_changed(self) -> None:
        self._load_settings_into_panel()
        if self._live_setting:
            return
        self._edit_while_training("the training settings changed")

    # ------------------------------------------------------------------ design edits
    def _on_design_edited(self, *_args) -> None:
        self._edit_while_training("the design changed")

    def _on_design_weights_changed(self) -> None:
        if self._storing or self._design_holds_published_weights():
            # Our own frame, or someone rebuilt a model from the design (an export): nothing
            # the training model does not already have.
            return
        # Weights edited by hand (inspector): the model takes them at the next build.
        self._edit_while_training("a weight was edited")

    def _design_holds_published_weights(self) -> bool:
        snap, design = self.snapshot, self.project.design
        if snap is None or len(snap.weights) != 2 * (len(self._ids) - 1):
            return False
        for m, (src, tgt) in enumerate(zip(self._ids[:-1], self._ids[1:])):
            try:
                kernel, bias = design.kernel(src, tgt), design.bias(tgt)
            except NnvizError:
                return False
            if kernel is None or bias is None or kernel.shape != snap.weights[2 * m].shape \
                    or not np.array_equal(kernel, snap.weights[2 * m]) \
                    or not np.array_equal(bias, snap.weights[2 * m + 1]):
                return False
        return True

    def _edit_while_training(self, why: str) -> None:
        if self._running_wanted:
            self.worker.interrupt()
            self.sig_pause.emit()
            self._set_running(False)
            self.panel.set_message(f"Training paused: {why}. The model was rebuilt, keeping "
                                   "the weights that still fit; press Train to go on.")
        self._schedule_rebuild()

    # ------------------------------------------------------------------ snapshots in
    def _on_worker_error(self, message: str) -> None:
        self._set_running(False)
        self.panel.set_message(message, error=True)

    def _on_worker_snapshot(self) -> None:
        if self._drawing:
            # Delivered while a frame sends its posted events (below, in _draw): leave the
            # snapshot in the worker's slot and draw it once this frame is done.
            QTimer.singleShot(0, self._on_worker_snapshot)
            return
        snap = self.worker.take_snapshot()
        if snap is None or snap.generation != self._generation or not self._alive:
            return
        self._draw(snap)

    def _draw(self, snap: Snapshot) -> None:
        """One frame: counters, canvas, plots, lecture view (a handful of calls each).

        The training thread holds back (``gui_idle``) from the start of the frame until it
        has been *painted*: the frame's posted work (the graphics scenes' dirty regions,
        then the window's update request) is sent here, inside the hold, instead of a few
        event-loop turns later. Painting while the training thread runs would make every
        Qt call of the paint wait for the GIL for up to a switch interval (5 ms): a plot's
        repaint of ~20 ms became 100-300 ms, and the window froze for that long.
        """
        now = time.perf_counter()
        light = (snap.running and snap.trace is None and not snap.finished
                 and now - self._last_canvas < CANVAS_INTERVAL
                 and now - self._last_plots < PLOTS_INTERVAL)
        if light:
            # Only the counters change (a few C++ label paints): not worth holding the
            # training thread back; the frame waits for the GIL a little instead.
            self._draw_frame(snap)
            return
        self.worker.gui_idle.clear()
        self._drawing = True
        try:
            self._draw_frame(snap)
            # Queued calls first (QGraphicsScene turns item changes into viewport updates
            # that way), then the update requests those posted: the paint happens now.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
        finally:
            self._drawing = False
            # Painted: training resumes at once (a zero timer cost an event-loop turn).
            self.worker.gui_idle.set()

    def _draw_frame(self, snap: Snapshot) -> None:
        self.snapshot = snap
        self.frames += 1
        p = self.panel
        if snap.trace is not None:
            self._trace = snap.trace
        elif snap.history_reset or snap.running:
            self._trace = None
        if snap.diverged:
            self._set_running(False)
            p.set_message(snap.diverged, error=True)
            self._info["diverged"] = snap.diverged
        else:
            self._info.pop("diverged", None)
        if snap.finished:
            self._set_running(False)
            p.set_message(f"Done: {snap.epoch} epochs trained.")
            self.store_history()
        if snap.message:
            self._set_running(False)
            p.set_message(snap.message)
        done = f"Done: {self._trace.stage.label} · " if self._trace is not None else ""
        p.stage_label.setText(f"{done}Next: {snap.next_stage}")
        epochs = self.project.training.epochs
        p.counters.setText(f"epoch {min(snap.epoch + 1, epochs)} · step {snap.global_step} · "
                           f"{snap.samples_seen} samples seen")
        # While training fast, the counters follow every snapshot, the canvas ~10 times a
        # second and the plots ~2 times (their axes are costly to repaint, and every Qt
        # call of a frame is time the training thread waits); a step draws everything.
        now = time.perf_counter()
        fast = snap.running and snap.trace is None
        canvas_due = not fast or now - self._last_canvas >= CANVAS_INTERVAL
        plots_due = not fast or now - self._last_plots >= PLOTS_INTERVAL
        # New weight norms wait for this frame's plots turn instead of their own timer.
        self.plots.defer_norms = fast
        if snap.history_reset:
            self.plots.clear_history()
            if self._reset_pending:
                # Reset: the run is gone, so a save must not keep its history.
                self._reset_pending = False
                if self.project.history:
                    self.project.set_history({})
        self.plots.add_history(snap.history, snap.batches_per_epoch, redraw=plots_due)
        if plots_due:
            self._last_plots = now
            self.plots.set_boundary(snap.boundary)
        self._update_time_slider(snap)
        if canvas_due:
            # The bar repaints at once on every new value (QProgressBar.setValue calls
            # repaint()): ~1 ms, so it moves with the canvas, not with every counter.
            p.progress.setRange(0, max(1, snap.batches_per_epoch))
            p.progress.setValue(snap.batch_index)
            self._last_canvas = now
            self._storing = True
            try:
                self.project.design.store_weights(snap.weights)
            except NnvizError:
                pass  # the design was edited since this model was built; a rebuild is coming
            finally:
                self._storing = False
            self._draw_canvas(snap)
        if plots_due:
            self.plots.redraw_norms()  # after store_weights: it adds this frame's norms
        if snap.trace is not None or not snap.running or self._selection is not None:
            self.lecture.show_state(self._selection, self._trace, snap.weights, self._info)
        if not snap.running and not self._running_wanted:
            self.store_history()
        self.sig_frame.emit()

    def _draw_canvas(self, snap: Snapshot | None) -> None:
        scene = self.window.scene
        if snap is None or not self._ids:
            return
        ids, trace = self._ids, self._trace
        edges = list(zip(ids[:-1], ids[1:]))
        if trace is None:
            scene.set_neuron_values(None)
            scene.set_neuron_numbers(None)
            scene.highlight_layer(None)
            scene.set_edge_values(None)
            return
        kind, layer = trace.stage.kind, trace.stage.layer
        values = {ids[0]: trace.x[0]}
        # Written on the neurons (first sample of the batch): inside the value the fill
        # shows, under it z (forward), the target (output, loss stage) or a (backward).
        numbers = {ids[0]: (trace.x[0], None, "")}
        for m, a in enumerate(trace.a):
            if a is not None:
                values[ids[m + 1]] = a[0]
                z = trace.z[m] if m < len(trace.z) else None
                numbers[ids[m + 1]] = (a[0], None if z is None else z[0], "z")
        if kind in ("loss", "backward", "update") and trace.a and trace.a[-1] is not None:
            numbers[ids[-1]] = (trace.a[-1][0], trace.y[0], "target")
        if kind == "backward":
            for m, dz in enumerate(trace.dZ):
                if dz is not None:
                    values[ids[m + 1]] = dz[0]
                    numbers[ids[m + 1]] = (dz[0], trace.a[m][0], "a")
        scene.set_neuron_values(values)
        scene.set_neuron_numbers(numbers)
        if kind in ("forward", "backward"):
            scene.highlight_layer(ids[layer + 1])
        elif kind == "loss":
            scene.highlight_layer(ids[-1])
        else:
            scene.highlight_layer(None)
        grads = {edges[m]: dw for m, dw in enumerate(trace.dW) if dw is not None}
        if kind == "update" and trace.W_after is not None and \
                not self.panel.show_gradients.isChecked():
            scene.animate_update(trace.W_before, trace.W_after)
        elif grads and (kind == "backward" or self.panel.show_gradients.isChecked()):
            scene.set_edge_values(grads, mode="gradients")
        else:
            # The design holds the published weights (stored above): draw those.
            scene.set_edge_values(None)

    def _update_time_slider(self, snap: Snapshot) -> None:
        s, p = self.panel.time_slider, self.panel
        n = len(snap.snapshot_epochs)
        s.blockSignals(True)
        s.setRange(0, n)  # n = "now"
        s.setValue(n if snap.travel_index is None else snap.travel_index)
        s.blockSignals(False)
        if snap.travel_index is None:
            p.time_label.setText("now")
            p.now_button.setEnabled(False)
            self.plots.set_time_marker(None)
        else:
            epoch = snap.snapshot_epochs[snap.travel_index]
            p.time_label.setText(f"after epoch {epoch}")
            p.now_button.setEnabled(True)
            self.plots.set_time_marker(float(epoch))

    def _on_time_slider(self, value: int) -> None:
        n = self.panel.time_slider.maximum()
        self.pause()
        self.sig_travel.emit(-1 if value >= n else int(value))

    # ------------------------------------------------------------------ helpers
    def _on_train_toggled(self, checked: bool) -> None:
        if checked:
            self.train()
        else:
            self.pause()

    def _set_running(self, running: bool) -> None:
        self._running_wanted = running
        self.panel.set_running(running)

    def _on_scene_selection_changed(self, selection) -> None:
        self._selection = selection
        weights = self.snapshot.weights if self.snapshot is not None else None
        self.lecture.show_state(selection, self._trace, weights, self._info)

    def store_history(self) -> None:
        """Write the engine's history of this run into the project now (so a save has it).

        Callable at any time, also while training runs (the window calls it before asking
        "save changes?" on close). Training stores its weights into the design without the
        undo stack, so the history is what tells the window that training changed the
        project. A model that has not trained yet leaves the project's history alone (a
        file's history stays until a new run replaces it); Reset clears it.
        """
        if self._reset_pending:
            return  # the worker has not reset yet: its history is the old run's
        history = {k: v for k, v in self.worker.history_dict().items() if v}
        if history and history != self.project.history:
            self.project.set_history(history)


_frozen = False


def _freeze_startup_objects() -> None:
    """Move the objects alive now (Qt wrappers, pyqtgraph, modules) out of the cyclic GC.

    Training allocates fast, so Python's full (generation 2) collection runs now and then
    and walks every object: with the window's ~10^5 of them that took 40-140 ms, holding
    the GIL, and the window froze for that long mid-training. Once frozen, a full
    collection walks only what was made since. Done once per process (what is frozen is
    never collected; the startup objects live as long as the application anyway).
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


class QThreadWithName(QThread):
    """The training thread, named so a debugger or profiler shows what it is."""

    def __init__(self):
        super().__init__()
        self.setObjectName("nnviz-training")
