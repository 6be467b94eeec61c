"""``nnviz.activations``, the Keras-shaped public name of :mod:`nnviz.engine.activations`."""

from nnviz.engine.activations import (
    ACTIVATIONS,
    Activation,
    choices,
    get,
    label,
    names,
)

__all__ = [
    "Activation",
    "get",
    "names",
    "choices",
    "label",
    "ACTIVATIONS",
]
