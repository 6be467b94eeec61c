"""Loss functions: one number that says how wrong the network's outputs are.

Every loss follows Keras 3's definition and reduction exactly: a per-sample loss
(the mean over the output units, or a sum for the cross-entropies), then the mean over
the samples of the batch ("sum over batch size"). Probabilities are clipped to
``[eps, 1 - eps]`` with Keras's ``eps = 1e-7`` before a logarithm, and the
categorical cross-entropies first rescale each row to sum to 1, as Keras does.

``gradient(y_true, y_pred)`` returns ``dL/dy_pred`` for the batch loss ``L`` (so it
includes the ``1/n`` of the batch mean): the first step of back-propagation.

**The registry.** Each loss is defined once, here: its class carries the ``label`` menus
show, its formula (plain text, and HTML templates the lecture view fills in with a sample's
numbers) and its Keras emitter (:meth:`Loss.keras`). ``LOSSES`` maps names to classes; the
project file, the exporters, the lecture view and the menus take their lists from it
(:func:`names`, :func:`choices`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Loss", "get", "names", "choices", "label", "canonical", "LOSSES", "ALIASES",
           "EPSILON"]

#: Keras's fuzz factor (``keras.config.epsilon()``).
EPSILON = 1e-7


class Loss:
    """Base class. ``loss(y_true, y_pred)`` is the batch loss, a Python float."""

    name = "loss"
    #: The name menus show.
    label = "Loss"
    #: The formula as plain text, for one sample with k outputs ``p_j`` and targets ``y_j``
    #: (``k`` is only ever the count, ``j`` the index; ``ln`` the natural logarithm).
    formula = "L"
    #: The same formula in HTML, as the lecture view writes it.
    formula_html = "<i>L</i>"
    #: HTML of the term of output ``j``, with ``{y}`` its target and ``{p}`` its prediction,
    #: and how the lecture view combines the terms (``{terms}`` joined by " + ", ``{k}``
    #: outputs) to the sample's loss.
    term_html = "{y}, {p}"
    combine_html = "L({terms})"
    #: ``∂L/∂ŷ_j`` of the batch loss (the first step of back-propagation) as plain text and
    #: as an HTML template the lecture view fills in. Placeholders: ``{y}`` the target,
    #: ``{p}`` the prediction ŷ_j, ``{k}`` the number of outputs, ``{B}`` the batch size
    #: (the ÷B of the batch mean), ``{s}`` the sum of the sample's predictions.
    gradient_formula = "∂L/∂ŷ_j"
    gradient_html = "∂L/∂ŷ({y}, {p})"
    #: Output activations with which ``∂L/∂z_j`` simplifies: ``{activation name: template}``
    #: of ``∂L/∂z_j`` with the same placeholders (softmax + cross-entropy: ``(ŷ_j − y_j)/B``).
    shortcut_html: dict = {}
    #: True if the loss clips its predictions to ``[EPSILON, 1 − EPSILON]`` (the
    #: cross-entropies; for the categorical ones after rescaling the row to sum to 1):
    #: where it did, ``∂L/∂ŷ`` is 0 and the gradient formula does not apply.
    clips_predictions = False
    #: True if the targets are class labels (accuracy makes sense).
    is_classification = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A subclass that changes the maths but not its fast-path version falls back to
        # allocating instead of inheriting its parent's fast path.
        own = cls.__dict__
        if any(name in own for name in ("per_sample", "gradient", "value_and_gradient")) \
                and "value_and_gradient_into" not in own:
            cls.value_and_gradient_into = Loss.value_and_gradient_into

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

    def value_and_gradient_into(self, y_true, y_pred, work: dict) -> tuple[float, np.ndarray]:
        """:meth:`value_and_gradient` with its arrays kept in ``work`` (a dict the caller
        keeps per batch shape and passes again): the training fast path. The numbers are
        bit-identical; a loss without its own version allocates as usual."""
        return self.value_and_gradient(y_true, y_pred)

    def prepare(self, y_true, y_pred):
        """Bring the targets to the predictions' shape and dtype (as Keras does)."""
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        if y_true.ndim == y_pred.ndim - 1:
            y_true = y_true[..., None]
        return y_true, y_pred

    def __repr__(self) -> str:
        return f"<loss {self.name}>"

    def keras(self) -> str:
        """The Python expression for Keras's ``model.compile(loss=...)`` (a quoted name)."""
        return repr(self.name)


class MeanSquaredError(Loss):
    """Mean squared error: ``L = mean_j (y_j - p_j)**2`` per sample, then the batch mean.

    ``dL/dp_j = 2 (p_j - y_j) / (k n)`` for k outputs and n samples.
    """

    name = "mean_squared_error"
    formula = "L = (1/k) Σ_j (y_j − p_j)²"
    label = "Mean squared error"
    formula_html = "<i>L</i> = (1/<i>k</i>) Σ<sub>j</sub> (<i>y</i><sub>j</sub> − <i>ŷ</i><sub>j</sub>)²"
    term_html = "({y} − {p})²"
    combine_html = "({terms}) / {k}"
    gradient_formula = "∂L/∂ŷ_j = 2·(ŷ_j − y_j) / (k·B)"
    gradient_html = "2·({p} − {y}) / ({k}·{B})"

    def per_sample(self, y_true, y_pred):
        d = y_true - y_pred
        return (d * d).mean(axis=-1)

    def gradient(self, y_true, y_pred):
        n, k = y_pred.shape
        return (2.0 / (k * n)) * (y_pred - y_true)

    def value_and_gradient_into(self, y_true, y_pred, work):
        n, k = y_pred.shape
        d, g, rows = _buffers(work, y_pred, ("d", "g"), ("rows",))
        np.subtract(y_true, y_pred, out=d)
        np.multiply(d, d, out=d)
        _mean_into(d, k, rows)
        np.subtract(y_pred, y_true, out=g)
        np.multiply(2.0 / (k * n), g, out=g)
        return _mean_value(rows), g


class MeanAbsoluteError(Loss):
    """Mean absolute error: ``L = mean_j |y_j - p_j|``; ``dL/dp_j = sign(p_j - y_j) / (k n)``."""

    name = "mean_absolute_error"
    formula = "L = (1/k) Σ_j |y_j − p_j|"
    label = "Mean absolute error"
    formula_html = "<i>L</i> = (1/<i>k</i>) Σ<sub>j</sub> |<i>y</i><sub>j</sub> − <i>ŷ</i><sub>j</sub>|"
    term_html = "|{y} − {p}|"
    combine_html = "({terms}) / {k}"
    gradient_formula = "∂L/∂ŷ_j = sign(ŷ_j − y_j) / (k·B)"
    gradient_html = "sign({p} − {y}) / ({k}·{B})"

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
    formula = "L = −(1/k) Σ_j [y_j ln p_j + (1 − y_j) ln(1 − p_j)]"
    label = "Binary cross-entropy"
    formula_html = ("<i>L</i> = −(1/<i>k</i>) Σ<sub>j</sub> [<i>y</i><sub>j</sub> · ln <i>ŷ</i><sub>j</sub> + "
                    "(1 − <i>y</i><sub>j</sub>) · ln(1 − <i>ŷ</i><sub>j</sub>)]")
    term_html = "[{y}·ln {p} + (1 − {y})·ln(1 − {p})]"
    combine_html = "−({terms}) / {k}"
    gradient_formula = "∂L/∂ŷ_j = (ŷ_j − y_j) / (ŷ_j·(1 − ŷ_j)·k·B)"
    gradient_html = "({p} − {y}) / ({p}·(1 − {p})·{k}·{B})"
    #: Sigmoid's f′(z) = ŷ(1 − ŷ) cancels the denominator.
    shortcut_html = {"sigmoid": "({p} − {y}) / ({k}·{B})"}
    clips_predictions = True
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
    formula = "L = −Σ_j y_j ln p_j"
    label = "Categorical cross-entropy"
    formula_html = "<i>L</i> = −Σ<sub>j</sub> <i>y</i><sub>j</sub> · ln <i>ŷ</i><sub>j</sub>"
    term_html = "{y}·ln {p}"
    combine_html = "−({terms})"
    #: Keras first rescales ŷ to sum to 1 (s = Σ_k ŷ_k): that adds the 1/s term (for one-hot
    #: targets; s is 1 after a softmax).
    gradient_formula = "∂L/∂ŷ_j = (1/Σ_k ŷ_k − y_j/ŷ_j) / B"
    gradient_html = "(1/{s} − {y}/{p}) / {B}"
    #: Softmax's Jacobian and the logarithm cancel: ∂L/∂z_j = (ŷ_j − y_j) / B.
    shortcut_html = {"softmax": "({p} − {y}) / {B}"}
    clips_predictions = True
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

    def value_and_gradient_into(self, y_true, y_pred, work):
        n = y_pred.shape[0]
        r, q, t, g, outside = _buffers(work, y_pred, ("r", "q", "t", "g"), (), ("outside",))
        s = np.add.reduce(y_pred, axis=-1, keepdims=True)
        np.divide(y_pred, s, out=r)
        np.maximum(r, EPSILON, out=q)  # np.clip, without its Python wrappers
        np.minimum(q, 1 - EPSILON, out=q)
        np.log(q, out=t)
        np.multiply(y_true, t, out=t)
        np.negative(t, out=t)
        value = _mean_value(np.add.reduce(t, axis=-1))
        # Clipped exactly where r is outside [eps, 1 - eps] (or NaN): there q != r.
        np.not_equal(q, r, out=outside)
        np.negative(y_true, out=t)
        np.divide(t, q, out=t)
        np.copyto(t, 0.0, where=outside)
        np.divide(t, n, out=t)
        np.multiply(t, r, out=g)
        np.subtract(t, np.add.reduce(g, axis=-1, keepdims=True), out=g)
        return value, np.divide(g, s, out=g)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class labels instead of one-hot rows.

    ``L = -log q_c`` for the true class ``c``; otherwise exactly
    :class:`CategoricalCrossentropy`.
    """

    name = "sparse_categorical_crossentropy"
    formula = "L = −ln p_c  (c = the true class)"
    label = "Sparse categorical cross-entropy"
    formula_html = "<i>L</i> = −ln <i>ŷ</i><sub>c</sub> (<i>c</i> = the true class)"

    def prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = np.asarray(y_true)
        if labels.ndim == y_pred.ndim:
            labels = labels[..., 0]
        labels = labels.astype(np.int64)
        one_hot = np.zeros_like(y_pred)
        one_hot[np.arange(len(labels)), labels] = 1
        return one_hot, y_pred


def _buffers(work: dict, like: np.ndarray, full=(), rows=(), flags=()) -> list:
    """Arrays kept in ``work`` for the fast path: ``full`` of ``like``'s shape and dtype,
    ``rows`` one value per sample, ``flags`` booleans of ``like``'s shape."""
    out = work.get(like.shape)
    if out is None or out[0].dtype != like.dtype:
        n = like.shape[0]
        out = ([np.empty_like(like) for _ in full] + [np.empty(n, like.dtype) for _ in rows]
               + [np.empty(like.shape, bool) for _ in flags])
        work[like.shape] = out
    return out


def _mean_into(values: np.ndarray, k: int, out: np.ndarray) -> np.ndarray:
    """``values.mean(axis=-1)`` into ``out``, exactly as NumPy computes it."""
    np.add.reduce(values, axis=-1, out=out)
    return np.true_divide(out, np.intp(k), out=out, casting="unsafe")


def _mean_value(values: np.ndarray) -> float:
    """``float(values.mean())`` of a 1-D array, exactly as NumPy computes it."""
    total = np.add.reduce(values)
    return float(total.dtype.type(total / np.intp(len(values))))


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
#: Keras's short names for the losses.
ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def names() -> list[str]:
    """The loss names nnviz knows, in the order menus show them."""
    return list(LOSSES)


def choices() -> list[tuple[str, str]]:
    """``[(name, label), ...]`` for a menu, in menu order."""
    return [(cls.name, cls.label) for cls in LOSSES.values()]


def label(name: str) -> str:
    """The menu label of loss ``name`` (an alias such as ``"mse"`` works too)."""
    return LOSSES[canonical(name)].label


def canonical(name: str) -> str:
    """The full name for ``name`` (``"mse"`` -> ``"mean_squared_error"``); ValueError if unknown."""
    key = str(name).lower()
    key = ALIASES.get(key, key)
    if key not in LOSSES:
        raise ValueError(
            f"Unknown loss {name!r}; choose one of: mse, mae, {', '.join(LOSSES)}."
        )
    return key


def get(identifier: str | Loss) -> Loss:
    """Return the loss for a Keras name (``"mse"``, ``"categorical_crossentropy"``) or instance."""
    if isinstance(identifier, Loss):
        return identifier
    return LOSSES[canonical(identifier)]()


def mean_squared_error(y_true, y_pred):
    """Per-sample MSE, as ``keras.losses.mean_squared_error``."""
    loss = MeanSquaredError()
    return loss.per_sample(*loss.prepare(y_true, y_pred))


mse = mean_squared_error


def categorical_crossentropy(y_true, y_pred):
    """Per-sample categorical cross-entropy, as ``keras.losses.categorical_crossentropy``."""
    loss = CategoricalCrossentropy()
    return loss.per_sample(*loss.prepare(y_true, y_pred))
