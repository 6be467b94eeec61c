"""``nnviz.models``, the Keras-shaped public name of :mod:`nnviz.engine.models`."""

from nnviz.engine.models import (
    Sequential,
    load_model,
)

__all__ = [
    "Sequential",
    "load_model",
]
