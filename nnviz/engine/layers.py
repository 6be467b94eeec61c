"""Layers: columns of neurons, and what they compute.

A :class:`Dense` ("fully connected") layer of ``units`` neurons connects every input to
every neuron. For a batch ``x`` of shape ``(n, inputs)`` it computes the weighted sums
``z = x @ W + b`` (``W`` the kernel of shape ``(inputs, units)``, ``b`` the bias of shape
``(units,)``) and then the activations ``a = f(z)``. In the lecture's words:
``node output = activation(weighted sum of inputs)``.

Back-propagation through the layer, given ``dL/da`` for its outputs:
``dL/dz = f'(z) * dL/da``, ``dL/dW = x.T @ dL/dz``, ``dL/db = sum over the batch of dL/dz``
and ``dL/dx = dL/dz @ W.T`` (handed to the layer before).
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np

from nnviz.engine import activations as _activations
from nnviz.engine import initializers as _initializers
from nnviz.engine import regularizers as _regularizers

__all__ = ["Layer", "Dense", "Activation", "Input", "InputLayer"]

_name_counters: dict[str, itertools.count] = defaultdict(itertools.count)


def _auto_name(base: str) -> str:
    """Keras-style unique names: ``dense``, ``dense_1``, ``dense_2``, ..."""
    i = next(_name_counters[base])
    return base if i == 0 else f"{base}_{i}"


def reset_names() -> None:
    """Start layer names from ``dense`` again (``keras.backend.clear_session``)."""
    _name_counters.clear()


class Layer:
    """Base class of the layers a :class:`~nnviz.engine.models.Sequential` stacks."""

    _base_name = "layer"

    def __init__(self, name: str | None = None, input_shape=None):
        self.name = name or _auto_name(self._base_name)
        self.input_shape = tuple(input_shape) if input_shape is not None else None
        self.input_dim: int | None = None
        self.built = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A subclass that changes the maths but not its fast-path version falls back.
        own = cls.__dict__
        if "_fwd" in own and "_fwd_into" not in own:
            cls._fwd_into = Layer._fwd_into
        if "_bwd" in own and "_bwd_into" not in own:
            cls._bwd_into = Layer._bwd_into

    @property
    def weights(self) -> list[np.ndarray]:
        """The layer's trainable arrays (the model updates these in place)."""
        return []

    def build(self, input_dim: int, dtype) -> None:
        """Create the weights for ``input_dim`` inputs."""
        self.input_dim = int(input_dim)
        self.built = True

    @property
    def output_dim(self) -> int:
        """Number of values the layer outputs per sample."""
        raise NotImplementedError

    def _fwd(self, x):
        """``(z, a)`` of the inputs ``x``: each layer's own maths."""
        raise NotImplementedError

    def _bwd(self, x, z, a, dA, need_dx: bool):
        """``(dL/dz, [dL/dW, dL/db], dL/dx or None)``: each layer's own maths."""
        raise NotImplementedError

    def get_config(self) -> dict:
        """The layer's settings, as Keras names them."""
        raise NotImplementedError

    def count_params(self) -> int:
        """Number of trainable numbers in the layer."""
        return int(sum(w.size for w in self.weights))

    @property
    def regularizers(self) -> list:
        """The regularizer of each array of :attr:`weights` (None where it has none)."""
        return [None] * len(self.weights)

    def penalty(self) -> float:
        """The layer's regularization penalty on its current weights (0.0 without any)."""
        return float(sum(r(w) for r, w in zip(self.regularizers, self.weights) if r is not None))

    def add_penalty_gradients(self, grads) -> None:
        """Add the penalties' gradients to ``grads`` (the arrays of :attr:`weights`), in place."""
        for r, w, g in zip(self.regularizers, self.weights, grads):
            if r is not None:
                r.add_gradient(w, g)

    # The training fast path (see ``Stepper``): the same maths as ``_fwd``/``_bwd``, into
    # buffers the caller owns and reuses batch after batch. A layer without its own
    # version allocates as usual; its gradients are copied into the given arrays.
    def _fwd_into(self, x, buf):
        """``_fwd(x)`` with the results in ``buf`` (a :class:`LayerBuffers`) when possible."""
        return self._fwd(x)

    def _bwd_into(self, x, z, a, dA, need_dx: bool, buf, grads):
        """``_bwd`` writing ``dL/dW, dL/db`` into the arrays ``grads``; returns ``dL/dx``."""
        _dz, new, dX = self._bwd(x, z, a, dA, need_dx)
        for out, g in zip(grads, new):
            out[...] = g
        return dX


class LayerBuffers:
    """Scratch arrays of one layer for one batch size, reused by the training fast path."""

    __slots__ = ("z", "a", "dz", "dx", "work")

    def __init__(self, n: int, inputs: int, units: int, dtype):
        self.z = np.empty((n, units), dtype)
        self.a = np.empty((n, units), dtype)
        self.dz = np.empty((n, units), dtype)
        self.dx = np.empty((n, inputs), dtype)
        self.work = np.empty((n, units), dtype)


class Dense(Layer):
    """A fully connected layer: ``z = x @ kernel + bias``, ``a = activation(z)``.

    Arguments follow ``keras.layers.Dense``: ``units``, ``activation`` (a name or
    ``None`` for linear), ``use_bias``, ``kernel_initializer`` (default
    ``"glorot_uniform"``), ``bias_initializer`` (default ``"zeros"``),
    ``kernel_regularizer`` and ``bias_regularizer`` (None, ``"l1"``, ``"l2"``,
    ``"l1_l2"`` or a :mod:`nnviz.engine.regularizers` object), ``input_shape`` (on the first
    layer), ``name``; ``seed`` makes this layer's initial weights reproducible on its own.
    """

    _base_name = "dense"

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 input_shape=None, name: str | None = None, seed: int | None = None,
                 input_dim: int | None = None, kernel_regularizer=None,
                 bias_regularizer=None):
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units must be a positive whole number, not {units!r}.")
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        super().__init__(name, input_shape)
        self.units = int(units)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer, seed)
        self.bias_initializer = _initializers.get(
            bias_initializer, None if seed is None else seed + 1)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel: np.ndarray | None = None
        self.bias: np.ndarray | None = None

    @property
    def activation_name(self) -> str:
        """The activation's Keras name, e.g. ``"relu"``."""
        return self.activation.name

    @property
    def output_dim(self) -> int:
        return self.units

    @property
    def weights(self):
        if not self.built:
            return []
        return [self.kernel, self.bias] if self.use_bias else [self.kernel]

    @property
    def regularizers(self):
        if not self.built:
            return []
        return [self.kernel_regularizer, self.bias_regularizer][:len(self.weights)]

    def build(self, input_dim, dtype):
        super().build(input_dim, dtype)
        self.kernel = self.kernel_initializer((self.input_dim, self.units), dtype)
        if self.use_bias:
            self.bias = self.bias_initializer((self.units,), dtype)

    def _fwd(self, x):
        """``z = x @ W + b``, ``a = f(z)``: the maths of the forward pass, nothing else."""
        z = x @ self.kernel
        if self.use_bias:
            z += self.bias
        return z, self.activation.forward(z)

    def _bwd(self, x, z, a, dA, need_dx: bool):
        """Back-propagate ``dL/da``: returns ``dL/dz, [dL/dW, dL/db], dL/dx`` (or ``None``)."""
        dZ = self.activation.backward(z, a, dA)
        grads = [x.T @ dZ]
        if self.use_bias:
            grads.append(dZ.sum(axis=0))
        assert self.kernel is not None  # built before it trains
        dX = dZ @ self.kernel.T if need_dx else None
        return dZ, grads, dX

    # np.dot: the same BLAS product as ``@`` (bit for bit), at half the call overhead on
    # the lecture's tiny matrices.
    def _fwd_into(self, x, buf):
        assert self.kernel is not None  # built before it trains
        z = np.dot(x, self.kernel, out=buf.z)
        if self.bias is not None:  # use_bias
            np.add(z, self.bias, out=z)
        return z, self.activation.forward_into(z, buf.a)

    def _bwd_into(self, x, z, a, dA, need_dx, buf, grads):
        dZ = self.activation.backward_into(z, a, dA, buf.dz, buf.work)
        assert self.kernel is not None  # built before it trains
        np.dot(x.T, dZ, out=grads[0])
        if self.use_bias:
            np.add.reduce(dZ, axis=0, out=grads[1])
        return np.dot(dZ, self.kernel.T, out=buf.dx) if need_dx else None

    def get_config(self) -> dict:
        """The layer's settings, as Keras names them."""
        config = {"name": self.name, "units": self.units, "activation": self.activation_name,
                  "use_bias": self.use_bias}
        for key in ("kernel_regularizer", "bias_regularizer"):
            reg = getattr(self, key)
            if reg is not None:
                config[key] = {"class_name": reg.keras_class, "config": reg.get_config()}
        return config

    def __repr__(self) -> str:
        return f"Dense(units={self.units}, activation={self.activation_name!r}, name={self.name!r})"


class Activation(Layer):
    """A layer that only applies an activation: ``a = f(z)`` with ``z`` its input."""

    _base_name = "activation"

    def __init__(self, activation, name: str | None = None, input_shape=None):
        super().__init__(name, input_shape)
        self.activation = _activations.get(activation)

    @property
    def activation_name(self) -> str:
        """The activation's Keras name."""
        return self.activation.name

    @property
    def output_dim(self) -> int:
        assert self.input_dim is not None  # known once built
        return self.input_dim

    def _fwd(self, x):
        return x, self.activation.forward(x)

    def _bwd(self, x, z, a, dA, need_dx):
        dZ = self.activation.backward(z, a, dA)
        return dZ, [], dZ

    def get_config(self) -> dict:
        """The layer's settings, as Keras names them."""
        return {"name": self.name, "activation": self.activation_name}

    def __repr__(self) -> str:
        return f"Activation({self.activation_name!r})"


class InputLayer:
    """Declares the shape of one sample, as ``keras.Input(shape=(2,))``. Holds no weights."""

    def __init__(self, shape, name: str | None = None):
        shape = tuple(shape) if not isinstance(shape, int) else (shape,)
        if len(shape) != 1 or shape[0] < 1:
            raise ValueError(f"nnviz works on flat samples: Input shape must be (features,), not {shape}.")
        self.shape = shape
        self.name = name or "input_layer"


def Input(shape, name: str | None = None) -> InputLayer:  # noqa: N802 - Keras's spelling
    """The input of a model: ``Input(shape=(2,))`` for samples of two numbers."""
    return InputLayer(shape, name)
