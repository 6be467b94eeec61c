"""The design document the canvas edits, split by job.

- :mod:`~nnviz.document.document`: :class:`Design` (layers, connections, weights, the
  edit methods, the events) and :class:`DesignEvents`;
- :mod:`~nnviz.document.specs`: the value types :class:`LayerSpec`, :class:`Connection`
  and the defaults;
- :mod:`~nnviz.document.commands`: the undoable commands the edit methods push;
- :mod:`~nnviz.document.validation`: :class:`Problem`, ``validate``, ``chain``;
- :mod:`~nnviz.document.compile`: ``build_model`` (design -> ``Sequential``);
- :mod:`~nnviz.document.serialization`: ``to_dict`` and reading it back.

``from nnviz.document import Design`` is the usual entry point.
"""
from nnviz.document.document import Design, DesignEvents
from nnviz.document.specs import ACTIVATIONS, DEFAULT_INITIALIZER, KINDS, Connection, LayerSpec
from nnviz.document.validation import Problem

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_INITIALIZER",
    "KINDS",
    "Connection",
    "Design",
    "DesignEvents",
    "LayerSpec",
    "Problem",
]
