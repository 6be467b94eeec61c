"""``nnviz.layers``, the Keras-shaped public name of :mod:`nnviz.engine.layers`."""

from nnviz.engine.layers import (
    Activation,
    Dense,
    Input,
    InputLayer,
    Layer,
)

__all__ = [
    "Layer",
    "Dense",
    "Activation",
    "Input",
    "InputLayer",
]
