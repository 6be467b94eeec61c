"""Marks on stuck neurons (gradient health): a small badge on the neuron's circle.

A dead relu neuron gets a red "×", a saturated sigmoid/tanh one an amber "!"; the tooltip
says why (:class:`nnviz.engine.gradient_health.NeuronFlag`'s reason). Each mark is a child of its
layer's card, so it moves with the card and goes with it; clicks pass through to the neuron.
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.errors import guarded

__all__ = ["NeuronFlagItem", "NeuronFlagMarks", "FLAG_COLORS"]

#: The badge's colour per kind of flag.
FLAG_COLORS = {"dead": "#c62f3b", "saturated": "#d08a00"}
_SYMBOLS = {"dead": "×", "saturated": "!"}


class NeuronFlagItem(QGraphicsItem):
    """One badge at the upper right of neuron ``unit`` of a layer card."""

    def __init__(self, layer_item, unit: int, kind: str, tooltip: str):
        super().__init__(layer_item)
        self.unit, self.kind = unit, kind
        r = float(layer_item.radius)
        self._size = max(8.0, 0.9 * r)
        self.setPos(0.8 * r, float(layer_item.offsets[unit]) - 0.8 * r)
        self.setZValue(2.0)  # over the neurons (a sibling child item of the card)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setToolTip(tooltip)

    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        s = self._size
        return QRectF(-s / 2 - 1, -s / 2 - 1, s + 2, s + 2)

    @guarded()
    def paint(self, painter: QPainter, option, widget=None) -> None:
        s = self._size
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("white"), max(0.8, s * 0.08)))
        painter.setBrush(QBrush(QColor(FLAG_COLORS.get(self.kind, "#c62f3b"))))
        painter.drawEllipse(QPointF(0.0, 0.0), s / 2, s / 2)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(1, int(s * 0.8)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(-s / 2, -s / 2, s, s), Qt.AlignmentFlag.AlignCenter,
                         _SYMBOLS.get(self.kind, "!"))


class NeuronFlagMarks:
    """The badges on a scene's cards for a list of flags (made again only when it changes)."""

    def __init__(self):
        self.items: list[NeuronFlagItem] = []
        self._shown: tuple = ()

    def show(self, scene, layer_ids: list[str], flags) -> None:
        """Mark each :class:`~nnviz.engine.gradient_health.NeuronFlag` (``flag.layer`` indexes
        the chain's layers after the input, ``layer_ids[flag.layer + 1]``)."""
        key = (id(scene), tuple(layer_ids), tuple(flags),
               tuple(id(card) for card in scene.layer_items()))
        if key == self._shown and all(_alive(item) for item in self.items):
            return
        self.clear()
        self._shown = key
        for flag in flags:
            try:
                card = scene.layer_item(layer_ids[flag.layer + 1])
            except (KeyError, IndexError):
                continue
            if flag.unit >= len(card.offsets):
                continue  # a condensed card shows fewer circles than units
            self.items.append(NeuronFlagItem(
                card, flag.unit, flag.kind, f"{card.name}, neuron {flag.unit + 1}: {flag.reason}"))

    def clear(self) -> None:
        """No badges."""
        for item in self.items:
            if _alive(item):
                item.scene().removeItem(item)
        self.items = []
        self._shown = ()


def _alive(item: QGraphicsItem) -> bool:
    """Whether ``item`` is still on a scene (its card's removal deletes it with the card)."""
    return shiboken6.isValid(item) and item.scene() is not None
