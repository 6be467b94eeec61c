"""Hardening of the window (issue 10): nothing a user clicks may take the process down.

Each test drives the window with real key presses and mouse clicks and then paints it
with ``grab()``; pytest-qt fails a test on any exception raised inside a Qt virtual.
"""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from nnviz.project import Project


@pytest.fixture
def make_window(qtbot, monkeypatch):
    """A shown MainWindow on a project; its save question always answers "discard"."""
    from ui.main_window import MainWindow

    windows = []

    def make(project=None, size=(1300, 850)):
        win = MainWindow(project or Project.lecture_example())
        monkeypatch.setattr(win, "maybe_save", lambda: True)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.training.snapshot is not None, timeout=5000)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.training.shutdown()


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
        qtbot.waitUntil(lambda: ctl.frames > before, timeout=3000)
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
