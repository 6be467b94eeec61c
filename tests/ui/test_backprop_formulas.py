"""Back-propagation in the lecture view, for every activation and every loss the engine has:
each written-out formula carries the engine's own numbers (from the stage trace), and the
formula's arithmetic gives the trace's next value (so the formula shown is the right one)."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

from nnviz.document.selection import NeuronSel
from nnviz.engine import activations, losses
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.training import Stepper
from nnviz.session.lecture_info import LectureInfo
from ui.training.lecture_view import LectureView, fmt

LR = 0.05
M = "\u2212"


def factor(value: float) -> str:
    """A number as the view writes a factor: negative ones in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith(M) else text


def plain(html_text: str) -> str:
    """What a rich-text template reads as: tags dropped, entities decoded, spaces single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", html_text)).split())


def traced(activation: str, loss: str):
    """A 2-3-2 network with ``activation`` in both layers, stepped through one batch of 3."""
    model = Sequential([Dense(3, input_shape=(2,), activation=activation, seed=3),
                        Dense(2, activation=activation, seed=4)])
    model.compile(optimizer="sgd", loss=loss)
    model.optimizer.learning_rate = LR
    x = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 0.6]])
    y = {"sparse_categorical_crossentropy": np.array([1, 0, 1])}.get(
        loss, np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    stepper = Stepper(model, x, y, batch_size=3, shuffle=False)
    trace = stepper.step()
    while trace.stage.kind != "update":
        trace = stepper.step()
    return model, trace


def page(qtbot, selection, model, trace, loss: str) -> str:
    view = LectureView()
    qtbot.addWidget(view)
    info = LectureInfo(ids=("in", "h", "out"), names=("Input", "Hidden 1", "Output"),
                       activations=tuple(layer.activation_name for layer in model.dense_layers),
                       loss=loss, optimizer="sgd", learning_rate=LR)
    view.show_state(selection, trace, model.get_weights(), info)
    return " ".join(view.plain_text().split())


#: The gradient of each batch loss with respect to output j, re-derived here independently
#: of the engine and the view: p, y the sample's prediction and target, k outputs, B the
#: batch size, s the sum of the sample's predictions.
DERIVED = {
    "mean_squared_error": lambda p, y, k, B, s: 2 * (p - y) / (k * B),
    "mean_absolute_error": lambda p, y, k, B, s: np.sign(p - y) / (k * B),
    "binary_crossentropy": lambda p, y, k, B, s: (p - y) / (p * (1 - p) * k * B),
    "categorical_crossentropy": lambda p, y, k, B, s: (1 / s - y / p) / B,
    "sparse_categorical_crossentropy": lambda p, y, k, B, s: (1 / s - y / p) / B,
}
SYMBOLS = {"y": "y1", "p": "ŷ1", "k": "k", "B": "B", "s": "Σj ŷj"}


def evaluate(template: str, **values) -> float:
    """A registered formula template computed with exact numbers (not the shown, rounded
    ones): checks the formula a student reads, not only its filled-in digits."""
    expr = plain(template.format(**{k: f"({v!r})" for k, v in values.items()}))
    expr = expr.replace("·", "*").replace("−", "-").replace("sign", "np.sign")
    return float(eval(expr, {"np": np}))  # noqa: S307 - our own templates, our numbers


def clipped(loss, p_row, y_row, j: int) -> bool:
    """Whether the loss clipped what output j's gradient depends on (then it is not the
    formula's): ŷ_j for binary cross-entropy, the true class's rescaled ŷ for the others."""
    if loss.name == "binary_crossentropy":
        row = p_row[j:j + 1]
    elif "categorical" in loss.name:
        row = (p_row / p_row.sum())[y_row != 0]
    else:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.any(~((row >= losses.EPSILON) & (row <= 1 - losses.EPSILON))))


def chain_through(act: str, text: str, layer: int, trace, zs: str, a_sym: str) -> None:
    """``∂L/∂z = ∂L/∂a · f′(z)`` (or softmax's Jacobian) as shown, checked by arithmetic;
    ``zs``, ``a_sym``: the neuron's symbols as read (``zh1``, ``ah1``; ``zy1``, ``ŷ1``)."""
    cls = activations.ACTIVATIONS[act]
    dA, dZ = trace.dA[layer][0], trace.dZ[layer][0]
    a_row, z = trace.a[layer][0], trace.z[layer][:1]
    if cls.element_wise:
        fprime = float(cls().derivative(z)[0, 0])
        np.testing.assert_allclose(dA[0] * fprime, dZ[0], rtol=1e-9, atol=1e-15)
        assert f"∂L/∂{zs} = ∂L/∂{a_sym} · f′({zs}) = {factor(dA[0])} · {factor(fprime)} = " \
               f"{fmt(dZ[0])}" in text, text
        sym = plain(cls.derivative_html.format(z=zs, zp=zs, neg_z=M + zs, a=a_sym))
        zv, av = float(z[0, 0]), float(a_row[0])
        num = plain(cls.derivative_html.format(z=fmt(zv), zp=factor(zv), neg_z=fmt(-zv),
                                               a=factor(av)))
        expected = f"f′({zs}) = {sym}" if sym == num else \
            f"f′({zs}) = {sym} = {num} = {fmt(fprime)}"
        assert expected in text, text
    else:
        s = float(np.sum(dA * a_row))
        np.testing.assert_allclose(a_row[0] * (dA[0] - s), dZ[0], rtol=1e-9, atol=1e-15)
        terms = " + ".join(f"{factor(dA[c])}·{factor(a_row[c])}" for c in range(len(a_row)))
        assert f"Σi = {terms} = {fmt(s)}" in text, text
        assert f"∂L/∂{zs} = {factor(a_row[0])} · ({factor(dA[0])} − {factor(s)}) = " \
               f"{fmt(dZ[0])}" in text, text


def parameter_gradients(text: str, layer: int, trace, unit: str, prev: str) -> None:
    """``∂L/∂b`` and ``∂L/∂w`` of the first incoming line: sums over the batch, as shown
    and as traced. ``unit``: the neuron's canvas name, ``prev`` its first input's."""
    dz = trace.dZ[layer][:, 0]
    a_prev = trace.x if layer == 0 else trace.a[layer - 1]
    np.testing.assert_allclose(dz.sum(), trace.db[layer][0], rtol=1e-9, atol=1e-15)
    terms = " + ".join([fmt(dz[0])] + [factor(v) for v in dz[1:]])
    assert f"∂L/∂b{unit} = Σsamples ∂L/∂z{unit} = {terms} = {fmt(trace.db[layer][0])}" \
        in text, text
    np.testing.assert_allclose(np.sum(dz * a_prev[:, 0]), trace.dW[layer][0, 0],
                               rtol=1e-9, atol=1e-15)
    terms = " + ".join(f"{factor(dz[s])}·{factor(a_prev[s, 0])}" for s in range(len(dz)))
    prev_value = "x1" if prev == "x1" else f"a{prev}"
    assert f"∂L/∂w{prev}→{unit} = Σsamples ∂L/∂z{unit} · {prev_value} = {terms} = " \
           f"{fmt(trace.dW[layer][0, 0])}" in text, text


def updates(text: str, layer: int, trace, unit: str, prev: str) -> None:
    """The bias's and the first weight's SGD update, old and new, as the engine did it."""
    for sym, before, after, grad in (
            (f"b{unit}", trace.b_before[layer][0], trace.b_after[layer][0], trace.db[layer][0]),
            (f"w{prev}→{unit}", trace.W_before[layer][0, 0], trace.W_after[layer][0, 0],
             trace.dW[layer][0, 0])):
        np.testing.assert_allclose(before - LR * grad, after, rtol=1e-9, atol=1e-15)
        assert f"new {sym} = old {sym} − lr · ∂L/∂{sym} = {fmt(before)} − " \
               f"{LR} · {factor(grad)} = {fmt(after)}" in text, text


@pytest.mark.parametrize("loss_name", losses.names())
@pytest.mark.parametrize("act", activations.names())
def test_output_neuron_backward_for_every_activation_and_loss(qtbot, act, loss_name):
    model, trace = traced(act, loss_name)
    text = page(qtbot, NeuronSel("out", 0), model, trace, loss_name)
    loss = losses.get(loss_name)
    y_true, y_pred = loss.prepare(trace.y[:1], trace.y_pred[:1])
    p, y = float(y_pred[0, 0]), float(y_true[0, 0])
    k, B, s = y_pred.shape[1], len(trace.x), float(y_pred[0].sum())
    num = {"y": fmt(y, 0), "p": fmt(p), "k": str(k), "B": str(B), "s": fmt(s)}
    dA, dZ = float(trace.dA[1][0, 0]), float(trace.dZ[1][0, 0])
    assert "Epoch 1, batch 1: numbers of sample 1 of its 3" in text
    assert "Backward: the chain rule · sample 1 of 3" in text
    shortcut = loss.shortcut_html.get(act)
    if clipped(loss, np.asarray(y_pred[0], dtype=float), np.asarray(y_true[0]), 0):
        assert f"∂L/∂ŷ1 = {fmt(dA)} The loss clipped this sample's ŷ" in text, text
        chain_through(act, text, 1, trace, "zy1", "ŷ1")
    elif shortcut and act == "softmax":
        # Softmax + cross-entropy: ∂L/∂z = (ŷ − y)/B, the Jacobian and the ln cancelled.
        np.testing.assert_allclose(evaluate(shortcut, p=p, y=y, k=k, B=B, s=s), dZ, rtol=1e-6)
        assert f"∂L/∂zy1 = {plain(shortcut.format(**SYMBOLS))} = " \
               f"{plain(shortcut.format(**num))} = {fmt(dZ)}" in text, text
        assert f"÷{B}: the mean over the B = {B} samples of the batch" in text, text
    else:
        np.testing.assert_allclose(DERIVED[loss_name](p, y, k, B, s), dA, rtol=1e-6)
        np.testing.assert_allclose(evaluate(loss.gradient_html, p=p, y=y, k=k, B=B, s=s), dA,
                                   rtol=1e-6)
        assert f"∂L/∂ŷ1 = {plain(loss.gradient_html.format(**SYMBOLS))} = " \
               f"{plain(loss.gradient_html.format(**num))} = {fmt(dA)} ÷{B}: the loss is " \
               f"the mean over the B = {B} samples of the batch" in text, text
        chain_through(act, text, 1, trace, "zy1", "ŷ1")
        if shortcut:  # sigmoid + binary cross-entropy: the same as (ŷ − y)/(k·B)
            np.testing.assert_allclose(evaluate(shortcut, p=p, y=y, k=k, B=B, s=s), dZ,
                                       rtol=1e-6)
            assert f"the same as {plain(shortcut.format(**SYMBOLS))} = " \
                   f"{plain(shortcut.format(**num))} = {fmt(dZ)}" in text, text
    parameter_gradients(text, 1, trace, "y1", "h1")
    updates(text, 1, trace, "y1", "h1")


@pytest.mark.parametrize("loss_name", losses.names())
@pytest.mark.parametrize("act", activations.names())
def test_hidden_neuron_backward_for_every_activation_and_loss(qtbot, act, loss_name):
    model, trace = traced(act, loss_name)
    text = page(qtbot, NeuronSel("h", 0), model, trace, loss_name)
    W_next, dz_next = trace.W_before[1], trace.dZ[1][0]
    dA = float(trace.dA[0][0, 0])
    np.testing.assert_allclose(W_next[0] @ dz_next, dA, rtol=1e-9, atol=1e-15)
    terms = " + ".join(f"{factor(W_next[0, c])}·{factor(dz_next[c])}" for c in range(2))
    # Each term by the canvas's names: no index that also counts (k), no a1 that is also
    # the output's ŷ1, no w1,1 that names two lines.
    assert "∂L/∂ah1 = wh1→y1·∂L/∂zy1 + wh1→y2·∂L/∂zy2" in text, text
    assert f"= {terms} = {fmt(dA)}" in text, text
    chain_through(act, text, 0, trace, "zh1", "ah1")
    parameter_gradients(text, 0, trace, "h1", "x1")
    updates(text, 0, trace, "h1", "x1")
    # The weighted sum is the one of this batch, before its update, and says so.
    assert "(old weights: before this batch's update)" in text


def test_the_loss_registry_gradients_are_the_engines(qtbot):
    """Each loss's registered ∂L/∂ŷ template, filled in, is what ``gradient`` returns."""
    p = np.array([[0.3, 0.6], [0.8, 0.1]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    for name in losses.names():
        loss = losses.get(name)
        yt = np.argmax(y, axis=1) if name.startswith("sparse") else y
        yt, yp = loss.prepare(yt, p)
        grad = loss.gradient(yt, yp)
        for j in range(2):
            expected = DERIVED[name](p[0, j], yt[0, j], 2, 2, p[0].sum())
            np.testing.assert_allclose(grad[0, j], expected, rtol=1e-9)
            np.testing.assert_allclose(
                evaluate(loss.gradient_html, p=p[0, j], y=yt[0, j], k=2, B=2, s=p[0].sum()),
                expected, rtol=1e-9)
            assert "{p}" in loss.gradient_html and "{B}" in loss.gradient_html
