"""The window's file work: New, Open, Save, the exports and imports, the recent files.

:class:`FileActions` does what File menu items do for a :class:`~ui.main_window.MainWindow`
(which keeps its scripting surface, ``open_file``, ``save_file``, ``export_weights``,
``export_handout``, ``new_file``, by handing them on to it). Weight exports go by the
format registry (:mod:`nnviz.files.export_formats`): the dialog's filters and the written format
come from it. A file that cannot be read or written is reported in a dialog
(:func:`ui.dialogs.show_error`) and the open document stays as it was.
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnviz import resources
from nnviz.document import Design
from nnviz.errors import DatasetError, DesignError, NnvizError, ProjectFileError
from nnviz.files import export_formats
from nnviz.files.project import Project, TrainingSettings
from nnviz.limits import elide
from ui import disk_guard
from ui.background import run_and_wait
from ui.dialogs import plain_tooltip, show_error
from ui.export_proof import ExportProof

if TYPE_CHECKING:
    from ui.main_window import MainWindow

PROJECT_FILTER = "nnviz project (*.nnviz)"
MAX_RECENT = 8
# Export weights: (filter shown in the dialog, suffix the file gets), from the registry.
WEIGHT_FILTERS = tuple((f.filter, f.suffix) for f in export_formats.FORMATS.values())
IMAGE_FILTERS = (("PNG image (*.png)", ".png"), ("SVG drawing (*.svg)", ".svg"))
PYTHON_FILTER = "Python / Keras code (*.py *.txt)"
PDF_FILTER = "PDF document (*.pdf)"
#: The largest code file File > Import Keras Code reads (a network's code is a few lines).
MAX_IMPORT_BYTES = 1_000_000

SETTINGS_RECENT = "files/recent"
SETTINGS_LAST_DIR = "files/lastDir"


def _with_suffix(path: str, chosen_filter: str, filters) -> str:
    """``path`` with the suffix of the chosen filter, unless it already has one we know."""
    lower = path.lower()
    for _, suffix in filters:
        if lower.endswith(suffix):
            return path
    for name, suffix in filters:
        if name == chosen_filter:
            return path + suffix
    return path + filters[0][1]


class FileActions:
    """New, Open, Save, exports, imports and recent files for one window."""

    def __init__(self, window: MainWindow, untitled_name: str):
        self._w = window
        self.saving = False  # a save is being written (see save_file)
        self.close_after_save = False
        #: The title of a document without a file ("Lecture example", "Untitled").
        self.untitled_name = untitled_name
        #: The bundled example the open document is an untitled copy of, or None.
        self.example_stem: str | None = None
        self.on_disk = disk_guard.DiskStamp()  # the file as last opened or saved
        #: Checks each weight export in its runtime (:class:`ui.export_proof.ExportProof`).
        self.proof = ExportProof(window)

    def document_name(self) -> str:
        """The open document's name: its file's, or the untitled one."""
        project = self._w.project
        if project.path:
            return Path(project.path).name
        return self.untitled_name

    # ------------------------------------------------------------------ document
    def new_file(self) -> bool:
        """See :meth:`ui.main_window.MainWindow.new_file`."""
        w = self._w
        if not w.maybe_save():  # the window's: a script or test may answer it
            return False
        self.untitled_name = "Untitled"
        training = TrainingSettings.from_dict(w.project.training.to_dict())
        w._adopt(Project(Design(), training, w.project.dataset))
        w._show_message("New network: drag an Input, a Hidden and an Output layer "
                        "from the palette.")
        return True

    def open_file(self, path: str | os.PathLike) -> bool:
        """See :meth:`ui.main_window.MainWindow.open_file`."""
        w = self._w
        path = os.fspath(path)
        if not w.maybe_save():  # the window's: a script or test may answer it
            return False
        try:
            loaded = Project.load(path)
        except (ProjectFileError, DesignError, DatasetError) as error:
            show_error(w, "Cannot open the project", error)
            return False
        try:
            w._adopt(loaded)
        except Exception as error:  # noqa: BLE001 (a failed open must never lose the work)
            # Not one of ours: a bug in a view. _adopt put everything back as it was; the
            # traceback goes to stderr for a report, the user gets a dialog.
            traceback.print_exc()
            # A signal's error wraps the view's own (psygnal: "raise ... from"); name that.
            cause = error.__cause__ if error.__cause__ is not None else error
            show_error(w, "Cannot open the project",
                       f"Opening {Path(path).name} failed unexpectedly "
                       f"({type(cause).__name__}: {elide(str(cause).strip(), 300)}). The "
                       "project you had open is still open, as it was.")
            return False
        if resources.is_example(path):
            self.as_untitled_copy(path)
        else:
            self.add_recent(path)
            self.on_disk.remember(path)
        w._show_message(f"Opened {Path(path).name}")
        return True

    def as_untitled_copy(self, example: str | os.PathLike) -> None:
        """Make the document loaded from the bundled ``example`` an untitled copy of it."""
        self._w.project.path = None
        self.example_stem = Path(example).stem
        self.untitled_name = f"{self.example_stem} (example)"
        self._w._update_title()

    def save_file(self, path: str | os.PathLike) -> bool:
        """See :meth:`ui.main_window.MainWindow.save_file`."""
        w = self._w
        path = os.fspath(path)
        if resources.is_example(path):
            show_error(w, "Cannot save the project",
                       f"{Path(path).name} is one of nnviz's bundled examples and stays as it "
                       "is; save your copy under another name (File > Save As).")
            return False
        if self.saving:
            return False  # called again from inside the save's wait: that save decides
        if self.on_disk.changed(path):
            answer = disk_guard.ask_changed_on_disk(w, Path(path).name)
            if answer == disk_guard.SAVE_AS:
                return self.on_save_as()
            if answer != disk_guard.OVERWRITE:
                return False
        copy = None
        self.saving = True
        try:
            copy = w.session.begin_save(path)
            w.statusBar().showMessage(f"Saving {Path(path).name}…")
            run_and_wait(copy.save, name="nnviz-save")
        except (NnvizError, OSError) as error:
            self._end_save(copy, False)
            show_error(w, "Cannot save the project", error)
            return False
        except Exception as error:  # noqa: BLE001 (a failed save must never lose the work)
            # Not one of ours: a bug. The traceback goes to stderr for a report, the user
            # gets a dialog, and the document stays open and modified.
            self._end_save(copy, False)
            traceback.print_exc()
            show_error(w, "Cannot save the project",
                       f"The save failed unexpectedly ({type(error).__name__}: {error}). "
                       "Your work is still open; try File > Save As.")
            return False
        self._end_save(copy, True)
        self.add_recent(path)
        self.on_disk.remember(path)
        w._update_title()
        w._show_message(f"Saved {Path(path).name}")
        return True

    def _end_save(self, copy: Project | None, ok: bool) -> None:
        """The save of ``copy`` is over: tell the session; a close asked for meanwhile runs."""
        w = self._w
        self.saving = False
        if copy is not None:
            w.session.end_save(copy, ok)
        w.statusBar().clearMessage()
        if self.close_after_save:
            self.close_after_save = False
            QTimer.singleShot(0, w, w.close)

    def maybe_save(self) -> bool:
        """See :meth:`ui.main_window.MainWindow.maybe_save`."""
        w = self._w
        if self.saving:
            return False  # a save is being written: Open, New or Close wait for it
        # Training in progress counts: it becomes an undo step before the question.
        w.session.commit()
        if not w.is_modified():
            return True
        Btn = QMessageBox.StandardButton
        # An instance, not QMessageBox.question(): the file name is shown as plain text.
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"“{self.document_name()}” has changes that are not saved.\n"
                          "Do you want to save them first?",
                          Btn.Save | Btn.Discard | Btn.Cancel, w)
        box.setObjectName("unsavedChangesDialog")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(Btn.Save)
        box.setEscapeButton(Btn.Cancel)
        answer = box.exec()
        box.deleteLater()
        if answer == Btn.Save:
            # A failed save says why in a dialog and returns False: the caller (Close,
            # Open, New) is cancelled and the work stays open.
            return self.on_save()
        return answer == Btn.Discard

    # ------------------------------------------------------------------ dialogs
    def start_dir(self) -> str:
        """The folder the file dialogs start in (the last one used)."""
        return str(QSettings().value(SETTINGS_LAST_DIR, str(Path.home())))

    def remember_dir(self, path: str) -> None:
        """Start the next file dialog in ``path``'s folder."""
        QSettings().setValue(SETTINGS_LAST_DIR, str(Path(path).parent))

    def on_open(self) -> bool:
        """File > Open…"""
        path, _ = QFileDialog.getOpenFileName(self._w, "Open project", self.start_dir(),
                                              f"{PROJECT_FILTER};;All files (*)")
        if not path:
            return False
        self.remember_dir(path)
        return self._w.open_file(path)

    def on_save(self) -> bool:
        """File > Save: to the project's file, or asks where (Save As)."""
        project = self._w.project
        if project.path:
            return self._w.save_file(project.path)
        return self.on_save_as()

    def on_save_as(self) -> bool:
        """File > Save As…"""
        start = self._w.project.path or str(
            Path(self.start_dir()) / f"{self.example_stem or 'network'}.nnviz")
        path, _ = QFileDialog.getSaveFileName(self._w, "Save project as", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".nnviz"):
            path += ".nnviz"
        self.remember_dir(path)
        return self._w.save_file(path)

    # ------------------------------------------------------------------ exports
    def export_weights(self, path: str) -> bool:
        """See :meth:`ui.main_window.MainWindow.export_weights`."""
        w = self._w
        try:
            fmt = export_formats.for_path(path)
            model = w.project.build_model()
            written = fmt.export(model, path)
        except NnvizError as error:
            show_error(w, "Cannot export the weights", error)
            return False
        w._show_message("Exported " + " and ".join(Path(p).name for p in written)
                        + "; checking it…")
        # Proof of export: the file is loaded in its runtime and predicts as nnviz does.
        self.proof.start(path, fmt.suffix, model)
        return True

    def on_export_weights(self) -> bool:
        """File > Export Weights…: the formats of the registry, one filter each."""
        filters = ";;".join(name for name, _ in WEIGHT_FILTERS)
        path, chosen = QFileDialog.getSaveFileName(
            self._w, "Export weights",
            str(Path(self.start_dir()) / f"weights{WEIGHT_FILTERS[0][1]}"), filters)
        if not path:
            return False
        self.remember_dir(path)
        return self._w.export_weights(_with_suffix(path, chosen, WEIGHT_FILTERS))

    def export_image(self, path: str) -> bool:
        """See :meth:`ui.main_window.MainWindow.export_image`."""
        w = self._w
        try:
            w.canvas.export_image(path)
        except (NnvizError, OSError) as error:
            show_error(w, "Cannot export the image", error)
            return False
        w._show_message(f"Exported {Path(path).name}")
        return True

    def on_export_image(self) -> bool:
        """File > Export Image…"""
        filters = ";;".join(name for name, _ in IMAGE_FILTERS)
        path, chosen = QFileDialog.getSaveFileName(
            self._w, "Export image", str(Path(self.start_dir()) / "network.png"), filters)
        if not path:
            return False
        self.remember_dir(path)
        return self._w.export_image(_with_suffix(path, chosen, IMAGE_FILTERS))

    def export_handout(self, path: str | os.PathLike | None,
                       slides_dir: str | os.PathLike | None = None,
                       worksheet: bool = False) -> bool:
        """See :meth:`ui.main_window.MainWindow.export_handout`."""
        from ui.handout import export_handout
        from ui.worksheet import export_worksheet

        w = self._w
        name = Path(self.document_name()).stem if w.project.path else self.document_name()
        try:
            if worksheet:
                if path is None:
                    raise NnvizError("A worksheet is a PDF: give the file to write.")
                export_worksheet(w.session, path, name)
            else:
                export_handout(w.session, path, name, slides_dir=slides_dir)
        except (NnvizError, OSError) as error:
            show_error(w, f"Cannot export the {'worksheet' if worksheet else 'handout'}", error)
            return False
        written = path if path is not None else slides_dir
        assert written is not None  # the window asks for a PDF, the slides or both
        w._show_message(f"Exported {Path(written).name}")
        return True

    def on_export_handout(self) -> bool:
        """File > Export Handout…"""
        path, _ = QFileDialog.getSaveFileName(
            self._w, "Export handout", str(Path(self.start_dir()) / "handout.pdf"), PDF_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self.remember_dir(path)
        return self._w.export_handout(path)

    def on_export_worksheet(self) -> bool:
        """File > Export Worksheet…"""
        path, _ = QFileDialog.getSaveFileName(
            self._w, "Export worksheet", str(Path(self.start_dir()) / "worksheet.pdf"),
            PDF_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self.remember_dir(path)
        return self._w.export_handout(path, worksheet=True)

    def on_export_slides(self) -> bool:
        """File > Export Slides…"""
        folder = QFileDialog.getExistingDirectory(self._w, "Export slides into folder",
                                                  self.start_dir())
        if not folder:
            return False
        QSettings().setValue(SETTINGS_LAST_DIR, folder)
        return self._w.export_handout(None, slides_dir=folder)

    # ------------------------------------------------------------------ Keras code
    def import_keras_code(self, text: str) -> bool:
        """See :meth:`ui.main_window.MainWindow.import_keras_code`."""
        message = self._w.code_dock.import_code(text)
        if message:
            show_error(self._w, "Cannot import the Keras code", message)
            return False
        return True

    def import_keras_file(self, path: str | os.PathLike) -> bool:
        """See :meth:`ui.main_window.MainWindow.import_keras_file`."""
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_IMPORT_BYTES + 1)
            if len(raw) > MAX_IMPORT_BYTES:
                raise NnvizError(f"{Path(path).name} is larger than "
                                 f"{MAX_IMPORT_BYTES:,} bytes; it is not a network's code.")
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, NnvizError) as error:
            show_error(self._w, "Cannot import the Keras code", error)
            return False
        return self._w.import_keras_code(text)

    def on_import_keras(self) -> bool:
        """File > Import Keras Code…"""
        path, _ = QFileDialog.getOpenFileName(self._w, "Import Keras code", self.start_dir(),
                                              f"{PYTHON_FILTER};;All files (*)")
        if not path:
            return False
        self.remember_dir(path)
        return self._w.import_keras_file(path)

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        """The recently opened or saved projects, newest first."""
        value = QSettings().value(SETTINGS_RECENT, [])
        if isinstance(value, str):  # QSettings returns a bare string for a 1-item list
            value = [value]
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else []

    def add_recent(self, path: str) -> None:
        """Put ``path`` first in the recent files (at most :data:`MAX_RECENT`)."""
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files() if p != path]
        QSettings().setValue(SETTINGS_RECENT, [path, *files][:MAX_RECENT])

    def fill_recent_menu(self) -> None:
        """File > Open Recent, filled as it opens."""
        menu = self._w.recent_menu
        menu.clear()
        files = self.recent_files()
        for path in files:
            action = menu.addAction(Path(path).name)
            action.setToolTip(plain_tooltip(path))
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self._w.open_file(p))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear Recent Files",
                           lambda: QSettings().setValue(SETTINGS_RECENT, []))
