"""Keys after a typed value, and Delete after a click on a card's title (issue 21, point 9).

Driven by real key presses and clicks sent where Qt sends them: to the widget that has
the keyboard focus.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def _type_into(qtbot, field, text: str) -> None:
    """Click into ``field``, select what it holds and type ``text`` with key presses."""
    line = field.lineEdit()
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    QTest.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(line, text)


def _press(key) -> None:
    """A key press, sent to whatever has the focus (as the keyboard would)."""
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, key)


@pytest.mark.parametrize("key", [Qt.Key.Key_Space, Qt.Key.Key_PageDown])
def test_after_enter_in_a_field_the_step_keys_step_and_the_value_stays(window, qtbot, key):
    panel = window.training.panel
    field = panel.learning_rate
    _type_into(qtbot, field, "0.5")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.project.training.learning_rate == 0.5
    before = window.session.stepper.global_step, window.session.stepper.next_stage.label
    _press(key)
    stepper = window.session.stepper
    assert (stepper.global_step, stepper.next_stage.label) != before, "the key did not step"
    assert field.text() == "0.5" and field.value() == 0.5
    assert window.project.training.learning_rate == 0.5


def test_after_enter_in_the_epochs_field_space_steps(window, qtbot):
    field = window.training.panel.epochs
    _type_into(qtbot, field, "80")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter)  # the keypad's Enter
    label = window.session.stepper.next_stage.label
    _press(Qt.Key.Key_Space)
    assert window.session.stepper.next_stage.label != label
    assert field.text() == "80" and window.project.training.epochs == 80


def _title_point(window, layer_id: str):
    """The centre of the layer's title (its name above the card), in viewport pixels."""
    view = window.canvas
    label = view.canvas_scene.layer_item(layer_id).label
    point = view.mapFromScene(label.sceneBoundingRect().center())
    assert view.viewport().rect().contains(point)
    return point


def test_delete_after_a_click_on_a_layers_title_removes_the_layer(window, qtbot):
    window.fit_network()
    hidden = window.design.layers[1].id
    view = window.canvas
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_title_point(window, hidden))
    assert view.canvas_scene.layer_item(hidden).isSelected()
    _press(Qt.Key.Key_Delete)
    assert not window.design.has_layer(hidden)
    assert len(window.design.layers) == 2


def test_ctrl_click_on_a_title_adds_its_layer_to_the_selection(window, qtbot):
    window.fit_network()
    inp, hidden, _ = (layer.id for layer in window.design.layers)
    view = window.canvas
    scene = view.canvas_scene
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_title_point(window, inp))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, _title_point(window, hidden))
    assert scene.layer_item(inp).isSelected() and scene.layer_item(hidden).isSelected()
    # A click on the empty canvas still clears the selection.
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert not scene.selectedItems()


def test_dragging_a_title_moves_its_card(window, qtbot):
    window.fit_network()
    hidden = window.design.layers[1].id
    view = window.canvas
    before = window.design.layer(hidden).x, window.design.layer(hidden).y
    start = _title_point(window, hidden)
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     start)
    for k in range(1, 7):
        QTest.mouseMove(view.viewport(), start + QPoint(8 * k, 6 * k))
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, start + QPoint(48, 36))
    spec = window.design.layer(hidden)
    assert spec.x > before[0] and spec.y > before[1]
    assert window.design.undo_stack.undo_text.startswith("Move")
