"""The designer window: canvas in the middle, palette and inspector docks, menus, files.

``MainWindow()`` opens on the lecture's example (2 inputs -> 3 relu -> 2 softmax, wired,
with a two-class 2-D data set). ``window.project`` is one :class:`~nnviz.project.Project`
for the window's whole life: opening a file replaces its content in place (the design
emits ``reset``), so the canvas and docks never need to be rebuilt.

The window remembers its geometry, dock layout, theme and recent files in ``QSettings``.
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from nnviz import export_formats, resources
from nnviz.document import Design
from nnviz.errors import DatasetError, DesignError, NnvizError, ProjectFileError
from nnviz.limits import elide
from nnviz.project import Project, TrainingSettings
from nnviz.run_status import RunStatus
from nnviz.runners import default_runner
from nnviz.session import Session
from ui import disk_guard
from ui.background import run_and_wait
from ui.canvas import CanvasScene, CanvasView
from ui.code_dock import CodeDock
from ui.dialogs import HowToDialog, plain_tooltip, show_about, show_error
from ui.inspector import InspectorDock
from ui.loss_surface import LossSurfaceDock
from ui.neuron_maps_view import NeuronMapsLink
from ui.palette import PaletteWidget
from ui.resources import icon_path
from ui.theme import apply_theme
from ui.training import TrainingController
from ui.wheel_guard import WheelGuard, guard_wheel

PROJECT_FILTER = "nnviz project (*.nnviz)"
MAX_RECENT = 8
# Where a layer added from the palette by double-click lands, relative to the rightmost
# layer (scene units): far enough that the two columns and their ports do not overlap.
NEW_LAYER_SPACING = 220.0

# Export weights: (filter shown in the dialog, suffix the file gets), from the registry.
WEIGHT_FILTERS = tuple((f.filter, f.suffix) for f in export_formats.FORMATS.values())
IMAGE_FILTERS = (("PNG image (*.png)", ".png"), ("SVG drawing (*.svg)", ".svg"))
PYTHON_FILTER = "Python / Keras code (*.py *.txt)"
PDF_FILTER = "PDF document (*.pdf)"
#: The largest code file File > Import Keras Code reads (a network's code is a few lines).
MAX_IMPORT_BYTES = 1_000_000

SETTINGS_GEOMETRY = "window/geometry"
SETTINGS_STATE = "window/state"
SETTINGS_RECENT = "files/recent"
SETTINGS_DARK = "view/dark"
SETTINGS_LAST_DIR = "files/lastDir"
# Bump when the set of docks changes so an old saved layout is not applied to new docks.
STATE_VERSION = 2
#: The window's size on a first start when the screen has room for it (frame excluded).
FIRST_START_SIZE = QSize(1440, 900)
#: Room a window manager's frame and title bar take around the window (pixels, each way).
FRAME_ALLOWANCE = QSize(16, 48)


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


class MainWindow(QMainWindow):
    """The nnviz designer window.

    Public: ``project``, ``design``, ``scene``, ``canvas``, ``palette``, ``inspector``,
    ``undo_stack``, ``training`` (the TrainingController), ``open_file(path)``,
    ``save_file(path)``, ``new_file()``, ``is_modified()``, ``set_dark(dark)``.
    """

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
        self._saving = False  # a save is being written (see save_file)
        self._close_after_save = False
        self._untitled_name = "Lecture example" if project is None else "Untitled"
        self._example_stem: str | None = None
        self._on_disk = disk_guard.DiskStamp()  # the file as last opened or saved
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
        self.palette_dock.setWidget(self._palette_panel())
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)

        self.inspector = InspectorDock(self.project.design, self)
        self.inspector.sig_message.connect(self._show_message)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.inspector)
        self.scene.sig_selection_changed.connect(self.inspector.set_selection)

        self.training = TrainingController(self)
        self.training.sig_frame.connect(self._on_training_frame)
        self.neuron_maps = NeuronMapsLink(self)
        self.loss_surface = LossSurfaceDock(self)
        self.scene.sig_message.connect(self._show_message)

        # The design as the lecture's Keras code, live; pasted code imported back.
        self.code_dock = CodeDock(self.session, self)
        self.code_dock.sig_message.connect(self._show_message)
        self.code_dock.sig_imported.connect(self.canvas.fit)
        self.scene.sig_selection_changed.connect(self.code_dock.set_selection)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.code_dock)

        self._build_menus()
        self._build_status_bar()
        # Fields in every dock change with the wheel only once focused (see ui.wheel_guard).
        self._wheel_guard = WheelGuard(self)
        for dock in self.findChildren(QDockWidget):
            guard_wheel(dock, self._wheel_guard)

        events = self.design.events
        for signal in (events.layer_added, events.layer_removed, events.layer_changed,
                       events.connection_added, events.connection_removed, events.reset):
            signal.connect(self._schedule_validation)
        self.undo_stack.changed.connect(self._update_title)
        self.undo_stack.changed.connect(self._update_edit_actions)
        self.project.events.settings_changed.connect(self._on_settings_changed)

        #: Whether a first start asks for a maximized window (see :meth:`show_first`).
        self.start_maximized = False
        self._place_on_screen()
        self._arrange_docks()
        self._default_state = self.saveState(STATE_VERSION)
        self._restore_settings()
        if self._needs_default_sizes:
            # Folded before the first show: the three plots' least width would otherwise
            # widen a small window as it appears.
            self.training.fold_plots_until_history()
        self._read_dataset_shape()
        self._after_document_loaded()
        if self.project.path and resources.is_example(self.project.path):
            self._as_untitled_copy(self.project.path)

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

    # ------------------------------------------------------------------ building
    def _action(self, text: str, slot, shortcut=None, name: str | None = None,
                tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        Key = QKeySequence.StandardKey

        file_menu = bar.addMenu("&File")
        file_menu.setObjectName("fileMenu")
        self.new_action = self._action("&New", self.new_file, Key.New, "actionNew",
                                       "Start an empty network")
        self.open_action = self._action("&Open…", self._on_open, Key.Open, "actionOpen",
                                        "Open an .nnviz project")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        # The examples that ship inside the installed package; each opens as an untitled copy.
        self.examples_menu = QMenu("Open &Example", file_menu)
        self.examples_menu.setObjectName("examplesMenu")
        for title, path in resources.examples():
            action = self.examples_menu.addAction(title)
            action.setObjectName(f"actionExample_{path.stem}")
            action.setStatusTip(f"Open a copy of the {title} example ({path.name})")
            action.triggered.connect(lambda checked=False, p=path: self.open_file(p))
        file_menu.insertMenu(self.recent_menu.menuAction(), self.examples_menu)
        self.save_action = self._action("&Save", self._on_save, Key.Save, "actionSave",
                                        "Save the project")
        self.save_as_action = self._action("Save &As…", self._on_save_as, Key.SaveAs,
                                           "actionSaveAs", "Save the project under a new name")
        self.export_weights_action = self._action(
            "Export &Weights…", self._on_export_weights, "Ctrl+Shift+E", "actionExportWeights",
            "Write the weights for NumPy, Keras or ONNX, or the equivalent Keras code")
        self.export_image_action = self._action(
            "Export &Image…", self._on_export_image, "Ctrl+Shift+I", "actionExportImage",
            "Save the canvas as a PNG or SVG picture")
        self.import_keras_action = self._action(
            "Import &Keras Code…", self._on_import_keras, None, "actionImportKeras",
            "Read a network from Keras code (Sequential, Dense, compile); nothing in it runs")
        self.export_handout_action = self._action(
            "Export &Handout…", self._on_export_handout, None, "actionExportHandout",
            "A printable PDF: the network, each stage of one batch with its formulas, the loss")
        self.export_slides_action = self._action(
            "Export &Slides…", self._on_export_slides, None, "actionExportSlides",
            "One PNG per stage of one batch, for slides")
        self.quit_action = self._action("&Quit", self.close, Key.Quit, "actionQuit")
        file_menu.insertAction(self.recent_menu.menuAction(), self.new_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.export_weights_action, self.export_image_action])
        file_menu.addActions([self.import_keras_action, self.export_handout_action,
                              self.export_slides_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action("&Undo", self.undo_stack.undo, Key.Undo, "actionUndo")
        self.redo_action = self._action("&Redo", self.undo_stack.redo,
                                        _distinct_keys(Key.Redo, "Ctrl+Shift+Z", "Ctrl+Y"),
                                        "actionRedo")
        self.delete_action = self._action("&Delete", self._on_delete,
                                          [QKeySequence(Key.Delete), "Backspace"],
                                          "actionDelete", "Delete the selected layers and connections")
        self.select_all_action = self._action("Select &All", self._on_select_all, Key.SelectAll,
                                              "actionSelectAll")
        # The canvas owns these keys while it has focus; shortcuts reach it from anywhere
        # in the window except text fields, which keep Delete/Ctrl+A for their own text.
        for action in (self.delete_action, self.select_all_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.canvas.addAction(action)
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.delete_action, self.select_all_action])

        view_menu = bar.addMenu("&View")
        self.zoom_in_action = self._action("Zoom &In", self._on_zoom_in,
                                           [QKeySequence(Key.ZoomIn), "Ctrl+="], "actionZoomIn")
        self.zoom_out_action = self._action("Zoom &Out", self._on_zoom_out, Key.ZoomOut,
                                            "actionZoomOut")
        self.fit_action = self._action("&Fit Network", self.fit_network, "Ctrl+0", "actionFit",
                                       "Zoom so the whole network is in view")
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action])
        self.show_weights_action = self._action(
            "Show &Weight Values", self.scene.set_show_weight_labels, "Ctrl+Shift+W",
            "actionShowWeights",
            "Write each connection's weight (dL/dw while back-propagating) on its line")
        self.show_weights_action.setCheckable(True)
        view_menu.addAction(self.show_weights_action)
        view_menu.addSeparator()
        panels = view_menu.addMenu("&Panels")
        for dock in self.findChildren(QDockWidget):
            panels.addAction(dock.toggleViewAction())
        self.reset_layout_action = self._action("&Reset Layout", self.reset_layout, None,
                                                "actionResetLayout",
                                                "Put every panel back where it started")
        view_menu.addAction(self.reset_layout_action)
        view_menu.addSeparator()
        view_menu.addAction(self.training.presentation_action)
        view_menu.addAction(self.neuron_maps.action)
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        self.light_action = self._action("&Light", lambda: self.set_dark(False), None,
                                         "actionLightTheme")
        self.dark_action = self._action("&Dark", lambda: self.set_dark(True), "Ctrl+Shift+D",
                                        "actionDarkTheme")
        for action in (self.light_action, self.dark_action):
            action.setCheckable(True)
            group.addAction(action)
            theme_menu.addAction(action)

        help_menu = bar.addMenu("&Help")
        self.how_to_action = self._action("&How to Use nnviz", self.show_how_to,
                                          Key.HelpContents, "actionHowTo")
        self.about_action = self._action("&About nnviz", lambda: show_about(self), None,
                                         "actionAbout")
        help_menu.addActions([self.how_to_action, self.about_action])

        for action in (self.new_action, self.open_action, self.save_action,
                       self.save_as_action, self.export_weights_action,
                       self.export_image_action, self.quit_action, self.undo_action,
                       self.redo_action, self.zoom_in_action, self.zoom_out_action,
                       self.fit_action, self.show_weights_action, self.dark_action,
                       self.how_to_action):
            # Shortcuts work wherever the focus is in the window.
            self.addAction(action)

    def _build_status_bar(self) -> None:
        """The status bar: what just happened on the left (a few seconds), then two
        permanent labels: the run's state ("runStateLabel") and the design's check."""
        status = self.statusBar()
        status.setObjectName("statusBar")
        self.run_state_label = QLabel()
        self.run_state_label.setObjectName("runStateLabel")
        self.run_state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.run_state_label.setProperty("role", "value")
        status.addPermanentWidget(self.run_state_label)
        self.validation_label = QLabel()
        self.validation_label.setObjectName("validationLabel")
        # Messages quote layer and file names: shown as typed, never as HTML.
        self.validation_label.setTextFormat(Qt.TextFormat.PlainText)
        self.validation_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        # No stretch: the left of the bar stays free for the messages ("Exported ...").
        self.validation_label.setMaximumWidth(560)
        status.addPermanentWidget(self.validation_label)
        self._validation_timer = QTimer(self)
        self._validation_timer.setSingleShot(True)
        self._validation_timer.setInterval(0)
        self._validation_timer.timeout.connect(self.update_validation)
        events = self.session.events
        for signal in (events.run_started, events.state_changed, events.problem_changed):
            signal.connect(self._schedule_run_state)
        # The status comes through the controller: a run ends on the training thread.
        self.training.sig_status.connect(self.update_run_state)
        self._run_state_timer = QTimer(self)
        self._run_state_timer.setSingleShot(True)
        self._run_state_timer.setInterval(0)
        self._run_state_timer.timeout.connect(self.update_run_state)
        self.update_run_state()

    def _schedule_run_state(self, *args) -> None:
        self._run_state_timer.start()

    def run_state_text(self) -> str:
        """What the run is doing, as the status bar's "runStateLabel" says it (the
        session's status, rendered: see :meth:`nnviz.session.Session.status_text`)."""
        return self.session.status_text()

    def update_run_state(self) -> None:
        """Say in the status bar what the run is doing (training, paused, diverged, done)."""
        text = self.run_state_text()
        changed = text != self.run_state_label.text()
        self.run_state_label.setText(text)
        if changed:
            self.update_validation()
        self.run_state_label.setToolTip(plain_tooltip(self.session.stepper.diverged)
                                        if self.session.stepper is not None
                                        and self.session.stepper.diverged else "")

    def _arrange_docks(self) -> None:
        """The default layout: building on the left, training on the right, curves below.

        Left: the palette above the inspector (add layers, then edit what is selected).
        Right: the training panel above the lecture view (run it, read the numbers).
        Bottom: the plots, low enough that the canvas keeps most of the window.
        """
        panel, lecture, plots = self.training.panel, self.training.lecture, self.training.plots
        # The side columns run the full height; the plots sit under the canvas only.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.inspector)
        self.splitDockWidget(self.palette_dock, self.inspector, Qt.Orientation.Vertical)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, lecture)
        self.splitDockWidget(panel, lecture, Qt.Orientation.Vertical)
        self.tabifyDockWidget(lecture, self.code_dock)
        lecture.raise_()
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, plots)
        # The loss surface is a tab beside the lecture view (it wants height more than width).
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.loss_surface)
        self.tabifyDockWidget(lecture, self.loss_surface)
        lecture.raise_()

    def _apply_default_sizes(self) -> None:
        """The docks' default sizes: narrow side columns, a low plot strip, the rest canvas.

        Only meaningful once the window has its real size, hence called on first show.
        """
        panel, lecture, plots = self.training.panel, self.training.lecture, self.training.plots
        left, right = self._side_widths()
        self.resizeDocks([self.palette_dock, panel], [left, right], Qt.Orientation.Horizontal)
        self.resizeDocks([self.palette_dock, self.inspector], [250, 500],
                         Qt.Orientation.Vertical)
        # The lecture view's formulas are large (read from the back of a room): half the column.
        self.resizeDocks([panel, lecture], [self.height() // 2, self.height() // 2],
                         Qt.Orientation.Vertical)
        self.resizeDocks([plots], [max(220, self.height() // 4)], Qt.Orientation.Vertical)

    def _side_widths(self) -> tuple[int, int]:
        """Default widths of the left (palette, inspector) and right (training) columns."""
        return (max(200, min(240, int(self.width() * 0.15))),
                max(300, min(380, int(self.width() * 0.24))))

    def _clamp_docks(self) -> None:
        """Shrink a side column that grew past its default width (a restored layout)."""
        left, right = self._side_widths()
        docks, sizes = [], []
        for dock, width in ((self.palette_dock, left), (self.training.panel, right)):
            if dock.isVisible() and not dock.isFloating() and dock.width() > width * 1.15:
                docks.append(dock)
                sizes.append(width)
        if docks:
            self.resizeDocks(docks, sizes, Qt.Orientation.Horizontal)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """On the first show without a remembered layout, give the docks their default sizes."""
        super().showEvent(event)
        if self._clamped:
            return
        if self._needs_default_sizes:
            self._needs_default_sizes = False
            self._apply_default_sizes()
            self.training.fold_plots_until_history()
        else:
            # A layout remembered from a session where a dock had grown is not kept.
            self._clamp_docks()
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

    def _palette_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.setSpacing(4)
        layout.addWidget(self.palette)
        hint = QLabel("Drag a layer onto the canvas, or double-click it. "
                      "Wire layers by dragging from a layer's right port to another's left port.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        hint.setContentsMargins(12, 0, 12, 0)
        layout.addWidget(hint)
        layout.addStretch(1)
        return panel

    # ------------------------------------------------------------------ document
    def new_file(self) -> bool:
        """Start an empty network (keeping the data set and training settings).

        Asks first when there are unsaved changes; returns False when the user cancels.
        """
        if not self.maybe_save():
            return False
        self._untitled_name = "Untitled"
        training = TrainingSettings.from_dict(self.project.training.to_dict())
        self._adopt(Project(Design(), training, self.project.dataset))
        self._show_message("New network: drag an Input, a Hidden and an Output layer "
                           "from the palette.")
        return True

    def open_file(self, path: str | os.PathLike) -> bool:
        """Open the ``.nnviz`` project at ``path`` in this window; True if it was opened.

        Asks first when there are unsaved changes. A file that cannot be read is reported
        in a dialog and the open document stays exactly as it was. One of the bundled
        examples opens as an untitled copy ("xor (example)"): Save asks where, so the
        file inside the package is never written.
        """
        path = os.fspath(path)
        if not self.maybe_save():
            return False
        try:
            loaded = Project.load(path)
        except (ProjectFileError, DesignError, DatasetError) as error:
            show_error(self, "Cannot open the project", error)
            return False
        try:
            self._adopt(loaded)
        except Exception as error:  # noqa: BLE001 (a failed open must never lose the work)
            # Not one of ours: a bug in a view. _adopt put everything back as it was; the
            # traceback goes to stderr for a report, the user gets a dialog.
            traceback.print_exc()
            # A signal's error wraps the view's own (psygnal: "raise ... from"); name that.
            cause = error.__cause__ if error.__cause__ is not None else error
            show_error(self, "Cannot open the project",
                       f"Opening {Path(path).name} failed unexpectedly "
                       f"({type(cause).__name__}: {elide(str(cause).strip(), 300)}). The "
                       "project you had open is still open, as it was.")
            return False
        if resources.is_example(path):
            self._as_untitled_copy(path)
        else:
            self._add_recent(path)
            self._on_disk.remember(path)
        self._show_message(f"Opened {Path(path).name}")
        return True

    def _as_untitled_copy(self, example: str | os.PathLike) -> None:
        """Make the document loaded from the bundled ``example`` an untitled copy of it."""
        self.project.path = None
        self._example_stem = Path(example).stem
        self._untitled_name = f"{self._example_stem} (example)"
        self._update_title()

    def save_file(self, path: str | os.PathLike) -> bool:
        """Save the project to ``path`` (atomically); True on success, else a dialog says why.

        The project is copied here, in milliseconds, and the copy is written on a thread
        of its own (``ui.background.run_and_wait``): meanwhile the window keeps painting
        and training goes on, but clicks and keys wait, and this call returns once the
        file is written, so scripts and tests get the answer as before. A close asked for
        meanwhile happens after the save.
        """
        path = os.fspath(path)
        if resources.is_example(path):
            show_error(self, "Cannot save the project",
                       f"{Path(path).name} is one of nnviz's bundled examples and stays as it "
                       "is; save your copy under another name (File > Save As).")
            return False
        if self._saving:
            return False  # called again from inside the save's wait: that save decides
        if self._on_disk.changed(path):
            answer = disk_guard.ask_changed_on_disk(self, Path(path).name)
            if answer == disk_guard.SAVE_AS:
                return self._on_save_as()
            if answer != disk_guard.OVERWRITE:
                return False
        copy = None
        self._saving = True
        try:
            copy = self.session.begin_save(path)
            self.statusBar().showMessage(f"Saving {Path(path).name}…")
            run_and_wait(copy.save, name="nnviz-save")
        except (NnvizError, OSError) as error:
            self._end_save(copy, False)
            show_error(self, "Cannot save the project", error)
            return False
        except Exception as error:  # noqa: BLE001 (a failed save must never lose the work)
            # Not one of ours: a bug. The traceback goes to stderr for a report, the user
            # gets a dialog, and the document stays open and modified.
            self._end_save(copy, False)
            traceback.print_exc()
            show_error(self, "Cannot save the project",
                       f"The save failed unexpectedly ({type(error).__name__}: {error}). "
                       "Your work is still open; try File > Save As.")
            return False
        self._end_save(copy, True)
        self._add_recent(path)
        self._on_disk.remember(path)
        self._update_title()
        self._show_message(f"Saved {Path(path).name}")
        return True

    def _end_save(self, copy: Project | None, ok: bool) -> None:
        """The save of ``copy`` is over: tell the session; a close asked for meanwhile runs."""
        self._saving = False
        if copy is not None:
            self.session.end_save(copy, ok)
        self.statusBar().clearMessage()
        if self._close_after_save:
            self._close_after_save = False
            QTimer.singleShot(0, self, self.close)

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; False means the user cancelled."""
        if self._saving:
            return False  # a save is being written: Open, New or Close wait for it
        # Training in progress counts: it becomes an undo step before the question.
        self.session.commit()
        if not self.is_modified():
            return True
        Btn = QMessageBox.StandardButton
        # An instance, not QMessageBox.question(): the file name is shown as plain text.
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"“{self._document_name()}” has changes that are not saved.\n"
                          "Do you want to save them first?",
                          Btn.Save | Btn.Discard | Btn.Cancel, self)
        box.setObjectName("unsavedChangesDialog")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDefaultButton(Btn.Save)
        box.setEscapeButton(Btn.Cancel)
        answer = box.exec()
        box.deleteLater()
        if answer == Btn.Save:
            # A failed save says why in a dialog and returns False: the caller (Close,
            # Open, New) is cancelled and the work stays open.
            return self._on_save()
        return answer == Btn.Discard

    def _adopt(self, loaded: Project) -> None:
        """Take ``loaded``'s content into ``self.project`` in place (one project per window).

        Whole or not at all: if the session or any view raises on the way, the session
        puts the document, its run and its undo stack back (``Session.replacing``), the
        window its own fields, and the error goes on to the caller.
        """
        mine = (self._example_stem, self._untitled_name, self._n_features, self._n_targets)
        try:
            with self.session.replacing(loaded):
                self._read_dataset_shape()
                self._after_document_loaded()
        except BaseException:
            self._example_stem, self._untitled_name, self._n_features, self._n_targets = mine
            self._update_title()
            self._update_edit_actions()
            self.update_validation()
            raise

    def _after_document_loaded(self) -> None:
        self._example_stem = None
        self._update_title()
        self._update_edit_actions()
        self.update_validation()
        self.inspector.set_selection(None)
        # A newly opened network is shown whole (its positions may lie anywhere).
        self.canvas.fit()

    def _document_name(self) -> str:
        if self.project.path:
            return Path(self.project.path).name
        return self._untitled_name

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._document_name()}[*] — nnviz")
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

    # ------------------------------------------------------------------ validation
    def _schedule_validation(self, *args) -> None:
        # Several events arrive for one edit (remove a layer and its connections):
        # validate once, after they are all in.
        self._validation_timer.start()

    def update_validation(self) -> None:
        """Show ``design.validate()``'s first problem (and how many more) in the status bar."""
        problems = self.design.validate(self._n_features, self._n_targets)
        label = self.validation_label
        if problems:
            more = f"  (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            label.setText(f"⚠ {problems[0].message}{more}")
            label.setToolTip(plain_tooltip("\n".join(p.message for p in problems)))
            label.setProperty("state", "error")
        else:
            n_layers = len(self.design.layers)
            # "Ready to train" only while it is true: while training runs, or after it
            # diverged, the state label beside this one says so and this one only that
            # the design is OK.
            busy = self.session.status in (RunStatus.TRAINING, RunStatus.DIVERGED)
            label.setText(f"✓ {'Network OK' if busy else 'Ready to train'}: {n_layers} layers, "
                          f"{len(self.design.connections)} connections.")
            label.setToolTip("")
            label.setProperty("state", "ok")
        # Re-evaluate the [state=...] style-sheet rule.
        label.style().unpolish(label)
        label.style().polish(label)

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    # ------------------------------------------------------------------ file actions
    def _start_dir(self) -> str:
        return str(QSettings().value(SETTINGS_LAST_DIR, str(Path.home())))

    def _remember_dir(self, path: str) -> None:
        QSettings().setValue(SETTINGS_LAST_DIR, str(Path(path).parent))

    def _on_open(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._start_dir(),
                                              f"{PROJECT_FILTER};;All files (*)")
        if not path:
            return False
        self._remember_dir(path)
        return self.open_file(path)

    def _on_save(self) -> bool:
        if self.project.path:
            return self.save_file(self.project.path)
        return self._on_save_as()

    def _on_save_as(self) -> bool:
        start = self.project.path or str(
            Path(self._start_dir()) / f"{self._example_stem or 'network'}.nnviz")
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".nnviz"):
            path += ".nnviz"
        self._remember_dir(path)
        return self.save_file(path)

    def export_weights(self, path: str) -> bool:
        """Export the network's weights (or Keras code) to ``path``, by its suffix."""
        try:
            fmt = export_formats.for_path(path)
            written = fmt.export(self.project.build_model(), path)
        except NnvizError as error:
            show_error(self, "Cannot export the weights", error)
            return False
        self._show_message("Exported " + " and ".join(Path(p).name for p in written))
        return True

    def _on_export_weights(self) -> bool:
        filters = ";;".join(name for name, _ in WEIGHT_FILTERS)
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export weights", str(Path(self._start_dir()) / f"weights{WEIGHT_FILTERS[0][1]}"),
            filters)
        if not path:
            return False
        self._remember_dir(path)
        return self.export_weights(_with_suffix(path, chosen, WEIGHT_FILTERS))

    def export_image(self, path: str) -> bool:
        """Save the canvas as a PNG or SVG picture at ``path``."""
        try:
            self.canvas.export_image(path)
        except (NnvizError, OSError) as error:
            show_error(self, "Cannot export the image", error)
            return False
        self._show_message(f"Exported {Path(path).name}")
        return True

    def _on_export_image(self) -> bool:
        filters = ";;".join(name for name, _ in IMAGE_FILTERS)
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export image", str(Path(self._start_dir()) / "network.png"), filters)
        if not path:
            return False
        self._remember_dir(path)
        return self.export_image(_with_suffix(path, chosen, IMAGE_FILTERS))

    # ------------------------------------------------------------------ Keras code, handout
    def import_keras_code(self, text: str) -> bool:
        """Read Keras ``text`` into the project as one undo step (see ui.code_dock); True if
        it was read, else a dialog gives the line and the reason. Nothing in it runs."""
        message = self.code_dock.import_code(text)
        if message:
            show_error(self, "Cannot import the Keras code", message)
            return False
        return True

    def import_keras_file(self, path: str | os.PathLike) -> bool:
        """Import the Keras code in the file at ``path`` (see :meth:`import_keras_code`)."""
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_IMPORT_BYTES + 1)
            if len(raw) > MAX_IMPORT_BYTES:
                raise NnvizError(f"{Path(path).name} is larger than "
                                 f"{MAX_IMPORT_BYTES:,} bytes; it is not a network's code.")
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, NnvizError) as error:
            show_error(self, "Cannot import the Keras code", error)
            return False
        return self.import_keras_code(text)

    def _on_import_keras(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Import Keras code", self._start_dir(),
                                              f"{PYTHON_FILTER};;All files (*)")
        if not path:
            return False
        self._remember_dir(path)
        return self.import_keras_file(path)

    def export_handout(self, path: str | os.PathLike | None,
                       slides_dir: str | os.PathLike | None = None) -> bool:
        """Write the handout PDF (and/or one PNG per stage into ``slides_dir``); the
        window's run, weights and undo stack are not touched (see ui.handout)."""
        from ui.handout import export_handout

        name = Path(self._document_name()).stem if self.project.path else self._document_name()
        try:
            export_handout(self.session, path, name, slides_dir=slides_dir)
        except (NnvizError, OSError) as error:
            show_error(self, "Cannot export the handout", error)
            return False
        written = Path(path).name if path is not None else Path(slides_dir).name
        self._show_message(f"Exported {written}")
        return True

    def _on_export_handout(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export handout", str(Path(self._start_dir()) / "handout.pdf"), PDF_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self._remember_dir(path)
        return self.export_handout(path)

    def _on_export_slides(self) -> bool:
        folder = QFileDialog.getExistingDirectory(self, "Export slides into folder",
                                                  self._start_dir())
        if not folder:
            return False
        QSettings().setValue(SETTINGS_LAST_DIR, folder)
        return self.export_handout(None, slides_dir=folder)

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        """The recently opened or saved projects, newest first."""
        value = QSettings().value(SETTINGS_RECENT, [])
        if isinstance(value, str):  # QSettings returns a bare string for a 1-item list
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [p for p in self.recent_files() if p != path]
        QSettings().setValue(SETTINGS_RECENT, [path, *files][:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(plain_tooltip(path))
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_file(p))
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear Recent Files",
                                       lambda: QSettings().setValue(SETTINGS_RECENT, []))

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
    def _on_zoom_in(self) -> None:
        self.canvas.zoom_in()

    def _on_zoom_out(self) -> None:
        self.canvas.zoom_out()

    def fit_network(self) -> None:
        """Zoom and scroll so the whole network is in view."""
        self.canvas.fit()

    def reset_layout(self) -> None:
        """Put every dock back where it was when the window opened."""
        for dock in self.findChildren(QDockWidget):
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, STATE_VERSION)
        self._apply_default_sizes()

    def set_dark(self, dark: bool) -> None:
        """Switch the whole window, canvas included, to the dark or light theme."""
        apply_theme(QApplication.instance(), dark)
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
        settings.setValue(SETTINGS_STATE, self.saveState(STATE_VERSION))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Ask about unsaved changes, remember the layout, stop training, then close."""
        if self._saving:
            # The window manager's close button is not input that a save's wait holds
            # back: close once the file is written.
            self._close_after_save = True
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


def _distinct_keys(*keys) -> list[QKeySequence]:
    """The key sequences, each once: a platform's standard key may already be one of the
    others (Redo is Ctrl+Shift+Z on Linux), and a shortcut listed twice is ambiguous."""
    out: list[QKeySequence] = []
    for key in keys:
        sequences = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) \
            else [QKeySequence(key)]
        for seq in sequences:
            if not seq.isEmpty() and seq not in out:
                out.append(seq)
    return out
