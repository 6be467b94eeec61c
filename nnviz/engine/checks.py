"""Argument checks at the engine's entry points: ``fit``, ``evaluate``, ``Stepper``, data sets.

Each check runs once, when a call starts, never per batch; a refused argument raises
:class:`ArgumentError` naming it, as Keras refuses the same call. ``Sequential.fit``
hands its arguments to :class:`~nnviz.engine.training.Stepper`, whose constructor runs
:func:`check_training_arrays`, so both refuse the same things with the same words.
"""
from __future__ import annotations

import numbers
import operator

import numpy as np

from nnviz.errors import NnvizError
from nnviz.limits import batch_problem

__all__ = ["ArgumentError", "check_batch_memory", "check_batch_size", "check_finite",
           "check_fit_arguments",
           "check_targets", "check_training_arrays"]


class ArgumentError(NnvizError, ValueError):
    """An argument of an engine call is refused; the message names it.

    Also a ``ValueError``, the type Keras and NumPy raise for the same mistakes, so code
    catching ``ValueError`` keeps working.
    """


def check_batch_size(batch_size, name: str = "batch_size") -> int:
    """``batch_size`` as an ``int`` >= 1; ArgumentError for 0, negatives, fractions, text."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (numbers.Integral,
                                                                     numbers.Real)):
        raise ArgumentError(f"{name} must be a whole number of samples, not {batch_size!r}.")
    if isinstance(batch_size, numbers.Integral):
        count = operator.index(batch_size)
    else:  # a Real: 4.0 is 4, 4.5 is refused
        value = float(batch_size)
        if not np.isfinite(value) or value != int(value):
            raise ArgumentError(f"{name} must be a whole number of samples, not {batch_size!r}.")
        count = int(value)
    if count < 1:
        raise ArgumentError(f"The batch size must be at least 1, not {batch_size} ({name}).")
    return count


def check_finite(array: np.ndarray, name: str, hint: str = "") -> None:
    """Refuse NaN or infinite values in ``array``, naming ``name`` and the first bad row."""
    bad = ~np.isfinite(array)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        value = array.reshape(len(array), -1)[row][bad.reshape(len(array), -1)[row]][0]
        raise ArgumentError(f"{name} holds {value} (sample {row}): every value must be a "
                            f"finite number.{hint}")


def check_targets(model, y: np.ndarray, name: str = "y") -> None:
    """Refuse targets that do not fit the model's output and loss.

    * sparse categorical cross-entropy: one whole-number label per sample, each in
      ``0 .. units-1`` (not NaN, not negative: NumPy would wrap them silently);
    * categorical cross-entropy: one one-hot row of ``units`` values per sample (a column
      of labels would otherwise be broadcast against every output);
    * every other loss: one value per output unit; binary cross-entropy's in [0, 1] and
      categorical cross-entropy's >= 0 (they are probabilities).
    """
    loss = model.loss.name
    units = int(model.output_dim)
    n = len(y)
    if loss == "sparse_categorical_crossentropy":
        if not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
            raise ArgumentError(
                f"{name} has shape {y.shape}, but sparse categorical cross-entropy needs one "
                "class label per sample (shape (n,) or (n, 1)); for one-hot rows use "
                "categorical_crossentropy.")
        labels = y.reshape(n)
        bad = ~np.isfinite(labels) | (labels != np.floor(labels)) | (labels < 0) | (
            labels >= units)
        if bad.any():
            row = int(np.argmax(bad))
            raise ArgumentError(
                f"{name} holds the label {labels[row]:g} (sample {row}), but the output layer "
                f"has {units} units, so sparse categorical cross-entropy needs whole-number "
                f"labels from 0 to {units - 1}.")
        return
    check_finite(y, name)
    if y.ndim == 1:
        shape_ok = units == 1
    else:
        shape_ok = y.ndim == 2 and y.shape[1] == units
    if shape_ok:
        _check_target_range(loss, y, name)
        return
    if loss == "categorical_crossentropy":
        raise ArgumentError(
            f"{name} has shape {y.shape}, but categorical cross-entropy needs one one-hot "
            f"row of {units} values per sample (the output layer's units); for integer "
            "labels use sparse_categorical_crossentropy.")
    raise ArgumentError(
        f"{name} has shape {y.shape}, but the output layer has {units} units: each sample "
        f"needs {units} target value(s).")


def _check_target_range(loss: str, y: np.ndarray, name: str) -> None:
    """Cross-entropy targets are probabilities: binary ones in [0, 1], categorical ones >= 0.

    A binary label of 2 or -1 makes the loss unbounded below (training drives it to minus
    infinity instead of fitting anything); a negative categorical target rewards the
    wrong class. Soft labels (0.3, label smoothing) stay allowed.
    """
    if loss == "binary_crossentropy":
        bad, what = (y < 0) | (y > 1), "binary cross-entropy needs targets between 0 and 1"
    elif loss == "categorical_crossentropy":
        bad, what = y < 0, "categorical cross-entropy needs targets of 0 or more"
    else:
        return
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        value = y.reshape(len(y), -1)[row][bad.reshape(len(y), -1)[row]][0]
        raise ArgumentError(
            f"{name} holds {value:g} (sample {row}), but {what} (class labels or "
            "probabilities).")


def check_fit_arguments(epochs, initial_epoch, validation_split) -> tuple[int, int, float]:
    """``fit``'s ``epochs`` and ``initial_epoch`` as whole numbers >= 0 and
    ``validation_split`` as a number in ``[0, 1)``; ArgumentError naming the one refused.

    Keras would silently train nothing for ``epochs=-1`` or take a negative fraction of
    the samples; refusing says what was meant.
    """
    counts = []
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or (
                not isinstance(value, numbers.Integral)
                and (not np.isfinite(float(value)) or float(value) != int(float(value)))):
            raise ArgumentError(f"{name} must be a whole number of epochs, not {value!r}.")
        count = operator.index(value) if isinstance(value, numbers.Integral) \
            else int(float(value))
        if count < 0:
            raise ArgumentError(f"{name} must be 0 or more, not {value}.")
        counts.append(count)
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
            or not 0 <= float(validation_split) < 1:
        raise ArgumentError(f"validation_split must be a fraction from 0 up to (not "
                            f"including) 1, not {validation_split!r}.")
    return counts[0], counts[1], float(validation_split)


def check_training_arrays(model, x: np.ndarray, y: np.ndarray, x_name: str = "x",
                          y_name: str = "y") -> None:
    """The checks ``fit``, ``evaluate`` and ``Stepper`` share, on arrays already converted.

    ``x``: a non-empty 2-D array of finite numbers whose width the model accepts (the
    model is built on it if it was not); ``y``: as many samples, fitting
    :func:`check_targets`. Messages keep the engine's earlier wording where it existed.
    """
    if x.ndim != 2 or len(x) == 0:
        raise ArgumentError(f"Training needs at least one sample, as rows of a 2-D array "
                            f"({x_name} has shape {x.shape}).")
    if len(y) != len(x):
        raise ArgumentError(f"{x_name} has {len(x)} samples but {y_name} has {len(y)}.")
    check_finite(x, x_name)
    model._ensure_built(x.shape[1])
    check_targets(model, y, y_name)


def check_batch_memory(model, batch_size: int, n_samples: int) -> None:
    """Refuse batches whose activations would cost more than the size model allows.

    A batch of ``min(batch_size, n_samples)`` samples through every neuron of ``model``
    (input included) is at most :data:`nnviz.limits.MAX_BATCH_ACTIVATIONS` numbers:
    checked before the first batch allocates anything (ArgumentError otherwise).
    """
    neurons = int(model.input_dim or 0) + sum(int(layer.units) for layer in model.dense_layers)
    problem = batch_problem(batch_size, n_samples, neurons)
    if problem:
        raise ArgumentError(problem)
