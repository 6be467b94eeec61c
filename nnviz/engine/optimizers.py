"""Optimizers: how the gradient ``dL/dw`` becomes a change of each weight.

The update rules are Keras 3's, constant for constant, so that a network trained here
and in Keras ends with the same weights. Each optimizer keeps its state (momentum,
running averages) per variable, in the order of ``model.get_weights()``, and updates the
variables in place.

**The registry.** Each optimizer is defined once, here: its class carries the ``label``
menus show, the learning rate nnviz starts it with (``default_learning_rate``; the
constructor keeps Keras's own default), its update rule as text for the lecture view, the
menu presets built on it (SGD + momentum 0.9) and its Keras emitter (:meth:`Optimizer.keras`).
Its keyword options and their defaults are read from the constructor itself
(:func:`options`), so they cannot drift from what the optimizer accepts. ``OPTIMIZERS``
maps names to classes; the project file, the exporters, the lecture view and the menus take
their lists from it.
"""

from __future__ import annotations

import inspect

import numpy as np

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "OPTIMIZERS", "get", "names", "choices",
           "presets", "resolve", "label", "title", "formula", "options", "has_momentum",
           "default_learning_rate", "keras_learning_rate"]


class Optimizer:
    """Base class: ``apply(variables, gradients)`` updates each variable in place."""

    name = "optimizer"
    #: The name menus and the lecture view show (also Keras's class name).
    label = "Optimizer"
    #: The class of ``keras.optimizers`` that does the same.
    keras_class = "Optimizer"
    #: The learning rate nnviz starts this optimizer with when a user picks it (the
    #: window's choice for the lecture's small networks; Keras's default is the
    #: constructor's).
    default_learning_rate = 0.01
    #: The update rule as plain text, with ``g = ∂L/∂w`` (and with momentum ``μ``).
    formula = "w ← w − lr · g"
    formula_momentum: str | None = None
    #: Menu entries beyond the plain optimizer: ``{key: (label, settings)}``.
    presets: dict[str, tuple[str, dict]] = {}

    def __init__(self, learning_rate: float):
        learning_rate = float(learning_rate)
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"The learning rate must be a positive number, not {learning_rate}.")
        self.learning_rate = learning_rate
        #: Number of updates applied so far (Keras's ``optimizer.iterations``).
        self.iterations = 0
        self._state: list[dict[str, np.ndarray]] | None = None

    def reset(self) -> None:
        """Forget momentum and running averages (training starts afresh)."""
        self.iterations = 0
        self._state = None

    def apply(self, variables: list[np.ndarray], gradients: list[np.ndarray]) -> None:
        """Apply one update to every variable, in place."""
        if self._state is None:
            self._state = [self._new_state(v) for v in variables]
        for v, g, s in zip(variables, gradients, self._state):
            self._update(v, g, s)
        self.iterations += 1

    def apply_flat(self, variables, gradients, flat_gradient, flat_scratch, scratch) -> None:
        """:meth:`apply`, for gradients that are views (``gradients``) of one array
        (``flat_gradient``); ``flat_scratch`` is an array of its size and ``scratch`` its
        views shaped as the variables. The training fast path calls this; the update is
        the same, bit for bit."""
        self.apply(variables, gradients)

    def _new_state(self, variable: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _update(self, v, g, s) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        """The hyper-parameters, as Keras names them (for files and code export)."""
        return {"learning_rate": self.learning_rate}

    def keras(self) -> str:
        """The Python expression that makes the same optimizer in Keras, every value quoted
        with ``repr`` (``SGD(learning_rate=0.1, momentum=0.0, nesterov=False)``)."""
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{self.keras_class}({args})"

    def describe(self) -> str:
        """A short human description, e.g. ``SGD, learning rate 0.1``."""
        return f"{type(self).__name__}, learning rate {self.learning_rate:g}"

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent: ``w <- w - lr * dL/dw``.

    With momentum ``mu`` (Keras's form): ``m <- mu * m - lr * g``, then ``w <- w + m``;
    with Nesterov momentum ``w <- w + mu * m - lr * g`` (using the new ``m``).
    """

    name = "sgd"
    label = "SGD"
    keras_class = "SGD"
    default_learning_rate = 0.1
    formula = "w ← w − lr · ∂L/∂w"
    formula_momentum = "m ← μ·m − lr·g,  w ← w + m  (g = ∂L/∂w)"
    presets = {"momentum": ("SGD + momentum 0.9", {"momentum": 0.9})}

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"Momentum must be in [0, 1), not {momentum}.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _new_state(self, variable):
        return {"m": np.zeros_like(variable)} if self.momentum else {}

    def apply_flat(self, variables, gradients, flat_gradient, flat_scratch, scratch):
        if self.momentum:
            super().apply(variables, gradients)
            return
        if self._state is None:
            self._state = [{} for _ in variables]
        # g * lr for every variable in one call, then one subtraction per variable.
        np.multiply(flat_gradient, self.learning_rate, out=flat_scratch)
        for v, step in zip(variables, scratch):
            np.subtract(v, step, out=v)
        self.iterations += 1

    def apply(self, variables, gradients):
        if self.momentum:
            super().apply(variables, gradients)
            return
        # Plain SGD, the lecture's: the same update as _update, without a call per variable.
        if self._state is None:
            self._state = [{} for _ in variables]
        lr = self.learning_rate
        for v, g in zip(variables, gradients):
            v -= g * lr
        self.iterations += 1

    def _update(self, v, g, s):
        lr = self.learning_rate
        if not self.momentum:
            v -= g * lr
            return
        m = s["m"]
        m *= self.momentum
        m -= g * lr
        if self.nesterov:
            v += m * self.momentum - g * lr
        else:
            v += m

    def get_config(self):
        return {"learning_rate": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov}

    def describe(self):
        extra = f", momentum {self.momentum:g}" if self.momentum else ""
        return f"SGD, learning rate {self.learning_rate:g}{extra}"


class Adam(Optimizer):
    """Adam: running means of the gradient and its square, bias-corrected (Keras's form).

    ``m <- m + (g - m)(1 - beta_1)``, ``v <- v + (g**2 - v)(1 - beta_2)``,
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``,
    ``w <- w - alpha * m / (sqrt(v) + epsilon)`` at step ``t = 1, 2, ...``.
    """

    name = "adam"
    label = "Adam"
    keras_class = "Adam"
    default_learning_rate = 0.01
    formula = ("m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,  "
               "w ← w − lr·m̂ / (√v̂ + ε)  (g = ∂L/∂w; m̂, v̂ bias-corrected)")

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _new_state(self, variable):
        return {"m": np.zeros_like(variable), "v": np.zeros_like(variable)}

    def _update(self, v, g, s):
        t = self.iterations + 1
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m, vel = s["m"], s["v"]
        m += (g - m) * (1 - self.beta_1)
        vel += (g * g - vel) * (1 - self.beta_2)
        v -= (m * alpha) / (np.sqrt(vel) + self.epsilon)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of the gradient (Keras's form).

    ``v <- rho * v + (1 - rho) * g**2``, ``step = lr * g / sqrt(v + epsilon)``; with
    momentum ``mu``: ``m <- mu * m + step``, ``w <- w - m``; otherwise ``w <- w - step``.
    """

    name = "rmsprop"
    label = "RMSprop"
    keras_class = "RMSprop"
    default_learning_rate = 0.01
    formula = "v ← ρ·v + (1 − ρ)·g²,  w ← w − lr·g / √(v + ε)  (g = ∂L/∂w)"
    formula_momentum = "v ← ρ·v + (1 − ρ)·g²,  m ← μ·m + lr·g / √(v + ε),  w ← w − m"

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)

    def _new_state(self, variable):
        state = {"v": np.zeros_like(variable)}
        if self.momentum > 0:
            state["m"] = np.zeros_like(variable)
        return state

    def _update(self, v, g, s):
        vel = s["v"]
        vel *= self.rho
        vel += (1 - self.rho) * (g * g)
        step = (self.learning_rate * g) / np.sqrt(vel + self.epsilon)
        if self.momentum > 0:
            m = s["m"]
            m *= self.momentum
            m += step
            v -= m
        else:
            v -= step

    def get_config(self):
        return {"learning_rate": self.learning_rate, "rho": self.rho,
                "momentum": self.momentum, "epsilon": self.epsilon}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adam, RMSprop)}


def names() -> list[str]:
    """The optimizer names nnviz knows, in the order menus show them."""
    return list(OPTIMIZERS)


def choices() -> list[tuple[str, str]]:
    """``[(name, label), ...]`` for a menu: one entry per optimizer."""
    return [(cls.name, cls.label) for cls in OPTIMIZERS.values()]


def presets() -> list[tuple[str, str, str, dict]]:
    """The optimizer menu with its presets: ``[(key, label, name, settings), ...]``.

    ``key`` is what a menu stores (``"sgd"``, ``"momentum"``, ``"adam"``, ...), ``name`` the
    optimizer and ``settings`` the training settings the entry sets besides the optimizer
    (``{"momentum": 0.9}``; a plain entry sets ``{"momentum": 0.0}``).
    """
    out = []
    for cls in OPTIMIZERS.values():
        out.append((cls.name, cls.label, cls.name, {"momentum": 0.0}))
        for key, (text, settings) in cls.presets.items():
            out.append((key, text, cls.name, dict(settings)))
    return out


def resolve(key: str) -> tuple[str, dict]:
    """The optimizer name and settings of a menu key from :func:`presets` (or a name)."""
    for k, _text, name, settings in presets():
        if k == key:
            return name, settings
    return _class(key).name, {}


def label(name: str) -> str:
    """The label of optimizer ``name`` (``"rmsprop"`` -> ``"RMSprop"``)."""
    return _class(name).label


def title(name: str, momentum: float = 0.0) -> str:
    """How the lecture view names an optimizer: ``"SGD with momentum"``, ``"Adam"``, ..."""
    cls = _class(name)
    if momentum and cls.formula_momentum is not None:
        return f"{cls.label} with momentum"
    return cls.label


def formula(name: str, momentum: float = 0.0) -> str:
    """The update rule of optimizer ``name`` as plain text (the momentum form if ``momentum``)."""
    cls = _class(name)
    if momentum and cls.formula_momentum is not None:
        return cls.formula_momentum
    return cls.formula


def options(name: str) -> dict:
    """The keyword options of optimizer ``name`` beyond the learning rate, with defaults.

    Read from the constructor (``{"momentum": 0.0, "nesterov": False}`` for SGD).
    """
    return dict(_OPTIONS[_class(name).name])


def has_momentum(name: str) -> bool:
    """True if optimizer ``name`` takes a ``momentum`` option (SGD and RMSprop)."""
    return "momentum" in _OPTIONS[_class(name).name]


def default_learning_rate(name: str) -> float:
    """The learning rate nnviz starts optimizer ``name`` with (SGD 0.1, Adam and RMSprop 0.01)."""
    return _class(name).default_learning_rate


def keras_learning_rate(name: str) -> float:
    """Keras's default learning rate of optimizer ``name`` (``optimizer='adam'``: 0.001).

    Read from the constructor, whose defaults are Keras's.
    """
    return _KERAS_LEARNING_RATE[_class(name).name]


def _class(name: str) -> type[Optimizer]:
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[key]


def _constructor_options(cls: type[Optimizer]) -> dict:
    params = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in params if p.name not in ("self", "learning_rate")}


# Static: computed once at import, so nothing per call.
_OPTIONS = {name: _constructor_options(cls) for name, cls in OPTIMIZERS.items()}
_KERAS_LEARNING_RATE = {
    name: float(inspect.signature(cls.__init__).parameters["learning_rate"].default)
    for name, cls in OPTIMIZERS.items()}


def get(identifier: str | Optimizer, **config) -> Optimizer:
    """An optimizer from Keras's string name (``"sgd"``, ``"adam"``, ``"rmsprop"``) or instance.

    String names take Keras's defaults (SGD's learning rate is 0.01), unless ``config``
    overrides them.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    return _class(identifier)(**config)
