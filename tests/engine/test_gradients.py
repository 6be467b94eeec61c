"""Back-propagation computes the true gradient: central differences, no framework needed.

For a loss ``L(w)`` of one weight ``w`` (everything else fixed), the central difference
``(L(w + eps) - L(w - eps)) / (2 eps)`` equals ``dL/dw`` up to ``O(eps**2)``; in float64
with ``eps = 1e-6`` it is good to about 1e-8 for smooth functions. We compare it with what
the engine's backward pass reports (the stepper's ``StageTrace.dW`` / ``db``, and the step
``fit`` takes), for every activation x loss combination, softmax with MSE included.
The last test checks the lecture's 2-3-2 network against numbers worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import activations, losses
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.optimizers import SGD
from nnviz.engine.training import Stepper

EPS = 1e-6
# Central differences in float64 are good to ~1e-9 here; 1e-7 leaves room, a wrong
# derivative misses by far more (a factor, a sign, a missing term).
GRAD_ATOL = 1e-7
GRAD_RTOL = 1e-5

# From the registries: a new activation or loss is checked here without editing this file.
ACTIVATIONS = activations.names()
LOSSES = losses.names()

# An output bias that puts each activation's outputs near 0.5, so the cross-entropies'
# clipping to [1e-7, 1 - 1e-7] stays inactive and every loss is smooth where we probe it.
# An activation not listed starts at 0.5 (assert_sane_problem says if that does not suit).
OUTPUT_BIAS = {
    "linear": 0.5,
    "relu": 0.5,
    "leaky_relu": 0.5,
    "elu": 0.5,
    "sigmoid": 0.0,
    "tanh": 0.55,
    "softplus": -0.43,  # log(1 + e**-0.43) = 0.49
    "softmax": 0.0,
}


def numeric_gradient(f, array: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every entry of ``array``.

    ``array`` is changed in place one entry at a time and put back afterwards.
    """
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = f()
        array[index] = saved - eps
        minus = f()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def batch_loss(model, x, y) -> float:
    """The model's loss on the batch, computed by the forward pass and the loss alone."""
    return model.loss(y, model.predict(x, batch_size=len(x), verbose=0))


def numeric_weight_gradients(model, x, y, loss=None) -> list[np.ndarray]:
    """``dL/dW``, ``dL/db`` of every layer by central differences, Keras order
    (``loss(model, x, y)``: the batch's loss by default)."""
    loss = batch_loss if loss is None else loss
    weights = model.get_weights()
    grads = []
    for i, array in enumerate(weights):

        def loss_now(i=i, array=array):
            probe = list(weights)
            probe[i] = array
            model.set_weights(probe)
            return loss(model, x, y)

        grads.append(numeric_gradient(loss_now, array))
    model.set_weights(weights)
    return grads


def make_problem(hidden: str, output: str, loss: str, n: int = 5, out_units: int = 3, seed=0):
    """A 3 -> 4 -> ``out_units`` network with weights and a batch that suit ``loss``."""
    rng = np.random.default_rng(seed)
    model = Sequential(
        [Dense(4, input_shape=(3,), activation=hidden), Dense(out_units, activation=output)],
        dtype="float64",
    )
    model.compile(optimizer=SGD(learning_rate=1.0), loss=loss)
    model.set_weights(
        [
            rng.uniform(-0.8, 0.8, size=(3, 4)),
            rng.uniform(-0.3, 0.3, size=4),
            rng.uniform(-0.15, 0.15, size=(4, out_units)),
            OUTPUT_BIAS.get(output, 0.5) + rng.uniform(-0.05, 0.05, size=out_units),
        ]
    )
    x = rng.uniform(-1.0, 1.0, size=(n, 3))
    labels = np.arange(n) % out_units
    if loss == "sparse_categorical_crossentropy":
        y = labels
    elif loss == "categorical_crossentropy":
        y = np.eye(out_units)[labels]
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, out_units)).astype(np.float64)
    else:
        y = rng.uniform(0.1, 0.9, size=(n, out_units))
    return model, x, y


def assert_sane_problem(model, x, y, loss):
    """Guards against a vacuous or ill-posed check: outputs inside (0, 1) where a log is
    taken, no weighted sum at a kink (relu, leaky_relu, elu at 0; |p - y| for MAE), and
    gradients that are not all zero."""
    zs, acts = model.forward_trace(x)
    for z in zs:
        assert np.min(np.abs(z)) > 1e-4
    p = acts[-1]
    if loss.endswith("crossentropy"):
        assert np.all((p > 0.01) & (p < 0.99)), p
    if loss == "mean_absolute_error":
        assert np.min(np.abs(p - y)) > 1e-4


def assert_gradients_close(actual, expected, what):
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=f"{what}[{i}]")


def stepper_gradients(model, x, y):
    """``[dW0, db0, dW1, db1, ...]`` as the stepper reports them for one whole-batch step.

    The weights are put back afterwards, so the model is as before.
    """
    weights = model.get_weights()
    stepper = Stepper(model, x, y, batch_size=len(x), shuffle=False)
    trace = stepper.step_batch()
    model.set_weights(weights)
    assert trace.stage.kind == "update"
    grads = []
    for dW, db in zip(trace.dW, trace.db):
        grads += [np.asarray(dW), np.asarray(db)]
    return grads, trace


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_central_differences(activation, loss):
    """Every activation (hidden and output) with every loss: the stepper's dW, db are dL/dW."""
    model, x, y = make_problem(activation, activation, loss)
    assert_sane_problem(model, x, y, loss)
    expected = numeric_weight_gradients(model, x, y)
    assert all(np.any(g != 0) for g in expected)
    actual, trace = stepper_gradients(model, x, y)
    assert_gradients_close(actual, expected, f"{activation}/{loss}")
    # The trace's loss is the loss of those weights on that batch.
    assert trace.loss == pytest.approx(batch_loss(model, x, y), abs=1e-12)


@pytest.mark.parametrize(
    "loss", ["mean_squared_error", "categorical_crossentropy", "sparse_categorical_crossentropy"]
)
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
def test_softmax_output_with_mse_and_cross_entropy(hidden, loss):
    """Softmax's Jacobian mixes the units: right with MSE as well as with cross-entropy."""
    model, x, y = make_problem(hidden, "softmax", loss, n=6, out_units=4, seed=3)
    expected = numeric_weight_gradients(model, x, y)
    actual, _ = stepper_gradients(model, x, y)
    assert_gradients_close(actual, expected, f"{hidden}/softmax/{loss}")


@pytest.mark.parametrize(
    "activation, loss",
    [("relu", "categorical_crossentropy"), ("sigmoid", "binary_crossentropy"),
     ("tanh", "mean_squared_error"), ("softmax", "mean_squared_error")],
)
def test_fit_steps_along_the_gradient(activation, loss):
    """``fit`` with SGD(learning_rate=1), one batch: ``W_before - W_after = dL/dW``."""
    model, x, y = make_problem("elu", activation, loss, seed=7)
    expected = numeric_weight_gradients(model, x, y)
    before = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    steps = [b - a for b, a in zip(before, model.get_weights())]
    assert_gradients_close(steps, expected, f"fit {activation}/{loss}")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_backward_matches_central_differences(name):
    """``backward(z, a, dA)`` is the chain rule through ``f``: ``d(sum(dA * f(z)))/dz``."""
    rng = np.random.default_rng(1)
    act = activations.get(name)
    z = rng.uniform(-2.0, 2.0, size=(4, 5))
    d_a = rng.standard_normal((4, 5))
    expected = numeric_gradient(lambda: float(np.sum(d_a * act.forward(z))), z)
    actual = act.backward(z, act.forward(z), d_a)
    np.testing.assert_allclose(actual, expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient_matches_central_differences(name):
    """``gradient(y, p)`` is ``dL/dp`` of the batch loss (the ``1/n`` of the mean included)."""
    rng = np.random.default_rng(2)
    loss = losses.get(name)
    p = rng.uniform(0.1, 0.9, size=(6, 3))
    if name == "sparse_categorical_crossentropy":
        y = np.arange(6) % 3
    elif name == "categorical_crossentropy":
        y = np.eye(3)[np.arange(6) % 3]
    elif name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(6, 3)).astype(np.float64)
    else:
        y = rng.uniform(0.0, 1.0, size=(6, 3))
    expected = numeric_gradient(lambda: loss(y, p), p)
    actual = loss.gradient(*loss.prepare(y, p))
    np.testing.assert_allclose(actual, expected, rtol=GRAD_RTOL, atol=GRAD_ATOL)


def lecture_model():
    """The lecture's network, 2 -> 3 relu -> 2 softmax, with small hand-picked weights."""
    model = Sequential(
        [Dense(3, input_shape=(2,), activation="relu"), Dense(2, activation="softmax")],
        dtype="float64",
    )
    model.compile(optimizer=SGD(learning_rate=0.1), loss="categorical_crossentropy")
    model.set_weights(
        [
            np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]]),  # W1, (inputs, units)
            np.array([0.0, 0.1, 0.2]),  # b1
            np.array([[0.5, -0.5], [1.0, 0.0], [0.3, 0.2]]),  # W2
            np.array([0.0, 0.1]),  # b2
        ]
    )
    return model


# The same numbers by hand, for x = (1, 2) of class 0, y = (1, 0):
#
# hidden layer:  z1_j = x1 * W1[0, j] + x2 * W1[1, j] + b1_j
#   z1_0 = 1*0.1    + 2*0.4    + 0.0 =  0.9
#   z1_1 = 1*(-0.2) + 2*0.1    + 0.1 =  0.1
#   z1_2 = 1*0.3    + 2*(-0.5) + 0.2 = -0.5
#   a1 = relu(z1) = (0.9, 0.1, 0)
# output layer:  z2_k = sum_j a1_j * W2[j, k] + b2_k
#   z2_0 = 0.9*0.5    + 0.1*1.0 + 0*0.3 + 0.0 =  0.55
#   z2_1 = 0.9*(-0.5) + 0.1*0.0 + 0*0.2 + 0.1 = -0.35
#   softmax: p_0 = e^0.55 / (e^0.55 + e^-0.35) = 1 / (1 + e^-0.9) = 1 / 1.4065697 = 0.7109495
#            p_1 = 1 - p_0 = 0.2890505
# loss = -log p_0 = log(1.4065697) = 0.3411539
# backward, softmax + cross-entropy: dL/dz2 = p - y = (-0.2890505, 0.2890505)
#   dL/dW2[0, 0] = a1_0 * dL/dz2_0 = 0.9 * (-0.2890505) = -0.2601454
#   dL/da1 = W2 @ dL/dz2:  dL/da1_0 = 0.5*(-0.2890505) + (-0.5)*0.2890505 = -0.2890505
#   dL/dz1_0 = dL/da1_0 * relu'(0.9) = -0.2890505 * 1
#   dL/dW1[1, 0] = x2 * dL/dz1_0 = 2 * (-0.2890505) = -0.5781010
#   dL/dW1[0, 2] = x1 * dL/dz1_2 = 0   (z1_2 < 0: relu passes no gradient)
# SGD, learning rate 0.1: W2[0, 0] <- 0.5 - 0.1 * (-0.2601454) = 0.5260145
HAND_X = np.array([[1.0, 2.0]])
HAND_Y = np.array([[1.0, 0.0]])


def test_lecture_network_forward_by_hand():
    """z, a and the prediction of the 2-3-2 network equal the hand computation above."""
    model = lecture_model()
    zs, acts = model.forward_trace(HAND_X)
    np.testing.assert_allclose(zs[0], [[0.9, 0.1, -0.5]], atol=1e-12)
    np.testing.assert_allclose(acts[0], [[0.9, 0.1, 0.0]], atol=1e-12)
    np.testing.assert_allclose(zs[1], [[0.55, -0.35]], atol=1e-12)
    np.testing.assert_allclose(acts[1], [[0.7109495, 0.2890505]], atol=1e-7)
    np.testing.assert_allclose(model.predict(HAND_X, verbose=0), [[0.7109495, 0.2890505]],
                               atol=1e-7)
    assert model.evaluate(HAND_X, HAND_Y, verbose=0) == pytest.approx(0.3411539, abs=1e-7)


def test_lecture_network_stepper_by_hand():
    """The stepper's stages show the hand-computed z, a, loss, dL/dz, dL/dW and the update."""
    model = lecture_model()
    stepper = Stepper(model, HAND_X, HAND_Y, batch_size=1, shuffle=False)
    trace = stepper.step_batch()
    np.testing.assert_allclose(trace.z[0], [[0.9, 0.1, -0.5]], atol=1e-12)
    np.testing.assert_allclose(trace.a[0], [[0.9, 0.1, 0.0]], atol=1e-12)
    np.testing.assert_allclose(trace.z[1], [[0.55, -0.35]], atol=1e-12)
    np.testing.assert_allclose(trace.a[1], [[0.7109495, 0.2890505]], atol=1e-7)
    assert trace.loss == pytest.approx(0.3411539, abs=1e-7)
    np.testing.assert_allclose(trace.dZ[1], [[-0.2890505, 0.2890505]], atol=1e-7)
    assert trace.dW[1][0, 0] == pytest.approx(-0.2601454, abs=1e-7)
    assert trace.dW[0][1, 0] == pytest.approx(-0.5781010, abs=1e-7)
    assert trace.dW[0][0, 2] == 0.0
    assert trace.W_before[1][0, 0] == 0.5
    assert trace.W_after[1][0, 0] == pytest.approx(0.5260145, abs=1e-7)
    assert model.get_weights()[2][0, 0] == pytest.approx(0.5260145, abs=1e-7)
