"""The numbers written on a bundle's lines (View > Show Weight Values): a part of
:class:`~ui.canvas.connections.ConnectionBundleItem`.

:class:`BundleLabels` switches them on and sizes them, caches where they go
(:func:`~ui.canvas.labels.layout_labels` places them) and paints them, or the one note of
a pair of layers with too many lines to label. It is a mixin, as the scene's parts are:
the bundle holds the state it reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from ui.canvas import style
from ui.canvas.labels import WeightLabels, layout_labels
from ui.canvas.text import em_width, pixel_font

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsItem

    # For the type checker the mixin is the item it is part of; at run time
    # ConnectionBundleItem puts QGraphicsItem after it.
    _Item = QGraphicsItem
else:
    _Item = object

__all__ = ["BundleLabels"]


class BundleLabels(_Item):
    """ConnectionBundleItem's numbers on the lines (see the module)."""

    if TYPE_CHECKING:  # what ConnectionBundleItem holds, named for the type checker
        _colors: style.CanvasColors
        _values: np.ndarray | None
        _previous: np.ndarray | None
        _mode: str
        _x0: float
        _x1: float
        _ys: np.ndarray
        _yt: np.ndarray
        _y0: np.ndarray
        _y1: np.ndarray
        _cache: dict[str, Any]
        _show_labels: bool
        _label_scale: float

    def set_show_labels(self, on: bool) -> None:
        """Write each line's number on it (or a note when there are too many lines)."""
        if bool(on) != self._show_labels:
            self._show_labels = bool(on)
            self.update()

    def show_labels(self) -> bool:
        """Whether the lines' numbers are written on them."""
        return self._show_labels

    def set_label_scale(self, factor: float) -> None:
        """Larger (presentation mode) or normal (1.0) type for the numbers on the lines."""
        if float(factor) != self._label_scale:
            self._label_scale = float(factor)
            self._cache.pop("labels", None)
            self.update()

    def label_pixels(self) -> float:
        """The pixel size the numbers on the lines are written at when they fit (smaller
        where they would not: :attr:`~ui.canvas.labels.WeightLabels.px` says)."""
        return style.WEIGHT_LABEL_PX * self._label_scale

    def weight_labels(self, scale: float) -> WeightLabels:
        """Where the lines' numbers go at view ``scale`` (screen pixels per scene unit),
        cached: see :func:`~ui.canvas.labels.layout_labels`."""
        scale = float(scale)
        key = (scale, self._label_scale, id(self._values), id(self._previous), self._x0, self._x1)
        cached = self._cache.get("labels")
        if cached is not None and cached[0] == key:
            return cached[1]
        labels = layout_labels(self._values, self._previous, self._mode, self._x0, self._x1,
                               self._y0, self._y1, self.label_pixels(), scale,
                               smallest=style.WEIGHT_LABEL_PX)
        self._cache["labels"] = (key, labels)
        return labels

    def _paint_labels(self, painter: QPainter, scale: float) -> None:
        """The numbers on the lines (or the note), in boxes, at screen size."""
        labels = self.weight_labels(scale)
        t = painter.worldTransform()
        colors = self._colors
        px = labels.px  # presentation type, or smaller where that would not fit
        font = pixel_font(px)
        fill = QColor(colors.card)
        fill.setAlpha(238)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setFont(font)
        if labels.note is not None:
            # Between the two cards (which are drawn over the lines), wrapped to fit there.
            left, right = t.map(QPointF(min(self._x0, self._x1), 0)).x(), \
                t.map(QPointF(max(self._x0, self._x1), 0)).x()
            note_w = max(min(right - left - 12, em_width(labels.note) * px + 16, 300.0), 40.0)
            metrics = QFontMetricsF(font)
            text_rect = metrics.boundingRect(QRectF(0, 0, note_w - 12, 10000),
                                             int(Qt.TextFlag.TextWordWrap), labels.note)
            centre = t.map(QPointF((self._x0 + self._x1) / 2,
                                   float(np.concatenate([self._ys, self._yt]).mean())))
            box = QRectF(centre.x() - note_w / 2, centre.y() - text_rect.height() / 2 - 6,
                         note_w, text_rect.height() + 12)
            painter.setPen(QPen(colors.card_border, 1.0))
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 6, 6)
            painter.setPen(colors.title)
            painter.drawText(box.adjusted(6, 6, -6, -6),
                             int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                             labels.note)
            painter.restore()
            return
        assert self._values is not None  # paint writes numbers only where there are values
        flat = self._values.ravel()
        for text, rect, k in zip(labels.texts, labels.rects.tolist(), labels.edges.tolist()):
            top_left = t.map(QPointF(rect[0], rect[1]))
            box = QRectF(top_left.x(), top_left.y(), rect[2] * scale, rect[3] * scale)
            sign = colors.negative if flat[k] < 0 else colors.positive
            painter.setPen(QPen(sign, 1.4))
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(colors.title)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
