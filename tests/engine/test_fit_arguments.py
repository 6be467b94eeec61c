"""Issue 19.11: ``fit`` refuses arguments that would train nothing or train nonsense.

``epochs=-1`` and ``initial_epoch=-3`` trained nothing (or counted from -3) without a
word, ``validation_split=-0.1`` took "the last -10 %" of the samples, binary
cross-entropy accepted labels 2 and -1 (its loss is then unbounded below) and categorical
cross-entropy negative targets. Each is now an ArgumentError (a ValueError, as in Keras)
naming the argument, raised before any training.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine.checks import ArgumentError
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.training import Stepper


def _model(loss="binary_crossentropy", units=1, activation="sigmoid"):
    model = Sequential([Dense(3, input_shape=(2,), activation="tanh"),
                        Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    return model


X = np.random.default_rng(0).normal(size=(20, 2))
Y = (X[:, :1] > 0).astype(float)


@pytest.mark.parametrize("kwargs, words", [
    ({"epochs": -1}, "epochs must be 0 or more, not -1"),
    ({"initial_epoch": -3}, "initial_epoch must be 0 or more, not -3"),
    ({"epochs": 2.5}, "epochs must be a whole number"),
    ({"epochs": "3"}, "epochs must be a whole number"),
    ({"validation_split": -0.1}, "validation_split must be a fraction"),
    ({"validation_split": 1.0}, "validation_split must be a fraction"),
    ({"validation_split": float("nan")}, "validation_split must be a fraction"),
])
def test_fit_refuses_impossible_epochs_and_splits(kwargs, words):
    model = _model()
    before = [w.copy() for w in model.get_weights()] if model.built else None
    with pytest.raises(ArgumentError, match=words) as caught:
        model.fit(X, Y, verbose=0, **kwargs)
    assert isinstance(caught.value, ValueError)
    if before is not None:
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_fit_still_accepts_zero_epochs_and_a_fraction():
    model = _model()
    history = model.fit(X, Y, epochs=0, verbose=0)
    assert history.history.get("loss", []) == []
    history = model.fit(X, Y, epochs=2, initial_epoch=1, validation_split=0.25, verbose=0)
    assert len(history.history["loss"]) == 1 and len(history.history["val_loss"]) == 1


@pytest.mark.parametrize("label", [2.0, -1.0])
def test_binary_crossentropy_refuses_labels_outside_0_1(label):
    y = Y.copy()
    y[5, 0] = label
    with pytest.raises(ArgumentError, match=rf"y holds {label:g} \(sample 5\).*binary cross-entropy"):
        _model().fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ArgumentError, match="binary cross-entropy"):  # the window's path too
        Stepper(_model(), X, y, batch_size=4)


def test_binary_crossentropy_keeps_soft_labels():
    y = np.clip(Y * 0.9 + 0.05, 0, 1)  # label smoothing: probabilities, not classes
    history = _model().fit(X, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_categorical_crossentropy_refuses_negative_targets():
    y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    y[3] = [-1.0, 2.0]
    model = _model("categorical_crossentropy", units=2, activation="softmax")
    with pytest.raises(ArgumentError, match=r"y holds -1 \(sample 3\).*categorical cross-entropy"):
        model.fit(X, y, epochs=1, verbose=0)
    y[3] = [0.2, 0.8]  # a soft target is a distribution: still fine
    assert np.isfinite(model.fit(X, y, epochs=1, verbose=0).history["loss"][0])
