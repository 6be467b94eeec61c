"""The training settings of a project: Keras's ``compile`` and ``fit`` arguments, validated.

:class:`TrainingSettings` is the ``"training"`` object of a ``.nnviz`` file
(:mod:`nnviz.files.project`); every field is checked as it is set, so an invalid value never
reaches a run. Re-exported by :mod:`nnviz.files.project`.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from psygnal import SignalGroup, evented

from nnviz.engine import losses as _losses
from nnviz.engine import optimizers as _optimizers
from nnviz.engine import regularizers as _regularizers
from nnviz.errors import ProjectFileError
from nnviz.limits import MAX_BATCH_SIZE, MAX_EPOCHS, MAX_SEED

__all__ = ["TrainingSettings"]

# Derived from the registries in nnviz.engine.losses and nnviz.engine.optimizers (defined there once).
_LOSSES = tuple(_losses.names())
_OPTIMIZERS = tuple(_optimizers.names())
_DTYPES = ("float64", "float32")
_REGULARIZATIONS = tuple(name for name, _label in _regularizers.window_choices())
# Keyword arguments each optimizer takes beyond learning_rate (and momentum).
_OPTIMIZER_OPTIONS = {
    name: tuple(k for k in _optimizers.options(name) if k != "momentum") for name in _OPTIMIZERS
}
_HAS_MOMENTUM = tuple(name for name in _OPTIMIZERS if _optimizers.has_momentum(name))


# ------------------------------------------------------------------------ settings


@evented
@dataclass
class TrainingSettings:
    """How the network is trained: Keras's ``compile`` and ``fit`` arguments.

    Evented (psygnal): ``settings.events.learning_rate.connect(f)`` hears every change of
    that field with ``(new, old)``; ``settings.events.all`` hears every field.

    ``optimizer`` is ``"sgd"``, ``"adam"`` or ``"rmsprop"`` with ``learning_rate``,
    ``momentum`` (SGD and RMSprop) and any other keyword argument of the Keras optimizer in
    ``optimizer_options`` (``{"nesterov": True}``, ``{"beta_1": 0.9}``, ...). ``seed`` draws
    the initial weights and the order of the samples (when ``shuffle``).
    ``regularization`` (``"none"``, ``"l1"``, ``"l2"``) with ``regularization_rate`` puts
    Keras's ``kernel_regularizer=L1(rate)``/``L2(rate)`` on every layer's weights (not the
    biases, as TensorFlow Playground); files without these keys train unregularized.
    """

    loss: str = "categorical_crossentropy"
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.0
    optimizer_options: dict = field(default_factory=dict)
    batch_size: int = 4
    epochs: int = 50
    seed: int = 0
    dtype: str = "float64"
    metrics: list = field(default_factory=lambda: ["accuracy"])
    shuffle: bool = True
    regularization: str = "none"
    regularization_rate: float = 0.01
    if TYPE_CHECKING:  # made by @evented; named here for the type checker
        events: ClassVar[SignalGroup]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_built", True)

    def __setattr__(self, name: str, value) -> None:
        """Every field is validated as it is set (ProjectFileError with the message the
        window shows), and stored normalised: an invalid value never reaches a run."""
        if name in _FIELD_NAMES and self.__dict__.get("_built"):
            merged = {f: getattr(self, f) for f in _FIELD_NAMES}
            merged[name] = value
            value = _check_settings(merged, "training")[name]
        super().__setattr__(name, value)

    def make_optimizer(self):
        """A new nnviz optimizer with these settings (``SGD(learning_rate=0.1, momentum=0)``)."""
        from nnviz.engine import optimizers

        kwargs = {"learning_rate": self.learning_rate, **self.optimizer_options}
        if self.optimizer in _HAS_MOMENTUM:
            kwargs["momentum"] = self.momentum
        return optimizers.get(self.optimizer, **kwargs)

    def make_regularizer(self):
        """The kernels' regularizer for these settings (``L2(0.01)``), or None."""
        return _regularizers.make(self.regularization, self.regularization_rate)

    def to_dict(self) -> dict:
        """Plain JSON-able data."""
        return copy.deepcopy({f.name: getattr(self, f.name) for f in fields(self)})

    def to_file_dict(self) -> dict:
        """:meth:`to_dict` as a project file holds it: the optional keys (added after the
        format's version 1) only when they differ from their defaults, so a file that uses
        nothing new reads the same as before, in any nnviz."""
        data = self.to_dict()
        for key, default in _OPTIONAL.items():
            if data[key] == default:
                del data[key]
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str = "training") -> TrainingSettings:
        """Settings from :meth:`to_dict` data; missing fields take the defaults.

        Raises ProjectFileError naming the bad field.
        """
        if not isinstance(data, dict):
            raise ProjectFileError(f"'{where}' must be an object with the training settings.")
        settings = cls()
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise ProjectFileError(f"'{where}.{key}' is not a training setting nnviz knows.")
        values = {**settings.to_dict(), **data}
        return cls(**_check_settings(values, where))


_FIELD_NAMES = frozenset(f.name for f in fields(TrainingSettings))
#: Keys a file may leave out (added after the format's version 1), with their defaults.
_OPTIONAL = {"regularization": "none", "regularization_rate": 0.01}


def _check_settings(v: dict, where: str) -> dict:
    """Validate every training setting; return them normalised (ProjectFileError if wrong)."""

    def fail(key, what):
        raise ProjectFileError(f"'{where}.{key}' must be {what}, not {v[key]!r}.")

    def is_number(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)

    def is_int(x):
        return isinstance(x, int) and not isinstance(x, bool)

    out = dict(v)
    loss = v["loss"]
    aliases = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
    if not isinstance(loss, str) or aliases.get(loss.lower(), loss.lower()) not in _LOSSES:
        fail("loss", "one of " + ", ".join(_LOSSES))
    out["loss"] = aliases.get(loss.lower(), loss.lower())
    if not isinstance(v["optimizer"], str) or v["optimizer"].lower() not in _OPTIMIZERS:
        fail("optimizer", "one of " + ", ".join(_OPTIMIZERS))
    out["optimizer"] = v["optimizer"].lower()
    if not is_number(v["learning_rate"]) or v["learning_rate"] <= 0:
        fail("learning_rate", "a positive number")
    out["learning_rate"] = float(v["learning_rate"])
    if not is_number(v["momentum"]) or not 0 <= v["momentum"] < 1:
        fail("momentum", "a number from 0 up to (not including) 1")
    out["momentum"] = float(v["momentum"])
    options = v["optimizer_options"]
    if not isinstance(options, dict):
        fail("optimizer_options", "an object of the optimizer's keyword arguments")
    allowed = _OPTIMIZER_OPTIONS[out["optimizer"]]
    for key, value in options.items():
        if key not in allowed:
            raise ProjectFileError(
                f"'{where}.optimizer_options.{key}' is not an option of {out['optimizer']}; "
                f"it takes {', '.join(allowed)}."
            )
        if key == "nesterov":
            if not isinstance(value, bool):
                raise ProjectFileError(f"'{where}.optimizer_options.nesterov' must be true or false.")
        elif not is_number(value) or value < 0:
            raise ProjectFileError(f"'{where}.optimizer_options.{key}' must be a number >= 0.")
    out["optimizer_options"] = dict(options)
    for key, low, high in (("batch_size", 1, MAX_BATCH_SIZE), ("epochs", 1, MAX_EPOCHS),
                           ("seed", 0, MAX_SEED)):
        if not is_int(v[key]) or v[key] < low:
            fail(key, f"a whole number of at least {low}")
        if v[key] > high:
            raise ProjectFileError(
                f"'{where}.{key}' is {v[key]}; nnviz allows at most {high:,} ({key}).")
    if v["dtype"] not in _DTYPES:
        fail("dtype", "'float64' or 'float32'")
    if not isinstance(v["metrics"], list) or not all(m == "accuracy" for m in v["metrics"]):
        fail("metrics", "[] or [\"accuracy\"]")
    out["metrics"] = list(v["metrics"])
    if not isinstance(v["shuffle"], bool):
        fail("shuffle", "true or false")
    if not isinstance(v["regularization"], str) or v["regularization"].lower() not in _REGULARIZATIONS:
        fail("regularization", "one of " + ", ".join(_REGULARIZATIONS))
    out["regularization"] = v["regularization"].lower()
    if not is_number(v["regularization_rate"]) or v["regularization_rate"] < 0:
        fail("regularization_rate", "a number of at least 0")
    out["regularization_rate"] = float(v["regularization_rate"])
    return out
