"""The chain rule for one weight: its paths' products add up to ∂L/∂w; finite differences agree."""
import numpy as np
import pytest

from nnviz.analysis import chain_rule as cr
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.training import Stepper


def _backward_trace(model, x, y, layer):
    """Step until the backward stage of ``model.layers[layer]`` has run; its trace."""
    stepper = Stepper(model, x, y, batch_size=len(x))
    weights = model.get_weights()
    while True:
        trace = stepper.step()
        if trace.stage.kind == "backward" and trace.stage.layer == layer:
            return weights, trace


def test_hand_computed_two_weights_in_a_row():
    """x=2 → w1=3 → (linear) → w2=0.5 → ŷ=3; MSE to y=0: L=9, ∂L/∂ŷ=6, ∂L/∂w1 = 6·1·0.5·1·2 = 6."""
    model = Sequential([Dense(1, input_shape=(1,), activation="linear"),
                        Dense(1, activation="linear")])
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.array([[3.0]]), np.zeros(1), np.array([[0.5]]), np.zeros(1)])
    weights, trace = _backward_trace(model, np.array([[2.0]]), np.array([[0.0]]), 0)
    rule = cr.chain_rule(model, weights, trace, 0, 0, 0)
    assert rule.n_paths == 1
    (path,) = rule.paths
    assert [(f.kind, f.pos, f.unit, f.value) for f in path.factors] == [
        ("dL/dŷ", 2, 0, 6.0), ("f′(z)", 2, 0, 1.0), ("w", 2, 0, 0.5), ("f′(z)", 1, 0, 1.0),
        ("a", 0, 0, 2.0)]
    assert path.factors[2].source == 0
    assert path.product == path.total == rule.total == rule.shown == 6.0
    assert cr.finite_difference(model, weights, trace.x, trace.y, 0, 0, 0) == pytest.approx(6.0)


def _lecture_like(out_act, loss, seed=0):
    model = Sequential([Dense(3, input_shape=(2,), activation="relu", seed=seed),
                        Dense(4, activation="tanh", seed=seed + 1),
                        Dense(2, activation=out_act, seed=seed + 2)])
    model.compile(optimizer="sgd", loss=loss)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 2))
    y = np.eye(2)[rng.integers(0, 2, 6)]
    return model, x, y


@pytest.mark.parametrize("out_act,loss", [("softmax", "categorical_crossentropy"),
                                          ("sigmoid", "mse"), ("softmax", "mse"),
                                          ("linear", "mse")])
@pytest.mark.parametrize("layer", [0, 1, 2])
def test_the_paths_add_up_to_the_backward_stage_gradient(out_act, loss, layer):
    model, x, y = _lecture_like(out_act, loss)
    weights, trace = _backward_trace(model, x, y, layer)
    widths = [3, 4, 2]
    for i, j in [(0, 0), (1, widths[layer] - 1)]:
        rule = cr.chain_rule(model, weights, trace, layer, i, j)
        assert rule.n_paths == int(np.prod(widths[layer + 1:]))
        assert rule.shown == trace.dW[layer][i, j]
        assert rule.total == pytest.approx(rule.shown, rel=1e-12, abs=1e-15)
        for path in rule.paths:
            assert path.product == pytest.approx(np.prod([f.value for f in path.factors]))
        fd = cr.finite_difference(model, weights, x, y, layer, i, j)
        assert abs(fd - rule.shown) < 1e-8


def test_a_path_count_beyond_the_limit_is_listed_in_part_but_summed_whole(monkeypatch):
    monkeypatch.setattr(cr, "MAX_CHAIN_PATHS", 3)
    model, x, y = _lecture_like("softmax", "categorical_crossentropy")
    weights, trace = _backward_trace(model, x, y, 0)
    rule = cr.chain_rule(model, weights, trace, 0, 1, 2)
    assert len(rule.paths) == 3 and rule.n_paths == 8
    assert rule.total == pytest.approx(rule.shown, rel=1e-12)


def test_before_the_backward_pass_reaches_the_layer_there_is_no_chain():
    model, x, y = _lecture_like("softmax", "categorical_crossentropy")
    weights, trace = _backward_trace(model, x, y, 2)  # only the output layer so far
    with pytest.raises(ValueError, match="not reached"):
        cr.chain_rule(model, weights, trace, 0, 0, 0)


def test_a_softmax_hidden_layer_is_refused_with_the_reason():
    model = Sequential([Dense(3, input_shape=(2,), activation="softmax"),
                        Dense(1, activation="linear")])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((2, 2)), np.ones((2, 1))
    weights, trace = _backward_trace(model, x, y, 0)
    with pytest.raises(ValueError, match="softmax hidden layer"):
        cr.chain_rule(model, weights, trace, 0, 0, 0)


def test_finite_difference_leaves_the_model_as_it_was():
    model, x, y = _lecture_like("softmax", "categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    cr.finite_difference(model, before, x, y, 1, 0, 0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
