"""Small helpers: the global seed for reproducible weights."""

from __future__ import annotations

import numpy as np

__all__ = ["set_random_seed", "global_rng"]

_rng = np.random.default_rng()


def set_random_seed(seed: int) -> None:
    """Make every following random initialisation reproducible (as ``keras.utils.set_random_seed``)."""
    global _rng
    _rng = np.random.default_rng(seed)


def global_rng() -> np.random.Generator:
    """The generator that initialisers without their own seed draw from."""
    return _rng
