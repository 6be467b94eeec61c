"""The designer's canvas: the network drawn as layer cards and connection bundles.

``scene = CanvasScene(design)`` follows a :class:`nnviz.document.Design`;
``view = CanvasView(scene)`` (``objectName`` "canvas") shows it. See docs/internals.md.
"""
from ui.canvas.callouts import ProblemItem
from ui.canvas.connections import ConnectionBundleItem
from ui.canvas.items import LayerItem, NeuronItems, PortItem
from ui.canvas.scene import CanvasScene
from ui.canvas.style import LAYER_MIME_TYPE
from ui.canvas.view import CanvasView

__all__ = [
    "LAYER_MIME_TYPE",
    "CanvasScene",
    "CanvasView",
    "ConnectionBundleItem",
    "LayerItem",
    "NeuronItems",
    "PortItem",
    "ProblemItem",
]
