"""Activation functions: what a neuron does with its weighted sum.

A neuron computes its weighted sum ``z = sum_i w_i x_i + b`` and then passes it through
an activation function: ``a = f(z)``. Each activation here knows

* ``forward(z)``: the value ``a = f(z)``, row by row for a batch ``z`` of shape ``(n, units)``;
* ``backward(z, a, dA)``: back-propagation through ``f``. Given ``dL/da`` it returns
  ``dL/dz``. For element-wise functions that is ``dL/dz = dL/da * f'(z)``; softmax mixes
  the units of a row, so it uses its Jacobian (see :class:`Softmax`).

The definitions and constants follow Keras 3 exactly (``leaky_relu`` slope 0.2, ``elu``
alpha 1.0), so that a network trains to the same numbers here and in Keras.

**The registry.** Each activation is defined once, here, as a class that also carries what
every other part of nnviz shows or writes about it: its ``label`` for menus, its formula and
derivative (plain text, and HTML templates the lecture view fills in), its Keras emitter
(:meth:`Activation.keras`) and its ONNX emitter (:meth:`Activation.onnx`). ``ACTIVATIONS``
maps names to classes; menus, the project file, the exporters and the lecture view all take
their lists from it (see :func:`choices`), so a new activation is one class here.
The metadata are class attributes: the forward and backward passes never look at them.
"""

from __future__ import annotations

import numpy as np

from nnviz.errors import ProjectFileError

__all__ = ["Activation", "get", "names", "choices", "label", "ACTIVATIONS"]


class Activation:
    """Base class: an activation function with its derivative.

    Subclasses define ``_f(z)`` and either ``_df(z, a)`` (the element-wise derivative
    ``f'(z)``) or override :meth:`backward`.
    """

    name = "activation"
    #: The name menus show.
    label = "Activation"
    #: The formula as plain text, with ``z`` for the weighted sum.
    formula = "a = f(z)"
    #: Its derivative ``f'(z)`` as plain text (softmax: its Jacobian).
    derivative_formula = "f′(z)"
    #: HTML templates of ``f(z)`` and ``f'(z)`` for the lecture view. Placeholders:
    #: ``{z}`` the weighted sum, ``{zp}`` the same as a factor (a negative number in
    #: parentheses), ``{neg_z}`` its negation, ``{a}`` the activation.
    formula_html = "f({z})"
    derivative_html = "f′({z})"
    #: False when each output depends on the whole row (softmax): then the derivative
    #: formulas are the Jacobian's, not an ``f'(z)``.
    element_wise = True
    #: The two targets a one-unit output of this activation learns for two classes
    #: (class 0, class 1), or None if it is no two-class output: sigmoid (0, 1) with
    #: binary cross-entropy, tanh (−1, +1) with MSE as TensorFlow Playground. Accuracy
    #: thresholds the output at their midpoint.
    binary_targets: tuple[float, float] | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A subclass that changes the maths but not its fast-path version must not inherit
        # its parent's: it falls back to allocating (same numbers, always).
        own = cls.__dict__
        if ("_f" in own or "forward" in own) and "forward_into" not in own:
            cls.forward_into = Activation.forward_into
        if ("_df" in own or "backward" in own) and "backward_into" not in own:
            cls.backward_into = Activation.backward_into

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return ``a = f(z)`` (a new array)."""
        return self._f(z)

    def backward(self, z: np.ndarray, a: np.ndarray, dA: np.ndarray) -> np.ndarray:
        """Return ``dL/dz = dL/da * f'(z)`` given ``dL/da`` (the chain rule)."""
        return dA * self._df(z, a)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` element by element (not defined for softmax)."""
        return self._df(z, self._f(z))

    # The training fast path: the same arithmetic, written into buffers the caller owns
    # (``out``, and ``work``: a scratch array of z's shape). The results are bit-identical
    # to forward/backward; an activation without its own version allocates as usual.
    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``forward(z)`` written into ``out`` when the activation can; returns the result."""
        return self.forward(z)

    def backward_into(self, z, a, dA, out: np.ndarray, work: np.ndarray) -> np.ndarray:
        """``backward(z, a, dA)`` written into ``out`` when it can (``work``: scratch)."""
        return self.backward(z, a, dA)

    def __call__(self, z):
        return self.forward(np.asarray(z))

    def __repr__(self) -> str:
        return f"<activation {self.name}>"

    def keras(self) -> str:
        """The Python expression for Keras's ``Dense(activation=...)`` (a quoted name)."""
        return repr(self.name)

    def onnx(self, graph, z: str, stem: str) -> str:
        """Append this activation's ONNX nodes applied to tensor ``z``; return the output name.

        ``graph`` offers ``node(op, inputs, stem, **attributes) -> output name``,
        ``constant(stem, value) -> name`` and ``double`` (True for a float64 graph).
        """
        raise ProjectFileError(f"The activation '{self.name}' cannot be exported to ONNX.")

    def _f(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    def _df(self, z, a):  # pragma: no cover - abstract
        raise NotImplementedError


class Linear(Activation):
    """Identity: ``a = z``, ``da/dz = 1``. What a layer without activation does."""

    name = "linear"
    formula = "a = z"
    label = "Linear"
    derivative_formula = "f′(z) = 1"
    formula_html = "{z}"
    derivative_html = "1"

    # No copies: nnviz never writes into an activation or gradient array after making it.
    def _f(self, z):
        return z

    def backward(self, z, a, dA):
        return dA

    def _df(self, z, a):
        return np.ones_like(z)

    def forward_into(self, z, out):
        return z

    def backward_into(self, z, a, dA, out, work):
        return dA

    def onnx(self, graph, z, stem):
        return z


class ReLU(Activation):
    """Rectified linear unit: ``a = max(0, z)``; ``da/dz = 1`` if ``z > 0`` else ``0``.

    Negative sums are cut to zero, positive ones pass unchanged (the lecture's example).
    """

    name = "relu"
    formula = "a = max(0, z)"
    label = "ReLU"
    derivative_formula = "f′(z) = 1 if z > 0, else 0"
    formula_html = "max(0, {z})"
    derivative_html = "1 if {z} &gt; 0, else 0"

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z, a):
        return (z > 0).astype(z.dtype)

    def forward_into(self, z, out):
        return np.maximum(z, 0, out=out)

    def backward_into(self, z, a, dA, out, work):
        # dA * (z > 0) as 1.0/0.0 in z's dtype, exactly as backward computes it.
        np.greater(z, 0, out=work)
        return np.multiply(dA, work, out=out)

    def onnx(self, graph, z, stem):
        return graph.node("Relu", [z], stem)


class LeakyReLU(Activation):
    """Leaky ReLU: ``a = z`` if ``z > 0`` else ``slope * z`` (Keras's default slope 0.2).

    ``da/dz = 1`` if ``z > 0`` else ``slope``: negative sums still pass a little gradient.
    """

    name = "leaky_relu"
    formula = "a = z if z > 0 else 0.2·z"
    label = "Leaky ReLU"
    derivative_formula = "f′(z) = 1 if z > 0, else 0.2"
    formula_html = "{z} if {z} &gt; 0, else 0.2·{zp}"
    derivative_html = "1 if {z} &gt; 0, else 0.2"

    def __init__(self, negative_slope: float = 0.2):
        self.negative_slope = float(negative_slope)

    def _f(self, z):
        return np.where(z > 0, z, self.negative_slope * z)

    def _df(self, z, a):
        return np.where(z > 0, 1.0, self.negative_slope).astype(z.dtype)

    def keras(self):
        if self.negative_slope == 0.2:
            return repr(self.name)
        return f"lambda z: keras.activations.leaky_relu(z, negative_slope={self.negative_slope!r})"

    def onnx(self, graph, z, stem):
        if not graph.double:
            return graph.node("LeakyRelu", [z], stem, alpha=self.negative_slope)
        # relu(z) + slope * min(z, 0): LeakyRelu's alpha attribute is only a float32.
        pos = graph.node("Relu", [z], stem + "_pos")
        zero = graph.constant(stem + "_zero", 0.0)
        slope = graph.constant(stem + "_slope", self.negative_slope)
        neg = graph.node("Mul", [slope, graph.node("Min", [z, zero], stem)], stem)
        return graph.node("Add", [pos, neg], stem)


class ELU(Activation):
    """Exponential linear unit: ``a = z`` if ``z > 0`` else ``alpha * (exp(z) - 1)``.

    ``da/dz = 1`` if ``z > 0`` else ``alpha * exp(z)``; alpha is 1.0 as in Keras.
    """

    name = "elu"
    formula = "a = z if z > 0 else exp(z) − 1"
    label = "ELU"
    derivative_formula = "f′(z) = 1 if z > 0, else exp(z)"
    formula_html = "{z} if {z} &gt; 0, else e<sup>{z}</sup> − 1"
    derivative_html = "1 if {z} &gt; 0, else e<sup>{z}</sup>"

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def _f(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def _df(self, z, a):
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)

    def keras(self):
        if self.alpha == 1.0:
            return repr(self.name)
        return f"lambda z: keras.activations.elu(z, alpha={self.alpha!r})"

    def onnx(self, graph, z, stem):
        if not graph.double:
            return graph.node("Elu", [z], stem, alpha=self.alpha)
        # relu(z) + alpha * (exp(min(z, 0)) - 1): z for z > 0, alpha*(e^z - 1) otherwise.
        pos = graph.node("Relu", [z], stem + "_pos")
        zero = graph.constant(stem + "_zero", 0.0)
        one = graph.constant(stem + "_one", 1.0)
        alpha = graph.constant(stem + "_alpha", self.alpha)
        expm1 = graph.node("Sub", [graph.node("Exp", [graph.node("Min", [z, zero], stem)], stem),
                                   one], stem)
        return graph.node("Add", [pos, graph.node("Mul", [alpha, expm1], stem)], stem)


class Sigmoid(Activation):
    """Logistic sigmoid: ``a = 1 / (1 + exp(-z))``, squashing any sum into (0, 1).

    ``da/dz = a * (1 - a)``.
    """

    name = "sigmoid"
    binary_targets = (0.0, 1.0)
    formula = "a = 1 / (1 + exp(−z))"
    label = "Sigmoid"
    derivative_formula = "f′(z) = a · (1 − a)"
    formula_html = "1 / (1 + e<sup>{neg_z}</sup>)"
    derivative_html = "{a} · (1 − {a})"

    def _f(self, z):
        # exp(-logaddexp(0, -z)) never overflows, for large |z| of either sign.
        return np.exp(-np.logaddexp(0, -z))

    def _df(self, z, a):
        return a * (1 - a)

    def forward_into(self, z, out):
        np.negative(z, out=out)
        np.logaddexp(0, out, out=out)
        np.negative(out, out=out)
        return np.exp(out, out=out)

    def backward_into(self, z, a, dA, out, work):
        np.subtract(1, a, out=work)
        np.multiply(a, work, out=work)
        return np.multiply(dA, work, out=out)

    def onnx(self, graph, z, stem):
        return graph.node("Sigmoid", [z], stem)


class Tanh(Activation):
    """Hyperbolic tangent: ``a = tanh(z)``, in (-1, 1); ``da/dz = 1 - a**2``."""

    name = "tanh"
    binary_targets = (-1.0, 1.0)
    formula = "a = tanh(z)"
    label = "Tanh"
    derivative_formula = "f′(z) = 1 − a²"
    formula_html = "tanh({z})"
    derivative_html = "1 − {a}²"

    def _f(self, z):
        return np.tanh(z)

    def _df(self, z, a):
        return 1 - a * a

    def forward_into(self, z, out):
        return np.tanh(z, out=out)

    def backward_into(self, z, a, dA, out, work):
        np.multiply(a, a, out=work)
        np.subtract(1, work, out=work)
        return np.multiply(dA, work, out=out)

    def onnx(self, graph, z, stem):
        return graph.node("Tanh", [z], stem)


class Softplus(Activation):
    """Softplus, a smooth ReLU: ``a = log(1 + exp(z))``; ``da/dz = sigmoid(z)``."""

    name = "softplus"
    formula = "a = log(1 + exp(z))"
    label = "Softplus"
    derivative_formula = "f′(z) = 1 / (1 + exp(−z))"
    formula_html = "log(1 + e<sup>{z}</sup>)"
    derivative_html = "1 / (1 + e<sup>{neg_z}</sup>)"

    def _f(self, z):
        return np.logaddexp(0, z)

    def _df(self, z, a):
        return np.exp(-np.logaddexp(0, -z))

    def onnx(self, graph, z, stem):
        if not graph.double:
            return graph.node("Softplus", [z], stem)
        # relu(z) + log(1 + exp(-|z|)): never overflows, equals log(1 + exp(z)).
        # (onnxruntime's CPU provider has no float64 Softplus.)
        pos = graph.node("Relu", [z], stem + "_pos")
        neg_abs = graph.node("Neg", [graph.node("Abs", [z], stem + "_abs")], stem + "_negabs")
        one = graph.constant(stem + "_one", 1.0)
        log = graph.node("Log", [graph.node("Add", [one, graph.node("Exp", [neg_abs], stem)],
                                            stem)], stem + "_log")
        return graph.node("Add", [pos, log], stem)


class Softmax(Activation):
    """Softmax over a layer's units: ``a_j = exp(z_j) / sum_k exp(z_k)``.

    The outputs of a row are positive and add up to 1, so they read as class
    probabilities. The row maximum is subtracted before ``exp`` (same result, no
    overflow). Each ``a_j`` depends on every ``z_k``: ``da_j/dz_k = a_j (delta_jk - a_k)``,
    so back-propagation is ``dL/dz_k = a_k * (dL/da_k - sum_j dL/da_j * a_j)``.
    """

    name = "softmax"
    formula = "a_j = exp(z_j) / Σ_k exp(z_k)"
    label = "Softmax"
    derivative_formula = "∂a_j/∂z_k = a_j · (δ_jk − a_k)"
    formula_html = "e<sup>{z}</sup> / Σ<sub>j</sub> e<sup><i>z</i><sub>j</sub></sup>"
    derivative_html = "∂{a}/∂<i>z</i><sub>k</sub> = {a} · (δ<sub>jk</sub> − <i>a</i><sub>k</sub>)"
    element_wise = False

    def _f(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def backward(self, z, a, dA):
        return a * (dA - (dA * a).sum(axis=-1, keepdims=True))

    def forward_into(self, z, out):
        row = np.maximum.reduce(z, axis=-1, keepdims=True)
        np.subtract(z, row, out=out)
        np.exp(out, out=out)
        return np.divide(out, np.add.reduce(out, axis=-1, keepdims=True), out=out)

    def backward_into(self, z, a, dA, out, work):
        np.multiply(dA, a, out=work)
        np.subtract(dA, np.add.reduce(work, axis=-1, keepdims=True), out=out)
        return np.multiply(a, out, out=out)

    def derivative(self, z):
        raise TypeError(
            "softmax has no element-wise derivative: each output depends on every input "
            "of the row; use backward(z, a, dL/da)."
        )

    def onnx(self, graph, z, stem):
        return graph.node("Softmax", [z], stem, axis=-1)


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Softplus, Softmax)
}
_ALIASES = {None: "linear", "none": "linear", "identity": "linear", "leakyrelu": "leaky_relu"}


def names() -> list[str]:
    """The activation names nnviz knows, in the order menus show them."""
    return list(ACTIVATIONS)


def choices(kind: str | None = None) -> list[tuple[str, str]]:
    """``[(name, label), ...]`` for a menu, in menu order.

    ``kind="input"``: an input layer only passes its values on, so only ``linear``;
    any other kind (``"hidden"``, ``"output"``, None): every activation.
    """
    classes = [Linear] if kind == "input" else ACTIVATIONS.values()
    return [(cls.name, cls.label) for cls in classes]


def label(name: str) -> str:
    """The menu label of activation ``name`` (``"leaky_relu"`` -> ``"Leaky ReLU"``)."""
    return type(get(name)).label


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


# Keras-style module-level functions: nnviz.engine.activations.relu(z) etc.
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
