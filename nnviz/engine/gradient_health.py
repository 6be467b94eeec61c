"""Gradient health: how the gradients of a run fare, and which neurons are stuck (no Qt).

* :class:`GradientMeter` keeps, where training runs (the :class:`~nnviz.engine.training.Stepper`,
  in the window's process or the training process), an exponential running mean of
  ``|dL/dW|`` per weight and of each layer's gradient norm, updated every batch. Its
  :class:`GradientSummary` crosses to the window in :class:`~nnviz.engine.run_types.RunDelta`.
* :func:`gradient_warnings` names a layer whose gradient vanishes or explodes, compared
  with the output layer's, with a sentence that says why it matters.
* :func:`neuron_flags` finds dead relu neurons (output 0 on every sample) and saturated
  sigmoid/tanh ones (beyond 0.99 on nearly every sample) in one forward pass.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.engine import activations
from nnviz.limits import HEALTH_SAMPLES

__all__ = ["GradientMeter", "GradientSummary", "gradient_warnings", "neuron_flags",
           "NeuronFlag", "GRADIENT_DECAY", "VANISHING_RATIO", "EXPLODING_RATIO",
           "SATURATION", "SATURATED_SHARE"]

#: What the old mean keeps per batch: ``mean = 0.9 mean + 0.1 |g|`` (about the last 10
#: batches count). The first batch is taken as it is (no bias towards 0 at the start).
GRADIENT_DECAY = 0.9
#: A layer's gradient norm below this fraction of the output layer's is "vanishing".
VANISHING_RATIO = 1e-3
#: ... and above this multiple of it "exploding".
EXPLODING_RATIO = 1e3
#: A sigmoid or tanh neuron is saturated where its output is beyond this share of its range.
SATURATION = 0.99
#: ... on at least this share of the samples looked at ("(nearly) all the data").
SATURATED_SHARE = 0.95


@dataclass(frozen=True)
class GradientSummary:
    """A run's recent gradients, as the window draws them.

    ``kernels[i]``: the running mean of ``|dL/dW|`` of layer ``i``'s kernel (its shape, in
    float32: it is drawn, not computed with, and it travels with every delta), or None for
    a layer without weights; ``norms[i]``: the running mean of the layer's
    gradient norm ``sqrt(sum dW^2 + sum db^2)`` (None likewise); ``batches``: how many
    batches went into them.
    """

    kernels: tuple
    norms: tuple
    batches: int


class GradientMeter:
    """The running means of a run's gradients (see the module); one per stepper."""

    def __init__(self, decay: float = GRADIENT_DECAY):
        self.decay = float(decay)
        self.clear()

    def clear(self) -> None:
        """Forget every batch (a new run, Reset)."""
        self._kernels: list = []
        self._norms: list = []
        self.batches = 0

    def add(self, layer_grads) -> None:
        """One batch's gradients: per layer a list of arrays, the kernel's first (the bias's
        next), empty for a layer without weights."""
        layer_grads = list(layer_grads)
        if self.batches == 0 or len(layer_grads) != len(self._kernels):
            self._kernels = [None] * len(layer_grads)
            self._norms = [None] * len(layer_grads)
            self.batches = 0
        keep = self.decay
        for i, grads in enumerate(layer_grads):
            if not grads:
                continue
            g = grads[0]
            norm = math.sqrt(sum(float(np.vdot(p, p)) for p in grads))
            mean = self._kernels[i]
            if mean is None or mean.shape != g.shape:
                self._kernels[i] = np.abs(g)
                self._norms[i] = norm
                continue
            # mean + (1 - keep) (|g| - mean) = keep mean + (1 - keep) |g|, in place.
            step = np.abs(g)  # in the model's dtype, like the gradients
            step -= mean
            step *= 1.0 - keep
            mean += step
            self._norms[i] = keep * self._norms[i] + (1.0 - keep) * norm
        self.batches += 1

    def summary(self) -> GradientSummary | None:
        """Copies of the running means (None before the first batch)."""
        if self.batches == 0:
            return None
        with np.errstate(over="ignore"):  # a diverging run's means overflow float32: inf
            kernels = tuple(None if k is None else k.astype(np.float32) for k in self._kernels)
        return GradientSummary(kernels, tuple(self._norms), self.batches)

    def load(self, summary: GradientSummary | None) -> None:
        """Take over the running means of ``summary`` (from the copy of the run that trains
        elsewhere); None keeps this meter as it is."""
        if summary is None:
            return
        self._kernels = [None if k is None else np.array(k, dtype=np.float64)
                         for k in summary.kernels]
        self._norms = list(summary.norms)
        self.batches = int(summary.batches)


def gradient_warnings(norms, names) -> list[str]:
    """One sentence per layer whose gradient vanishes, explodes or is not finite.

    ``norms``: each layer's gradient norm (None: no weights), the output layer last;
    ``names``: the layers' names, same order. A hidden layer is compared with the output
    layer (the first the loss's gradient reaches): below :data:`VANISHING_RATIO` times its
    norm it vanishes, above :data:`EXPLODING_RATIO` times it explodes.
    """
    pairs = [(name, float(n)) for name, n in zip(names, norms) if n is not None]
    out = []
    for name, norm in pairs:
        if not math.isfinite(norm):
            out.append(f"Gradient not finite in {name}: ∂L/∂w became NaN or infinite, so "
                       f"the update throws its weights away. Lower the learning rate.")
    if len(pairs) < 2 or out:
        return out
    out_name, ref = pairs[-1]
    if ref <= 0.0:
        return out  # the loss is flat at the output: nothing to compare with
    for name, norm in pairs[:-1]:
        ratio = norm / ref
        if ratio < VANISHING_RATIO:
            out.append(
                f"Vanishing gradient in {name}: its ‖∂L/∂w‖ = {norm:.1e} is {ratio:.0e} × "
                f"the {out_name}'s ({ref:.1e}). The error shrinks at every layer it flows back "
                f"through (flat activations, small weights), so {name} barely learns. Try "
                f"relu, larger initial weights or fewer layers.")
        elif ratio > EXPLODING_RATIO:
            out.append(
                f"Exploding gradient in {name}: its ‖∂L/∂w‖ = {norm:.1e} is {ratio:.0e} × "
                f"the {out_name}'s ({ref:.1e}). The error grows at every layer it flows back "
                f"through (large weights), so one step can throw {name}'s weights far. Try a "
                f"lower learning rate or smaller initial weights.")
    return out


@dataclass(frozen=True)
class NeuronFlag:
    """A stuck neuron: unit ``unit`` of layer ``layer`` (index into the model's layers),
    ``kind`` "dead" or "saturated", ``reason`` the sentence its mark's tooltip says."""

    layer: int
    unit: int
    kind: str
    reason: str


def neuron_flags(weights, activation_names, x, limit: int = HEALTH_SAMPLES) -> list[NeuronFlag]:
    """The dead and saturated neurons of a Dense chain on the first ``limit`` rows of ``x``.

    ``weights``: ``[W1, b1, W2, b2, ...]`` (``W`` of shape (inputs, units)),
    ``activation_names``: each layer's activation ("relu", "sigmoid", ...). A relu neuron is
    dead when its output is 0 on every sample (``z <= 0``: no gradient reaches its
    weights); a sigmoid neuron is saturated when its output is above 0.99 or below 0.01, a
    tanh one when ``|a| > 0.99``, on at least :data:`SATURATED_SHARE` of the samples
    (``f'(z)`` is then nearly 0 there).
    """
    a = np.asarray(x, dtype=np.float64)[:max(1, int(limit))]
    n = len(a)
    flags: list[NeuronFlag] = []
    if n == 0:
        return flags
    with np.errstate(over="ignore", invalid="ignore"):
        for i, name in enumerate(activation_names):
            W, b = np.asarray(weights[2 * i], np.float64), np.asarray(weights[2 * i + 1], np.float64)
            z = a @ W + b
            act = activations.get(name)
            a, kind = act.forward(z), act.name
            if kind == "relu":
                zero = np.count_nonzero(a > 0.0, axis=0) == 0
                flags += [NeuronFlag(i, int(u), "dead",
                                     f"dead: relu output is 0 on all {n} samples — its "
                                     f"weights get no gradient") for u in np.flatnonzero(zero)]
            elif kind in ("sigmoid", "tanh"):
                lo = -SATURATION if kind == "tanh" else 1.0 - SATURATION
                beyond = (a > SATURATION) | (a < lo)
                counts = np.count_nonzero(beyond, axis=0)
                for u in np.flatnonzero(counts >= SATURATED_SHARE * n):
                    flags.append(NeuronFlag(
                        i, int(u), "saturated",
                        f"saturated: {kind} output is beyond ±0.99 on {counts[u]} of {n} "
                        f"samples — f′(z) is nearly 0 there, so its weights barely learn"
                        if kind == "tanh" else
                        f"saturated: sigmoid output is beyond 0.01…0.99 on {counts[u]} of "
                        f"{n} samples — f′(z) is nearly 0 there, so its weights barely learn"))
    return flags
