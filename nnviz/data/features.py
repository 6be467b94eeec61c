"""Feature crosses, as TensorFlow Playground has them: extra inputs made from ``x1`` and ``x2``.

A two-input data set may add any of ``x1²``, ``x2²``, ``x1·x2``, ``sin x1``, ``sin x2`` as
inputs of their own (a :class:`nnviz.data.dataset_spec.DatasetSpec`'s ``features``). Each is one
record of :data:`FEATURES`: the name the project file stores, the label the window writes on
its input neuron, the NumPy expression the generated Keras code uses, and the function.
The crosses are appended after ``x1, x2`` in the registry's order, whatever order they were
chosen in, so a project's input layer is always ``x1, x2`` then the chosen ones.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["Feature", "FEATURES", "names", "get", "ordered", "expand", "labels", "input_names",
           "Plane", "BASE_INPUTS"]

#: Crosses are made from this many inputs (Playground's x1 and x2).
BASE_INPUTS = 2


@dataclass(frozen=True)
class Feature:
    """One feature cross: ``function(x)`` maps samples ``(n, 2)`` to one column ``(n,)``."""

    name: str
    label: str
    #: The NumPy expression over ``x`` (the samples, shape ``(n, 2)``) the Keras code writes.
    formula: str
    function: Callable[[np.ndarray], np.ndarray]


FEATURES: dict[str, Feature] = {f.name: f for f in (
    Feature("x1_squared", "x1²", "x[:, 0] ** 2", lambda x: x[:, 0] ** 2),
    Feature("x2_squared", "x2²", "x[:, 1] ** 2", lambda x: x[:, 1] ** 2),
    Feature("x1_x2", "x1·x2", "x[:, 0] * x[:, 1]", lambda x: x[:, 0] * x[:, 1]),
    Feature("sin_x1", "sin x1", "np.sin(x[:, 0])", lambda x: np.sin(x[:, 0])),
    Feature("sin_x2", "sin x2", "np.sin(x[:, 1])", lambda x: np.sin(x[:, 1])),
)}


def names() -> list[str]:
    """The features' names, in the order their inputs follow ``x1, x2``."""
    return list(FEATURES)


def get(name: str) -> Feature:
    """The record of feature ``name`` (KeyError naming the known ones if none)."""
    if name not in FEATURES:
        raise KeyError(f"There is no feature called {name!r}; the features are: "
                       f"{', '.join(FEATURES)}.")
    return FEATURES[name]


def ordered(chosen: Iterable[str]) -> tuple[str, ...]:
    """``chosen`` in the registry's order, each once (unknown names raise KeyError)."""
    chosen = set(chosen)
    for name in chosen:
        get(name)
    return tuple(n for n in FEATURES if n in chosen)


def expand(x: np.ndarray, chosen: Iterable[str]) -> np.ndarray:
    """Samples ``x`` (``(n, 2)``) with the chosen features appended as columns."""
    x = np.asarray(x)
    chosen = ordered(chosen)
    if not chosen:
        return x
    columns = [FEATURES[n].function(x[:, :BASE_INPUTS]).astype(x.dtype, copy=False)
               for n in chosen]
    return np.column_stack([x, *columns])


def labels(chosen: Iterable[str]) -> list[str]:
    """The labels of the chosen features, in input order (``["x1²", "x1·x2"]``)."""
    return [FEATURES[n].label for n in ordered(chosen)]


def input_names(chosen: Iterable[str]) -> list[str]:
    """The model's inputs by name with the chosen crosses: ``["x1", "x2", "x1²", ...]``
    (what the exports write beside the weights)."""
    return [f"x{k + 1}" for k in range(BASE_INPUTS)] + labels(chosen)


class Plane(tuple):
    """Bounds of the input plane ``(x0, x1, y0, y1)`` that also knows the data set's
    feature crosses: the points of the plane become the model's inputs by :meth:`inputs`.

    It is a tuple, so everything that reads a plane's four bounds reads this one too.
    """

    features: tuple[str, ...] = ()

    def __new__(cls, bounds, features: Iterable[str] = ()):
        plane = super().__new__(cls, bounds)
        plane.features = ordered(features)
        return plane

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """The model's inputs at ``points`` (``(n, 2)``): the points and their crosses."""
        return expand(points, self.features)


def plane_inputs(plane, points: np.ndarray) -> np.ndarray:
    """The model's inputs at ``points`` of ``plane`` (any 4-tuple; a :class:`Plane` adds its
    crosses)."""
    return plane.inputs(points) if isinstance(plane, Plane) else points
