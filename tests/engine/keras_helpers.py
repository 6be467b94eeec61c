"""Build the same network in Keras and in nnviz, so the tests can compare their numbers.

Keras 3 runs on its JAX CPU backend (``tests/conftest.py`` sets ``KERAS_BACKEND``).
A network is described once, as plain data, and both libraries are built from it:

    spec = NetSpec(input_dim=2, layers=[(3, "relu"), (2, "softmax")])

Keras draws the initial weights (glorot uniform, zero bias); nnviz receives a copy
through ``set_weights``, so both start from the very same numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

# The conftest sets this too; repeated here so the helpers also work from a REPL.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import keras  # noqa: E402

import nnviz.engine.optimizers  # noqa: E402
from nnviz.engine.layers import Dense  # noqa: E402
from nnviz.engine.models import Sequential  # noqa: E402


@dataclass
class NetSpec:
    """A Sequential of Dense layers: ``layers`` is a list of ``(units, activation)``."""

    input_dim: int
    layers: list[tuple[int, str]]
    loss: str = "mean_squared_error"
    # A string ("sgd") or a (class name, keyword arguments) pair, e.g. ("SGD", {"momentum": 0.9}).
    optimizer: str | tuple[str, dict] = ("SGD", {"learning_rate": 0.1})
    metrics: list[str] = field(default_factory=list)
    # "real", "binary", "onehot" or "sparse"; None: what the loss expects.
    targets: str | None = None


def keras_optimizer(optimizer):
    """The Keras optimizer for a spec's optimizer entry."""
    if isinstance(optimizer, str):
        return optimizer
    name, kwargs = optimizer
    return getattr(keras.optimizers, name)(**kwargs)


def nnviz_optimizer(optimizer):
    """The nnviz optimizer for a spec's optimizer entry (same class names as Keras)."""
    if isinstance(optimizer, str):
        return optimizer
    name, kwargs = optimizer
    return getattr(nnviz.engine.optimizers, name)(**kwargs)


def build_keras(spec: NetSpec, seed: int = 0) -> keras.Sequential:
    """A compiled Keras Sequential for ``spec``; its weights are drawn from ``seed``."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((spec.input_dim,))]
    layers += [keras.layers.Dense(units, activation=act) for units, act in spec.layers]
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras_optimizer(spec.optimizer),
        loss=spec.loss,
        metrics=list(spec.metrics) or None,
    )
    return model


def build_nnviz(spec: NetSpec, weights: list[np.ndarray] | None = None) -> Sequential:
    """A compiled nnviz Sequential for ``spec`` in float64, optionally with ``weights``."""
    first_units, first_act = spec.layers[0]
    layers = [Dense(first_units, input_shape=(spec.input_dim,), activation=first_act)]
    layers += [Dense(units, activation=act) for units, act in spec.layers[1:]]
    model = Sequential(layers, dtype="float64")
    model.compile(
        optimizer=nnviz_optimizer(spec.optimizer),
        loss=spec.loss,
        metrics=list(spec.metrics) or None,
    )
    if weights is not None:
        model.set_weights([np.array(w, dtype=np.float64, copy=True) for w in weights])
    return model


def build_pair(spec: NetSpec, seed: int = 0) -> tuple[keras.Sequential, Sequential]:
    """Keras's model and nnviz's, starting from the same (Keras-drawn) weights."""
    kmodel = build_keras(spec, seed)
    nmodel = build_nnviz(spec, kmodel.get_weights())
    return kmodel, nmodel


def make_data(spec: NetSpec, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Inputs in [-1, 1] and targets of the kind ``spec.targets`` (default: what the loss wants).

    Regression targets lie in (0.1, 0.9) so that sigmoid/softmax outputs can reach them;
    classification targets are one-hot (categorical), 0/1 (binary) or integer labels
    of shape ``(n,)`` (sparse). Every class occurs, so accuracy is informative.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, spec.input_dim))
    out_units = spec.layers[-1][0]
    labels = np.arange(n) % max(out_units, 2)
    rng.shuffle(labels)
    targets = spec.targets or {
        "binary_crossentropy": "binary",
        "categorical_crossentropy": "onehot",
        "sparse_categorical_crossentropy": "sparse",
    }.get(spec.loss, "real")
    if targets == "binary":
        if out_units == 1:
            y = labels[:, None].astype(np.float64)
        else:  # several independent yes/no outputs
            y = rng.integers(0, 2, size=(n, out_units)).astype(np.float64)
    elif targets == "onehot":
        y = np.eye(out_units)[labels]
    elif targets == "sparse":
        y = labels.astype(np.int64)
    else:
        y = rng.uniform(0.1, 0.9, size=(n, out_units))
    return x, y


def assert_weights_close(actual, expected, atol=1e-6, what="weights"):
    """Each array of ``actual`` equals the one of ``expected`` to ``atol`` (absolute)."""
    assert len(actual) == len(expected), f"{what}: {len(actual)} arrays, Keras has {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        a = np.asarray(a)
        e = np.asarray(e)
        assert a.shape == e.shape, f"{what}[{i}]: shape {a.shape}, Keras {e.shape}"
        np.testing.assert_allclose(a, e, rtol=0, atol=atol, err_msg=f"{what}[{i}]")
