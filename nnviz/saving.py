"""``nnviz.saving``, the Keras-shaped public name of :mod:`nnviz.engine.saving`."""

from nnviz.engine.saving import (
    HOOKS,
    call,
    register,
)

__all__ = [
    "HOOKS",
    "call",
    "register",
]
