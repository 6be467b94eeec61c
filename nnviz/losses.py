"""Loss functions: one number that says how wrong the network's outputs are.

Every loss follows Keras 3's definition and reduction exactly: a per-sample loss
(the mean over the output units, or a sum for the cross-entropies), then the mean over
the samples of the batch ("sum over batch size"). Probabilities are clipped to
``[eps, 1 - eps]`` with Keras's ``eps = 1e-7`` before a logarithm, and the
categorical cross-entropies first rescale each row to sum to 1, as Keras does.

``gradient(y_true, y_pred)`` returns ``dL/dy_pred`` for the batch loss ``L`` (so it
includes the ``1/n`` of the batch mean): the first step of back-propagation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Loss", "get", "names", "LOSSES", "EPSILON"]

#: Keras's fuzz factor (``keras.config.epsilon()``).
EPSILON = 1e-7


class Loss:
    """Base class. ``loss(y_true, y_pred)`` is the batch loss, a Python float."""

    name = "loss"
    #: The formula the lecture view shows, for one sample with k outputs.
    formula = "L"
    #: True if the targets are class labels (accuracy makes sense).
    is_classification = False

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """The loss of each sample, shape ``(n,)``."""
        raise NotImplementedError

    def __call__(self, y_true, y_pred) -> float:
        y_true, y_pred = self.prepare(y_true, y_pred)
        return float(np.mean(self.per_sample(y_true, y_pred)))

    def gradient(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``dL/dy_pred`` of the batch loss, same shape as ``y_pred``."""
        raise NotImplementedError

    def value_and_gradient(self, y_true, y_pred) -> tuple[float, np.ndarray]:
        """The batch loss and ``dL/dy_pred`` together (training needs both; some losses
        share work between them). ``y_true`` must come from :meth:`prepare`."""
        return float(self.per_sample(y_true, y_pred).mean()), self.gradient(y_true, y_pred)

    def prepare(self, y_true, y_pred):
        """Bring the targets to the predictions' shape and dtype (as Keras does)."""
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        if y_true.ndim == y_pred.ndim - 1:
            y_true = y_true[..., None]
        return y_true, y_pred

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    """Mean squared error: ``L = mean_j (y_j - p_j)**2`` per sample, then the batch mean.

    ``dL/dp_j = 2 (p_j - y_j) / (k n)`` for k outputs and n samples.
    """

    name = "mean_squared_error"
    formula = "L = (1/k) Σ_j (y_j − p_j)²"

    def per_sample(self, y_true, y_pred):
        d = y_true - y_pred
        return (d * d).mean(axis=-1)

    def gradient(self, y_true, y_pred):
        n, k = y_pred.shape
        return (2.0 / (k * n)) * (y_pred - y_true)


class MeanAbsoluteError(Loss):
    """Mean absolute error: ``L = mean_j |y_j - p_j|``; ``dL/dp_j = sign(p_j - y_j) / (k n)``."""

    name = "mean_absolute_error"
    formula = "L = (1/k) Σ_j |y_j − p_j|"

    def per_sample(self, y_true, y_pred):
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    def gradient(self, y_true, y_pred):
        n, k = y_pred.shape
        return np.sign(y_pred - y_true) / (k * n)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy: ``L = -mean_j [y_j log p_j + (1 - y_j) log(1 - p_j)]``.

    ``p`` is clipped to ``[eps, 1 - eps]`` first; where it was clipped the gradient is 0,
    elsewhere ``dL/dp_j = (p_j - y_j) / (p_j (1 - p_j) k n)``.
    """

    name = "binary_crossentropy"
    formula = "L = −(1/k) Σ_j [y_j log p_j + (1 − y_j) log(1 − p_j)]"
    is_classification = True

    def per_sample(self, y_true, y_pred):
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log1p(-p), axis=-1)

    def gradient(self, y_true, y_pred):
        n, k = y_pred.shape
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        inside = (y_pred >= EPSILON) & (y_pred <= 1 - EPSILON)
        return np.where(inside, (p - y_true) / (p * (1 - p)), 0.0) / (k * n)


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy: ``L = -sum_j y_j log q_j`` with one-hot targets ``y``.

    As in Keras, each row of ``p`` is first rescaled to sum to 1 (``s = sum_j p_j``,
    ``r_j = p_j / s``) and clipped (``q = clip(r, eps, 1 - eps)``). By the chain rule,
    ``dL/dr_j = -y_j / (q_j n)`` where ``r_j`` was not clipped (0 where it was), and
    ``dL/dp_j = (dL/dr_j - sum_i dL/dr_i r_i) / s``.
    """

    name = "categorical_crossentropy"
    formula = "L = −Σ_j y_j log p_j"
    is_classification = True

    def _normalised(self, y_pred):
        s = y_pred.sum(axis=-1, keepdims=True)
        return y_pred / s, s

    def per_sample(self, y_true, y_pred):
        r, _ = self._normalised(y_pred)
        return -(y_true * np.log(np.clip(r, EPSILON, 1 - EPSILON))).sum(axis=-1)

    def gradient(self, y_true, y_pred):
        return self.value_and_gradient(y_true, y_pred)[1]

    def value_and_gradient(self, y_true, y_pred):
        n = y_pred.shape[0]
        r, s = self._normalised(y_pred)
        q = np.clip(r, EPSILON, 1 - EPSILON)
        value = float(-(y_true * np.log(q)).sum(axis=-1).mean())
        inside = (r >= EPSILON) & (r <= 1 - EPSILON)
        d_r = np.where(inside, -y_true / q, 0.0) / n
        return value, (d_r - (d_r * r).sum(axis=-1, keepdims=True)) / s


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class labels instead of one-hot rows.

    ``L = -log q_c`` for the true class ``c``; otherwise exactly
    :class:`CategoricalCrossentropy`.
    """

    name = "sparse_categorical_crossentropy"
    formula = "L = −log p_c  (c = the true class)"

    def prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = np.asarray(y_true)
        if labels.ndim == y_pred.ndim:
            labels = labels[..., 0]
        labels = labels.astype(np.int64)
        one_hot = np.zeros_like(y_pred)
        one_hot[np.arange(len(labels)), labels] = 1
        return one_hot, y_pred


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
    )
}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def names() -> list[str]:
    """The loss names nnviz knows, in the order menus show them."""
    return list(LOSSES)


def get(identifier: str | Loss) -> Loss:
    """Return the loss for a Keras name (``"mse"``, ``"categorical_crossentropy"``) or instance."""
    if isinstance(identifier, Loss):
        return identifier
    key = _ALIASES.get(str(identifier).lower(), str(identifier).lower())
    if key not in LOSSES:
        raise ValueError(
            f"Unknown loss {identifier!r}; choose one of: mse, mae, {', '.join(LOSSES)}."
        )
    return LOSSES[key]()


def mean_squared_error(y_true, y_pred):
    """Per-sample MSE, as ``keras.losses.mean_squared_error``."""
    loss = MeanSquaredError()
    return loss.per_sample(*loss.prepare(y_true, y_pred))


mse = mean_squared_error


def categorical_crossentropy(y_true, y_pred):
    """Per-sample categorical cross-entropy, as ``keras.losses.categorical_crossentropy``."""
    loss = CategoricalCrossentropy()
    return loss.per_sample(*loss.prepare(y_true, y_pred))
