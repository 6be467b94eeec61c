"""Weight penalties: ``keras.regularizers`` with Keras's numbers.

A regularizer adds a penalty on a layer's weights to the loss the optimizer minimises:

* :class:`L1` ``(l1=0.01)``: ``l1 · Σ|w|``, whose gradient is ``l1 · sign(w)``;
* :class:`L2` ``(l2=0.01)``: ``l2 · Σ w²``, whose gradient is ``2 · l2 · w``;
* :class:`L1L2` ``(l1=0.0, l2=0.0)``: both.

As in Keras, ``Dense(kernel_regularizer=..., bias_regularizer=...)`` takes one (an object,
a name ``"l1"``, ``"l2"``, ``"l1_l2"`` with the defaults above, or a Keras config dict);
the penalties of every layer are summed into the batch loss (so ``fit``'s ``loss``,
``evaluate`` and the history include them, as Keras reports them) and their gradients are
added to the weights' gradients. ``sign(0)`` is 0, as in JAX.

**The registry.** :data:`REGULARIZERS` maps the Keras names to the classes; each class
carries its Keras spelling (:meth:`Regularizer.keras`) and the lecture view's formulas.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np

__all__ = ["Regularizer", "L1", "L2", "L1L2", "REGULARIZERS", "get", "names", "make",
           "window_choices", "regularize_kernels", "as_window_setting", "SettingError"]


def _factor(value, name: str) -> float:
    """A penalty factor as Keras checks it: a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"The regularization factor {name} must be a number >= 0, "
                         f"not {value!r}.")
    return float(value)


class Regularizer:
    """Base class: ``regularizer(w)`` is the penalty (a float), :meth:`gradient` its slope."""

    #: Keras's name (``"l2"``): what the project file and the settings store.
    name = "regularizer"
    #: The name menus show.
    label = "Regularizer"
    #: Keras's class, as the exported code writes it (``L2``).
    keras_class = "Regularizer"
    #: The penalty (over all the kernels' weights) and its gradient for one weight, as
    #: HTML templates for the lecture view: ``{lam}`` the factor (``{l1}``, ``{l2}`` for
    #: L1L2), ``{w}`` the weight.
    penalty_html = ""
    gradient_html = ""
    #: True if the window's Regularization menu offers it (one factor: the rate).
    in_window = False

    def __call__(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, w: np.ndarray) -> np.ndarray:
        """``∂penalty/∂w``, the shape of ``w``."""
        raise NotImplementedError

    def add_gradient(self, w: np.ndarray, out: np.ndarray) -> None:
        """``out += ∂penalty/∂w`` (the training fast path)."""
        out += self.gradient(w)

    def get_config(self) -> dict:
        """The factors, as Keras's ``get_config``."""
        raise NotImplementedError

    def fill(self, template: str, w: str, lam: str | None = None) -> str:
        """``template`` (:attr:`penalty_html` or :attr:`gradient_html`) with the weight
        ``w`` and the factors (``lam``: one symbol for them all, e.g. "λ")."""
        factors = {k: (lam if lam is not None else f"{v:g}")
                   for k, v in self.get_config().items()}
        one = next(iter(factors.values()))
        return template.format(w=w, lam=one, **factors)

    @property
    def rate(self) -> float:
        """The one factor of L1 or L2 (the window's "rate")."""
        raise NotImplementedError

    def keras(self) -> str:
        """The Keras expression, e.g. ``keras.regularizers.L2(0.01)``."""
        args = ", ".join(f"{k}={float(v)!r}" for k, v in self.get_config().items())
        return f"keras.regularizers.{self.keras_class}({args})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.get_config().items())))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.keras_class}({args})"


class L1(Regularizer):
    """``l1 · Σ|w|``; gradient ``l1 · sign(w)``. ``L1()`` and ``"l1"`` take ``l1=0.01``."""

    name = "l1"
    label = "L1"
    keras_class = "L1"
    in_window = True
    penalty_html = "{lam}·Σ|<i>w</i>|"
    gradient_html = "{lam}·sign({w})"

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, w):
        return float(self.l1 * np.sum(np.abs(w)))

    def gradient(self, w):
        return self.l1 * np.sign(w)

    def get_config(self):
        return {"l1": self.l1}

    @property
    def rate(self):
        return self.l1


class L2(Regularizer):
    """``l2 · Σ w²``; gradient ``2 · l2 · w``. ``L2()`` and ``"l2"`` take ``l2=0.01``."""

    name = "l2"
    label = "L2"
    keras_class = "L2"
    in_window = True
    penalty_html = "{lam}·Σ<i>w</i>²"
    gradient_html = "2·{lam}·{w}"

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, w):
        return float(self.l2 * np.sum(np.square(w)))

    def gradient(self, w):
        return (2.0 * self.l2) * w

    def get_config(self):
        return {"l2": self.l2}

    @property
    def rate(self):
        return self.l2


class L1L2(Regularizer):
    """``l1 · Σ|w| + l2 · Σ w²``. ``L1L2()`` (and ``"L1L2"``) take Keras's ``l1=0, l2=0``;
    the name ``"l1_l2"`` takes ``l1=0.01, l2=0.01``, the defaults Keras documents for it.
    (Keras 3.15's own ``regularizers.get("l1_l2")`` raises instead; the exported code
    therefore always writes ``L1L2(l1=..., l2=...)``.)"""

    name = "l1_l2"
    label = "L1 and L2"
    keras_class = "L1L2"
    penalty_html = "{l1}·Σ|<i>w</i>| + {l2}·Σ<i>w</i>²"
    gradient_html = "{l1}·sign({w}) + 2·{l2}·{w}"

    #: The factors the name ``"l1_l2"`` stands for.
    named_defaults = {"l1": 0.01, "l2": 0.01}

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, w):
        total = 0.0
        if self.l1:
            total += self.l1 * np.sum(np.abs(w))
        if self.l2:
            total += self.l2 * np.sum(np.square(w))
        return float(total)

    def gradient(self, w):
        return self.l1 * np.sign(w) + (2.0 * self.l2) * w

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}

    @property
    def rate(self):
        raise ValueError("L1L2 has two factors, l1 and l2.")


#: Keras's names of the regularizers nnviz has.
REGULARIZERS: dict[str, type[Regularizer]] = {cls.name: cls for cls in (L1, L2, L1L2)}
_BY_CLASS = {cls.keras_class: cls for cls in REGULARIZERS.values()}


def names() -> list[str]:
    """The regularizers' Keras names: ``["l1", "l2", "l1_l2"]``."""
    return list(REGULARIZERS)


def window_choices() -> list[tuple[str, str]]:
    """``[(name, label), ...]`` of the window's Regularization menu: "none" first."""
    return [("none", "None")] + [(cls.name, cls.label) for cls in REGULARIZERS.values()
                                 if cls.in_window]


def make(name: str, rate: float) -> Regularizer | None:
    """The regularizer ``name`` of :func:`window_choices` with factor ``rate`` (None for "none")."""
    if name in (None, "none"):
        return None
    cls = REGULARIZERS.get(name)
    if cls is None or not cls.in_window:
        raise ValueError(f"Unknown regularization {name!r}; use "
                         f"{', '.join(n for n, _ in window_choices())}.")
    return cast("Callable[[float], Regularizer]", cls)(rate)  # in_window: one factor, the rate


def get(identifier) -> Regularizer | None:
    """As ``keras.regularizers.get``: ``None``, a regularizer, a name (``"l2"``, ``"L2"``),
    or a config dict (``{"class_name": "L2", "config": {"l2": 0.01}}``)."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = REGULARIZERS.get(identifier)
        if cls is not None:
            return cls(**getattr(cls, "named_defaults", {}))
        cls = _BY_CLASS.get(identifier) or _BY_CLASS.get(identifier.upper())
        if cls is None:
            raise ValueError(f"Unknown regularizer {identifier!r}; nnviz has "
                             f"{', '.join(names())}.")
        return cls()
    if isinstance(identifier, dict) and isinstance(identifier.get("class_name"), str):
        cls = _BY_CLASS.get(identifier["class_name"]) or REGULARIZERS.get(identifier["class_name"])
        config = identifier.get("config") or {}
        if cls is None or not isinstance(config, dict):
            raise ValueError(f"Unknown regularizer {identifier!r}.")
        return cls(**config)
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}.")


def regularize_kernels(model, regularizer: Regularizer | None) -> None:
    """Give every layer of ``model`` that has a kernel ``regularizer`` on it (None: none),
    as the window's Regularization setting does; training picks it up at the next batch."""
    for layer in model.layers:
        if hasattr(layer, "kernel_regularizer"):
            layer.kernel_regularizer = regularizer


class SettingError(ValueError):
    """Why one Regularization setting cannot stand for a model's regularizers; ``index``
    is the Dense layer (0-based) that says so."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.index = index


def as_window_setting(kernel: list, bias: list) -> tuple[str, float] | None:
    """The Regularization setting ``(name, rate)`` that puts the per-layer ``kernel``
    regularizers on a model (None: none at all); :class:`SettingError` saying why and
    where if one setting cannot: a bias regularizer, a layer without the others' penalty,
    layers that differ, or L1L2 with both factors (an L1L2 with one factor 0 is that one)."""
    for k, reg in enumerate(bias):
        if reg is not None:
            raise SettingError(f"layer {k + 1} has a bias_regularizer, but the Regularization "
                               "setting puts the penalty on the weights only, not the biases "
                               "(as TensorFlow Playground)", k)
    if all(r is None for r in kernel):
        return None
    plain = []
    for k, reg in enumerate(kernel):
        if isinstance(reg, L1L2) and not (reg.l1 and reg.l2):
            reg = L1(reg.l1) if reg.l1 else L2(reg.l2)
        if reg is None or not reg.in_window:
            what = "no kernel_regularizer" if reg is None else f"{reg!r}"
            raise SettingError(f"layer {k + 1} has {what}, but the Regularization setting puts "
                               "one L1 or L2 penalty on every layer's weights", k)
        if plain and reg != plain[0]:
            raise SettingError(f"layer {k + 1}'s {reg!r} differs from layer 1's {plain[0]!r}, "
                               "but the Regularization setting puts one penalty on every "
                               "layer's weights", k)
        plain.append(reg)
    return plain[0].name, plain[0].rate
