"""nnviz computes Keras's numbers: Keras 3 (JAX CPU backend, x64) is the reference.

Each test builds the same Sequential in both libraries, copies Keras's initial weights
into nnviz, fits both on the same data with ``shuffle=False`` and compares, to 1e-6:
the weights after ``fit``, ``predict``, ``evaluate`` and the per-epoch history.
Ten samples in batches of four make the last batch of every epoch ragged (4 + 4 + 2).
Keras runs in float64 here (``keras.config.set_floatx``), as nnviz does by default.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import activations
from nnviz.engine.training import Stepper
from tests.engine.keras_helpers import (
    NetSpec,
    assert_weights_close,
    build_pair,
    keras,
    make_data,
)

N_SAMPLES = 10
BATCH_SIZE = 4  # 10 samples -> batches of 4, 4 and a ragged 2
EPOCHS = 3
ATOL = 1e-6

# Keras 3.x on NumPy 2 warns about __array__(copy=...) on every tensor conversion.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

ACTIVATIONS = activations.names()  # the registry: a new activation is compared with Keras too


@pytest.fixture(autouse=True, scope="module")
def keras_float64():
    """Keras in float64 for this module (1e-6 needs it), restored afterwards.

    The dtype policy too: a policy another test set (and restored as an explicit policy)
    would otherwise win over floatx, and the reference would quietly compute in float32."""
    previous = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_floatx(previous[0])
    keras.config.set_dtype_policy(previous[1])


def fit_both(spec, n=N_SAMPLES, batch_size=BATCH_SIZE, epochs=EPOCHS, **fit_kwargs):
    """Fit Keras and nnviz on the same data from the same weights; return both and the data."""
    kmodel, nmodel = build_pair(spec)
    x, y = make_data(spec, n)
    initial = kmodel.get_weights()
    common = dict(epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0, **fit_kwargs)
    khistory = kmodel.fit(x, y, **common).history
    nhistory = nmodel.fit(x, y, **common).history
    # Agreement means something only if training moved the weights well beyond 1e-6.
    moved = max(np.max(np.abs(a - b)) for a, b in zip(kmodel.get_weights(), initial))
    assert moved > 1e-3, f"Keras barely trained (weights moved {moved:g}): a vacuous check"
    return kmodel, nmodel, khistory, nhistory, x, y


def assert_history_close(nhistory, khistory):
    """Same keys as Keras's History, and every per-epoch value to 1e-6."""
    assert sorted(nhistory) == sorted(khistory)
    for key, expected in khistory.items():
        assert len(nhistory[key]) == len(expected), key
        np.testing.assert_allclose(nhistory[key], expected, rtol=0, atol=ATOL, err_msg=key)


def assert_predict_evaluate_close(kmodel, nmodel, x, y):
    """``predict`` and ``evaluate`` (ragged batches too) agree with Keras's."""
    np.testing.assert_allclose(
        nmodel.predict(x, verbose=0), kmodel.predict(x, verbose=0), rtol=0, atol=ATOL
    )
    np.testing.assert_allclose(
        nmodel.predict(x, batch_size=3, verbose=0),
        kmodel.predict(x, batch_size=3, verbose=0),
        rtol=0,
        atol=ATOL,
    )
    expected = kmodel.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0, return_dict=True)
    actual = nmodel.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0, return_dict=True)
    assert sorted(actual) == sorted(expected)
    for key in expected:
        assert actual[key] == pytest.approx(float(expected[key]), abs=ATOL), key
    # Without return_dict Keras gives a bare loss, or [loss, metric, ...] with metrics.
    plain_k = kmodel.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0)
    plain_n = nmodel.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0)
    np.testing.assert_allclose(np.asarray(plain_n, float), np.asarray(plain_k, float), atol=ATOL)


def test_keras_defaults_match_the_names_nnviz_uses():
    """The defaults the engine copies are those of the Keras installed here."""
    z = np.array([-2.0, -0.5, 0.0, 1.5])
    leaky = keras.ops.convert_to_numpy(keras.activations.get("leaky_relu")(z))
    np.testing.assert_allclose(leaky, [-0.4, -0.1, 0.0, 1.5])  # negative_slope 0.2
    elu = keras.ops.convert_to_numpy(keras.activations.get("elu")(z))
    np.testing.assert_allclose(elu, [np.expm1(-2.0), np.expm1(-0.5), 0.0, 1.5])  # alpha 1.0
    sgd, adam, rms = (keras.optimizers.get(n) for n in ("sgd", "adam", "rmsprop"))
    def lr(opt):
        return float(keras.ops.convert_to_numpy(opt.learning_rate))

    assert (lr(sgd), sgd.momentum, sgd.nesterov) == (pytest.approx(0.01), 0.0, False)
    assert (lr(adam), adam.beta_1, adam.beta_2, adam.epsilon) == (
        pytest.approx(0.001), 0.9, 0.999, 1e-7)
    assert (lr(rms), rms.rho, rms.momentum, rms.epsilon) == (pytest.approx(0.001), 0.9, 0.0, 1e-7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_trains_like_keras(activation):
    """The activation in the hidden and the output layer, SGD with momentum, ragged batches."""
    spec = NetSpec(
        input_dim=3,
        layers=[(4, activation), (2, activation)],
        loss="mean_squared_error",
        optimizer=("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    )
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)
    assert_predict_evaluate_close(kmodel, nmodel, x, y)


@pytest.mark.parametrize(
    "loss, out_units, out_activation, targets",
    [
        ("mean_squared_error", 2, "linear", None),
        ("mse", 2, "linear", None),
        ("mean_absolute_error", 2, "linear", None),
        ("mean_squared_error", 3, "softmax", "onehot"),  # the lecture's softmax with MSE
        ("mean_squared_error", 1, "sigmoid", "binary"),  # 'accuracy' is binary: one output
        ("binary_crossentropy", 1, "sigmoid", None),
        ("binary_crossentropy", 2, "sigmoid", None),  # two independent yes/no outputs
        ("categorical_crossentropy", 3, "softmax", None),
        ("sparse_categorical_crossentropy", 3, "softmax", None),
        # Keras divides the outputs by their sum before the log when they are not softmax.
        ("categorical_crossentropy", 3, "sigmoid", None),
    ],
)
def test_every_loss_trains_like_keras(loss, out_units, out_activation, targets):
    """Each loss with a fitting output layer; 'accuracy' is the one Keras picks for it."""
    metrics = [] if out_activation == "linear" else ["accuracy"]
    spec = NetSpec(
        input_dim=3,
        layers=[(4, "tanh"), (out_units, out_activation)],
        loss=loss,
        optimizer=("SGD", {"learning_rate": 0.5}),
        metrics=metrics,
        targets=targets,
    )
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)
    assert_predict_evaluate_close(kmodel, nmodel, x, y)


CLASSIFIER = dict(input_dim=3, layers=[(5, "relu"), (3, "softmax")], loss="categorical_crossentropy")


@pytest.mark.parametrize(
    "optimizer",
    [
        ("SGD", {"learning_rate": 0.05}),
        ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
        ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
        ("Adam", {}),
        ("Adam", {"learning_rate": 0.02}),
        ("Adam", {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-5}),
        ("RMSprop", {}),
        ("RMSprop", {"learning_rate": 0.02}),
        ("RMSprop", {"learning_rate": 0.02, "rho": 0.8, "epsilon": 1e-5}),
        "sgd",
        "adam",
        "rmsprop",
    ],
    ids=str,
)
def test_every_optimizer_trains_like_keras(optimizer):
    """Optimizer objects and the string names (with Keras's defaults), over five epochs."""
    spec = NetSpec(**CLASSIFIER, optimizer=optimizer, metrics=["accuracy"])
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec, epochs=5)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)


@pytest.mark.parametrize("batch_size", [1, 3, 10, 32])
def test_batch_sizes_like_keras(batch_size):
    """One sample at a time, ragged (10 = 3+3+3+1), exactly one batch, and larger than the data."""
    spec = NetSpec(**CLASSIFIER, optimizer=("SGD", {"learning_rate": 0.1, "momentum": 0.5}),
                   metrics=["accuracy"])
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec, batch_size=batch_size)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)


def test_the_lecture_network_like_keras():
    """The lecture's 2 -> 3 relu -> 2 softmax with 'sgd' and categorical cross-entropy."""
    spec = NetSpec(input_dim=2, layers=[(3, "relu"), (2, "softmax")],
                   loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec, n=12, epochs=4)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)
    assert_predict_evaluate_close(kmodel, nmodel, x, y)


@pytest.mark.parametrize(
    "loss, out_units, out_activation",
    [
        ("categorical_crossentropy", 3, "softmax"),
        ("sparse_categorical_crossentropy", 3, "softmax"),
        ("binary_crossentropy", 1, "sigmoid"),
        ("mean_squared_error", 2, "linear"),
    ],
)
def test_validation_split_history_like_keras(loss, out_units, out_activation):
    """loss, accuracy, val_loss, val_accuracy per epoch; Keras validates on the last 30%."""
    metrics = [] if out_activation == "linear" else ["accuracy"]
    spec = NetSpec(input_dim=3, layers=[(4, "elu"), (out_units, out_activation)], loss=loss,
                   optimizer=("SGD", {"learning_rate": 0.3, "momentum": 0.9}), metrics=metrics)
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec, n=13, validation_split=0.3)
    assert "val_loss" in khistory
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)


def test_validation_data_history_like_keras():
    """Explicit validation data: val_loss and val_accuracy after every epoch."""
    spec = NetSpec(**CLASSIFIER, optimizer=("Adam", {"learning_rate": 0.05}), metrics=["accuracy"])
    x_val, y_val = make_data(spec, 7, seed=5)
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec, validation_data=(x_val, y_val))
    assert {"val_loss", "val_accuracy"} <= set(khistory)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)


@pytest.mark.parametrize("optimizer", [("Adam", {"learning_rate": 0.05}),
                                       ("SGD", {"learning_rate": 0.1, "momentum": 0.9})], ids=str)
def test_a_second_fit_continues_like_keras(optimizer):
    """A second ``fit`` keeps the optimizer's state (Adam's step count, the momentum)."""
    spec = NetSpec(**CLASSIFIER, optimizer=optimizer)
    kmodel, nmodel, _, _, x, y = fit_both(spec, epochs=2)
    khistory = kmodel.fit(x, y, epochs=2, batch_size=BATCH_SIZE, shuffle=False, verbose=0).history
    nhistory = nmodel.fit(x, y, epochs=2, batch_size=BATCH_SIZE, shuffle=False, verbose=0).history
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)


def test_deeper_network_like_keras():
    """Three hidden layers of different activations: the chain rule across several layers."""
    spec = NetSpec(input_dim=4, layers=[(6, "relu"), (5, "tanh"), (4, "leaky_relu"),
                                        (3, "softmax")],
                   loss="sparse_categorical_crossentropy",
                   optimizer=("RMSprop", {"learning_rate": 0.01}), metrics=["accuracy"])
    kmodel, nmodel, khistory, nhistory, x, y = fit_both(spec, n=17, batch_size=5)
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    assert_history_close(nhistory, khistory)
    assert_predict_evaluate_close(kmodel, nmodel, x, y)


@pytest.mark.parametrize("optimizer", [("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
                                       ("Adam", {"learning_rate": 0.02})], ids=str)
def test_stepping_stage_by_stage_trains_like_keras(optimizer):
    """The stepper, one stage at a time (as the lecturer clicks), ends where Keras's fit does."""
    spec = NetSpec(**CLASSIFIER, optimizer=optimizer, metrics=["accuracy"])
    kmodel, nmodel = build_pair(spec)
    x, y = make_data(spec, N_SAMPLES)
    khistory = kmodel.fit(x, y, epochs=2, batch_size=BATCH_SIZE, shuffle=False, verbose=0).history
    stepper = Stepper(nmodel, x, y, batch_size=BATCH_SIZE, shuffle=False)
    # 2 epochs x 3 batches x (2 forward + loss + 2 backward + update) stages
    for _ in range(2 * 3 * 6):
        stepper.step()
    assert stepper.epoch == 2
    assert_weights_close(nmodel.get_weights(), kmodel.get_weights())
    np.testing.assert_allclose(stepper.history.epoch_loss, khistory["loss"], rtol=0, atol=ATOL)
    np.testing.assert_allclose(stepper.history.epoch_accuracy, khistory["accuracy"], rtol=0,
                               atol=ATOL)
