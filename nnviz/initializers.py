"""``nnviz.initializers``, the Keras-shaped public name of :mod:`nnviz.engine.initializers`."""

from nnviz.engine.initializers import (
    Initializer,
    get,
    names,
)

__all__ = [
    "Initializer",
    "get",
    "names",
]
