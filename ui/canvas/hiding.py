"""The canvas's part of "predict then reveal": a stage's results drawn as "?".

:class:`SceneHiding` is a part of :class:`~ui.canvas.scene.CanvasScene` (a mixin, as
:class:`~ui.canvas.gestures.SceneGestures` is). :meth:`SceneHiding.set_hidden_results`
takes what :func:`nnviz.analysis.predict.hidden_parts` says a stage hides: those layers' neurons
keep no value (neutral fill, "?" written inside, "?" in the tooltip), those connections
keep no numbers (thin neutral lines, one "?" badge each, "?" in the tooltip) and those
layers' bias rings are not drawn (the update changed them). Nothing hidden is kept in an
item, so nothing can show it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas import style
from ui.canvas.text import pixel_font, short_number
from ui.errors import guarded

if TYPE_CHECKING:
    import numpy as np

    from ui.canvas.connections import ConnectionBundleItem
    from ui.canvas.items import LayerItem

__all__ = ["SceneHiding", "HiddenBadge", "BADGE_PX"]

#: The "?" on a hidden bundle of lines: its type in screen pixels (times the label scale).
BADGE_PX = 20.0
#: Above the cards and lines, below the validation bubbles.
Z_BADGE = style.Z_WIRE_PREVIEW - 1.0


class HiddenBadge(QGraphicsItem):
    """A round "?" on a bundle of lines whose numbers wait for their reveal (screen-sized:
    it ignores the zoom)."""

    def __init__(self, pixels: float, colors: style.CanvasColors):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(Z_BADGE)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.pixels = float(pixels)
        self._colors = colors

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        r = self.pixels * 0.9
        return QRectF(-r, -r, 2 * r, 2 * r)

    @guarded()
    def paint(self, painter: QPainter, option, widget=None) -> None:
        r = self.pixels * 0.85
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(self._colors.title, max(1.0, self.pixels / 12)))
        painter.setBrush(QBrush(self._colors.background))
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setFont(pixel_font(self.pixels, bold=True))
        painter.setPen(self._colors.title)
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, "?")


class SceneHiding:
    """CanvasScene's hidden results (see the module). ``hidden_edges`` and
    ``hidden_biases`` are read where the scene draws lines and bias rings."""

    hidden_edges: frozenset = frozenset()
    hidden_biases: frozenset = frozenset()
    _hidden_layers: frozenset = frozenset()

    if TYPE_CHECKING:  # what CanvasScene holds and does, named for the type checker
        _layers: dict[str, LayerItem]
        _bundles: dict[tuple[str, str], ConnectionBundleItem]
        _neuron_values: dict[str, np.ndarray]
        colors: style.CanvasColors

        def _refresh_values(self) -> None: ...
        def label_scale(self) -> float: ...
        def addItem(self, item: QGraphicsItem) -> None: ...  # noqa: N802 (Qt's name)
        def removeItem(self, item: QGraphicsItem) -> None: ...  # noqa: N802 (Qt's name)

    def set_hidden_results(self, layers=(), edges=(), biases=()) -> None:
        """Show the neurons of ``layers``, the lines of ``edges`` (``(source, target)``
        pairs) and the bias rings of ``biases`` as "?" (all empty: nothing hidden).

        Called after the stage's numbers were written: whatever a hidden layer was
        given is dropped again."""
        wanted = (frozenset(layers), frozenset(edges), frozenset(biases))
        changed = wanted != (self._hidden_layers, self.hidden_edges, self.hidden_biases)
        self._hidden_layers, self.hidden_edges, self.hidden_biases = wanted
        for layer_id, item in self._layers.items():
            hidden = layer_id in self._hidden_layers
            if hidden:  # no number of theirs stays in the item
                self._neuron_values.pop(layer_id, None)
                item.neurons.set_values(None)
                item.neurons.set_numbers(None)
            if item.neurons.hidden != hidden:
                item.neurons.hidden = hidden
                item.neurons.update()
        if changed:
            self._refresh_values()  # bias rings and lines, without the hidden ones
            self._place_badges()

    def hidden_layers(self) -> frozenset:
        """The ids of the layers whose neurons show "?"."""
        return self._hidden_layers

    def shows_bias(self, item) -> bool:
        """Whether the layer ``item`` draws its bias ring (an input layer has none)."""
        return item.kind != "input" and item.layer_id not in self.hidden_biases

    def hidden_badges(self) -> dict:
        """``(source, target)`` -> the "?" badge on those lines."""
        return dict(getattr(self, "_badges", {}))

    def _place_badges(self) -> None:
        badges = getattr(self, "_badges", None)
        if badges is None:
            badges = self._badges = {}
        for key in [k for k in badges if k not in self.hidden_edges]:
            self.removeItem(badges.pop(key))
        for key in self.hidden_edges:
            bundle = self._bundles.get(key)
            if bundle is None:
                continue
            badge = badges.get(key)
            if badge is None:
                badge = badges[key] = HiddenBadge(BADGE_PX * max(self.label_scale(), 1.0),
                                                  self.colors)
                self.addItem(badge)
            badge.setPos(bundle.mapRectToScene(bundle.boundingRect()).center())

    def written_value(self, layer_id: str, k: int) -> str | None:
        """The text written inside neuron ``k`` of ``layer_id`` when it is large enough on
        screen: "?" while hidden, else its number (None: nothing written)."""
        neurons = self._layers[layer_id].neurons
        if neurons.hidden:
            return "?"
        main = neurons.numbers()[0]
        return None if main is None else short_number(main[k])
