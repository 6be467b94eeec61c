"""The designer window driven as a user drives it: palette drags, keys, menus, files."""
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPalette,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QMessageBox

from nnviz.files import export_formats
from nnviz.files.project import Project
from ui import MainWindow
from ui.palette import LAYER_MIME_TYPE
from ui.theme import DARK, LIGHT

Btn = QMessageBox.StandardButton


@pytest.fixture(autouse=True)  # every box of the module's windows is answered
def answers(monkeypatch):
    """Answers for the unsaved-changes question (default: discard) and a log of questions/errors."""
    log = {"answer": Btn.Discard, "questions": [], "errors": []}

    def exec_(box):
        if box.objectName() == "unsavedChangesDialog":
            log["questions"].append(box.text())
            return log["answer"]
        log["errors"].append((box.text(), box.informativeText()))
        return Btn.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return log


pytestmark = pytest.mark.window(size=(1200, 760), ask_unsaved=True)


def _layer_of_kind(design, kind):
    return [spec for spec in design.layers if spec.kind == kind]


def _view_point(window, x, y) -> QPoint:
    return window.canvas.mapFromScene(QPointF(x, y))


def _deliver_drag(window, mime, point: QPoint) -> QDropEvent:
    """Deliver a drag to the canvas as Qt's drag manager does: enter, move, then drop."""
    target = window.canvas.viewport()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, actions, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the canvas refused the palette's drag"
    move = QDragMoveEvent(point, actions, mime, buttons, mods)
    QApplication.sendEvent(target, move)
    assert move.isAccepted()
    drop = QDropEvent(QPointF(point), actions, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    return drop


def _drag_from_palette(window, monkeypatch, kind, point: QPoint):
    """Press on the palette entry and move the mouse with the button held, as a user does.

    The palette then starts a real QDrag. The offscreen platform has no drag-and-drop
    session to run it, so QDrag.exec is replaced by one that hands the drag's own MIME
    data to the canvas at ``point``, exactly as a windowing system would.
    """
    carried = []

    def exec_(drag, *args, **kwargs):
        carried.append(bytes(drag.mimeData().data(LAYER_MIME_TYPE)))
        drop = _deliver_drag(window, drag.mimeData(), point)
        return drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction

    monkeypatch.setattr(QDrag, "exec", exec_)
    palette = window.palette
    viewport = palette.viewport()
    start = palette.visualItemRect(palette.item_for_kind(kind)).center()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for dx in (4, 12, 40):  # past QApplication.startDragDistance()
        pos = QPointF(start + QPoint(dx, 0))
        QApplication.sendEvent(viewport, QMouseEvent(
            QEvent.Type.MouseMove, pos, viewport.mapToGlobal(pos), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 0))
    assert carried == [kind.encode()], "the palette did not start a drag carrying the kind"


# ---------------------------------------------------------------- opening


def test_opens_on_the_lecture_example(window):
    design = window.design
    kinds = [(s.kind, s.units, s.activation) for s in design.chain()]
    assert kinds == [("input", 2, "linear"), ("hidden", 3, "relu"), ("output", 2, "softmax")]
    assert len(design.connections) == 2
    dataset = window.project.load_dataset()
    assert dataset.n_features == 2 and dataset.n_targets == 2
    assert window.findChild(QDockWidget, "inspector") is window.inspector
    assert window.findChild(type(window.palette), "palette") is window.palette
    assert window.canvas.objectName() == "canvas"
    assert "nnviz" in window.windowTitle() and not window.isWindowModified()
    assert "Network OK" in window.validation_label.text()


def test_menus_hold_the_standard_actions(window):
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Training", "Help"]
    file_texts = [a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()]
    for text in ("New", "Open…", "Open Recent", "Save", "Save As…", "Export Weights…",
                 "Export Image…", "Export Worksheet…", "Quit"):
        assert text in file_texts
    assert window.save_action.shortcut().toString() == "Ctrl+S"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    training = [a.text().replace("&", "") for a in window.menuBar().actions()[3].menu().actions()]
    assert training == ["Predict then Reveal", "", "Compare…"]
    assert window.predict_action.isCheckable()


# ---------------------------------------------------------------- palette


def test_palette_drags_carry_the_layer_kind(window):
    palette = window.palette
    for kind in ("input", "hidden", "output"):
        mime = palette.mimeData([palette.item_for_kind(kind)])
        assert mime.hasFormat(LAYER_MIME_TYPE)
        assert bytes(mime.data(LAYER_MIME_TYPE)) == kind.encode()


def test_drag_hidden_layer_from_palette_lands_where_dropped(window, monkeypatch):
    before = {s.id for s in window.design.layers}
    point = window.canvas.viewport().rect().center() + QPoint(40, 120)
    expected = window.canvas.mapToScene(point)
    _drag_from_palette(window, monkeypatch, "hidden", point)
    new = [s for s in window.design.layers if s.id not in before]
    assert len(new) == 1
    spec = new[0]
    assert spec.kind == "hidden" and spec.units == 3 and spec.activation == "relu"
    assert spec.x == pytest.approx(expected.x(), abs=30)
    assert spec.y == pytest.approx(expected.y(), abs=30)
    assert window.isWindowModified()
    # One undo step takes it back.
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {s.id for s in window.design.layers} == before


def test_canvas_ignores_foreign_drags(window):
    mime = QMimeData()
    mime.setText("hello")
    point = window.canvas.viewport().rect().center()
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    enter.setAccepted(False)
    QApplication.sendEvent(window.canvas.viewport(), enter)
    assert not enter.isAccepted()


def test_double_click_and_enter_in_palette_add_layers(window, qtbot):
    palette = window.palette
    count = len(window.design.layers)
    item = palette.item_for_kind("hidden")
    rect = palette.visualItemRect(item)
    # A real double-click: press and release, then Qt's double-click event and release.
    QTest.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(window.design.layers) == count + 1
    assert window.design.layers[-1].kind == "hidden"
    palette.setFocus()
    palette.setCurrentItem(palette.item_for_kind("output"))
    QTest.keyClick(palette, Qt.Key.Key_Return)
    assert len(window.design.layers) == count + 2
    assert window.design.layers[-1].kind == "output"
    # The new layers sit to the right of the others, not on top of them.
    xs = [s.x for s in window.design.layers]
    assert xs[-1] > xs[-2] > max(xs[:-2])


# ---------------------------------------------------------------- edit


def test_delete_undo_redo_restore_the_document_exactly(window, qtbot):
    design = window.design
    original = design.to_dict()
    hidden = _layer_of_kind(design, "hidden")[0]
    # Select the hidden layer with a rubber band around it, then press Delete.
    view = window.canvas
    view.setFocus()
    top_left = _view_point(window, hidden.x - 70, hidden.y - 140)
    bottom_right = _view_point(window, hidden.x + 70, hidden.y + 140)
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=top_left)
    QTest.mouseMove(view.viewport(), top_left + QPoint(5, 5))
    QTest.mouseMove(view.viewport(), bottom_right)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=bottom_right)
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert not design.has_layer(hidden.id)
    assert design.connections == []
    deleted = design.to_dict()
    assert hidden.id not in json.dumps(deleted)

    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert design.to_dict() == original
    QTest.keyClick(view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert design.to_dict() == deleted
    window.undo_action.trigger()
    assert design.to_dict() == original
    assert not window.undo_action.isEnabled()  # the example opened with nothing to undo


def test_validation_problems_show_in_the_status_bar(window):
    output = _layer_of_kind(window.design, "output")[0]
    window.design.remove_layer(output.id)
    QApplication.processEvents()
    text = window.validation_label.text()
    assert "output layer" in text
    window.undo_action.trigger()
    QApplication.processEvents()
    assert "Network OK" in window.validation_label.text()


# ---------------------------------------------------------------- files


def test_save_then_open_gives_the_same_document(window, qtbot, tmp_path, monkeypatch):
    design = window.design
    design.add_layer("hidden", x=150.0, y=40.0, units=5)
    path = tmp_path / "lab.nnviz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "lab"), "")))
    window.save_action.trigger()  # no path yet: Save asks for one (Save As)
    assert path.is_file()
    assert not window.isWindowModified()
    assert "lab.nnviz" in window.windowTitle()
    saved = design.to_dict()

    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_file(path)
    assert other.design.to_dict() == saved
    assert other.project == window.project
    assert "lab.nnviz" in other.windowTitle() and not other.isWindowModified()
    assert str(path.resolve()) in other.recent_files()
    other.shutdown()


def test_unsaved_changes_prompt_on_open_and_close(window, answers, tmp_path):
    path = tmp_path / "example.nnviz"
    Project.lecture_example().save(path)
    design = window.design
    design.add_layer("hidden", x=100.0, y=200.0)
    edited = design.to_dict()
    assert window.isWindowModified()

    answers["answer"] = Btn.Cancel
    assert not window.open_file(path)
    assert len(answers["questions"]) == 1
    assert design.to_dict() == edited  # cancel keeps everything

    window.close()
    assert window.isVisible()  # cancel keeps the window open
    assert len(answers["questions"]) == 2

    answers["answer"] = Btn.Discard
    assert window.open_file(path)
    # The file's network, with the initial weights its seed draws (the run is built at once).
    expected = Project.load(path)
    expected.build_model()
    assert design.to_dict() == expected.design.to_dict()
    assert not window.isWindowModified()
    window.close()
    assert not window.isVisible()
    assert len(answers["questions"]) == 3  # the clean document closed without asking


def test_corrupt_file_shows_an_error_and_keeps_the_document(window, answers, tmp_path):
    bad = tmp_path / "broken.nnviz"
    bad.write_text('{"format": "nnviz", "version": 1, "design": [1, 2', encoding="utf-8")
    design = window.design
    design.add_layer("hidden", x=100.0, y=200.0)
    before, title = design.to_dict(), window.windowTitle()
    answers["answer"] = Btn.Discard  # even after agreeing to discard, a bad file loses nothing
    assert not window.open_file(bad)
    assert len(answers["errors"]) == 1
    heading, detail = answers["errors"][0]
    assert "Cannot open" in heading and "broken.nnviz" in detail
    assert design.to_dict() == before
    assert window.windowTitle() == title and window.isWindowModified()
    assert design.undo_stack.can_undo  # the edit can still be undone


def test_export_weights_and_image(window, tmp_path):
    for fmt in export_formats.FORMATS.values():  # every format the registry has
        path = tmp_path / f"model{fmt.suffix}"
        assert window.export_weights(str(path)), fmt.suffix
        assert path.stat().st_size > 0
        if fmt.companion is not None:
            assert Path(fmt.companion(str(path))).is_file()
    assert window.export_image(str(tmp_path / "net.png"))
    assert window.export_image(str(tmp_path / "net.svg"))
    assert (tmp_path / "net.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_export_dialog_offers_every_registered_format(window, tmp_path, monkeypatch):
    """File > Export Weights lists the registry's formats; a bare name gets the chosen one's suffix."""
    for fmt in export_formats.FORMATS.values():
        offered = []

        def answer(_parent, _title, _start, filters, fmt=fmt, offered=offered):
            offered.append(filters.split(";;"))
            return str(tmp_path / "bare"), fmt.filter

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
        window.export_weights_action.trigger()
        assert offered == [[f.filter for f in export_formats.FORMATS.values()]]
        assert (tmp_path / f"bare{fmt.suffix}").is_file(), fmt.suffix


# ---------------------------------------------------------------- looks and settings


def _distinct_colours(image, step=8):
    return {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}


def test_window_grab_is_not_blank(window):
    image = window.grab().toImage()
    assert image.width() > 500 and image.height() > 400
    assert len(_distinct_colours(image)) > 20
    canvas = window.canvas.grab().toImage()
    assert len(_distinct_colours(canvas, 4)) > 10  # the network is drawn, not just a background


def test_theme_toggle_switches_palette_and_is_remembered(window):
    window.dark_action.trigger()
    app_palette = QApplication.instance().palette()
    assert app_palette.color(QPalette.ColorRole.Window) == QColor(DARK.window)
    assert QSettings().value("view/dark") in (True, "true")
    dark_canvas = window.canvas.grab().toImage().pixelColor(5, 5)
    window.light_action.trigger()
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window) == QColor(LIGHT.window)
    light_canvas = window.canvas.grab().toImage().pixelColor(5, 5)
    assert dark_canvas.lightness() < light_canvas.lightness()


def test_geometry_and_docks_are_remembered(qtbot, answers):
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(720, 560)  # within the offscreen screen (800 x 800): no clamping
    first.show()
    first.inspector.hide()
    size = first.size()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.size() == size
    assert second.inspector.isHidden()
    second.reset_layout()
    assert not second.inspector.isHidden()
    second.shutdown()


def test_a_closed_window_is_freed_with_its_session_and_run(qtbot):
    """Issue 19: a closed window was never freed (+20 MB each in a script that opens many)."""
    import gc
    import weakref

    from tests.ui.conftest import delete_now

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.maybe_save = lambda: True
    window, session = weakref.ref(win), weakref.ref(win.session)
    win.close()
    del win
    delete_now()
    gc.collect()
    assert window() is None and session() is None
