"""The value types of a design: a layer as drawn, a connection, and their defaults.

This module imports nothing else of the document package, so every other part of it
(commands, validation, compile, serialization) can use these types without an import
circle; :mod:`nnviz.document` re-exports them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.engine import activations as _activations

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_INITIALIZER",
    "KINDS",
    "Connection",
    "LayerSpec",
    "allowed_activations",
    "quote",
    "quote_names",
]

KINDS = tuple(LAYER_KINDS)
"""The kinds of layer a design holds (their defaults: :mod:`nnviz.document.layer_kinds`)."""

ACTIVATIONS = tuple(_activations.names())
"""Activation names a layer may have (Keras's names: "linear", "relu", "sigmoid", ...)."""

DEFAULT_INITIALIZER = "glorot_uniform"
"""The kernel initializer of a new layer (Keras's default)."""


@dataclass
class LayerSpec:
    """One layer as drawn: ``units`` neurons in a column centred at ``(x, y)``.

    ``kind`` is ``"input"`` (the data's features; no weights, no activation: ``"linear"``),
    ``"hidden"`` or ``"output"`` (the network's prediction). Two specs are equal when all
    their fields are equal.
    """

    id: str
    kind: str
    name: str
    units: int
    activation: str
    initializer: str = DEFAULT_INITIALIZER
    x: float = 0.0
    y: float = 0.0


class Connection(NamedTuple):
    """A connection from layer ``source`` to layer ``target`` (their ids): fully connected."""

    source: str
    target: str


def allowed_activations(kind: str) -> tuple[str, ...]:
    """The activations a layer of ``kind`` may have (an input layer only ``"linear"``)."""
    return ("linear",) if kind == "input" else ACTIVATIONS


def quote(spec: LayerSpec) -> str:
    """A layer's name in quotes, for messages: ``'Hidden 1'``."""
    return f"'{spec.name}'"


def quote_names(specs: list[LayerSpec]) -> str:
    """Several quoted names joined for a sentence: ``'A', 'B' and 'C'``."""
    quoted = [quote(s) for s in specs]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
