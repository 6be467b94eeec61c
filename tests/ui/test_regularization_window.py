"""Regularization in the window: chosen in the settings (undoable), in the run, and in the
Lecture view's L and ∂L/∂w with the engine's numbers."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.engine import regularizers
from tests.ui.helpers import type_into
from tests.ui.test_lecture_view import click_connection, click_step, factor
from ui.training.lecture_view import fmt

pytestmark = pytest.mark.window(size=(1400, 900), fit=True)


def choose(qtbot, combo, name: str) -> None:
    """Pick ``name`` with the arrow keys, as a user does on a focused combo box."""
    combo.setFocus()
    target = combo.findData(name)
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def test_choosing_l2_and_a_rate_reaches_the_run_and_undoes(qtbot, window):
    panel = window.training.panel
    combo, rate = panel.regularization_combo, panel.regularization_rate
    assert [combo.itemData(i) for i in range(combo.count())] == \
        [name for name, _ in regularizers.window_choices()] == ["none", "l1", "l2"]
    assert combo.currentData() == "none" and not rate.isEnabled()
    choose(qtbot, combo, "l2")
    assert window.project.training.regularization == "l2"
    assert rate.isEnabled()
    type_into(rate, "0.05")
    assert window.project.training.regularization_rate == 0.05
    layers = window.session.stepper.model.dense_layers
    assert all(layer.kernel_regularizer == regularizers.L2(0.05) for layer in layers)
    assert window.undo_stack.undo_text == "Set regularization rate to 0.05"
    window.undo_stack.undo()
    assert combo.currentData() == "l2" and rate.value() == pytest.approx(0.01)
    while window.undo_stack.undo_text.startswith("Set regularization to"):  # l2, then l1
        window.undo_stack.undo()
    assert combo.currentData() == "none" and not rate.isEnabled()
    assert rate.value() == pytest.approx(0.01)
    assert all(layer.kernel_regularizer is None
               for layer in window.session.stepper.model.dense_layers)


@pytest.mark.parametrize("name", ["l2", "l1"])
def test_the_lecture_shows_the_penalty_in_l_and_in_the_gradient(qtbot, window, name):
    window.session.set_setting(regularization=name, regularization_rate=0.03)
    _, hidden, output = window.training.layer_ids
    click_connection(qtbot, window, hidden, output, 2, 0)
    for _ in range(3):  # forward x2, loss
        click_step(qtbot, window)
    trace = window.training.trace
    model = window.session.stepper.model
    kernels = [layer.kernel for layer in model.dense_layers]
    penalty = regularizers.REGULARIZERS[name](0.03)
    assert trace.penalty == pytest.approx(sum(penalty(k) for k in kernels))
    click_step(qtbot, window)  # the output layer's backward step: its dW
    text = " ".join(window.training.lecture.plain_text().split())
    loss_label = penalty.label
    assert f"+ {loss_label} penalty" in text
    data = trace.loss - trace.penalty
    assert f"L = mean over the 4 samples + penalty = {fmt(data)} + {fmt(trace.penalty)} = " \
           f"{fmt(trace.loss)}" in text
    trace = window.training.trace
    w = float(trace.W_before[1][2, 0]) if trace.W_before is not None else \
        float(window.project.design.kernel(hidden, output)[2, 0])
    slope = "2·λ·wh3→y1" if name == "l2" else "λ·sign(wh3→y1)"
    assert f"∂L/∂wh3→y1 = Σsamples ∂L/∂zy1 · ah3 + {slope}" in text
    numbers = f"2·0.03·{factor(w)}" if name == "l2" else f"0.03·sign({factor(w)})"
    g = float(trace.dW[1][2, 0])
    assert f"+ {numbers} = {fmt(g)}" in text
    # The shown gradient is the data's part plus the penalty's slope, as the engine's.
    a_prev, dz = trace.a[0], trace.dZ[1]
    data_part = float(a_prev[:, 2] @ dz[:, 0])
    np.testing.assert_allclose(g, data_part + float(penalty.gradient(np.array(w))), atol=1e-12)


def test_the_handout_shows_the_penalty(window, tmp_path):
    """Paper too: the settings name the penalty, the loss page adds it to L."""
    from ui.handout import export_handout

    window.session.set_setting(regularization="l2", regularization_rate=0.03)
    result = export_handout(window.session, tmp_path / "h.pdf", "lecture")
    assert "Regularization: L2, rate 0.03" in result.texts[0]
    loss_page = " ".join(result.texts[result.stages.index("Loss (categorical crossentropy)")
                                      + 1].split())
    assert "+ L2 penalty λ·Σw² = 0.03·Σw² = " in loss_page
    assert "L = mean over the 4 samples + penalty = " in loss_page
