"""Hardening of the window (issue 10): nothing a user clicks may take the process down.

Each test drives the window with real key presses and mouse clicks and then paints it
with ``grab()``; pytest-qt fails a test on any exception raised inside a Qt virtual.
"""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from nnviz.files.project import Project


def _click_layer(qtbot, win, layer_id):
    """Click the card's header strip, between its top edge and its first neuron."""
    item = win.scene.layer_item(layer_id)
    point = win.canvas.mapFromScene(item.mapToScene(QPointF(-30, -item.height / 2 + 7)))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)


def _type_into_spin(box, text):
    box.setFocus()
    line = box.lineEdit()
    QTest.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


def test_more_units_on_a_layer_showing_numbers_paints(make_window, qtbot):
    """Step twice, select Output, raise its units 2 -> 3: the next paint must not fail."""
    win = make_window(size=(2000, 1300))  # large enough for numbers on the neurons
    ctl = win.training
    design = win.project.design
    output = [spec for spec in design.layers if spec.kind == "output"][0]
    assert output.units == 2
    for _ in range(2):
        before = ctl.frames
        qtbot.keyClick(win.canvas, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda before=before: ctl.frames > before, timeout=3000)
    item = win.scene.layer_item(output.id)
    main, _sub, _label = item.neurons.numbers()
    assert main is not None and main.shape == (2,)  # the numbers the recipe needs are there
    win.canvas.setFocus()
    win.fit_network()
    from ui.canvas import style
    assert item.radius * win.canvas.transform().m11() >= style.NUMBER_MIN_RADIUS_PX
    _click_layer(qtbot, win, output.id)
    qtbot.waitUntil(lambda: win.inspector.units_spin.isVisible(), timeout=3000)
    assert win.inspector.units_spin.value() == 2
    _type_into_spin(win.inspector.units_spin, "3")
    assert design.layer(output.id).units == 3
    win.grab()  # paints every item: raised IndexError in NeuronItems.paint before the fix
    QApplication.processEvents()
    main, sub, _label = item.neurons.numbers()
    for array in (main, sub, item.neurons.values(), item.neurons.bias()):
        assert array is None or array.shape == (3,)
    assert win.isVisible()


def _failing_paint(self, painter, option, widget=None):
    raise RuntimeError("deliberate failure in paint")


def _forget_patched_paint(item) -> None:
    """Drop what the undone patch left on the item: pytest puts the original back as an
    *instance* attribute (a bound method of the item, so a reference cycle through a
    Qt wrapper). Collected after the window has deleted the item's C++ half, that cycle
    freed an invalid pointer in PySide6 ("free(): invalid pointer", the test process
    aborted a few tests later). The window itself never sets attributes on its items."""
    vars(item).pop("paint", None)


def test_a_failing_paint_is_raised_and_the_window_lives_on(make_window, qtbot, monkeypatch):
    """pytest-qt sees the exception from inside the paint; the window keeps painting after it."""
    win = make_window()
    item = win.scene.layer_items()[1].neurons
    with qtbot.capture_exceptions() as exceptions:
        # A patch of its own, undone here (pytest 9 undoes a patch with delattr, so the
        # test never deletes the patched attribute itself).
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(item, "paint", _failing_paint.__get__(item))
            item.update()  # the item repaints (its cached image is stale)
            qtbot.waitUntil(lambda: len(exceptions) > 0, timeout=3000)
        item.update()  # the item's own paint again
        qtbot.wait(50)
    assert all(isinstance(e[1], RuntimeError) for e in exceptions)
    assert "deliberate failure in paint" in str(exceptions[0][1])
    assert win.isVisible()
    assert not win.grab().isNull()
    _forget_patched_paint(item)


@pytest.mark.qt_no_exception_capture
def test_the_excepthook_reports_a_failing_paint_without_a_modal_dialog(make_window, qtbot,
                                                                      monkeypatch, capsys):
    """With the app's hook installed, a paint error is logged and shown in a non-modal box."""
    from ui.errors import DIALOG_OBJECT_NAME, ErrorReporter, install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    reporter = install_excepthook()
    assert isinstance(sys.excepthook, ErrorReporter) and install_excepthook() is reporter
    win = make_window()
    item = win.scene.layer_items()[1].neurons
    with pytest.MonkeyPatch.context() as patch:  # undone at the block's end, not by del
        patch.setattr(item, "paint", _failing_paint.__get__(item))
        item.update()  # the event loop repaints the item: the error goes to the hook
        qtbot.waitUntil(lambda: len(reporter.reported) > 0, timeout=3000)
    assert isinstance(reporter.reported[-1], RuntimeError)  # the item's own paint again
    _forget_patched_paint(item)
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible(), timeout=3000)
    box = reporter.box
    assert box.objectName() == DIALOG_OBJECT_NAME
    assert box.windowModality() == Qt.WindowModality.NonModal and not box.isModal()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "deliberate failure in paint" in box.informativeText()
    assert "Traceback" in capsys.readouterr().err
    # The window is alive and usable: a key press still reaches it and it paints again.
    assert win.isVisible()
    QTest.keyClick(win.canvas, Qt.Key.Key_PageDown)
    assert not win.grab().isNull()
    box.close()


HOSTILE = '<span style="font-size:40px;color:red">HACKED</span><img src="/etc/passwd">'


def _hostile_project(tmp_path, units_mismatch: bool):
    """The lecture example with its output layer named ``HOSTILE``, saved to a file."""
    project = Project.lecture_example()
    design = project.design
    output = [spec for spec in design.layers if spec.kind == "output"][0]
    design.set_name(output.id, HOSTILE)
    if units_mismatch:
        # A 1-unit softmax output: a validation message on the canvas, in the status bar
        # and in the training panel (the data set also has 2 targets).
        design.set_units(output.id, 1)
    path = tmp_path / "hostile.nnviz"
    project.save(path)
    return path, output.id


def test_names_with_markup_are_shown_as_plain_text(make_window, qtbot, tmp_path):
    path, _output = _hostile_project(tmp_path, units_mismatch=True)
    win = make_window()
    assert win.open_file(path)
    qtbot.waitUntil(lambda: HOSTILE in win.validation_label.text(), timeout=3000)
    label = win.validation_label
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert "<span" in label.text()
    assert "&lt;span" in label.toolTip() and "<span style" not in label.toolTip()
    panel = win.training.panel
    qtbot.waitUntil(lambda: HOSTILE in panel.message.text(), timeout=3000)
    assert panel.message.textFormat() == Qt.TextFormat.PlainText
    problems = [item for item in win.scene.items() if type(item).__name__ == "ProblemItem"]
    assert problems and all("<span style" not in item.toolTip() for item in problems)
    assert any("&lt;span" in item.toolTip() for item in problems)
    assert not win.grab().isNull()


def test_error_dialog_shows_a_file_name_with_markup_as_plain_text(make_window, tmp_path,
                                                                   monkeypatch):
    name = '<b style="font-size:40px;color:red">HACKED.nnviz'
    bad = tmp_path / name
    bad.write_text("not a project")
    shown = []

    def exec_(box):
        shown.append({label.objectName(): (label.text(), label.textFormat())
                      for label in box.findChildren(QLabel)})
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    win = make_window()
    assert not win.open_file(bad)
    assert len(shown) == 1
    labels = shown[0]
    text, fmt = labels["qt_msgbox_informativelabel"]
    assert '<b style="font-size:40px' in text and fmt == Qt.TextFormat.PlainText
    assert labels["qt_msgbox_label"][1] == Qt.TextFormat.PlainText


def test_lecture_view_escapes_layer_names(make_window, qtbot, tmp_path):
    path, output = _hostile_project(tmp_path, units_mismatch=False)
    win = make_window()
    assert win.open_file(path)
    ctl = win.training
    qtbot.waitUntil(lambda: ctl.snapshot is not None, timeout=5000)
    for _ in range(2):
        before = ctl.frames
        qtbot.keyClick(win.canvas, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda before=before: ctl.frames > before, timeout=3000)
    item = win.scene.layer_item(output)
    centre = win.canvas.mapFromScene(item.mapToScene(QPointF(0.0, float(item.offsets[0]))))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: "HACKED" in (ctl.lecture._last_html or ""), timeout=3000)
    page = ctl.lecture._last_html
    assert "&lt;span style=&quot;font-size:40px;color:red&quot;&gt;HACKED" in page
    assert "<span style" not in page and "<img" not in page
    assert "HACKED" in ctl.lecture.plain_text() and "<span" in ctl.lecture.plain_text()
    heading = win.inspector._neuron_heading  # the inspector names the clicked neuron's layer
    assert heading.text() == f"Neuron 1 of {HOSTILE}"
    assert heading.textFormat() == Qt.TextFormat.PlainText
