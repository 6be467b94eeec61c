"""Models the file-format tests share, and a comparison of weight lists."""
from __future__ import annotations

import numpy as np

from nnviz.engine import activations
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential

#: Every activation nnviz has, from its registry (softmax last: an output layer's), so
#: each format is checked with all of them, a new activation included.
ALL_ACTIVATIONS = tuple(sorted(activations.names(), key=lambda name: name == "softmax"))


def deep_model(dtype: str = "float64", use_bias_last: bool = True) -> Sequential:
    """3 inputs through one layer of each activation, weights from a fixed seed (not zero biases)."""
    # 5, 4, 4, 4, 3, 3, 3, ... units, then 2 outputs.
    units = [max(3, 5 - (i + 2) // 3) for i in range(len(ALL_ACTIVATIONS) - 1)] + [2]
    layers = [Dense(units[0], input_shape=(3,), activation=ALL_ACTIVATIONS[0])]
    for n, activation in zip(units[1:], ALL_ACTIVATIONS[1:]):
        layers.append(Dense(n, activation=activation))
    if not use_bias_last:
        layers[-1] = Dense(2, activation="softmax", use_bias=False)
    model = Sequential(layers, dtype=dtype)
    rng = np.random.default_rng(7)
    model.set_weights([rng.normal(size=w.shape).astype(dtype) for w in model.get_weights()])
    return model


def lecture_model(dtype: str = "float64") -> Sequential:
    """The lecture's 2 -> 3 relu -> 2 softmax, with random non-zero biases."""
    model = Sequential([Dense(units=3, input_shape=(2,), activation="relu"),
                        Dense(units=2, activation="softmax")], dtype=dtype)
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=w.shape).astype(dtype) for w in model.get_weights()])
    return model


def sample_inputs(dtype: str = "float64") -> np.ndarray:
    """16 samples of 3 features, one with large values (the overflow paths of softplus, elu)."""
    rng = np.random.default_rng(3)
    x = rng.normal(scale=2.0, size=(16, 3))
    x[0] = [40.0, -40.0, 0.0]
    return x.astype(dtype)


def weights_equal(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """Same count, shapes, dtypes and bits."""
    return len(a) == len(b) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b)
    )
