"""``Sequential``: a stack of layers with Keras's API and Keras's numbers.

The lecture's code runs here with ``keras`` replaced by ``nnviz``::

    from nnviz.engine.models import Sequential
    from nnviz.engine.layers import Dense
    model = Sequential([Dense(units=3, input_shape=(2,), activation="relu"),
                        Dense(units=2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=4)

A forward pass feeds each layer's output to the next: ``a_0 = x``,
``z_l = a_{l-1} @ W_l + b_l``, ``a_l = f_l(z_l)``; the last ``a`` is the prediction.
Weights are float64 unless ``dtype="float32"`` is asked for.
"""

from __future__ import annotations

import sys

import numpy as np

from nnviz.engine import losses as _losses
from nnviz.engine import optimizers as _optimizers
from nnviz.engine import saving as _saving
from nnviz.engine.accuracy import accuracy_kind, binary_threshold, count_correct
from nnviz.engine.checks import check_batch_size, check_fit_arguments, check_training_arrays
from nnviz.engine.layers import Dense, InputLayer, Layer
from nnviz.engine.training import History, Stepper

__all__ = ["Sequential", "load_model"]


class Sequential:
    """A chain of layers: the output of each is the input of the next (``keras.Sequential``)."""

    def __init__(self, layers=None, name: str | None = None, dtype="float64"):
        self.name = name or "sequential"
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, not {dtype}.")
        self.layers: list[Layer] = []
        self._input_dim: int | None = None
        self.loss = None
        self.optimizer = None
        self.metrics: list[str] = []
        #: The feature crosses its last inputs are (:mod:`nnviz.data.features`; a project's
        #: model has its data set's): the exports name them.
        self.input_features: tuple[str, ...] = ()
        for layer in layers or []:
            self.add(layer)

    # --- building --------------------------------------------------------------------
    def add(self, layer) -> None:
        """Append a layer (or an ``Input``, which only fixes the input size)."""
        if isinstance(layer, InputLayer):
            if self.layers:
                raise ValueError("Input(...) must come first in a Sequential model.")
            self._input_dim = layer.shape[0]
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential takes nnviz layers, not {type(layer).__name__}.")
        if not self.layers and self._input_dim is None and layer.input_shape is not None:
            self._input_dim = int(np.prod(layer.input_shape))
        self.layers.append(layer)
        if self._input_dim is not None:
            self._build_from(len(self.layers) - 1)

    def _build_from(self, start: int) -> None:
        dim = self._input_dim if start == 0 else self.layers[start - 1].output_dim
        assert dim is not None  # called once the input size is known
        for layer in self.layers[start:]:
            if not layer.built:
                layer.build(dim, self.dtype)
            dim = layer.output_dim

    def build(self, input_shape) -> None:
        """Create the weights for samples of ``input_shape`` (``(features,)`` or ``(None, features)``)."""
        shape = tuple(input_shape)
        self._input_dim = int(shape[-1])
        self._build_from(0)

    def _ensure_built(self, input_dim: int) -> None:
        if self._input_dim is None:
            self.build((input_dim,))
        elif input_dim != self._input_dim:
            raise ValueError(
                f"The model expects {self._input_dim} input values per sample, "
                f"but the data has {input_dim}.")

    @property
    def built(self) -> bool:
        """True once the weights exist."""
        return bool(self.layers) and all(layer.built for layer in self.layers)

    @property
    def input_dim(self) -> int | None:
        """Number of input values per sample."""
        return self._input_dim

    @property
    def output_dim(self) -> int:
        """Number of outputs per sample."""
        return self.layers[-1].output_dim

    @property
    def dense_layers(self) -> list[Dense]:
        """The Dense layers, in order (what the canvas draws as weighted connections)."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def _variables(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.weights]

    # --- compile -----------------------------------------------------------------------
    def compile(self, optimizer: str | _optimizers.Optimizer = "rmsprop", loss=None,
                metrics=None) -> None:
        """Choose the optimizer and the loss (Keras names or objects) and the metrics."""
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='mse'.")
        self.optimizer = _optimizers.get(optimizer)
        self.loss = _losses.get(loss)
        self.metrics = [str(m) for m in (metrics or [])]
        for m in self.metrics:
            if m.lower() not in ("accuracy", "acc"):
                raise ValueError(f"Unknown metric {m!r}: nnviz computes 'accuracy'.")

    @property
    def wants_accuracy(self) -> bool:
        """True if ``metrics=["accuracy"]`` was compiled."""
        return any(m.lower() in ("accuracy", "acc") for m in self.metrics)

    @property
    def metrics_names(self) -> list[str]:
        """``["loss"]`` plus ``"accuracy"`` when compiled with it."""
        return ["loss"] + (["accuracy"] if self.wants_accuracy else [])

    # --- weights -----------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights in Keras's order: per Dense layer its kernel ``(in, units)``, then its bias."""
        return [w.copy() for w in self._variables()]

    def set_weights(self, weights) -> None:
        """Replace the weights (same order and shapes as :meth:`get_weights`)."""
        variables = self._variables()
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(f"The model has {len(variables)} weight arrays, got {len(weights)}.")
        for i, (v, w) in enumerate(zip(variables, weights)):
            w = np.asarray(w)
            if w.shape != v.shape:
                raise ValueError(f"Weight array {i} must have shape {v.shape}, not {w.shape}.")
        for v, w in zip(variables, weights):
            v[...] = w

    @property
    def regularized(self) -> bool:
        """True if any layer has a kernel or bias regularizer."""
        return any(r is not None for layer in self.layers for r in layer.regularizers)

    def regularization_loss(self) -> float:
        """The sum of every layer's penalty on the current weights (Keras's ``sum(model.losses)``)."""
        return float(sum(layer.penalty() for layer in self.layers))

    def count_params(self) -> int:
        """Number of trainable numbers in the model."""
        return sum(layer.count_params() for layer in self.layers)

    # --- inference ---------------------------------------------------------------------
    def _as_input(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1:
            x = x[None, :]
        self._ensure_built(x.shape[1])
        return x

    def predict(self, x, batch_size=None, verbose=0) -> np.ndarray:
        """The network's outputs for the samples ``x`` (one forward pass, recording nothing)."""
        a = self._as_input(x)
        with np.errstate(over="ignore", invalid="ignore"):  # diverged weights give inf/NaN, as in Keras
            for layer in self.layers:
                a = layer._fwd(a)[1]
        return a

    __call__ = predict

    def forward_trace(self, x):
        """Weighted sums ``z`` and activations ``a`` of every layer for ``x`` (for display)."""
        a = self._as_input(x)
        zs, acts = [], []
        for layer in self.layers:
            z, a = layer._fwd(a)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def evaluate(self, x, y, batch_size=32, verbose=0, return_dict=False):
        """Loss (and accuracy) on ``(x, y)``, the mean over all samples as Keras reports it."""
        if self.loss is None:
            raise ValueError("Compile the model before evaluating it.")
        x = self._as_input(x)
        y = np.asarray(y, dtype=self.dtype)
        check_training_arrays(self, x, y)
        batch_size = check_batch_size(32 if batch_size is None else batch_size)
        kind = accuracy_kind(self.loss.name, y.shape, self.output_dim) if self.wants_accuracy else None
        total = correct = 0.0
        for lo in range(0, len(x), batch_size):
            xb, yb = x[lo:lo + batch_size], y[lo:lo + batch_size]
            pred = self.predict(xb)
            yt, _ = self.loss.prepare(yb, pred)
            with np.errstate(over="ignore", invalid="ignore"):
                total += float(np.mean(self.loss.per_sample(yt, pred))) * len(xb)
            if kind:
                correct += count_correct(kind, yb, pred, binary_threshold(self))
        # Keras adds the weights' penalties to every batch's loss: here to their mean.
        result = {"loss": total / len(x) + self.regularization_loss()}
        if kind:
            result["accuracy"] = correct / len(x)
        if return_dict:
            return result
        return result["loss"] if len(result) == 1 else list(result.values())

    # --- training ----------------------------------------------------------------------
    def fit(self, x, y, batch_size=None, epochs=1, verbose="auto", validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, seed=None) -> History:
        """Train for ``epochs`` passes over ``(x, y)`` with the compiled optimizer and loss.

        As in Keras: ``batch_size`` defaults to 32, ``validation_split`` takes the last
        fraction of the samples (before any shuffling) for validation, and the returned
        object's ``.history`` holds the per-epoch ``loss``, ``accuracy``, ``val_loss``
        and ``val_accuracy``. The loss of an epoch is the mean of its batches' losses
        (weighted by batch size), each measured before that batch's update.
        """
        if self.loss is None:
            raise ValueError("Compile the model (model.compile(optimizer, loss)) before fit().")
        epochs, initial_epoch, validation_split = check_fit_arguments(
            epochs, initial_epoch, validation_split)
        x = np.asarray(x, dtype=self.dtype)
        y = np.asarray(y, dtype=self.dtype)
        x_val = y_val = None
        if validation_data is not None:
            x_val, y_val = validation_data[0], validation_data[1]
        elif validation_split:
            split_at = int(np.floor(len(x) * (1.0 - validation_split)))
            if split_at in (0, len(x)):
                raise ValueError(f"validation_split={validation_split} leaves no samples on one side.")
            x, x_val, y, y_val = x[:split_at], x[split_at:], y[:split_at], y[split_at:]
        # None means Keras's default; 0 is refused by the Stepper's checks, not replaced.
        batch_size = 32 if batch_size is None else batch_size
        stepper = Stepper(self, x, y, batch_size=batch_size, shuffle=shuffle,
                          seed=0 if seed is None else seed, x_val=x_val, y_val=y_val,
                          snapshot_every_epoch=False, stop_on_divergence=False)
        epochs_to_run = max(0, int(epochs) - int(initial_epoch))
        show = verbose not in (0, False)
        for e in range(epochs_to_run):
            stepper.run(max_epochs=1)
            if show:
                parts = [f"{k}: {v:.4f}" for k, v in stepper.history.last_epoch().items()]
                print(f"Epoch {initial_epoch + e + 1}/{epochs} - " + " - ".join(parts),
                      file=sys.stdout)
        return stepper.history

    # --- description -------------------------------------------------------------------
    def summary(self, print_fn=print) -> None:
        """Print a table of the layers, their output shapes and parameter counts (as Keras)."""
        rows = [("Layer (type)", "Output Shape", "Param #")]
        for layer in self.layers:
            kind = type(layer).__name__
            out = f"(None, {layer.output_dim if layer.built else '?'})"
            rows.append((f"{layer.name} ({kind})", out, str(layer.count_params())))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        line = "─" * sum(widths)
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        for j, r in enumerate(rows):
            print_fn("".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
            print_fn(line if j == 0 else "")
        total = self.count_params()
        print_fn(f" Total params: {total}")
        print_fn(f" Trainable params: {total}")
        print_fn(" Non-trainable params: 0")

    def get_config(self) -> dict:
        """The architecture as plain data (names, units, activations)."""
        return {"name": self.name, "input_dim": self._input_dim, "dtype": self.dtype.name,
                "layers": [dict(layer.get_config(), type=type(layer).__name__)
                           for layer in self.layers]}

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"

    # --- files (the formats live in their own modules, reached through nnviz.engine.saving) ----
    def save(self, path) -> None:
        """Save architecture, weights and training settings as a ``.nnviz`` project file."""
        _saving.call("save_model", self, path)

    def save_weights(self, path) -> None:
        """Write the weights; the suffix picks the format (:mod:`nnviz.files.export_formats`)."""
        _saving.call("save_weights", self, path)

    def load_weights(self, path) -> None:
        """Read weights written by :meth:`save_weights` (or by Keras, for ``.weights.h5``)."""
        _saving.call("load_weights", self, path)

    def export(self, path, format="onnx") -> None:  # noqa: A002 - Keras's argument name
        """Export the model for another runtime; ``format="onnx"`` writes an ONNX graph."""
        if format != "onnx":
            raise ValueError(f"Unknown export format {format!r}; nnviz exports 'onnx'.")
        _saving.call("export_onnx", self, path)


def load_model(path) -> Sequential:
    """Load a model saved with :meth:`Sequential.save` (a ``.nnviz`` project file)."""
    return _saving.call("load_model", path)
