"""The chain rule for one weight, path by path, with its numbers and a finite-difference check.

Back-propagation gives ``∂L/∂w`` for the weight ``w`` from neuron ``i`` of one layer to neuron
``j`` of the next. Written out, it is a sum over every path from the loss back to ``w``:
each path runs from an output neuron through one neuron of every later layer to ``j``, and
contributes the product of its local factors::

    ∂L/∂z(out) · w · f′(z) · w · f′(z) · … · f′(z_j) · a_i

summed over the batch's samples (``∂L/∂z(out)`` already holds the batch mean's ``1/n``).
For an output with an element-wise activation, ``∂L/∂z(out)`` is split further into
``∂L/∂ŷ · f′(z)``; softmax's ``∂L/∂z`` mixes all its units and stays one factor.

:func:`chain_rule` lists the paths with their factors for the trace's first sample, their
products summed over all samples, and the total, which equals the ``∂L/∂w`` the backward
stage computed. :func:`finite_difference` estimates the same number as
``(L(w+ε) − L(w−ε)) / 2ε`` on the same batch, with the weights the forward pass used.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from itertools import product
from typing import cast

import numpy as np

from nnviz.limits import MAX_CHAIN_PATHS

__all__ = ["Factor", "ChainPath", "ChainRule", "chain_rule", "finite_difference",
           "FD_EPSILON"]

#: The step of the central difference (float64: error ~ε² + rounding/ε, about 1e-10 here).
FD_EPSILON = 1e-6


@dataclass(frozen=True)
class Factor:
    """One local factor of a path.

    ``kind``: ``"dL/dŷ"``, ``"dL/dz"`` (softmax output), ``"f′(z)"``, ``"w"`` or ``"a"``.
    ``pos``: the neuron's layer in the chain (0: the inputs, 1: the first Dense layer's
    outputs, ...) and ``unit`` its index; a weight ``w`` is from unit ``source`` of layer
    ``pos - 1`` to ``unit`` of layer ``pos``. ``value``: for the trace's first sample.
    """

    kind: str
    pos: int
    unit: int
    value: float
    source: int | None = None


@dataclass(frozen=True)
class ChainPath:
    """One path from the loss back to the weight.

    ``units``: the unit it passes in each layer from the weight's target to the output
    (0-based). ``factors``: its local factors for sample 1, from the loss down to ``a``.
    ``product``: their product for sample 1. ``total``: the product summed over the batch.
    """

    units: tuple[int, ...]
    factors: tuple[Factor, ...]
    product: float
    total: float


@dataclass(frozen=True)
class ChainRule:
    """The chain rule for the weight ``kernel[i, j]`` of ``model.layers[layer]``."""

    layer: int
    i: int
    j: int
    samples: int
    #: Every path, or the first :data:`~nnviz.limits.MAX_CHAIN_PATHS` of them.
    paths: tuple[ChainPath, ...]
    #: How many paths there are in all (more than ``len(paths)`` when cut short).
    n_paths: int
    #: The sum of every path's ``total``: ∂L/∂w by the chain rule.
    total: float
    #: The ∂L/∂w the backward stage computed (the trace's ``dW``).
    shown: float


def chain_rule(model, weights: list[np.ndarray], trace, layer: int, i: int, j: int) -> ChainRule:
    """The paths from the loss to ``kernel[i, j]`` of ``model.layers[layer]``.

    ``weights``: the model's weights as the batch's forward pass used them
    (``get_weights()`` order: kernel, bias per layer); ``trace``: a stage trace whose
    backward pass reached ``layer`` (its ``dW[layer]`` is set). Raises ValueError when the
    trace has no gradient for the layer yet, or a softmax sits between the weight and the
    output (its units mix, so paths are not products of single factors).
    """
    layers = model.layers
    last = len(layers) - 1
    if trace.dW[layer] is None:
        raise ValueError("The backward pass has not reached this layer yet.")
    for k in range(layer, last):
        if layers[k].activation.name == "softmax":
            raise ValueError("A softmax hidden layer mixes its units: the chain has no "
                             "single path through it.")
    kernels = _kernels(layers, weights)
    a_prev = trace.x if layer == 0 else trace.a[layer - 1]
    n = len(a_prev)
    out = layers[last]
    elementwise = out.activation.name != "softmax"
    # ∂L/∂ŷ for an element-wise output: dZ / f′(z) recomputed as the stage did (dA).
    dA_out = cast(np.ndarray, trace.dA[last] if elementwise else None)  # None: a softmax, not read
    df = [None if lay.activation.name == "softmax" else lay.activation.derivative(trace.z[k])
          for k, lay in enumerate(layers)]
    df = cast(list[np.ndarray], df)  # None only for a softmax output, whose f′ no path reads
    dZ_out = trace.dZ[last]
    later = [range(layers[k].units) for k in range(layer + 1, last + 1)]
    all_paths = list(product(*later)) if later else [()]
    paths = []
    total = 0.0
    for units in all_paths:
        chain = (j, *units)  # the unit in each layer from `layer` to the output
        # Per sample: the product of the local factors along this path.
        prod = np.ones(n)
        factors: list[Factor] = []
        o = chain[-1]
        if elementwise:
            prod = prod * dA_out[:, o] * df[last][:, o]
            factors += [Factor("dL/dŷ", last + 1, o, float(dA_out[0, o])),
                        Factor("f′(z)", last + 1, o, float(df[last][0, o]))]
        else:
            prod = prod * dZ_out[:, o]
            factors.append(Factor("dL/dz", last + 1, o, float(dZ_out[0, o])))
        for k in range(last, layer, -1):  # down the path: w into layer k, then f′ below it
            src, tgt = chain[k - 1 - layer], chain[k - layer]
            w = float(kernels[k][src, tgt])
            prod = prod * w * df[k - 1][:, src]
            factors += [Factor("w", k + 1, tgt, w, source=src),
                        Factor("f′(z)", k, src, float(df[k - 1][0, src]))]
        prod = prod * a_prev[:, i]
        factors.append(Factor("a", layer, i, float(a_prev[0, i])))
        path_total = float(prod.sum())
        total += path_total
        if len(paths) < MAX_CHAIN_PATHS:
            paths.append(ChainPath(tuple(units), tuple(factors), float(np.prod(
                [f.value for f in factors])), path_total))
    return ChainRule(layer, i, j, n, tuple(paths), len(all_paths), total,
                     float(trace.dW[layer][i, j]))


def _kernels(layers, weights) -> list[np.ndarray]:
    """The kernels out of ``get_weights()`` order (kernel, then bias if the layer has one)."""
    kernels, k = [], 0
    for lay in layers:
        kernels.append(np.asarray(weights[k]))
        k += 2 if getattr(lay, "use_bias", True) else 1
    return kernels


def finite_difference(model, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray,
                      layer: int, i: int, j: int, epsilon: float = FD_EPSILON) -> float:
    """``(L(w+ε) − L(w−ε)) / 2ε`` for ``kernel[i, j]`` of ``model.layers[layer]`` on ``(x, y)``.

    ``L`` is the loss as the model reports it on that batch (the mean over its samples,
    plus any regularization), with ``weights`` everywhere else; ``model`` is not changed.
    """
    copy = deepcopy(model)
    index = _kernel_index(copy.layers, layer)

    def loss_at(delta: float) -> float:
        moved = [np.array(w, dtype=np.float64, copy=True) for w in weights]
        moved[index][i, j] += delta
        copy.set_weights(moved)
        return float(_first(copy.evaluate(x, y, batch_size=len(x), verbose=0)))

    return (loss_at(epsilon) - loss_at(-epsilon)) / (2 * epsilon)


def _kernel_index(layers, layer: int) -> int:
    k = 0
    for lay in layers[:layer]:
        k += 2 if getattr(lay, "use_bias", True) else 1
    return k


def _first(value) -> float:
    return value[0] if isinstance(value, (list, tuple)) else value
