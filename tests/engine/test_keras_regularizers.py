"""Regularizers and the one-unit binary models against Keras 3 (JAX, float64), to 1e-6.

As in ``test_keras_reference``: the same Sequential in both libraries, Keras's initial
weights copied into nnviz, ``fit`` with ``shuffle=False`` over ragged batches, then the
weights, the per-epoch history (Keras's ``loss`` includes the penalties) and ``evaluate``.
The biases start away from 0: at exactly 0 Keras's backends disagree on the slope of
``|b|`` (TensorFlow and torch 0, JAX 1); nnviz takes ``sign(0) = 0``.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import regularizers
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.optimizers import SGD
from nnviz.engine.training import Stepper
from tests.engine.keras_helpers import assert_weights_close, keras
from tests.engine.test_keras_reference import (  # noqa: F401 - the fixture is used by name
    ATOL,
    assert_history_close,
    keras_float64,
)

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

N, BATCH, EPOCHS = 10, 4, 3


def _keras_reg(spec):
    """Keras's regularizer for a spec: None, a name, or (class name, kwargs)."""
    if spec is None or isinstance(spec, str):
        return spec
    name, kwargs = spec
    return getattr(keras.regularizers, name)(**kwargs)


def _nnviz_reg(spec):
    if spec is None or isinstance(spec, str):
        return spec
    name, kwargs = spec
    return getattr(regularizers, name)(**kwargs)


def _pair(kernel, bias, out_units=1, out_activation="sigmoid", loss="binary_crossentropy",
          metrics=("accuracy",)):
    """Keras's and nnviz's 3 -> 4 tanh -> out model, the regularizers on both layers."""
    keras.utils.set_random_seed(0)
    kmodel = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, activation="tanh", kernel_regularizer=_keras_reg(kernel),
                           bias_regularizer=_keras_reg(bias)),
        keras.layers.Dense(out_units, activation=out_activation,
                           kernel_regularizer=_keras_reg(kernel),
                           bias_regularizer=_keras_reg(bias)),
    ])
    kmodel.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss,
                   metrics=list(metrics) or None)
    nmodel = Sequential([
        Dense(4, activation="tanh", input_shape=(3,), kernel_regularizer=_nnviz_reg(kernel),
              bias_regularizer=_nnviz_reg(bias)),
        Dense(out_units, activation=out_activation, kernel_regularizer=_nnviz_reg(kernel),
              bias_regularizer=_nnviz_reg(bias)),
    ])
    nmodel.compile(optimizer=SGD(learning_rate=0.5), loss=loss, metrics=list(metrics))
    weights = kmodel.get_weights()
    weights[1] = np.linspace(-0.3, 0.3, 4)
    weights[3] = np.linspace(0.1, 0.2, out_units)
    kmodel.set_weights(weights)
    nmodel.set_weights(weights)
    return kmodel, nmodel


def _data(n=N, seed=1, targets=(0.0, 1.0)):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 3))
    labels = np.arange(n) % 2
    rng.shuffle(labels)
    return x, np.where(labels == 1, targets[1], targets[0])[:, None].astype(np.float64)


REGULARIZED = [
    (("L1", {"l1": 0.05}), None),
    (("L2", {"l2": 0.05}), None),
    (("L1L2", {"l1": 0.03, "l2": 0.02}), None),
    ("l1", None),
    ("l2", None),
    (("L2", {"l2": 0.05}), ("L1", {"l1": 0.02})),
    (None, ("L2", {"l2": 0.1})),
]


@pytest.mark.parametrize("kernel, bias", REGULARIZED, ids=str)
def test_regularized_training_like_keras(kernel, bias):
    """Penalties in the gradients (weights), in fit's loss and val_loss, and in evaluate."""
    kmodel, nmodel = _pair(kernel, bias)
    x, y = _data()
    x_val, y_val = _data(5, seed=7)
    initial = kmodel.get_weights()
    common = dict(epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0,
                  validation_data=(x_val, y_val))
    khistory = kmodel.fit(x, y, **common).history
    nhistory = nmodel.fit(x, y, **common).history
    moved = max(np.max(np.abs(a - b)) for a, b in zip(kmodel.get_weights(), initial))
    assert moved > 1e-3
    assert nmodel.regularization_loss() > 1e-3  # the penalty is a real part of the loss
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)
    expected = kmodel.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    actual = nmodel.evaluate(x, y, batch_size=BATCH, return_dict=True)
    for key in expected:
        assert actual[key] == pytest.approx(float(expected[key]), abs=ATOL), key


def test_the_penalty_changes_training():
    """Without the penalty the weights end elsewhere: the comparison above is not vacuous."""
    _, plain = _pair(None, None)
    _, regularized = _pair(("L2", {"l2": 0.05}), None)
    x, y = _data()
    plain.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False)
    regularized.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False)
    gap = max(np.max(np.abs(a - b)) for a, b in zip(plain.get_weights(),
                                                     regularized.get_weights()))
    assert gap > 1e-3


def test_stepping_with_a_penalty_like_keras():
    """Stage by stage (the window's Step), the penalty is in the loss and the gradients."""
    kmodel, nmodel = _pair(("L2", {"l2": 0.05}), None)
    x, y = _data()
    khistory = kmodel.fit(x, y, epochs=2, batch_size=BATCH, shuffle=False, verbose=0).history
    stepper = Stepper(nmodel, x, y, batch_size=BATCH, shuffle=False)
    penalties = []
    while stepper.epoch < 2:
        trace = stepper.step()
        if trace.stage.kind == "loss":
            penalties.append(trace.penalty)
    assert all(p > 0 for p in penalties)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    np.testing.assert_allclose(stepper.history.epoch_loss, khistory["loss"], rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", ["l1", "l2", "L1", "L2", "L1L2"])
def test_names_take_keras_defaults(name):
    """A name means what Keras's ``regularizers.get`` makes of it (its factors)."""
    ours = regularizers.get(name)
    theirs = keras.regularizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    for key, value in theirs.get_config().items():
        assert ours.get_config()[key] == pytest.approx(value, rel=1e-6), key


def test_l1_l2_takes_the_documented_defaults():
    """"l1_l2" is 0.01 and 0.01, as Keras's L1L2 documents (its get() refuses the name)."""
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}


@pytest.mark.parametrize("spec", [("L1", {"l1": 0.3}), ("L2", {"l2": 0.1}),
                                  ("L1L2", {"l1": 0.2, "l2": 0.4})], ids=str)
def test_penalty_value_like_keras(spec):
    """``regularizer(w)`` is Keras's number."""
    w = np.random.default_rng(3).normal(size=(4, 3))
    expected = float(keras.ops.convert_to_numpy(_keras_reg(spec)(keras.ops.convert_to_tensor(w))))
    assert _nnviz_reg(spec)(w) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_factors_are_refused(bad):
    with pytest.raises(ValueError, match="must be a number >= 0"):
        regularizers.L2(bad)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        Dense(3, kernel_regularizer="l3")


# ---------------------------------------------------------------------- binary models
def test_sigmoid_unit_with_binary_crossentropy_like_keras():
    """The standard binary Keras model: loss, binary accuracy (threshold 0.5), weights."""
    kmodel, nmodel = _pair(None, None)
    x, y = _data()
    common = dict(epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
    khistory = kmodel.fit(x, y, **common).history
    nhistory = nmodel.fit(x, y, **common).history
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)


def test_tanh_unit_on_plus_minus_one_like_keras():
    """Playground's classifier: one tanh output, targets ±1, MSE. The loss and weights are
    Keras's; the accuracy is Keras's ``binary_accuracy`` with threshold 0 on the labels
    (0 for −1, 1 for +1): the sign of the output against the sign of the target."""
    kmodel, nmodel = _pair(None, None, out_activation="tanh", loss="mean_squared_error",
                           metrics=())
    nmodel.compile(optimizer=SGD(learning_rate=0.5), loss="mean_squared_error",
                   metrics=["accuracy"])
    x, y = _data(targets=(-1.0, 1.0))
    common = dict(epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
    khistory = kmodel.fit(x, y, **common).history
    nhistory = nmodel.fit(x, y, **common).history
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    np.testing.assert_allclose(nhistory["loss"], khistory["loss"], rtol=0, atol=ATOL)
    pred = kmodel.predict(x, verbose=0)
    expected = float(np.mean(keras.ops.convert_to_numpy(
        keras.metrics.binary_accuracy((y + 1) / 2, pred, threshold=0.0))))
    actual = nmodel.evaluate(x, y, batch_size=BATCH, return_dict=True)
    assert actual["accuracy"] == pytest.approx(expected, abs=ATOL)
    assert 0 < expected < 1 or expected == 1.0
    # Keras's default threshold 0.5 on ±1 targets would count every −1 as wrong.
    wrong = float(np.mean(keras.ops.convert_to_numpy(keras.metrics.binary_accuracy(y, pred))))
    assert wrong <= 0.5
