"""What the user has selected in the design: a layer, one neuron, or one connection.

The canvas emits one of these (or None) whenever its selection changes; the inspector,
the code view, the lecture view, the loss surface and the neuron maps read it. They are
frozen, so two selections of the same thing compare equal and one can be kept as is.
Qt-free: the selection is the document's concept, the canvas only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerSel:
    """A whole layer: ``layer`` is its id."""

    layer: str


@dataclass(frozen=True)
class NeuronSel:
    """Neuron ``index`` (0-based) of the layer ``layer``."""

    layer: str
    index: int


@dataclass(frozen=True)
class ConnectionSel:
    """The weight from neuron ``i`` of layer ``source`` to neuron ``j`` of layer ``target``."""

    source: str
    target: str
    i: int
    j: int

    @property
    def key(self) -> tuple[str, str]:
        """The connection's ``(source, target)``, as the document keys connections."""
        return (self.source, self.target)


#: What ``CanvasScene.sig_selection_changed`` emits; None: nothing is selected.
Selection = LayerSel | NeuronSel | ConnectionSel | None


def layer_of(selection: Selection) -> str | None:
    """The layer a selection is about: its own layer, or a connection's target (the layer
    whose kernel holds the weight); None for no selection."""
    if isinstance(selection, (LayerSel, NeuronSel)):
        return selection.layer
    if isinstance(selection, ConnectionSel):
        return selection.target
    return None


def touches(selection: Selection, layer_id: str) -> bool:
    """Whether ``selection`` names the layer ``layer_id`` (so it goes when that layer does)."""
    if isinstance(selection, ConnectionSel):
        return layer_id in selection.key
    return selection is not None and selection.layer == layer_id
