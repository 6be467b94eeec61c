"""The kinds of layer a design holds: input, hidden and output.

**The registry.** Each kind is one :class:`LayerKind` record in :data:`LAYER_KINDS`: its
name (what the project file stores), the label and tooltip the palette shows, the units,
activation and name a new layer of the kind starts with, the letter its neurons are
labelled with (``x1``, ``h2``, ``y1``) and its identifying colour in the light and the dark
theme. The design, the project file, the palette, the inspector, the canvas and both themes
take their lists and values from here, so a new kind is one record here (plus its icon,
``ui/resources/icons/<name>.svg``, and its test).

The colours are ``#rrggbb`` text: this module knows nothing of Qt; :mod:`ui.theme` turns
them into ``QColor``.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LayerKind", "LAYER_KINDS", "get", "names", "listed"]


@dataclass(frozen=True)
class LayerKind:
    """One kind of layer, with everything the design and the window show of it."""

    #: What the project file and the design store (``"hidden"``).
    name: str
    #: The palette's and the inspector's name for it (``"Hidden layer"``).
    label: str
    #: The palette's tooltip: the lecture's words for what the layer does.
    tooltip: str
    #: Units of a new layer of this kind.
    units: int
    #: Activation of a new layer of this kind (an input layer's is always ``"linear"``).
    activation: str
    #: The start of a new layer's name (``"Output"``, made unique: "Output 2", ...).
    stem: str
    #: The letter its neurons are labelled with: ``"h"`` -> h1, h2, ...
    prefix: str
    #: Its identifying colour (card accent, palette) in the light theme, ``#rrggbb``.
    colour: str
    #: The same in the dark theme.
    colour_dark: str
    #: True when new layers are numbered from the first ("Hidden 1", "Hidden 2", ...).
    numbered: bool = False


#: Every kind of layer, by name, in the palette's order.
LAYER_KINDS: dict[str, LayerKind] = {kind.name: kind for kind in (
    LayerKind("input", "Input layer",
              "The data enters here: one neuron per input feature (no weights, no activation).",
              units=2, activation="linear", stem="Input", prefix="x",
              colour="#2e9e6b", colour_dark="#43c28a"),
    LayerKind("hidden", "Hidden layer",
              "A Dense layer between input and output: z = W·x + b, then an activation (relu).",
              units=3, activation="relu", stem="Hidden", prefix="h",
              colour="#2f6fde", colour_dark="#5b9cf6", numbered=True),
    LayerKind("output", "Output layer",
              "The last Dense layer: one neuron per class (softmax) or per predicted value.",
              units=2, activation="softmax", stem="Output", prefix="y",
              colour="#8b4fd6", colour_dark="#b487f2"),
)}


def get(name: str) -> LayerKind:
    """The kind called ``name``; ValueError naming the kinds if there is none."""
    if name not in LAYER_KINDS:
        raise ValueError(f"'{name}' is not a kind of layer; use {listed()}.")
    return LAYER_KINDS[name]


def names() -> list[str]:
    """The kinds' names, in the palette's order."""
    return list(LAYER_KINDS)


def listed() -> str:
    """The kinds' names quoted for a sentence: ``'input', 'hidden' or 'output'``."""
    quoted = [f"'{name}'" for name in LAYER_KINDS]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
