"""The canvas's callouts: :class:`ProblemItem`, a validation message in a bubble under the
layer card it concerns, above every card."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.canvas import style
from ui.canvas.text import _font
from ui.errors import guarded

if TYPE_CHECKING:
    from ui.canvas.items import LayerItem


class ProblemItem(QGraphicsItem):
    """A validation message in a bubble, pinned under the layer it concerns (screen-sized).

    A scene item of its own at ``style.Z_PROBLEM`` (above every card); :attr:`layer` is the
    card it is pinned under (None for a message about the whole design).
    """

    MAX_WIDTH = 260.0

    def __init__(self, message: str, colors: style.CanvasColors, error: bool = False):
        super().__init__()
        self.message = message
        #: The card this bubble sits under, or None.
        self.layer: LayerItem | None = None
        self._colors = colors
        self._error = error
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(style.Z_PROBLEM)
        # Qt reads a tooltip that looks like markup as HTML: the message quotes layer names.
        self.setToolTip("<p style='white-space:pre-wrap'>" + html.escape(message) + "</p>")
        self._font = _font(9.0)
        metrics = QFontMetricsF(self._font)
        text = metrics.boundingRect(QRectF(0, 0, self.MAX_WIDTH, 1000),
                                    int(Qt.TextFlag.TextWordWrap), message)
        self._text_rect = QRectF(26, 7, text.width() + 2, text.height())
        self._rect = QRectF(0, 0, self._text_rect.right() + 10, self._text_rect.bottom() + 7)

    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect.adjusted(-1, -1, 1, 1)

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        accent = self._colors.error if self._error else self._colors.warning
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fill = QColor(self._colors.bubble)
        painter.setBrush(fill)
        painter.setPen(QPen(accent, 1.2))
        painter.drawRoundedRect(self._rect, 7, 7)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawEllipse(QPointF(14, self._text_rect.top() + 7.5), 7, 7)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(_font(8.5, bold=True))
        painter.drawText(QRectF(7, self._text_rect.top() + 0.5, 14, 14), Qt.AlignmentFlag.AlignCenter, "!")
        painter.setFont(self._font)
        painter.setPen(self._colors.title)
        painter.drawText(self._text_rect, int(Qt.TextFlag.TextWordWrap), self.message)


def layout_bubbles(bubbles, layers, scale: float) -> float:
    """Move the layers' message ``bubbles`` apart so that none covers another; return how
    far (screen pixels) the lowest reaches below its card (the view's fit keeps it in view).

    A bubble has its size in screen pixels, its anchor under its layer in the scene: at
    the view ``scale``, a bubble that would overlap one to its left is moved down below it
    (bubbles are taken left to right). ``layers`` are all the cards: a bubble never
    reaches past the network's right edge (fit leaves no room there).
    """
    pinned = [b for b in bubbles if b.layer is not None]
    placed: list[QRectF] = []
    depth = 0.0
    right = max((item.sceneBoundingRect().right() for item in layers), default=0.0) * scale
    for bubble in sorted(pinned, key=lambda b: b.layer.pos().x()):
        layer = bubble.layer
        anchor = layer.pos() + QPointF(-style.CARD_WIDTH / 2, layer.height / 2 + 12)
        size = bubble.boundingRect().size()
        below = layer.stats.height_px()  # under the card's size line
        rect = QRectF(anchor.x() * scale, anchor.y() * scale + below, size.width(),
                      size.height())
        if rect.right() > right:
            rect.moveRight(right)
        for other in sorted(placed, key=lambda r: r.top()):
            if rect.intersects(other):
                rect.moveTop(other.bottom() + 6)
        placed.append(rect)
        depth = max(depth, rect.bottom() - (anchor.y() - 12) * scale)
        bubble.setPos(rect.left() / scale, rect.top() / scale)
    return depth
