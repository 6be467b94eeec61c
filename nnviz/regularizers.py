"""``nnviz.regularizers``, the Keras-shaped public name of :mod:`nnviz.engine.regularizers`."""

from nnviz.engine.regularizers import (
    L1,
    L1L2,
    L2,
    REGULARIZERS,
    Regularizer,
    SettingError,
    as_window_setting,
    get,
    make,
    names,
    regularize_kernels,
    window_choices,
)

__all__ = [
    "Regularizer",
    "L1",
    "L2",
    "L1L2",
    "REGULARIZERS",
    "get",
    "names",
    "make",
    "window_choices",
    "regularize_kernels",
    "as_window_setting",
    "SettingError",
]
