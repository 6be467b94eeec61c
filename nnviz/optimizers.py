"""Optimizers: how the gradient ``dL/dw`` becomes a change of each weight.

The update rules are Keras 3's, constant for constant, so that a network trained here
and in Keras ends with the same weights. Each optimizer keeps its state (momentum,
running averages) per variable, in the order of ``model.get_weights()``, and updates the
variables in place.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "get", "names"]


class Optimizer:
    """Base class: ``apply(variables, gradients)`` updates each variable in place."""

    name = "optimizer"

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

    def _new_state(self, variable: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _update(self, v, g, s) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:
        """The hyper-parameters, as Keras names them (for files and code export)."""
        return {"learning_rate": self.learning_rate}

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

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"Momentum must be in [0, 1), not {momentum}.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _new_state(self, variable):
        return {"m": np.zeros_like(variable)} if self.momentum else {}

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


_OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def names() -> list[str]:
    """The optimizer names nnviz knows."""
    return list(_OPTIMIZERS)


def get(identifier: str | Optimizer, **config) -> Optimizer:
    """An optimizer from Keras's string name (``"sgd"``, ``"adam"``, ``"rmsprop"``) or instance.

    String names take Keras's defaults (SGD's learning rate is 0.01), unless ``config``
    overrides them.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    key = str(identifier).lower()
    if key not in _OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {identifier!r}; choose one of: sgd, adam, rmsprop.")
    return _OPTIMIZERS[key](**config)
