"""``nnviz.utils``, the Keras-shaped public name of :mod:`nnviz.engine.utils`."""

from nnviz.engine.utils import (
    global_rng,
    set_random_seed,
)

__all__ = [
    "set_random_seed",
    "global_rng",
]
