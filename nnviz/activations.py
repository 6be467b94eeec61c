"""Activation functions: what a neuron does with its weighted sum.

A neuron computes its weighted sum ``z = sum_i w_i x_i + b`` and then passes it through
an activation function: ``a = f(z)``. Each activation here knows

* ``forward(z)``: the value ``a = f(z)``, row by row for a batch ``z`` of shape ``(n, units)``;
* ``backward(z, a, dA)``: back-propagation through ``f``. Given ``dL/da`` it returns
  ``dL/dz``. For element-wise functions that is ``dL/dz = dL/da * f'(z)``; softmax mixes
  the units of a row, so it uses its Jacobian (see :class:`Softmax`).

The definitions and constants follow Keras 3 exactly (``leaky_relu`` slope 0.2, ``elu``
alpha 1.0), so that a network trains to the same numbers here and in Keras.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Activation", "get", "names", "ACTIVATIONS"]


class Activation:
    """Base class: an activation function with its derivative.

    Subclasses define ``_f(z)`` and either ``_df(z, a)`` (the element-wise derivative
    ``f'(z)``) or override :meth:`backward`.
    """

    name = "activation"
    #: The formula as the lecture view shows it, with ``z`` for the weighted sum.
    formula = "a = f(z)"

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return ``a = f(z)`` (a new array)."""
        return self._f(z)

    def backward(self, z: np.ndarray, a: np.ndarray, dA: np.ndarray) -> np.ndarray:
        """Return ``dL/dz = dL/da * f'(z)`` given ``dL/da`` (the chain rule)."""
        return dA * self._df(z, a)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` element by element (not defined for softmax)."""
        return self._df(z, self._f(z))

    def __call__(self, z):
        return self.forward(np.asarray(z))

    def __repr__(self) -> str:
        return f"<activation {self.name}>"

    def _f(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    def _df(self, z, a):  # pragma: no cover - abstract
        raise NotImplementedError


class Linear(Activation):
    """Identity: ``a = z``, ``da/dz = 1``. What a layer without activation does."""

    name = "linear"
    formula = "a = z"

    # No copies: nnviz never writes into an activation or gradient array after making it.
    def _f(self, z):
        return z

    def backward(self, z, a, dA):
        return dA

    def _df(self, z, a):
        return np.ones_like(z)


class ReLU(Activation):
    """Rectified linear unit: ``a = max(0, z)``; ``da/dz = 1`` if ``z > 0`` else ``0``.

    Negative sums are cut to zero, positive ones pass unchanged (the lecture's example).
    """

    name = "relu"
    formula = "a = max(0, z)"

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z, a):
        return (z > 0).astype(z.dtype)


class LeakyReLU(Activation):
    """Leaky ReLU: ``a = z`` if ``z > 0`` else ``slope * z`` (Keras's default slope 0.2).

    ``da/dz = 1`` if ``z > 0`` else ``slope``: negative sums still pass a little gradient.
    """

    name = "leaky_relu"
    formula = "a = z if z > 0 else 0.2·z"

    def __init__(self, negative_slope: float = 0.2):
        self.negative_slope = float(negative_slope)

    def _f(self, z):
        return np.where(z > 0, z, self.negative_slope * z)

    def _df(self, z, a):
        return np.where(z > 0, 1.0, self.negative_slope).astype(z.dtype)


class ELU(Activation):
    """Exponential linear unit: ``a = z`` if ``z > 0`` else ``alpha * (exp(z) - 1)``.

    ``da/dz = 1`` if ``z > 0`` else ``alpha * exp(z)``; alpha is 1.0 as in Keras.
    """

    name = "elu"
    formula = "a = z if z > 0 else exp(z) − 1"

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def _f(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def _df(self, z, a):
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


class Sigmoid(Activation):
    """Logistic sigmoid: ``a = 1 / (1 + exp(-z))``, squashing any sum into (0, 1).

    ``da/dz = a * (1 - a)``.
    """

    name = "sigmoid"
    formula = "a = 1 / (1 + exp(−z))"

    def _f(self, z):
        # exp(-logaddexp(0, -z)) never overflows, for large |z| of either sign.
        return np.exp(-np.logaddexp(0, -z))

    def _df(self, z, a):
        return a * (1 - a)


class Tanh(Activation):
    """Hyperbolic tangent: ``a = tanh(z)``, in (-1, 1); ``da/dz = 1 - a**2``."""

    name = "tanh"
    formula = "a = tanh(z)"

    def _f(self, z):
        return np.tanh(z)

    def _df(self, z, a):
        return 1 - a * a


class Softplus(Activation):
    """Softplus, a smooth ReLU: ``a = log(1 + exp(z))``; ``da/dz = sigmoid(z)``."""

    name = "softplus"
    formula = "a = log(1 + exp(z))"

    def _f(self, z):
        return np.logaddexp(0, z)

    def _df(self, z, a):
        return np.exp(-np.logaddexp(0, -z))


class Softmax(Activation):
    """Softmax over a layer's units: ``a_j = exp(z_j) / sum_k exp(z_k)``.

    The outputs of a row are positive and add up to 1, so they read as class
    probabilities. The row maximum is subtracted before ``exp`` (same result, no
    overflow). Each ``a_j`` depends on every ``z_k``: ``da_j/dz_k = a_j (delta_jk - a_k)``,
    so back-propagation is ``dL/dz_k = a_k * (dL/da_k - sum_j dL/da_j * a_j)``.
    """

    name = "softmax"
    formula = "a_j = exp(z_j) / Σ_k exp(z_k)"

    def _f(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def backward(self, z, a, dA):
        return a * (dA - (dA * a).sum(axis=-1, keepdims=True))

    def derivative(self, z):
        raise TypeError(
            "softmax has no element-wise derivative: each output depends on every input "
            "of the row; use backward(z, a, dL/da)."
        )


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Softplus, Softmax)
}
_ALIASES = {None: "linear", "none": "linear", "identity": "linear", "leakyrelu": "leaky_relu"}


def names() -> list[str]:
    """The activation names nnviz knows, in the order menus show them."""
    return list(ACTIVATIONS)


def get(identifier: str | Activation | None) -> Activation:
    """Return the activation for a name (``"relu"``), ``None`` (linear) or an instance."""
    if isinstance(identifier, Activation):
        return identifier
    key = identifier.lower() if isinstance(identifier, str) else identifier
    key = _ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {identifier!r}; choose one of: {', '.join(ACTIVATIONS)}."
        )
    return ACTIVATIONS[key]()


# Keras-style module-level functions: nnviz.activations.relu(z) etc.
def linear(z):
    """``a = z``."""
    return Linear()(z)


def relu(z):
    """``a = max(0, z)``."""
    return ReLU()(z)


def leaky_relu(z, negative_slope=0.2):
    """``a = z if z > 0 else negative_slope * z``."""
    return LeakyReLU(negative_slope)(z)


def elu(z, alpha=1.0):
    """``a = z if z > 0 else alpha * (exp(z) - 1)``."""
    return ELU(alpha)(z)


def sigmoid(z):
    """``a = 1 / (1 + exp(-z))``."""
    return Sigmoid()(z)


def tanh(z):
    """``a = tanh(z)``."""
    return Tanh()(z)


def softplus(z):
    """``a = log(1 + exp(z))``."""
    return Softplus()(z)


def softmax(z):
    """``a_j = exp(z_j) / sum_k exp(z_k)`` along the last axis."""
    return Softmax()(z)
