"""The window's menus as a table: each action's text, slot, keys, objectName and tip.

:data:`MENUS` lists the menus in order and, in each, the actions (by the window
attribute they are kept in: ``window.save_action``), separators (``None``) and the
submenus the window builds itself (a ``"<name>"`` string, e.g. the recent files).
:func:`build_menus` makes the actions from :data:`ACTIONS` and fills the menu bar.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from nnviz import resources
from ui.dialogs import show_about
from ui.lesson import show_lesson_dialog
from ui.weight_matrix import open_weight_matrix

if TYPE_CHECKING:
    from ui.main_window import MainWindow

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    """One action: kept as ``window.<attr>``; ``slot(window)`` is what it calls."""

    attr: str
    text: str
    slot: Callable[[MainWindow], Callable]
    keys: Any = None  # a StandardKey, a text, a list of them, or a function of nothing
    name: str | None = None  # objectName (the tests and the scripting surface find it so)
    tip: str | None = None
    checkable: bool = False
    #: Its shortcut works wherever the focus is in the window (added to the window).
    window_wide: bool = False


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


#: Every action of the menu bar, in the order they are made.
ACTIONS = (
    # File
    ActionSpec("new_action", "&New", lambda w: w.new_file, Key.New, "actionNew",
               "Start an empty network", window_wide=True),
    ActionSpec("open_action", "&Open…", lambda w: w.files.on_open, Key.Open, "actionOpen",
               "Open an .nnviz project", window_wide=True),
    ActionSpec("save_action", "&Save", lambda w: w.files.on_save, Key.Save, "actionSave",
               "Save the project", window_wide=True),
    ActionSpec("save_as_action", "Save &As…", lambda w: w.files.on_save_as, Key.SaveAs,
               "actionSaveAs", "Save the project under a new name", window_wide=True),
    ActionSpec("export_weights_action", "Export &Weights…", lambda w: w.files.on_export_weights,
               "Ctrl+Shift+E", "actionExportWeights",
               "Write the weights for NumPy, Keras or ONNX, or the equivalent Keras code",
               window_wide=True),
    ActionSpec("export_image_action", "Export &Image…", lambda w: w.files.on_export_image,
               "Ctrl+Shift+I", "actionExportImage", "Save the canvas as a PNG or SVG picture",
               window_wide=True),
    ActionSpec("import_keras_action", "Import &Keras Code…", lambda w: w.files.on_import_keras,
               None, "actionImportKeras",
               "Read a network from Keras code (Sequential, Dense, compile); nothing in it runs"),
    ActionSpec("export_handout_action", "Export &Handout…",
               lambda w: w.files.on_export_handout, None, "actionExportHandout",
               "A printable PDF: the network, each stage of one batch with its formulas, the loss"),
    ActionSpec("export_worksheet_action", "Export W&orksheet…",
               lambda w: w.files.on_export_worksheet, None, "actionExportWorksheet",
               "A printable PDF: each stage's question with room to answer, the answers last"),
    ActionSpec("export_slides_action", "Export &Slides…", lambda w: w.files.on_export_slides,
               None, "actionExportSlides", "One PNG per stage of one batch, for slides"),
    ActionSpec("quit_action", "&Quit", lambda w: w.close, Key.Quit, "actionQuit",
               window_wide=True),
    # Edit
    ActionSpec("undo_action", "&Undo", lambda w: w.undo_stack.undo, Key.Undo, "actionUndo",
               window_wide=True),
    ActionSpec("redo_action", "&Redo", lambda w: w.undo_stack.redo,
               lambda: _distinct_keys(Key.Redo, "Ctrl+Shift+Z", "Ctrl+Y"), "actionRedo",
               window_wide=True),
    ActionSpec("delete_action", "&Delete", lambda w: w._on_delete,
               lambda: [QKeySequence(Key.Delete), "Backspace"], "actionDelete",
               "Delete the selected layers and connections"),
    ActionSpec("select_all_action", "Select &All", lambda w: w._on_select_all, Key.SelectAll,
               "actionSelectAll"),
    ActionSpec("lesson_action", "&Lesson…", lambda w: (lambda: show_lesson_dialog(w)), None,
               "actionLesson", "Hide or lock controls, so that the file opens to exactly "
               "one lesson"),
    # View
    ActionSpec("zoom_in_action", "Zoom &In", lambda w: (lambda: w.canvas.zoom_in()),
               lambda: [QKeySequence(Key.ZoomIn), "Ctrl+="], "actionZoomIn", window_wide=True),
    ActionSpec("zoom_out_action", "Zoom &Out", lambda w: (lambda: w.canvas.zoom_out()), Key.ZoomOut,
               "actionZoomOut", window_wide=True),
    ActionSpec("fit_action", "&Fit Network", lambda w: w.fit_network, "Ctrl+0", "actionFit",
               "Zoom so the whole network is in view", window_wide=True),
    ActionSpec("show_weights_action", "Show &Weight Values",
               lambda w: w.scene.set_show_weight_labels, "Ctrl+Shift+W", "actionShowWeights",
               "Write each connection's weight (dL/dw while back-propagating) on its line",
               checkable=True, window_wide=True),
    ActionSpec("weight_matrix_action", "Weight &Matrix…", lambda w: (lambda: open_weight_matrix(w)),
               "Ctrl+M", "actionWeightMatrix",
               "The selected layer's weights as a table: rows are its inputs and the bias, "
               "columns its units; edit cells, copy and paste CSV", window_wide=True),
    ActionSpec("reset_layout_action", "&Reset Layout", lambda w: w.reset_layout, None,
               "actionResetLayout", "Put every panel back where it started"),
    ActionSpec("light_action", "&Light", lambda w: (lambda: w.set_dark(False)), None,
               "actionLightTheme", checkable=True),
    ActionSpec("dark_action", "&Dark", lambda w: (lambda: w.set_dark(True)), "Ctrl+Shift+D",
               "actionDarkTheme", checkable=True, window_wide=True),
    # Training
    ActionSpec("compare_action", "&Compare…", lambda w: w.compare.open_dialog, None,
               "actionCompare",
               "Train copies from the same start at ×0.1, ×1 and ×10 the learning rate "
               "(or other optimizers) and overlay their loss curves"),
    ActionSpec("predict_action", "&Predict then Reveal", lambda w: w.training.set_predict,
               None, "actionPredictReveal",
               "Each Step hides the stage's results and asks its question; Step again reveals",
               checkable=True),
    # Help
    ActionSpec("how_to_action", "&How to Use nnviz", lambda w: w.show_how_to,
               Key.HelpContents, "actionHowTo", window_wide=True),
    ActionSpec("about_action", "&About nnviz", lambda w: (lambda: show_about(w)), None,
               "actionAbout"),
)

#: The menu bar: (title, objectName or None, entries). An entry is an action's attribute,
#: None for a separator, or "<name>" for a part :func:`build_menus` makes itself.
MENUS = (
    # Open Example, then New and Open: the order the File menu has always had.
    ("&File", "fileMenu", ("<examples>", "new_action", "open_action", "<recent>", None,
                           "save_action", "save_as_action", None,
                           "export_weights_action", "export_image_action",
                           "import_keras_action", "export_handout_action",
                           "export_worksheet_action", "export_slides_action", None, "quit_action")),
    ("&Edit", None, ("undo_action", "redo_action", None, "delete_action",
                     "select_all_action", None, "lesson_action")),
    ("&View", None, ("zoom_in_action", "zoom_out_action", "fit_action",
                     "show_weights_action", "weight_matrix_action", None, "<panels>", "reset_layout_action", None,
                     "<presentation>", "<neuron_maps>", None, "<theme>")),
    ("&Training", "trainingMenu", ("predict_action", None, "compare_action")),
    ("&Help", None, ("how_to_action", "about_action")),
)


def make_action(window: MainWindow, spec: ActionSpec) -> QAction:
    """The QAction ``spec`` describes, its slot connected."""
    action = QAction(spec.text, window)
    keys: Any = spec.keys() if callable(spec.keys) else spec.keys
    if keys is not None:
        if isinstance(keys, (list, tuple)):
            action.setShortcuts([QKeySequence(k) for k in keys])
        else:
            action.setShortcut(QKeySequence(keys))
    if spec.name:
        action.setObjectName(spec.name)
    if spec.tip:
        action.setStatusTip(spec.tip)
    action.setCheckable(spec.checkable)
    action.triggered.connect(spec.slot(window))
    return action


def build_menus(window: MainWindow) -> None:
    """Make every action of :data:`ACTIONS` (as ``window.<attr>``) and the menu bar."""
    for spec in ACTIONS:
        setattr(window, spec.attr, make_action(window, spec))
    bar = window.menuBar()
    for title, name, entries in MENUS:
        menu = bar.addMenu(title)
        if name:
            menu.setObjectName(name)
        for entry in entries:
            if entry is None:
                menu.addSeparator()
            elif entry.startswith("<"):
                _PARTS[entry](window, menu)
            else:
                menu.addAction(getattr(window, entry))
    # The canvas owns these keys while it has focus; shortcuts reach it from anywhere
    # in the window except text fields, which keep Delete/Ctrl+A for their own text.
    for action in (window.delete_action, window.select_all_action):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.canvas.addAction(action)
    for spec in ACTIONS:
        if spec.window_wide:
            # Shortcuts work wherever the focus is in the window.
            window.addAction(getattr(window, spec.attr))


def _examples_part(window: MainWindow, menu: QMenu) -> None:
    # The examples that ship inside the installed package; each opens as an untitled copy.
    window.examples_menu = QMenu("Open &Example", menu)
    window.examples_menu.setObjectName("examplesMenu")
    for title, path in resources.examples():
        action = window.examples_menu.addAction(title)
        action.setObjectName(f"actionExample_{path.stem}")
        action.setStatusTip(f"Open a copy of the {title} example ({path.name})")
        action.triggered.connect(lambda checked=False, p=path: window.open_file(p))
    menu.addMenu(window.examples_menu)


def _recent_part(window: MainWindow, menu: QMenu) -> None:
    window.recent_menu = menu.addMenu("Open &Recent")
    window.recent_menu.setObjectName("recentMenu")
    window.recent_menu.aboutToShow.connect(window.files.fill_recent_menu)


def _panels_part(window: MainWindow, menu: QMenu) -> None:
    panels = menu.addMenu("&Panels")
    for dock in window.findChildren(QDockWidget):
        panels.addAction(dock.toggleViewAction())


def _theme_part(window: MainWindow, menu: QMenu) -> None:
    theme_menu = menu.addMenu("&Theme")
    group = QActionGroup(window)
    for action in (window.light_action, window.dark_action):
        group.addAction(action)
        theme_menu.addAction(action)


_PARTS: dict[str, Callable[[MainWindow, QMenu], None]] = {
    "<examples>": _examples_part,
    "<recent>": _recent_part,
    "<panels>": _panels_part,
    "<theme>": _theme_part,
    "<presentation>": lambda w, menu: menu.addAction(w.training.presentation_action),
    "<neuron_maps>": lambda w, menu: menu.addAction(w.neuron_maps.action),
}
