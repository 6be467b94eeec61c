"""Predict, then reveal (issue 23, point 1): a Step hides the stage's results behind its
question, the next Step reveals them; nothing hidden reaches a view (canvas, tooltip,
Lecture view, inspector), neither through undo nor through the toggle."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction

from nnviz.analysis.predict import num
from ui.canvas.text import short_number
from ui.training.lecture_view import fmt

pytestmark = pytest.mark.window(size=(1600, 1000), fit=True)


def press_step(qtbot, win) -> None:
    """Click Step and wait for the frame it draws."""
    ctl = win.training
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=5000)


def predict_on(qtbot, win) -> None:
    qtbot.mouseClick(win.training.panel.predict_button, Qt.MouseButton.LeftButton)
    assert win.training.predict_mode


def neuron_pos(win, layer_id: str, k: int) -> QPointF:
    item = win.scene.layer_item(layer_id)
    return item.mapToScene(QPointF(0.0, float(item.neurons.parentItem().offsets[k])))


def test_the_toggle_hides_then_reveals_a_neurons_value(qtbot, window):
    ids = window.training.layer_ids
    predict_on(qtbot, window)
    assert window.predict_action.isChecked()  # Training > Predict then Reveal follows
    assert window.training.predict_bar.isVisible()
    press_step(qtbot, window)  # forward through the hidden layer: hidden
    assert window.session.stepper.next_stage.kind == "forward"
    assert window.scene.written_value(ids[1], 0) == "?"
    # Nothing of the hidden numbers is kept by the canvas, and the tooltip keeps the secret.
    assert window.scene.layer_item(ids[1]).neurons.values() is None
    tip = window.scene.tooltip_at(neuron_pos(window, ids[1], 0))
    assert "value = ?" in tip and "value a =" not in tip
    bar = window.training.predict_bar.text()
    assert bar == "Predict: Will h1 fire (a > 0) or stay at 0?"
    assert window.statusBar().currentMessage() == bar
    assert window.training.trace.a[0] is None  # the inspector's source has no hidden value
    stage_count = window.undo_stack.count
    press_step(qtbot, window)  # reveals, without stepping
    assert window.undo_stack.count == stage_count
    a, z = window.session.stepper.trace.a[0][0], window.session.stepper.trace.z[0][0]
    assert window.scene.written_value(ids[1], 0) == short_number(a[0])
    assert window.training.predict_bar.text().startswith("Revealed: h1 ")
    assert f"z = {num(z[0])}" in window.training.predict_bar.text()
    press_step(qtbot, window)  # the output layer: the next question
    assert window.scene.written_value(ids[2], 1) == "?"
    first, second = window.session.dataset().class_names  # the class names of the data set
    assert window.training.predict_bar.text() == \
        f"Predict: Which output wins: y1 ({first}) or y2 ({second})?"


def test_the_lecture_views_numbers_are_hidden_then_shown(qtbot, window):
    predict_on(qtbot, window)
    press_step(qtbot, window)
    text = window.training.lecture.plain_text()
    z = window.session.stepper.trace.z[0][0, 0]
    assert "Predict: Will h1 fire (a > 0) or stay at 0?" in text
    assert "a(h1) = ?" in text and fmt(z) not in text
    press_step(qtbot, window)
    text = window.training.lecture.plain_text()
    assert fmt(z) in text and "Revealed: h1 " in text and "= ?" not in text
    # The loss: hidden on the page and on the plot, then shown.
    press_step(qtbot, window)
    press_step(qtbot, window)
    press_step(qtbot, window)
    loss = window.session.stepper.trace.loss
    text = window.training.lecture.plain_text()
    assert "Predict: Is the loss above ln 2" in text and "L = ?" in text
    assert fmt(loss) not in text
    press_step(qtbot, window)
    assert fmt(loss) in window.training.lecture.plain_text()


def test_changed_weights_show_a_question_mark_until_revealed(qtbot, window):
    ids = window.training.layer_ids
    for _ in range(5):  # forward x2, loss, backward x2: seen without predicting
        press_step(qtbot, window)
    predict_on(qtbot, window)
    press_step(qtbot, window)  # the update
    scene = window.scene
    edges = set(zip(ids[:-1], ids[1:]))
    assert scene.hidden_edges == edges and set(scene.hidden_badges()) == edges
    assert all(scene.bundle_item(*key).values() is None for key in edges)
    assert all(scene.layer_item(i).neurons.bias() is None for i in ids[1:])
    assert window.training.predict_bar.text() == "Predict: Will w(h1→y1) grow or shrink?"
    bundle = scene.bundle_item(ids[1], ids[2])
    mid = bundle.mapToScene(QPointF((bundle._x0 + bundle._x1) / 2,
                                    (bundle._y0[0] + bundle._y1[0]) / 2))
    assert "= ? (predict it" in scene.tooltip_at(mid)
    # The inspector (a click on the line) says "?" too: the document has the new weights.
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.canvas.mapFromScene(mid))
    spin = window.inspector.weight_spin
    qtbot.waitUntil(lambda: spin.text() == "?")
    assert not spin.isEnabled()
    press_step(qtbot, window)
    assert spin.isEnabled() and spin.value() == pytest.approx(
        window.session.stepper.model.get_weights()[2][0, 0], abs=1e-3)
    after = window.session.stepper.model.get_weights()[2]
    # The reveal animates the lines from the old weights to the new.
    qtbot.waitUntil(lambda: np.allclose(scene.bundle_item(ids[1], ids[2]).values(), after),
                    timeout=5000)
    assert not scene.hidden_edges and not scene.hidden_badges()
    assert "→" in window.training.predict_bar.text()


def test_undo_and_the_toggle_leak_nothing(qtbot, window):
    ids = window.training.layer_ids
    window.canvas.setFocus()
    predict_on(qtbot, window)
    press_step(qtbot, window)
    hidden_value = window.session.stepper.trace.a[0][0]
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: window.training.trace is None)
    window.undo_stack.redo()
    qtbot.waitUntil(lambda: window.session.stepper.trace is not None)
    # Redo shows the run, not the hidden stage's numbers.
    texts = [window.scene.written_value(ids[1], k) for k in range(3)]
    assert all(t in (None, "?") for t in texts)
    assert fmt(hidden_value[0]) not in window.training.lecture.plain_text()
    # Time travel and back to now: the run's weights, never the hidden stage's numbers.
    slider = window.training.panel.time_slider
    slider.setValue(0)
    qtbot.waitUntil(lambda: window.session.travel_index == 0)
    slider.setValue(slider.maximum())
    qtbot.waitUntil(lambda: window.session.travel_index is None)
    assert all(window.scene.written_value(ids[1], k) in (None, "?") for k in range(3))
    assert fmt(hidden_value[0]) not in window.training.lecture.plain_text()
    # Turning the toggle on again does not show them either; turning it off reveals.
    menu_action = window.findChild(QAction, "actionPredictReveal")
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # a new hidden stage (the output layer)
    qtbot.waitUntil(lambda: window.scene.written_value(ids[2], 0) == "?")
    menu_action.trigger()
    assert not window.training.predict_mode and not window.training.panel.predict_button.isChecked()
    assert window.scene.written_value(ids[2], 0) == short_number(
        window.session.stepper.trace.a[1][0, 0])


def test_a_question_follows_the_selected_neuron(qtbot, window):
    ids = window.training.layer_ids
    predict_on(qtbot, window)
    press_step(qtbot, window)
    pos = window.canvas.mapFromScene(neuron_pos(window, ids[1], 2))
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.training.predict_bar.text()
                    == "Predict: Will h3 fire (a > 0) or stay at 0?")
    assert "a(h3) = ?" in window.training.lecture.plain_text()


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_presentation_mode_asks_in_large_type_above_the_network(qtbot, window, size):
    from PySide6.QtGui import QFontMetricsF

    from tests.ui.test_projector import enter_at
    from ui.training.predict_bar import PRESENTATION_QUESTION_PX

    enter_at(window, qtbot, size)
    window.predict_action.trigger()
    bar = window.training.predict_bar
    sizes = []
    for _ in range(2 * len(window.session.stepper.stages)):  # every stage asked, then revealed
        before = window.training.frames
        qtbot.keyClick(window, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda before=before: window.training.frames > before, timeout=5000)
        text = bar.text()
        assert text.startswith(("Predict: ", "Revealed: "))
        label = bar.label
        # One line, whole: the text fits the label's width at the size it is drawn.
        assert QFontMetricsF(label.font()).horizontalAdvance(text) <= label.width()
        sizes.append(bar.pixel_size())
    # Questions at full size; no line smaller than 28 px (a back row reads 20 px).
    assert sizes[0] == PRESENTATION_QUESTION_PX and min(sizes) >= 28, sizes
    # The network is drawn below the bar, not under it.
    window.canvas.fit()
    top = window.canvas.mapFromScene(window.scene.content_rect().topLeft()).y()
    assert top >= bar.geometry().bottom()
    assert bar.width() == window.canvas.viewport().width()
