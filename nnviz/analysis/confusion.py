"""The confusion matrix of a classifier, and its accuracy per class (no Qt).

Row ``t``, column ``p`` of the matrix counts the samples of true class ``t`` that the
network puts in class ``p``: the diagonal holds the correct answers, every other cell a
confusion ("7 outer samples called inner"). The accuracy of class ``t`` is the share of
its samples answered right,

    accuracy_t = M[t, t] / sum_p M[t, p]

(what is also called the class's *recall*); the overall accuracy is ``trace(M) / sum(M)``,
the number Keras's ``accuracy`` metric reports.

A sample's class is read as the accuracy metric reads it (:func:`nnviz.engine.training.accuracy_kind`):
the largest output (and the one-hot target's 1) for several outputs, an integer label for
a one-column integer target; a one-unit output is class 1 above the threshold (0.5 for
0/1 targets, 0 for -1/+1 targets as a tanh output has), class 0 otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Confusion", "class_labels", "confusion_matrix", "per_class_accuracy",
           "confusion", "confusion_of_model"]


def _threshold(y_true: np.ndarray) -> float:
    # -1/+1 targets (a tanh output) split at 0; 0/1 targets at 0.5.
    return 0.0 if y_true.size and float(np.min(y_true)) < 0 else 0.5


def class_labels(values, threshold: float = 0.5) -> np.ndarray:
    """Integer class labels of targets or outputs ``values``.

    ``(n, k)`` with ``k > 1``: the column of the largest value (one-hot targets, softmax
    outputs). ``(n,)`` or ``(n, 1)``: whole numbers are labels as they are; anything else
    (a sigmoid's probability) is 1 above ``threshold``, else 0.
    """
    v = np.asarray(values)
    if v.ndim == 2 and v.shape[1] > 1:
        return np.argmax(v, axis=1)
    v = v.reshape(len(v))
    if v.size and np.all(np.isfinite(v)) and np.all(v == np.round(v)) and np.min(v) >= 0:
        return v.astype(np.int64)
    return (v > threshold).astype(np.int64)


def confusion_matrix(true_labels, predicted_labels, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` counts: ``M[t, p]`` samples of class ``t`` predicted ``p``.

    Labels outside ``0 .. n_classes - 1`` raise ValueError.
    """
    t = np.asarray(true_labels, dtype=np.int64).ravel()
    p = np.asarray(predicted_labels, dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} true labels but {len(p)} predicted ones.")
    k = int(n_classes)
    if t.size and (t.min() < 0 or p.min() < 0 or t.max() >= k or p.max() >= k):
        raise ValueError(f"A class label is outside 0..{k - 1}.")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def per_class_accuracy(matrix) -> np.ndarray:
    """Each class's share of its samples answered right (NaN for a class with no samples)."""
    m = np.asarray(matrix, dtype=np.float64)
    totals = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(m) / np.where(totals > 0, totals, 1), np.nan)


@dataclass(frozen=True)
class Confusion:
    """A confusion matrix with its per-class and overall accuracy (see the module's text)."""

    matrix: np.ndarray
    per_class: np.ndarray
    accuracy: float

    @property
    def samples(self) -> int:
        """The samples counted."""
        return int(self.matrix.sum())


def confusion(y_true, y_pred, n_classes: int) -> Confusion:
    """The :class:`Confusion` of outputs ``y_pred`` against targets ``y_true``."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    threshold = _threshold(y_true)
    t = class_labels(y_true, threshold)
    # An output is never read as a label: a one-unit output is split at the threshold.
    p = np.argmax(y_pred, axis=1) if y_pred.ndim == 2 and y_pred.shape[1] > 1 else \
        (y_pred.reshape(len(y_pred)) > threshold).astype(np.int64)
    matrix = confusion_matrix(t, p, n_classes)
    total = matrix.sum()
    return Confusion(matrix, per_class_accuracy(matrix),
                     float(np.trace(matrix) / total) if total else float("nan"))


def confusion_of_model(model, x, y, n_classes: int) -> Confusion:
    """The :class:`Confusion` of ``model``'s predictions on ``x`` against targets ``y``."""
    return confusion(y, model.predict(x), n_classes)
