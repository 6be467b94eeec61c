"""The lecture view in the real window: clicked neurons and connections, stepped with the
Step button, show the engine's own numbers; Ctrl+plus / Ctrl+minus scale the text."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from nnviz.document.selection import ConnectionSel, NeuronSel
from nnviz.engine import activations, losses, optimizers
from nnviz.engine.training import Stepper
from nnviz.session.lecture_info import LectureInfo
from tests.ui.helpers import reference_stepper as reference
from ui.training.lecture_view import BASE_PIXEL_SIZE, FIT_FLOOR, fmt

pytestmark = pytest.mark.window(size=(1400, 900), fit=True)


def click_step(qtbot, win) -> None:
    ctl = win.training
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.frames > before and not ctl.snapshot.running, timeout=5000)


def click_neuron(qtbot, win, layer_id: str, j: int) -> None:
    item = win.scene.layer_item(layer_id)
    point = win.canvas.mapFromScene(item.mapToScene(QPointF(0, item.offsets[j])))
    with qtbot.waitSignal(win.scene.sig_selection_changed, timeout=2000) as blocker:
        QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args[0] == NeuronSel(layer_id, j)


def click_connection(qtbot, win, src: str, tgt: str, i: int, j: int) -> None:
    scene = win.scene
    rect = scene.bundle_item(src, tgt).boundingRect().adjusted(4, 0, -4, 0)
    y0, y1 = scene.layer_item(src).neuron_scene_y()[i], scene.layer_item(tgt).neuron_scene_y()[j]
    point = QPointF(rect.left() + 0.25 * rect.width(), y0 + 0.25 * (y1 - y0))
    with qtbot.waitSignal(scene.sig_selection_changed, timeout=2000) as blocker:
        QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton,
                         pos=win.canvas.mapFromScene(point))
    assert blocker.args[0] == ConnectionSel(src, tgt, i, j)


def factor(value: float) -> str:
    """A number as the view writes a factor: negative ones in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith("\u2212") else text


def test_a_clicked_neuron_shows_the_engines_weighted_sum_and_activation(qtbot, window):
    ref = reference(window.project)
    inp, hidden, _ = window.training.layer_ids
    click_neuron(qtbot, window, hidden, 1)
    click_step(qtbot, window)
    trace = ref.step()
    x = trace.x[0]
    W = window.project.design.kernel(inp, hidden)
    b = window.project.design.bias(hidden)
    z = x @ W[:, 1] + b[1]
    np.testing.assert_allclose(z, trace.z[0][0, 1])
    text = window.training.lecture.plain_text()
    assert "Neuron h2 of Hidden 1" in text
    filled = f"{factor(W[0, 1])}·{factor(x[0])} + {factor(W[1, 1])}·{factor(x[1])} + " \
             f"{factor(b[1])} = {fmt(trace.z[0][0, 1])}"
    assert filled in " ".join(text.split())
    assert f"ah2 = relu(zh2) = max(0, {fmt(trace.z[0][0, 1])}) = {fmt(trace.a[0][0, 1])}" \
        in text


def test_after_the_loss_stage_the_loss_formula_has_the_samples_numbers(qtbot, window):
    ref = reference(window.project)
    for _ in range(3):  # forward, forward, loss
        click_step(qtbot, window)
        trace = ref.step()
    assert trace.stage.kind == "loss"
    text = " ".join(window.training.lecture.plain_text().split())
    y, y_pred = trace.y[0], trace.y_pred[0]
    assert "Loss: categorical crossentropy" in text
    terms = " + ".join(f"{fmt(y[c], 0)}·ln {fmt(y_pred[c])}" for c in range(len(y)))
    sample_loss = -float(np.sum(y * np.log(y_pred)))
    assert f"({terms}) = {fmt(sample_loss)}" in text
    assert f"mean over the 4 samples of the batch: L = {fmt(trace.loss)}" in text


def test_a_clicked_connection_shows_its_gradient_and_sgd_update(qtbot, window):
    ref = reference(window.project)
    _, hidden, output = window.training.layer_ids
    for _ in range(6):  # forward x2, loss, backward x2, update
        click_step(qtbot, window)
        trace = ref.step()
    assert trace.stage.kind == "update"
    click_connection(qtbot, window, hidden, output, 2, 0)
    text = " ".join(window.training.lecture.plain_text().split())
    g = trace.dW[1][2, 0]
    w_old, w_new = trace.W_before[1][2, 0], trace.W_after[1][2, 0]
    np.testing.assert_allclose(w_new, w_old - 0.1 * g)
    assert "Connection h3 → y1 Hidden 1 neuron 3 → Output neuron 1" in text
    assert "∂L/∂wh3→y1 = Σsamples ∂L/∂zy1 · ah3" in text
    assert f"= {fmt(g)}" in text
    # Both values, old and new: the inspector shows the new one.
    assert f"wh3→y1: old {fmt(w_old)} → new {fmt(w_new)}" in text
    assert f"new wh3→y1 = old wh3→y1 − lr · ∂L/∂wh3→y1 = {fmt(w_old)} − 0.1 · " \
        f"{factor(g)} = {fmt(w_new)}" in text
    np.testing.assert_allclose(window.project.design.kernel(hidden, output)[2, 0], w_new)


def test_ctrl_plus_and_minus_scale_the_lecture_text_not_the_canvas(qtbot, window):
    lecture = window.training.lecture
    click_step(qtbot, window)
    click_neuron(qtbot, window, window.training.layer_ids[1], 0)
    browser = lecture.browser
    assert lecture.pixel_size() == BASE_PIXEL_SIZE
    height = browser.document().size().height()
    zoom = window.canvas.transform().m11()
    browser.setFocus()
    qtbot.waitUntil(browser.hasFocus, timeout=2000)
    qtbot.keyClick(browser, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(browser, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert lecture.font_scale() > 1.25
    assert lecture.pixel_size() > BASE_PIXEL_SIZE
    assert browser.document().size().height() > height * 1.2
    assert window.canvas.transform().m11() == zoom  # the canvas kept its zoom
    qtbot.keyClick(browser, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert 1.0 < lecture.font_scale() < 1.25
    qtbot.keyClick(browser, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert lecture.font_scale() == 1.0
    assert browser.document().size().height() == pytest.approx(height, rel=0.02)


def test_set_font_scale_grows_the_text_and_survives_a_theme_switch(qtbot, window):
    lecture = window.training.lecture
    click_step(qtbot, window)
    click_neuron(qtbot, window, window.training.layer_ids[1], 0)
    height = lecture.browser.document().size().height()
    lecture.set_font_scale(1.7, fit=False)
    assert lecture.pixel_size() == lecture.shown_pixel_size() == round(1.7 * BASE_PIXEL_SIZE)
    grown = lecture.browser.document().size().height()
    assert grown > 1.4 * height
    # Fitted (presentation mode's way): no larger than asked, and the page fits the view
    # unless the text reached its floor.
    lecture.set_font_scale(1.7)
    shown = lecture.shown_pixel_size()
    assert BASE_PIXEL_SIZE <= shown <= lecture.pixel_size()
    fits = lecture.browser.document().size().height() <= lecture.browser.viewport().height()
    assert fits or shown == round(1.7 * BASE_PIXEL_SIZE * FIT_FLOOR)
    lecture.set_font_scale(1.7, fit=False)
    # The theme's application style sheet resets a text browser's font; the scale stays.
    window.dark_action.trigger()
    qtbot.waitUntil(lambda: window.dark, timeout=2000)
    assert lecture.browser.document().size().height() == pytest.approx(grown, rel=0.05)
    window.light_action.trigger()


# ------------------------------------------------------------------ every registered concept


def _plain(html_text: str) -> str:
    """What a rich-text snippet reads as: tags dropped, entities decoded."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def _traced(activation: str, loss: str, optimizer: str = "sgd", momentum: float = 0.0,
            output: str | None = None, until: str = "update"):
    """A 2-3-2 network stepped through one whole batch: the trace after its stage ``until``
    (the update by default). The output layer's activation: ``output``, or softmax for the
    categorical losses and sigmoid for the others."""
    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential

    if output is None:
        output = "softmax" if "categorical" in loss else "sigmoid"
    model = Sequential([Dense(3, input_shape=(2,), activation=activation, seed=1),
                        Dense(2, activation=output, seed=2)])
    opt = optimizers.get(optimizer, learning_rate=0.05,
                         **({"momentum": momentum} if optimizers.has_momentum(optimizer) else {}))
    model.compile(optimizer=opt, loss=loss)
    x = np.array([[0.5, -1.0], [1.5, 0.25]])
    y = {"sparse_categorical_crossentropy": np.array([1, 0])}.get(
        loss, np.array([[0.0, 1.0], [1.0, 0.0]]))
    stepper = Stepper(model, x, y, batch_size=2, shuffle=False)
    trace = stepper.step()
    while trace.stage.kind != until:
        trace = stepper.step()
    return model, trace


def _show(qtbot, selection, trace, model, activation, loss, optimizer="sgd"):
    from ui.training.lecture_view import LectureView

    view = LectureView()
    qtbot.addWidget(view)
    info = LectureInfo(ids=("in", "h", "out"), names=("Input", "Hidden", "Output"),
                       activations=tuple(layer.activation_name for layer in model.dense_layers),
                       loss=loss, optimizer=optimizer, learning_rate=0.05)
    view.show_state(selection, trace, model.get_weights(), info)
    return " ".join(view.plain_text().split())


@pytest.mark.parametrize("name", activations.names())
def test_every_activation_shows_its_registered_formula_filled_in(qtbot, name):
    cls = activations.ACTIVATIONS[name]
    model, trace = _traced(name, "categorical_crossentropy")
    text = _show(qtbot, NeuronSel("h", 0), trace, model, name, "categorical_crossentropy")
    z, a = float(trace.z[0][0, 0]), float(trace.a[0][0, 0])
    fill = {"z": fmt(z), "zp": f"({fmt(z)})" if fmt(z).startswith("−") else fmt(z),
            "neg_z": fmt(-z), "a": fmt(a)}
    if cls.element_wise:
        rhs = " ".join(_plain(cls.formula_html.format(**fill)).split())
        expected = f"ah1 = zh1 = {fmt(a)}" if name == "linear" else \
            f"ah1 = {name}(zh1) = {rhs} = {fmt(a)}"
        assert expected in text, text
        rule = _plain(cls.derivative_html.format(z="zh1", zp="zh1", neg_z="−zh1", a="ah1"))
        assert f"f′(zh1) = {' '.join(rule.split())}" in text, text
    else:
        assert f"= {fmt(a)}" in text and "Σj" in text, text


@pytest.mark.parametrize("loss", losses.names())
def test_every_loss_shows_its_registered_formula_and_the_engines_value(qtbot, loss):
    model, trace = _traced("tanh", loss, until="loss")
    text = _show(qtbot, None, trace, model, "tanh", loss)
    engine = losses.get(loss)
    value = float(engine.per_sample(*engine.prepare(trace.y[:1], trace.y_pred[:1]))[0])
    formula = " ".join(_plain(losses.LOSSES[loss].formula_html).split())
    assert f"{formula} = " in text and f"= {fmt(value)}" in text, text


@pytest.mark.parametrize("key", [key for key, *_ in optimizers.presets()])
def test_every_optimizer_menu_entry_shows_its_registered_rule(qtbot, key):
    name, settings = optimizers.resolve(key)
    model, trace = _traced("relu", "categorical_crossentropy", name, settings["momentum"])
    text = _show(qtbot, ConnectionSel("h", "out", 0, 0), trace, model, "relu",
                 "categorical_crossentropy", key)
    if key == "sgd":
        assert "new wh1→y1 = old wh1→y1 − lr · ∂L/∂wh1→y1 =" in text, text
    else:
        assert optimizers.title(name, settings["momentum"]) in text, text
        assert " ".join(optimizers.formula(name, settings["momentum"]).split()) in text, text
        assert "lr · ∂L/∂w =" not in text, text
