"""``nnviz.losses``, the Keras-shaped public name of :mod:`nnviz.engine.losses`."""

from nnviz.engine.losses import (
    ALIASES,
    EPSILON,
    LOSSES,
    Loss,
    canonical,
    choices,
    get,
    label,
    names,
)

__all__ = [
    "Loss",
    "get",
    "names",
    "choices",
    "label",
    "canonical",
    "LOSSES",
    "ALIASES",
    "EPSILON",
]
