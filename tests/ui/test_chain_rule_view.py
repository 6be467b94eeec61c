"""The chain-rule path in the window: a weight clicked in a backward stage lights its paths
and lists their factors; their sum is the shown ∂L/∂w and a finite difference agrees."""
from __future__ import annotations

import pytest

from tests.ui.helpers import reference_stepper as reference
from tests.ui.test_lecture_view import click_connection, click_neuron, click_step
from ui.training.chain_rule_view import _factor_value
from ui.training.lecture_view import fmt

pytestmark = pytest.mark.window(size=(1400, 900), fit=True)


def _to_stage(qtbot, win, kind: str, layer: int):
    """Press Step until the reference stepper (run beside the window) reaches the stage."""
    ref = reference(win.project)
    while True:
        click_step(qtbot, win)
        trace = ref.step()
        if trace.stage.kind == kind and trace.stage.layer == layer:
            return trace


def test_a_weight_clicked_in_a_backward_stage_shows_its_chain(qtbot, window):
    inp, hidden, out = window.training.layer_ids
    trace = _to_stage(qtbot, window, "backward", 0)
    dock = window.chain_rule
    click_connection(qtbot, window, inp, hidden, 1, 2)
    rule = dock.rule
    assert rule is not None and (rule.layer, rule.i, rule.j) == (0, 1, 2)
    # The window's gradient is the engine's, and the paths add up to it.
    assert rule.shown == trace.dW[0][1, 2]
    assert rule.total == pytest.approx(rule.shown, rel=1e-12, abs=1e-15)
    assert rule.n_paths == window.design.layer(out).units
    assert abs(dock.estimate - rule.shown) < 1e-5
    # The dock came to the front and says it with the numbers.
    assert not dock.visibleRegion().isEmpty()
    text = " ".join(dock.plain_text().split())
    assert "Chain rule for wx2→h3" in text
    assert f"Σ paths = ∂L/∂wx2→h3 = {fmt(rule.shown)}" in text
    assert "(L(wx2→h3+ε) − L(wx2→h3−ε)) / 2ε" in text
    first = rule.paths[0]
    assert " · ".join(_factor_value(f.value) for f in first.factors) in text
    # The canvas lights the weight and each line the paths run along.
    lit = dock.overlay.lit
    assert (1, 1, 2) in lit
    assert {(2, 2, o) for o in range(rule.n_paths)} <= lit
    assert not dock.overlay.boundingRect().isEmpty()


def test_before_its_backward_stage_a_weight_has_no_chain_and_the_lecture_stays(qtbot, window):
    inp, hidden, _ = window.training.layer_ids
    _to_stage(qtbot, window, "forward", 0)
    click_connection(qtbot, window, inp, hidden, 0, 0)
    dock = window.chain_rule
    assert dock.rule is None and not dock.overlay.lit
    assert "Step to a backward stage" in dock.plain_text()
    assert not window.training.lecture.visibleRegion().isEmpty()


def test_stepping_on_keeps_the_chain_of_the_selected_weight_current(qtbot, window):
    inp, hidden, out = window.training.layer_ids
    _to_stage(qtbot, window, "backward", 1)
    click_connection(qtbot, window, hidden, out, 0, 1)
    dock = window.chain_rule
    first = dock.rule
    assert first is not None and first.n_paths == 1
    click_step(qtbot, window)  # the hidden layer's backward: the same weight, same batch
    assert dock.rule.shown == first.shown
    click_step(qtbot, window)  # the update: the chain still uses the forward pass's weights
    assert dock.rule.total == pytest.approx(first.total, rel=1e-12)
    assert abs(dock.estimate - first.shown) < 1e-5
    assert not dock.visibleRegion().isEmpty()
    # A neuron clicked instead: no chain, nothing lit, the Lecture view is back in front.
    click_neuron(qtbot, window, hidden, 0)
    assert dock.rule is None and not dock.overlay.lit
    assert not window.training.lecture.visibleRegion().isEmpty()


def test_predict_then_reveal_keeps_the_chain_hidden_until_the_reveal(qtbot, window):
    """A backward stage waiting for its reveal shows no gradient here either."""
    from tests.ui.test_predict_reveal import predict_on, press_step

    inp, hidden, _ = window.training.layer_ids
    predict_on(qtbot, window)
    ref = reference(window.project)
    while True:
        trace = ref.step()
        press_step(qtbot, window)  # the stage, its results hidden
        if trace.stage.kind == "backward" and trace.stage.layer == 0:
            break
        press_step(qtbot, window)  # revealed
    click_connection(qtbot, window, inp, hidden, 0, 1)
    dock = window.chain_rule
    assert dock.rule is None and not dock.overlay.lit
    press_step(qtbot, window)  # the reveal: now the chain is there, with the engine's number
    assert dock.rule is not None and dock.rule.shown == trace.dW[0][0, 1]


def test_the_next_window_opens_on_the_lecture_not_on_a_clicks_chain_rule(qtbot, window,
                                                                          make_window):
    """Closed with a weight's chain in front, the next start showed the Chain rule tab's
    hint (nothing is selected in a new window) over the Lecture view."""
    inp, hidden, _out = window.training.layer_ids
    _to_stage(qtbot, window, "backward", 0)
    click_connection(qtbot, window, inp, hidden, 1, 2)
    assert not window.chain_rule.visibleRegion().isEmpty()
    window.save_settings()
    again = make_window(size=(1400, 900))
    qtbot.waitUntil(lambda: not again.training.lecture.visibleRegion().isEmpty(), timeout=3000)
    assert again.chain_rule.visibleRegion().isEmpty()
