"""Two classes on one output unit: the targets the output asks for.

A two-class data set holds one-hot targets (two columns, for a two-unit softmax output).
A one-unit output whose activation has two targets (``Activation.binary_targets``: sigmoid
0/1 for binary cross-entropy, as Keras's standard binary model; tanh −1/+1 for MSE, as
TensorFlow Playground) trains on the same data set: the target of each sample is the
activation's value for its class. Nothing is stored: the run converts as it starts.
"""
from __future__ import annotations

import numpy as np

from nnviz.engine import activations as _activations
from nnviz.engine import losses as _losses

__all__ = ["binary_targets", "class_targets", "one_unit_fits", "targets_for", "loss_problem"]


def binary_targets(activation: str) -> tuple[float, float] | None:
    """The (class 0, class 1) targets of a one-unit output of ``activation``, or None."""
    return _activations.get(activation).binary_targets


def class_targets(activation: str, loss: str | None = None) -> tuple[float, float] | None:
    """The (class 0, class 1) values a one-unit output of ``activation`` is trained toward
    under ``loss``: the activation's own (0/1 sigmoid, −1/+1 tanh), or 0/1 under a
    cross-entropy loss (it takes probabilities); None for an activation without two."""
    targets = binary_targets(activation)
    if targets is not None and loss is not None and _losses.get(loss).is_classification:
        return (0.0, 1.0)
    return targets


def one_unit_fits(units: int, activation: str, n_targets: int | None) -> bool:
    """Whether an output of ``units`` with ``activation`` trains on two one-hot classes as a
    single unit (``n_targets == 2``, one unit, sigmoid or tanh)."""
    return units == 1 and n_targets == 2 and binary_targets(activation) is not None


def targets_for(y: np.ndarray | None, units: int, activation: str,
                loss: str | None = None) -> np.ndarray | None:
    """``y`` as the output asks for it: unchanged, or for a one-unit binary output on
    one-hot two-class rows, one column of the activation's targets (0/1, or −1/+1). A
    cross-entropy ``loss`` takes probabilities: 0/1 whatever the activation."""
    if y is None or y.ndim != 2 or not one_unit_fits(units, activation, y.shape[1]):
        return y
    targets = class_targets(activation, loss)
    assert targets is not None  # one_unit_fits() said the activation has them
    low, high = targets
    return np.where(y[:, 1:2] > 0.5, high, low).astype(y.dtype)


def loss_problem(units: int, activation: str, loss: str) -> str:
    """Why ``loss`` cannot train a one-unit output ("" if it can): the categorical
    cross-entropies rescale the row of outputs to sum to 1, which for one unit is always 1,
    so the loss is 0 whatever the network does (Keras trains nothing, silently)."""
    if units != 1 or not isinstance(_losses.get(loss), _losses.CategoricalCrossentropy):
        return ""
    better = "binary cross-entropy" if binary_targets(activation) != (-1.0, 1.0) \
        else "mean squared error"
    return (f"{_losses.label(loss)} on a 1-unit output is always 0 (the one output, rescaled "
            f"to sum to 1, is 1), so nothing would be learned; use {better}, or give the "
            "output a unit per class with softmax.")
