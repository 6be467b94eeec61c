"""Small helpers for the weight arrays a design keeps (float64 copies, kept blocks)."""
from __future__ import annotations

from typing import overload

import numpy as np

from nnviz.engine import initializers as _initializers

__all__ = ["arrays_equal", "copy_array", "fit_block", "fresh_kernel", "readonly", "seed_for"]


def fit_block(old: np.ndarray, template: np.ndarray) -> np.ndarray:
    """``template`` (a copy) with the block it shares with ``old`` overwritten by ``old``.

    This is how a layer keeps the weights of the neurons that remain when its units
    change: row ``i``/column ``j`` of the kernel belongs to neuron ``i``/``j``, so the
    overlapping top-left block is kept and the rest comes from ``template``.
    """
    out = np.array(template, dtype=np.float64, copy=True)
    block = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, template.shape, strict=True))
    out[block] = old[block]
    return out


@overload
def copy_array(array: np.ndarray) -> np.ndarray: ...
@overload
def copy_array(array: None) -> None: ...
def copy_array(array: np.ndarray | None) -> np.ndarray | None:
    """A float64 copy of ``array`` (None stays None)."""
    return None if array is None else np.array(array, dtype=np.float64, copy=True)


def arrays_equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """True when both are None or both have the same shape and values."""
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b))


def readonly(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (what the document hands out)."""
    view = array.view()
    view.flags.writeable = False
    return view


def seed_for(text: str, units: int) -> int:
    """A seed that depends only on the connection and the new size (reproducible weights)."""
    return sum(ord(c) * (k + 1) for k, c in enumerate(text)) * 7919 + units


def fresh_kernel(initializer: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Initial weights of ``shape`` from the layer's initializer (as a new layer would get)."""
    return np.asarray(_initializers.get(initializer, seed=seed)(shape), dtype=np.float64)
