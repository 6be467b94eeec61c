"""The neuron maps and the loss surface, checked against independent computations."""
import numpy as np
import pytest

from nnviz.analysis.loss_surface import (
    connection_direction,
    loss_surface,
    pca_directions,
    project,
    random_directions,
)
from nnviz.analysis.neuron_maps import batch_activations, neuron_maps, neuron_views
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential


def _model(loss="categorical_crossentropy", hidden="tanh", out="softmax", seed=3):
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(4, input_shape=(2,), activation=hidden),
                        Dense(3, activation="relu"),
                        Dense(2, activation=out)])
    model.compile(optimizer="sgd", loss=loss)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    return model


def _by_hand(weights, points, activations):
    """Every layer's activations, with NumPy only (no nnviz code)."""
    funcs = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
             "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
             "softmax": lambda z: np.exp(z - z.max(1, keepdims=True))
             / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)}
    out, a = [], points
    for m, name in enumerate(activations):
        a = funcs[name](a @ weights[2 * m] + weights[2 * m + 1])
        out.append(a)
    return out


def test_neuron_maps_are_each_layers_activations_at_the_grid_points():
    model = _model()
    plane = (-2.0, 3.0, -1.5, 0.5)
    maps = neuron_maps(model, plane, grid=7)
    assert [m.shape for m in maps] == [(7, 7, 4), (7, 7, 3), (7, 7, 2)]
    xs, ys = np.linspace(-2.0, 3.0, 7), np.linspace(-1.5, 0.5, 7)
    for i in (0, 3, 6):
        for j in (0, 2, 6):
            point = np.array([[xs[i], ys[j]]])
            expected = _by_hand(model.get_weights(), point, ["tanh", "relu", "softmax"])
            for layer, values in zip(maps, expected):
                np.testing.assert_allclose(layer[i, j], values[0], rtol=1e-12, atol=1e-12)


def test_batch_activations_and_views():
    model = _model()
    x = np.random.default_rng(0).normal(size=(100, 2))
    acts = batch_activations(model, x, limit=10)
    expected = _by_hand(model.get_weights(), x[:10], ["tanh", "relu", "softmax"])
    for got, want in zip(acts, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    plane_view = neuron_views(model, (0, 1, 0, 1), x, grid=5)
    assert plane_view["kind"] == "plane" and plane_view["layers"][0].shape == (5, 5, 4)
    batch_view = neuron_views(model, (0, 1), x)  # one input feature: no plane, a sample
    assert batch_view["kind"] == "batch" and batch_view["layers"][2].shape == (64, 2)
    huge = model.get_weights()
    huge[0] = np.where(huge[0] > 0, np.inf, -np.inf)
    model.set_weights(huge)
    assert neuron_views(model, (0, 1, 0, 1), x) is None  # diverged: nothing to draw


@pytest.mark.parametrize("loss,out", [("categorical_crossentropy", "softmax"),
                                      ("mean_squared_error", "sigmoid")])
def test_the_centre_of_the_surface_is_the_models_loss(loss, out):
    model = _model(loss=loss, out=out)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 2))
    y = np.eye(2)[rng.integers(0, 2, 50)]
    w = model.get_weights()
    d1, d2 = random_directions(w, seed=4)
    alphas, betas, losses = loss_surface(model, x, y, w, d1, d2, span=0.7, grid=9)
    assert losses.shape == (9, 9) and alphas[4] == 0 and betas[4] == 0
    assert losses[4, 4] == pytest.approx(model.evaluate(x, y), rel=1e-10)
    # A point off the centre: the same as the model evaluated with those weights.
    moved = [c + alphas[1] * a + betas[7] * b for c, a, b in zip(w, d1, d2)]
    model.set_weights(moved)
    assert losses[1, 7] == pytest.approx(model.evaluate(x, y), rel=1e-10)


def test_along_one_connection_the_loss_is_that_weight_set_by_hand():
    model = _model()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 2))
    y = np.eye(2)[rng.integers(0, 2, 40)]
    w = model.get_weights()
    d1 = connection_direction(w, 1, 2, 0)   # layer 2's weight from its neuron 3 to neuron 1
    d2 = connection_direction(w, 0, 0, 1)
    alphas, betas, losses = loss_surface(model, x, y, w, d1, d2, span=(1.5, 0.5), grid=5)
    assert alphas[-1] == 1.5 and betas[-1] == 0.5
    for i, alpha in enumerate(alphas):
        by_hand = [a.copy() for a in w]
        by_hand[2][2, 0] += alpha
        model.set_weights(by_hand)
        assert losses[i, 2] == pytest.approx(model.evaluate(x, y), rel=1e-10)
    model.set_weights(w)


def test_directions_and_projection():
    w = _model().get_weights()
    d1, d2 = random_directions(w, seed=0)
    for k in (0, 2, 4):
        np.testing.assert_allclose(np.linalg.norm(d1[k], axis=0), np.linalg.norm(w[k], axis=0))
        assert not np.allclose(d1[k], d2[k])
    assert all(not np.any(d[k]) for d in (d1, d2) for k in (1, 3, 5))  # no bias component
    point = [c + 2.0 * a - 0.5 * b for c, a, b in zip(w, d1, d2)]
    np.testing.assert_allclose(project(point, w, d1, d2), [2.0, -0.5], atol=1e-10)
    # Snapshots on a plane through the final weights: PCA finds that plane.
    u = [np.ones_like(a) for a in w]
    v = [np.arange(a.size, dtype=float).reshape(a.shape) % 3 - 1 for a in w]
    path = [[c + s * p + t * q for c, p, q in zip(w, u, v)] for s, t in
            [(3, 1), (2, -1), (1, 0.5), (0.5, 0.2)]]
    p1, p2, explained = pca_directions(path, w)
    coords = project(path, w, p1, p2)
    rebuilt = [[c + a * x + b * y for c, x, y in zip(w, p1, p2)] for a, b in coords]
    for snap, back in zip(path, rebuilt):
        for s, b in zip(snap, back):
            np.testing.assert_allclose(s, b, atol=1e-9)
    assert explained.sum() == pytest.approx(1.0)
    flat = np.concatenate([a.ravel() for a in p1]), np.concatenate([a.ravel() for a in p2])
    assert np.dot(*flat) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="train a few epochs"):
        pca_directions([w], w)


def test_largest_connections_rank_kernels_by_size_not_biases():
    from nnviz.analysis.loss_surface import largest_connections
    weights = [np.array([[0.1, -3.0], [2.0, 0.5]]), np.array([9.0, 9.0]),
               np.array([[2.5], [-0.2]]), np.array([-9.0])]
    assert largest_connections(weights) == [(0, 0, 1), (1, 0, 0)]
    assert largest_connections(weights, count=3) == [(0, 0, 1), (1, 0, 0), (0, 1, 0)]
