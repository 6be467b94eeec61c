"""The penalties' gradients are true gradients: central differences of loss + penalty.

From the registry (:data:`nnviz.engine.regularizers.REGULARIZERS`): each regularizer on the
kernels and the biases, through the stage-by-stage stepper (what the Lecture view shows)
and through ``fit``'s fast path (SGD with learning rate 1: the step is the gradient).
"""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine import regularizers
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.optimizers import SGD
from tests.engine.test_gradients import (
    assert_gradients_close,
    numeric_weight_gradients,
    stepper_gradients,
)

FACTORS = {"l1": {"l1": 0.07}, "l2": {"l2": 0.09}, "l1_l2": {"l1": 0.04, "l2": 0.06}}


def make_regularized(name: str, seed: int = 0):
    """A 3 -> 4 tanh -> 1 sigmoid net with ``name`` on both layers' kernels and biases."""
    rng = np.random.default_rng(seed)

    def reg():
        return regularizers.REGULARIZERS[name](**FACTORS[name])

    model = Sequential([
        Dense(4, input_shape=(3,), activation="tanh", kernel_regularizer=reg(),
              bias_regularizer=reg()),
        Dense(1, activation="sigmoid", kernel_regularizer=reg(), bias_regularizer=reg()),
    ])
    model.compile(optimizer=SGD(learning_rate=1.0), loss="binary_crossentropy")
    # No weight at 0, where |w| has no slope.
    model.set_weights([rng.uniform(0.1, 0.8, (3, 4)) * rng.choice([-1, 1], (3, 4)),
                       rng.uniform(0.1, 0.3, 4), rng.uniform(0.1, 0.5, (4, 1)),
                       np.array([0.2])])
    x = rng.uniform(-1.0, 1.0, size=(6, 3))
    y = (np.arange(6) % 2)[:, None].astype(np.float64)
    return model, x, y


def total_loss(model, x, y) -> float:
    return model.loss(y, model.predict(x)) + model.regularization_loss()


def numeric(model, x, y):
    return numeric_weight_gradients(model, x, y, loss=total_loss)


@pytest.mark.parametrize("name", regularizers.names())
def test_stepper_gradients_include_the_penalty(name):
    model, x, y = make_regularized(name)
    expected = numeric(model, x, y)
    actual, trace = stepper_gradients(model, x, y)
    assert_gradients_close(actual, expected, name)
    assert trace.penalty == pytest.approx(model.regularization_loss(), abs=1e-12)
    assert trace.penalty > 0.01
    assert trace.loss == pytest.approx(total_loss(model, x, y), abs=1e-12)


@pytest.mark.parametrize("name", regularizers.names())
def test_fit_steps_along_the_penalised_gradient(name):
    model, x, y = make_regularized(name, seed=4)
    expected = numeric(model, x, y)
    before = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=len(x), shuffle=False)
    steps = [b - a for b, a in zip(before, model.get_weights())]
    assert_gradients_close(steps, expected, f"fit {name}")
