"""``nnviz.datasets``, the Keras-shaped public name of :mod:`nnviz.data.datasets`."""

from nnviz.data.datasets import (
    DATA_DIR,
    DATASETS,
    Dataset,
    DatasetInfo,
    default_params,
    get,
    load,
    load_csv,
    names,
)

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetInfo",
    "DATA_DIR",
    "default_params",
    "get",
    "names",
    "load",
    "load_csv",
]
