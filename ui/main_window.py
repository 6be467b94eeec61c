"""The designer window: canvas in the middle, palette and inspector docks, menus, files.

``MainWindow()`` opens on the lecture's example (2 inputs -> 3 relu -> 2 softmax, wired,
with a two-class 2-D data set). ``window.project`` is one :class:`~nnviz.files.project.Project`
for the window's whole life: opening a file replaces its content in place (the design
emits ``reset``), so the canvas and docks never need to be rebuilt.

The window remembers its geometry, dock layout, theme and recent files in ``QSettings``.
Its parts: :mod:`ui.file_actions` (New, Open, Save, the exports), :mod:`ui.menus` (the
menu bar, as a table) and :mod:`ui.status_bar` (the status bar's presenter).
"""
from __future__ import annotations

import os
from typing import cast

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMenu,
    QWidget,
)

from nnviz import resources
from nnviz.document import Design
from nnviz.errors import DatasetError, DesignError, ProjectFileError
from nnviz.files.project import Project
from nnviz.session.runners import default_runner
from nnviz.session.session import Session
from ui import dock_layout
from ui.analysis_view import AnalysisView
from ui.canvas import CanvasScene, CanvasView
from ui.code_dock import CodeDock
from ui.compare_view import CompareController
from ui.confusion_view import ConfusionView
from ui.dialogs import HowToDialog
from ui.file_actions import (  # noqa: F401 (re-exported: the names the window always had)
    IMAGE_FILTERS,
    MAX_IMPORT_BYTES,
    MAX_RECENT,
    PDF_FILTER,
    PROJECT_FILTER,
    PYTHON_FILTER,
    SETTINGS_LAST_DIR,
    SETTINGS_RECENT,
    WEIGHT_FILTERS,
    FileActions,
)
from ui.inspector import InspectorDock
from ui.lesson import LessonApplier
from ui.loss_surface import LossSurfaceDock
from ui.menus import build_menus
from ui.neuron_maps_view import NeuronMapsLink
from ui.palette import PaletteWidget, palette_panel
from ui.resources import icon_path
from ui.status_bar import StatusBarPresenter
from ui.theme import apply_theme
from ui.training import TrainingController
from ui.training.chain_rule_view import ChainRuleDock
from ui.training.health import GradientHealth
from ui.weight_matrix import WeightMatrixDialog, install_context_menu, open_weight_matrix
from ui.wheel_guard import WheelGuard, guard_wheel

# Where a layer added from the palette by double-click lands, relative to the rightmost
# layer (scene units): far enough that the two columns and their ports do not overlap.
NEW_LAYER_SPACING = 220.0

SETTINGS_GEOMETRY = "window/geometry"
SETTINGS_STATE = "window/state"
SETTINGS_DARK = "view/dark"
# Bump when the set of docks changes so an old saved layout is not applied to new docks.
STATE_VERSION = 2
#: The window's size on a first start when the screen has room for it (frame excluded).
FIRST_START_SIZE = QSize(1440, 900)
#: Room a window manager's frame and title bar take around the window (pixels, each way).
FRAME_ALLOWANCE = QSize(16, 48)
#: Seconds closing the window waits for an export check still running (see shutdown).
SHUTDOWN_CHECK_WAIT_S = 3.0


def first_start_geometry(available: QRect, wanted: QSize = FIRST_START_SIZE) -> tuple[QRect, bool]:
    """Where a first start puts the window on a screen whose free area is ``available``.

    Returns ``(geometry, maximized)``. A screen with room for ``wanted`` plus a frame gets
    a window of that size, centred; a smaller screen (1366x768: a 1440x900 window would
    put the buttons, the lecture view and the plots off the screen) gets a maximized
    window, and ``geometry`` is then the whole free area (the size it has once normal).
    """
    room = QSize(available.width() - FRAME_ALLOWANCE.width(),
                 available.height() - FRAME_ALLOWANCE.height())
    if room.width() >= wanted.width() and room.height() >= wanted.height():
        rect = QRect(0, 0, wanted.width(), wanted.height())
        rect.moveCenter(available.center())
        return rect, False
    return QRect(available.x(), available.y(), max(1, room.width()), max(1, room.height())), True


class MainWindow(QMainWindow):
    """The nnviz designer window.

    Public: ``project``, ``design``, ``scene``, ``canvas``, ``palette``, ``inspector``,
    ``undo_stack``, ``training`` (the TrainingController), ``open_file(path)``,
    ``save_file(path)``, ``new_file()``, ``is_modified()``, ``set_dark(dark)``.
    """

    # Made by ui.menus.build_menus from its table (and ui.weight_matrix); named for the checker.
    weight_matrix_dialog: WeightMatrixDialog
    canvas_menu: QMenu
    weight_matrix_action: QAction
    undo_action: QAction
    redo_action: QAction
    delete_action: QAction
    select_all_action: QAction
    light_action: QAction
    dark_action: QAction
    examples_menu: QMenu
    recent_menu: QMenu
    #: The layer palette: the name hides QWidget.palette() on the window (scripts know it).
    palette: PaletteWidget

    def __init__(self, project: Project | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        # A closed window is deleted (its widgets, session and run with it): a script or a
        # test that opens many windows in one process does not keep every one it closed.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setWindowIcon(QIcon(icon_path("nnviz")))
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        #: The one owner of the project, its run and its undo stack.
        # Training runs in a process of its own (started by the first Train): the window
        # draws on one core while the network trains on another. The runner decides
        # (NNVIZ_TRAINING_PROCESS=0 trains on the window's training thread instead).
        self.session = Session(project if project is not None else Project.lecture_example(),
                               runner=default_runner())
        self._needs_default_sizes = True
        self._clamped = False
        #: New, Open, Save, the exports and the recent files (ui.file_actions).
        self.files = FileActions(self, "Lecture example" if project is None else "Untitled")
        self._how_to: HowToDialog | None = None
        self._n_features: int | None = None
        self._n_targets: int | None = None

        self.scene = CanvasScene(self.project.design)
        self.canvas = CanvasView(self.scene)
        self.setCentralWidget(self.canvas)

        self.palette = PaletteWidget()
        self.palette.sig_add_layer.connect(self._on_palette_add_layer)
        self.palette_dock = QDockWidget("Layers", self)
        self.palette_dock.setObjectName("paletteDock")
        self.palette_dock.setWidget(palette_panel(self.palette))
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)

        self.inspector = InspectorDock(self.project.design, self)
        self.inspector.sig_message.connect(self._show_message)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.inspector)
        self.scene.sig_selection_changed.connect(self.inspector.set_selection)

        self.training = TrainingController(self)
        self.training.sig_frame.connect(self._on_training_frame)
        self.neuron_maps = NeuronMapsLink(self)
        self.loss_surface = LossSurfaceDock(self)
        #: Training > Compare… (its dock, its thread) and the confusion matrices' dock.
        self.compare = CompareController(self)
        self.confusion = ConfusionView(self)
        self.chain_rule = ChainRuleDock(self)  # the clicked weight's chain rule, a tab
        #: Gradient health: the "Gradients" plot, stuck neurons marked, vanishing layers named.
        self.health = GradientHealth(self)
        self.scene.sig_message.connect(self._show_message)

        # The design as the lecture's Keras code, live; pasted code imported back.
        self.code_dock = CodeDock(self.session, self)
        self.code_dock.sig_message.connect(self._show_message)
        self.code_dock.sig_imported.connect(self.canvas.fit)
        self.scene.sig_selection_changed.connect(self.code_dock.set_selection)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.code_dock)
        self.analysis = AnalysisView(self)  # cards' sizes, totals, warnings (ui.analysis_view)

        build_menus(self)  # the menu table: ui.menus
        # A layer's weight matrix (ui.weight_matrix): from its context menu, the inspector.
        install_context_menu(self)
        self.inspector.sig_open_matrix.connect(lambda layer_id: open_weight_matrix(self, layer_id))
        #: The status bar's messages and its two labels (ui.status_bar).
        self.status_presenter = StatusBarPresenter(self)
        self.run_state_label = self.status_presenter.run_state_label
        self.validation_label = self.status_presenter.validation_label
        # Fields in every dock change with the wheel only once focused (see ui.wheel_guard).
        self._wheel_guard = WheelGuard(self)
        for dock in self.findChildren(QDockWidget):
            guard_wheel(dock, self._wheel_guard)

        events = self.design.events
        for signal in (events.layer_added, events.layer_removed, events.layer_changed,
                       events.connection_added, events.connection_removed, events.reset):
            signal.connect(self.status_presenter.schedule_validation)
        self.undo_stack.changed.connect(self._update_title)
        self.undo_stack.changed.connect(self._update_edit_actions)
        self.project.events.settings_changed.connect(self._on_settings_changed)

        #: Whether a first start asks for a maximized window (see :meth:`show_first`).
        self.start_maximized = False
        self._place_on_screen()
        dock_layout.arrange_docks(self)
        self._default_state = self.saveState(STATE_VERSION)
        self._restore_settings()
        #: Hides and locks what the project's lesson says (ui.lesson); after the remembered
        #: layout, which may show a dock the lesson hides.
        self.lesson_view = LessonApplier(self)
        if self._needs_default_sizes:
            # Folded before the first show: the three plots' least width would otherwise
            # widen a small window as it appears.
            self.training.fold_plots_until_history()
        self._read_dataset_shape()
        self._after_document_loaded()
        if self.project.path and resources.is_example(self.project.path):
            self.files.as_untitled_copy(self.project.path)

    # ------------------------------------------------------------------ properties
    @property
    def project(self) -> Project:
        """The open project (``session.project``: one object for the window's life)."""
        return self.session.project

    @property
    def design(self) -> Design:
        """The design document the canvas edits (``project.design``)."""
        return self.project.design

    @property
    def undo_stack(self):
        """The session's one undo stack (Edit > Undo/Redo act on it)."""
        return self.session.undo_stack

    def is_modified(self) -> bool:
        """True when the document has changes that are not saved (every change is a step)."""
        return not self.undo_stack.is_clean

    def dataset_shape(self) -> tuple[int | None, int | None]:
        """The data set's number of features and targets (None: it cannot be loaded)."""
        return self._n_features, self._n_targets

    # ------------------------------------------------------------------ status bar
    def run_state_text(self) -> str:
        """What the run is doing, as the status bar's "runStateLabel" says it (the
        session's status, rendered: see :meth:`nnviz.session.session.Session.status_text`)."""
        return self.status_presenter.run_state_text()

    def update_run_state(self) -> None:
        """Say in the status bar what the run is doing (training, paused, diverged, done)."""
        self.status_presenter.update_run_state()

    def update_validation(self) -> None:
        """Show ``design.validate()``'s first problem (and how many more) in the status bar."""
        self.status_presenter.update_validation()

    def _show_message(self, text: str) -> None:
        self.status_presenter.show_message(text)

    # ------------------------------------------------------------------ building
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """On the first show without a remembered layout, give the docks their default sizes."""
        super().showEvent(event)
        if self._clamped:
            return
        if self._needs_default_sizes:
            self._needs_default_sizes = False
            dock_layout.apply_default_sizes(self)
            self.training.fold_plots_until_history()
        else:
            # A layout remembered from a session where a dock had grown is not kept.
            dock_layout.clamp_docks(self)
        self._clamped = True
        # Fit once the docks have their sizes and the canvas its final viewport.
        QTimer.singleShot(0, self.canvas, self.canvas.fit)

    def _place_on_screen(self, available: QRect | None = None) -> None:
        """A first start's size: :func:`first_start_geometry` of the screen's free area."""
        if available is None:
            screen = self.screen() or QApplication.primaryScreen()
            available = screen.availableGeometry() if screen is not None else \
                QRect(0, 0, FIRST_START_SIZE.width(), FIRST_START_SIZE.height())
        rect, self.start_maximized = first_start_geometry(available)
        self.setGeometry(rect)

    def show_first(self) -> None:
        """Show the window as a start should: maximized on a screen too small for the first
        start's size (no remembered geometry), else as it was placed or remembered."""
        if self.start_maximized:
            self.showMaximized()
        else:
            self.show()

    # ------------------------------------------------------------------ files (ui.file_actions)
    def new_file(self) -> bool:
        """Start an empty network (keeping the data set and training settings).

        Asks first when there are unsaved changes; returns False when the user cancels.
        """
        return self.files.new_file()

    def open_file(self, path: str | os.PathLike) -> bool:
        """Open the ``.nnviz`` project at ``path`` in this window; True if it was opened.

        Asks first when there are unsaved changes. A file that cannot be read is reported
        in a dialog and the open document stays exactly as it was. One of the bundled
        examples opens as an untitled copy ("xor (example)"): Save asks where, so the
        file inside the package is never written.
        """
        return self.files.open_file(path)

    def save_file(self, path: str | os.PathLike) -> bool:
        """Save the project to ``path`` (atomically); True on success, else a dialog says why.

        The project is copied here, in milliseconds, and the copy is written on a thread
        of its own (``ui.background.run_and_wait``): meanwhile the window keeps painting
        and training goes on, but clicks and keys wait, and this call returns once the
        file is written, so scripts and tests get the answer as before. A close asked for
        meanwhile happens after the save.
        """
        return self.files.save_file(path)

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; False means the user cancelled."""
        return self.files.maybe_save()

    def export_weights(self, path: str) -> bool:
        """Export the network's weights (or Keras code) to ``path``, by its suffix."""
        return self.files.export_weights(path)

    def export_image(self, path: str) -> bool:
        """Save the canvas as a PNG or SVG picture at ``path``."""
        return self.files.export_image(path)

    def import_keras_code(self, text: str) -> bool:
        """Read Keras ``text`` into the project as one undo step (see ui.code_dock); True if
        it was read, else a dialog gives the line and the reason. Nothing in it runs."""
        return self.files.import_keras_code(text)

    def import_keras_file(self, path: str | os.PathLike) -> bool:
        """Import the Keras code in the file at ``path`` (see :meth:`import_keras_code`)."""
        return self.files.import_keras_file(path)

    def export_handout(self, path: str | os.PathLike | None,
                       slides_dir: str | os.PathLike | None = None,
                       worksheet: bool = False) -> bool:
        """Write the handout PDF (and/or one PNG per stage into ``slides_dir``); with
        ``worksheet``, the worksheet PDF instead (each stage's question, the answers last:
        see ui.worksheet). The window's run, weights and undo stack are not touched."""
        return self.files.export_handout(path, slides_dir, worksheet)

    def recent_files(self) -> list[str]:
        """The recently opened or saved projects, newest first."""
        return self.files.recent_files()

    # ------------------------------------------------------------------ document
    def _adopt(self, loaded: Project) -> None:
        """Take ``loaded``'s content into ``self.project`` in place (one project per window).

        Whole or not at all: if the session or any view raises on the way, the session
        puts the document, its run and its undo stack back (``Session.replacing``), the
        window its own fields, and the error goes on to the caller.
        """
        files = self.files
        mine = (files.example_stem, files.untitled_name, self._n_features, self._n_targets)
        try:
            with self.session.replacing(loaded):
                self._read_dataset_shape()
                self._after_document_loaded()
        except BaseException:
            files.example_stem, files.untitled_name, self._n_features, self._n_targets = mine
            self._update_title()
            self._update_edit_actions()
            self.update_validation()
            raise

    def _after_document_loaded(self) -> None:
        self.files.example_stem = None
        self._update_title()
        self._update_edit_actions()
        self.update_validation()
        self.inspector.set_selection(None)
        # A newly opened network is shown whole (its positions may lie anywhere).
        self.canvas.fit()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.document_name()}[*] — nnviz")
        self.setWindowModified(self.is_modified())

    def _update_edit_actions(self) -> None:
        stack = self.undo_stack
        self.undo_action.setEnabled(stack.can_undo)
        self.redo_action.setEnabled(stack.can_redo)
        self.undo_action.setText(f"&Undo {stack.undo_text}" if stack.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {stack.redo_text}" if stack.can_redo else "&Redo")

    def _on_training_frame(self) -> None:
        """Give the inspector the latest forward/backward numbers of the training frame."""
        trace, ids = self.training.trace, self.training.layer_ids
        if trace is None or not ids:
            self.inspector.show_values()
            return
        z, a = {ids[0]: trace.x}, {ids[0]: trace.x}
        for m, (zm, am) in enumerate(zip(trace.z, trace.a)):
            if zm is not None:
                z[ids[m + 1]] = zm
            if am is not None:
                a[ids[m + 1]] = am
        grads = {(ids[m], ids[m + 1]): dw for m, dw in enumerate(trace.dW) if dw is not None}
        self.inspector.show_values(z, a, grads)

    def _on_settings_changed(self) -> None:
        self._read_dataset_shape()
        self._update_title()
        self.update_validation()

    def _read_dataset_shape(self) -> None:
        """Remember the data set's number of features and targets, for validation."""
        try:
            dataset = self.session.dataset()  # loaded once per data set, not per setting
        except (DatasetError, ProjectFileError, OSError) as error:
            self._n_features = self._n_targets = None
            self._show_message(f"The data set cannot be loaded: {error}")
            return
        self._n_features, self._n_targets = dataset.n_features, dataset.n_targets

    # ------------------------------------------------------------------ edit actions
    def _on_delete(self) -> None:
        self._apply(self.scene.delete_selection)

    def _on_select_all(self) -> None:
        for item in [*self.scene.layer_items(), *self.scene.bundle_items()]:
            item.setSelected(True)

    def _apply(self, edit, *args) -> None:
        try:
            edit(*args)
        except DesignError as error:
            self._show_message(str(error))

    def _on_palette_add_layer(self, kind: str) -> None:
        """Double-click/Enter in the palette: a new layer to the right of the others."""
        layers = self.design.layers
        if layers:
            rightmost = max(layers, key=lambda spec: spec.x)
            x, y = rightmost.x + NEW_LAYER_SPACING, rightmost.y
        else:
            centre = self.canvas.mapToScene(self.canvas.viewport().rect().center())
            x, y = centre.x(), centre.y()
        self._apply(self.design.add_layer, kind, x, y)
        self.canvas.ensureVisible(x - 60, y - 60, 120, 120)

    # ------------------------------------------------------------------ view
    def fit_network(self) -> None:
        """Zoom and scroll so the whole network is in view."""
        self.canvas.fit()

    def reset_layout(self) -> None:
        """Put every dock back where it was when the window opened."""
        for dock in self.findChildren(QDockWidget):
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, STATE_VERSION)
        dock_layout.apply_default_sizes(self)
        self.lesson_view.reapply_docks()

    def set_dark(self, dark: bool) -> None:
        """Switch the whole window, canvas included, to the dark or light theme."""
        apply_theme(cast(QApplication, QApplication.instance()), dark)
        self.scene.set_theme(dark)
        # The view caches its background (grid); the scene's invalidate does not reach
        # that cache, so drop it here or the old theme's grid stays on screen.
        self.canvas.resetCachedContent()
        self.dark_action.setChecked(dark)
        self.light_action.setChecked(not dark)
        self.dark = dark
        QSettings().setValue(SETTINGS_DARK, dark)

    def show_how_to(self) -> None:
        """Open the "How to use" page (non-modal, so it can stay beside the window)."""
        if self._how_to is None:
            self._how_to = HowToDialog(self)
        self._how_to.show()
        self._how_to.raise_()

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value(SETTINGS_GEOMETRY)
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            # The remembered state (maximized or not) comes with the geometry.
            self.start_maximized = False
        state = settings.value(SETTINGS_STATE)
        if isinstance(state, QByteArray) and self.restoreState(state, STATE_VERSION):
            self._needs_default_sizes = False
        dark = settings.value(SETTINGS_DARK, False)
        self.set_dark(dark in (True, "true", "1", 1))

    def save_settings(self) -> None:
        """Remember the geometry and dock layout for the next start."""
        settings = QSettings()
        settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        self.chain_rule.step_back_for_saving()
        if not self.lesson_view.hides_a_dock():
            # A lesson's missing panel is not the user's layout for the next start.
            settings.setValue(SETTINGS_STATE, self.saveState(STATE_VERSION))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Ask about unsaved changes, remember the layout, stop training, then close."""
        if self.files.saving:
            # The window manager's close button is not input that a save's wait holds
            # back: close once the file is written.
            self.files.close_after_save = True
            event.ignore()
            return
        if not self.maybe_save():
            event.ignore()
            return
        # The layout to remember is the window's own, not presentation mode's full screen.
        if self.training is not None and self.training.presentation_mode:
            self.training.set_presentation_mode(False)
        self.save_settings()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the training thread cleanly (called when the window closes)."""
        if self.training is not None:
            self.training.shutdown()
        self.compare.shutdown()
        # A check of an export still loading its runtime gets a moment to end; past that it
        # is a daemon thread and never keeps the program from quitting.
        self.files.proof.wait(SHUTDOWN_CHECK_WAIT_S)

