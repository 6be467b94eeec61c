"""Initializers: the arbitrary starting values of the weights (before any learning).

``fan_in`` is the number of inputs of a neuron and ``fan_out`` the number of neurons
of the layer; the kernel has shape ``(fan_in, fan_out)`` as in Keras. Each initializer
takes an optional ``seed``; without one it draws from the generator that
:func:`nnviz.engine.utils.set_random_seed` sets.
"""

from __future__ import annotations

import numpy as np

from nnviz.engine.utils import global_rng

__all__ = ["Initializer", "get", "names"]


class Initializer:
    """Base class: ``init(shape, dtype)`` returns a new array."""

    name = "initializer"

    def __init__(self, seed: int | None = None):
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed) if self.seed is not None else global_rng()

    def __call__(self, shape, dtype="float64") -> np.ndarray:
        return np.asarray(self._sample(tuple(shape)), dtype=dtype)

    def _sample(self, shape):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<initializer {self.name}>"


def _fans(shape):
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


class Zeros(Initializer):
    """All weights 0 (Keras's default for biases)."""

    name = "zeros"

    def _sample(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    """All weights 1."""

    name = "ones"

    def _sample(self, shape):
        return np.ones(shape)


class RandomNormal(Initializer):
    """Normal with mean 0 and standard deviation 0.05 (Keras's defaults)."""

    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def _sample(self, shape):
        return self._rng().normal(self.mean, self.stddev, size=shape)


class GlorotUniform(Initializer):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(6 / (fan_in + fan_out))`` (Keras's default)."""

    name = "glorot_uniform"

    def _sample(self, shape):
        fan_in, fan_out = _fans(shape)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return self._rng().uniform(-limit, limit, size=shape)


class GlorotNormal(Initializer):
    """Truncated normal (within 2 std), ``std = sqrt(2 / (fan_in + fan_out))``."""

    name = "glorot_normal"

    def _sample(self, shape):
        fan_in, fan_out = _fans(shape)
        return _truncated_normal(self._rng(), np.sqrt(2.0 / (fan_in + fan_out)), shape)


class HeUniform(Initializer):
    """Uniform in ``[-limit, limit]``, ``limit = sqrt(6 / fan_in)`` (suits relu)."""

    name = "he_uniform"

    def _sample(self, shape):
        fan_in, _ = _fans(shape)
        limit = np.sqrt(6.0 / fan_in)
        return self._rng().uniform(-limit, limit, size=shape)


class HeNormal(Initializer):
    """Truncated normal (within 2 std), ``std = sqrt(2 / fan_in)`` (suits relu)."""

    name = "he_normal"

    def _sample(self, shape):
        fan_in, _ = _fans(shape)
        return _truncated_normal(self._rng(), np.sqrt(2.0 / fan_in), shape)


def _truncated_normal(rng, std, shape):
    # Keras scales by 1/0.8796 so the truncated distribution keeps the wanted std.
    std = std / 0.87962566103423978
    out = rng.normal(0.0, std, size=shape)
    bad = np.abs(out) > 2 * std
    while bad.any():
        out[bad] = rng.normal(0.0, std, size=int(bad.sum()))
        bad = np.abs(out) > 2 * std
    return out


_INITIALIZERS = {cls.name: cls for cls in (GlorotUniform, GlorotNormal, HeUniform, HeNormal,
                                           RandomNormal, Zeros, Ones)}


def names() -> list[str]:
    """The initializer names nnviz knows (the first is Keras's default for kernels)."""
    return list(_INITIALIZERS)


def get(identifier, seed: int | None = None) -> Initializer:
    """An initializer from a Keras name (``"glorot_uniform"``) or an instance."""
    if isinstance(identifier, Initializer):
        return identifier
    key = str(identifier).lower()
    if key not in _INITIALIZERS:
        raise ValueError(f"Unknown initializer {identifier!r}; choose one of: {', '.join(_INITIALIZERS)}.")
    return _INITIALIZERS[key](seed=seed)
