"""Keras's ``metrics=["accuracy"]``: which accuracy it means, and counting correct answers.

Re-exported by :mod:`nnviz.engine.training` (where these were first defined).
"""
from __future__ import annotations

import numpy as np

__all__ = ["accuracy_kind", "count_correct", "binary_threshold"]


def accuracy_kind(loss_name: str, y_shape: tuple, pred_units: int) -> str:
    """Which accuracy Keras's ``metrics=["accuracy"]`` means for these shapes.

    As Keras decides it: ``"binary"`` when the model has one output (a threshold, see
    :func:`binary_threshold`), ``"sparse"`` when the targets are integer labels (one
    column, or one rank less), otherwise ``"categorical"`` (argmax of the target row
    equals argmax of the output). ``loss_name`` is accepted for symmetry with Keras and
    not used.
    """
    if pred_units == 1:
        return "binary"
    if len(y_shape) == 1 or y_shape[-1] == 1:
        return "sparse"
    return "categorical"


def binary_threshold(model) -> float:
    """Where a one-unit output is cut into two classes: 0.5 (Keras's ``binary_accuracy``),
    or the midpoint of the output activation's two targets (0 for tanh on ±1 targets, as
    TensorFlow Playground; see ``Activation.binary_targets``)."""
    layers = getattr(model, "layers", None) or []
    activation = getattr(layers[-1], "activation", None) if layers else None
    targets = getattr(activation, "binary_targets", None)
    return 0.5 if targets is None else (targets[0] + targets[1]) / 2


def count_correct(kind: str, y: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> float:
    """Number of correct predictions in a batch (binary: the mean over the outputs of each
    row, each output and target on the same side of ``threshold``)."""
    if kind == "categorical":
        return float(np.count_nonzero(y.argmax(-1) == y_pred.argmax(-1)))
    if kind == "sparse":
        labels = y.reshape(len(y), -1)[:, 0]
        return float(np.count_nonzero(labels == y_pred.argmax(-1)))
    y = y.reshape(y_pred.shape)
    return float(np.sum(np.mean((y_pred > threshold) == (y > threshold), axis=-1)))
