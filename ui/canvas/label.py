"""A layer card's texts at screen size: :class:`LayerLabelItem` (name, "units ·
activation" and a note) centred above the card, :class:`LayerStatsItem` (its parameters and
output shape, from :mod:`nnviz.analysis.network_analysis`) centred under it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.canvas.text import _font
from ui.errors import guarded

if TYPE_CHECKING:
    from ui.canvas.items import LayerItem


class LayerLabelItem(QGraphicsItem):
    """The layer's name and "units · activation", centred above its card, at screen size."""

    def __init__(self, parent: LayerItem):
        super().__init__(parent)
        self._layer = parent
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        # The title is part of its card: a click selects the layer (Ctrl adds it), a drag
        # moves it. It took no clicks before, and a click on it cleared the selection, so
        # Delete after clicking a layer's name did nothing.
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._scale = 1.0
        self._title_font = _font(10.5, bold=True)
        self._detail_font = _font(9.0)
        self._rect = QRectF()
        self._note = ""

    def set_text_scale(self, factor: float) -> None:
        """Larger (or smaller) type: 10.5 pt name and 9 pt details times ``factor``."""
        self._scale = float(factor)
        self._title_font = _font(10.5 * self._scale, bold=True)
        self._detail_font = _font(9.0 * self._scale)
        self.refresh()

    # The card's own handlers (Qt's select-and-move) take the title's presses, drags and
    # releases: they work in scene coordinates, so the card moves as if grabbed itself.
    def mousePressEvent(self, event) -> None:  # noqa: N802
        QGraphicsItem.mousePressEvent(self._layer, event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        QGraphicsItem.mouseMoveEvent(self._layer, event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        QGraphicsItem.mouseReleaseEvent(self._layer, event)

    def text_scale(self) -> float:
        """The factor set by :meth:`set_text_scale` (1.0 = normal)."""
        return self._scale

    def set_note(self, note: str) -> None:
        """A third line under the details (e.g. "numbers: before the update"), or ''."""
        if note != self._note:
            self._note = note
            self.refresh()

    def note(self) -> str:
        """The note line drawn under the details ('' for none)."""
        return self._note

    def texts(self) -> tuple[str, str]:
        """(name, details) as drawn: e.g. ("Hidden 1", "3 units · relu")."""
        layer = self._layer
        unit_word = "unit" if layer.units == 1 else "units"
        details = f"{layer.units} {unit_word}"
        if layer.kind != "input":
            details += f" · {layer.activation}"
        return layer.name, details

    def refresh(self) -> None:
        """Re-measure after the name, units or activation changed."""
        self.prepareGeometryChange()
        title, details = self.texts()
        detail = QFontMetricsF(self._detail_font)
        w = max(QFontMetricsF(self._title_font).horizontalAdvance(title),
                detail.horizontalAdvance(details), detail.horizontalAdvance(self._note)) + 8
        h = QFontMetricsF(self._title_font).height() + detail.height() + 2
        if self._note:
            h += detail.height()
        self._rect = QRectF(-w / 2, -h, w, h)
        self.update()

    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(self._rect)

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = self._layer.colors
        title, details = self.texts()
        r = self._rect
        th = QFontMetricsF(self._title_font).height()
        painter.setFont(self._title_font)
        painter.setPen(colors.title)
        painter.drawText(QRectF(r.left(), r.top(), r.width(), th), Qt.AlignmentFlag.AlignCenter, title)
        painter.setFont(self._detail_font)
        painter.setPen(colors.muted)
        dh = QFontMetricsF(self._detail_font).height()
        painter.drawText(QRectF(r.left(), r.top() + th, r.width(), dh),
                         Qt.AlignmentFlag.AlignCenter, details)
        if self._note:
            painter.setPen(colors.title)
            painter.drawText(QRectF(r.left(), r.top() + th + dh, r.width(), dh),
                             Qt.AlignmentFlag.AlignCenter, self._note)


class LayerStatsItem(QGraphicsItem):
    """The layer's size under its card ("9 params · out (None, 3)"), at screen size.

    Information only: it takes no clicks (a press there starts a rubber band, as on the
    canvas), and the message bubbles under the card sit below it.
    """

    def __init__(self, parent: LayerItem):
        super().__init__(parent)
        self._layer = parent
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        # Cached as its title is: it changes after an edit, never per frame (and painted
        # straight onto the view's painter it freed memory twice after a failed paint).
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._font = _font(8.5)
        self._text = ""
        self._rect = QRectF()

    def set_text(self, text: str) -> None:
        """The line to show ('' for none)."""
        if text != self._text:
            self._text = text
            self._fit()

    def set_text_scale(self, factor: float) -> None:
        """Larger type (presentation mode: the same factor as the layer's name) or the
        normal 8.5 pt (1.0)."""
        self._font = _font(8.5 * float(factor))
        self._fit()

    def _fit(self) -> None:
        self.prepareGeometryChange()
        metrics = QFontMetricsF(self._font)
        text = self._text
        w = metrics.horizontalAdvance(text) + 8 if text else 0.0
        self._rect = QRectF(-w / 2, 0.0, w, metrics.height() if text else 0.0)
        self.update()

    def text(self) -> str:
        """The line shown ('' for none)."""
        return self._text

    def height_px(self) -> float:
        """Its height in screen pixels (0 without a text)."""
        return self._rect.height()

    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(self._rect)

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._text:
            painter.setFont(self._font)
            painter.setPen(self._layer.colors.muted)
            painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)
