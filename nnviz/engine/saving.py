"""The files a model reads and writes, without the engine importing the file formats.

``Sequential.save()``, ``load_model()``, ``save_weights()``, ``load_weights()`` and
``export()`` keep Keras's names on the engine's side, but the formats (``.nnviz`` in
:mod:`nnviz.files.project`, weights in :mod:`nnviz.files.weights_io`, ONNX in
:mod:`nnviz.files.onnx_export`) build on the engine, not the other way round. So the engine
calls :func:`call` with the name of what it needs, and each format module
:func:`register`\\ s its function under that name when it is imported; ``import nnviz``
(which any ``import nnviz.engine.models`` does first) imports them. This module imports
nothing of nnviz but the errors, so it adds no import edge from the engine to a format.

The names: ``"save_model"(model, path)``, ``"load_model"(path) -> Sequential``,
``"save_weights"(model, path)``, ``"load_weights"(model, path)``,
``"export_onnx"(model, path)``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnviz.errors import NnvizError

__all__ = ["HOOKS", "call", "register"]

HOOKS = ("save_model", "load_model", "save_weights", "load_weights", "export_onnx")
"""The names a format module may register, and the engine calls."""

_registry: dict[str, Callable[..., Any]] = {}


def register(name: str, function: Callable[..., Any]) -> None:
    """Make ``function`` the one :func:`call` runs for ``name`` (one of :data:`HOOKS`)."""
    if name not in HOOKS:
        raise ValueError(f"{name!r} is not a file hook; the hooks are {', '.join(HOOKS)}.")
    _registry[name] = function


def call(name: str, *args: Any) -> Any:
    """Run the function registered for ``name`` with ``args`` and return its result."""
    function = _registry.get(name)
    if function is None:
        raise NnvizError(
            f"No file format is registered for {name}(); import nnviz (the package) first.")
    return function(*args)
