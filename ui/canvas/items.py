"""The layer cards of the canvas: :class:`LayerItem` and its parts.

A layer is a rounded card holding a column of neuron circles (:class:`NeuronItems`, one
item painting them all), with an input port on its left edge and an output port on its
right (:class:`PortItem`), and a label above it (:class:`LayerLabelItem`: name, units,
activation). Validation messages pinned under a layer are :class:`ui.canvas.callouts.ProblemItem`.

The items only draw and report gestures; every change of the design goes through the
scene, which calls the design's commands and redraws on the design's events.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.canvas import style
from ui.canvas.label import LayerLabelItem, LayerStatsItem
from ui.canvas.text import (  # noqa: F401 (short_number, em_width: re-exported)
    CONDENSED_STRETCH,
    _font,
    _map,
    _scale_of,
    em_width,
    pixel_font,
    short_number,
)
from ui.errors import guarded

if TYPE_CHECKING:  # the scene imports this module
    from ui.canvas.scene import CanvasScene


class NeuronItems(QGraphicsItem):
    """All neurons of one layer, painted by one item (a child of the :class:`LayerItem`).

    A neuron is a circle filled by its activation ``a`` (orange for ``a > 0``, blue for
    ``a < 0``, strength ``|a| / max|a|`` over the layer) and ringed by its bias ``b`` (ring
    width grows with ``|b| / max|b|``, colour its sign). Zoomed out far, the column is one
    image strip; zoomed in, each visible circle is drawn with its label (``x1``, ``h2``,
    ``y1``) and, with numbers on, its value.
    """

    def __init__(self, parent: LayerItem):
        super().__init__(parent)
        self._layer = parent
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        # Kept as a device-pixel image: while training the connections change every frame
        # but the neurons do not, and the view repaints its whole viewport (a blit, not
        # a circle, label and number per neuron).
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._values: np.ndarray | None = None
        self._bias: np.ndarray | None = None
        self._show_numbers = False
        self._main: np.ndarray | None = None  # the number written inside each circle
        self._sub: np.ndarray | None = None  # a second number written under each circle
        self._sub_label = ""
        self.hidden = False  # predict, then reveal: "?" written for every value
        self._fills: np.ndarray | None = None
        self._strip: QImage | None = None
        self._labels: dict[tuple[str, float], QStaticText] = {}
        self._class_names: list[str] | None = None
        self._names: list[str] | None = None  # the input neurons' feature names
        self._class_colors: list[QColor] | None = None
        #: The numbers' width in percent (presentation mode: condensed, see
        #: :data:`CONDENSED_STRETCH`).
        self._stretch = 100

    def set_condensed(self, on: bool) -> None:
        """Write the numbers condensed (presentation mode), so they can be taller."""
        stretch = CONDENSED_STRETCH if on else 100
        if stretch != self._stretch:
            self._stretch = stretch
            self.update()

    # values
    def set_values(self, values: np.ndarray | None) -> None:
        """The activations to fill the neurons with (shape ``(units,)``), or None."""
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.ndim == 2:
                values = np.asarray(values[0])  # a batch: show its first sample
            if values.shape != (self._layer.units,):
                values = None
        self._values = values
        self._fills = None
        self._strip = None
        self.update()

    def set_bias(self, bias: np.ndarray | None) -> None:
        """The layer's bias (shape ``(units,)``), drawn as each neuron's ring, or None."""
        if bias is not None:
            bias = np.asarray(bias, dtype=np.float64)
            if bias.shape != (self._layer.units,):
                bias = None
        self._bias = bias
        self._strip = None
        self.update()

    def set_show_numbers(self, on: bool) -> None:
        """Write each neuron's value inside it when zoomed in far enough."""
        self._show_numbers = bool(on)
        self.update()

    def set_numbers(self, main: np.ndarray | None, sub: np.ndarray | None = None,
                    sub_label: str = "") -> None:
        """The numbers to write on the neurons when zoomed in (shape ``(units,)`` each).

        ``main`` goes inside the circle (the value its fill shows: ``a``, or ``dL/dz``
        during the backward pass), ``sub`` under it, prefixed by ``sub_label`` (``z``,
        ``a``, ``target``). None writes the fill values inside and nothing under.
        """
        units = self._layer.units

        def fit(array):
            if array is None:
                return None
            array = np.asarray(array, dtype=np.float64)
            if array.ndim == 2:
                array = array[0]
            return array if array.shape == (units,) else None

        self._main, self._sub, self._sub_label = fit(main), fit(sub), str(sub_label)
        self.update()

    def fit_units(self) -> None:
        """Drop every per-neuron array that no longer has one entry per unit.

        Called when the layer's unit count changes: the fill values, the bias rings and
        both written numbers are checked together, so no paint can index past the end of
        an array sized for the old count. The cached fills and strip are rebuilt.
        """
        shape = (self._layer.units,)

        def kept(array: np.ndarray | None) -> np.ndarray | None:
            return array if array is not None and array.shape == shape else None

        self._values = kept(self._values)
        self._bias = kept(self._bias)
        self._main = kept(self._main)
        self._sub = kept(self._sub)
        self._fills = None
        self._strip = None
        self.update()

    def numbers(self) -> tuple[np.ndarray | None, np.ndarray | None, str]:
        """``(main, sub, sub_label)`` as written on the neurons (main falls back to the fill)."""
        main = self._main if self._main is not None else self._values
        return main, self._sub, self._sub_label

    def set_class_names(self, names: list[str] | None) -> None:
        """Names written beside the neurons (an output layer's classes), or None.

        Used only when there is one name per neuron.
        """
        self.prepareGeometryChange()
        names = [str(n) for n in names] if names else None
        self._class_names = names if names and len(names) == self._layer.units else None
        self.update()

    def set_names(self, names: list[str] | None) -> None:
        """The neurons' own names (an input layer's features: x1, x2, x1², sin x1), or None
        for the kind's letter and number. Used only when there is one name per neuron."""
        self.prepareGeometryChange()
        names = [str(n) for n in names] if names else None
        self._names = names if names and len(names) == self._layer.units else None
        self._labels.clear()
        self.update()

    def name(self, k: int) -> str:
        """Neuron ``k``'s name as written on it: its feature, or ``x1``, ``h2``, ``y1``."""
        if self._names is not None and k < len(self._names):
            return self._names[k]
        return f"{style.neuron_prefix(self._layer.kind)}{k + 1}"

    def class_names(self) -> list[str] | None:
        """The class names written beside the neurons, or None."""
        return list(self._class_names) if self._class_names else None

    def set_class_colors(self, colors: list[str] | None) -> None:
        """Each neuron's class colour (an output layer's) as a mark right of the card, or
        None; used only with one colour per neuron."""
        self.prepareGeometryChange()
        marks = [QColor(c) for c in colors] if colors else None
        self._class_colors = marks if marks and len(marks) == self._layer.units else None
        self.update()

    def class_mark_colors(self) -> list[str] | None:
        """The colour (``#rrggbb``) of each neuron's class mark, or None without marks."""
        return [c.name() for c in self._class_colors] if self._class_colors else None

    def _mark_size(self) -> tuple[float, float]:
        """``(gap, diameter)`` of the class marks in scene units (so the room
        :meth:`names_extent` keeps for them holds at every zoom). A gap, the dot and a gap
        fit the 14 units the class names always kept before their text: the marks do
        not widen the network, nor shrink it when the view fits it."""
        return 3.0, min(0.75 * self._layer.radius, 8.0)

    def class_mark_rect(self, k: int) -> QRectF | None:
        """Where neuron ``k``'s class mark is drawn (item coordinates), or None without."""
        if not self._class_colors or not 0 <= k < len(self._class_colors):
            return None
        gap, size = self._mark_size()
        return QRectF(style.CARD_WIDTH / 2 + gap, float(self._layer.offsets[k]) - size / 2,
                      size, size)

    def names_extent(self) -> float:
        """How far (scene units) the class marks and names reach right of the card (or 0)."""
        extent = 0.0
        if self._class_colors:
            gap, size = self._mark_size()
            extent = 2 * gap + size
        if self._class_names:
            widest = max(em_width(name) for name in self._class_names)
            extent = max(extent, 14.0) + widest * self._layer.radius * 0.62
        return extent

    def left_extent(self) -> float:
        """How far (scene units) the feature names reach left of the card's edge (0 without)."""
        if not self._names:
            return 0.0
        return 14.0 + max(em_width(name) for name in self._names) * self._layer.radius * 0.62

    def text_pixel_sizes(self, scale: float) -> dict[str, float | None]:
        """The pixel sizes of the texts on the neurons at view ``scale`` (pixels per unit).

        ``{"value": v, "caption": c, "name": n, "class": k}``: the number inside a circle
        (as large as fits its widest number: ``min(0.8 r, 1.8 r / em width)`` with ``r``
        the radius on screen), the caption under it (in the gap between two circles), the
        neuron's name (``h1``, in the card's margin) and the class names. A size below
        its legible minimum (``style.VALUE_MIN_PX`` ...) is None: that text is not
        written, and the tooltip gives it instead.
        """
        layer = self._layer
        r = layer.radius * scale
        main, sub, label = self.numbers()
        texts = [short_number(v) for v in main] if main is not None else ["-0.00"]
        # Regular weight: bold digits are 10 % wider, and at these sizes need not be bold.
        value = min(0.8 * r, 1.8 * r / max(em_width(t, False, self._stretch) for t in texts),
                    style.VALUE_MAX_PX)
        gap = max(layer.spacing - 2 * layer.radius, layer.radius * 0.6) * scale
        captions = ([f"{label} {short_number(v)}".strip() for v in sub] if sub is not None
                    else ["z -0.00"])
        caption = min(0.8 * gap, self._caption_width(scale) / max(em_width(t) for t in captions),
                      0.85 * value)
        # The name sits between the input port (on the card's edge) and the circle.
        margin = (style.CARD_WIDTH / 2 - layer.radius) * scale - style.PORT_RADIUS_PX - 3 - 0.1 * r
        name = min(0.6 * r, 0.95 * margin / em_width(f"{style.neuron_prefix(layer.kind)}"
                                                     f"{layer.units}", True))
        klass = min(max(0.62 * r, style.CLASS_NAME_MIN_PX), style.VALUE_MAX_PX)
        return {
            "value": value if value >= style.VALUE_MIN_PX else None,
            "caption": caption if caption >= style.CAPTION_MIN_PX else None,
            "name": name if name >= style.CAPTION_MIN_PX else None,
            "class": klass,
        }

    @staticmethod
    def _caption_width(scale: float) -> float:
        """The pixels a caption may take: the card's width less a port and a gap each side
        (the captions of a layer's middle neurons are level with its ports)."""
        return style.CARD_WIDTH * scale - 2 * (style.PORT_RADIUS_PX + 5)

    def caption_slot(self, k: int, scale: float) -> QRectF:
        """Where neuron ``k``'s caption is written (item coordinates, at view ``scale``):
        under its circle, between the ports, and never past the card's bottom edge."""
        layer = self._layer
        gap = max(layer.spacing - 2 * layer.radius, layer.radius * 0.6)
        width = self._caption_width(scale) / scale
        top = float(layer.offsets[k]) + layer.radius
        bottom = min(top + gap, layer.height / 2 - 2.0 / scale)
        return QRectF(-width / 2, top, width, max(bottom - top, 0.0))

    def caption_text_rect(self, k: int, scale: float) -> QRectF | None:
        """The rectangle neuron ``k``'s caption text covers (item coordinates, at view
        ``scale``), or None when no caption is written at that zoom."""
        main, sub, label = self.numbers()
        size = self.text_pixel_sizes(scale)["caption"]
        if sub is None or size is None:
            return None
        slot = self.caption_slot(k, scale)
        device = QRectF(slot.left() * scale, slot.top() * scale, slot.width() * scale,
                        slot.height() * scale)
        text = QFontMetricsF(pixel_font(size)).boundingRect(
            device, int(Qt.AlignmentFlag.AlignCenter), f"{label} {short_number(sub[k])}".strip())
        return QRectF(text.left() / scale, text.top() / scale, text.width() / scale,
                      text.height() / scale)

    def values(self) -> np.ndarray | None:
        """The activations shown, or None."""
        return self._values

    def bias(self) -> np.ndarray | None:
        """The biases shown, or None."""
        return self._bias

    def _fill_argb(self) -> np.ndarray:
        if self._fills is None:
            colors = self._layer.colors
            if self._values is None:
                self._fills = style.value_argb(np.zeros(self._layer.units), 1.0, colors)
            else:
                peak = np.nanmax(np.abs(self._values)) if self._values.size else 0.0
                peak = float(peak) if np.isfinite(peak) and peak > 0 else 1.0
                self._fills = style.value_argb(self._values, peak, colors, strength=0.85)
        return self._fills

    # QGraphicsItem
    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        r = style.CARD_WIDTH / 2
        # The whole card: the last neuron's caption is written down to its bottom edge (the
        # cached picture is cut at this rectangle: "target 0.00" lost its lower half).
        h = max(self._layer.height, self._layer.units * self._layer.spacing + 8)
        # Class names beside the card: room for them at the smallest zoom they show at.
        extra = 2.2 * self.names_extent()
        left = 2.2 * self.left_extent()
        return QRectF(-r - left, -h / 2, 2 * r + extra + left, h)

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        layer = self._layer
        colors = layer.colors
        scale = _scale_of(painter)
        radius = layer.radius
        if radius * scale < style.CIRCLE_MIN_RADIUS_PX:
            self._paint_strip(painter)
            return
        offsets = layer.offsets
        exposed = option.exposedRect if option is not None else self.boundingRect()
        lo = int(np.searchsorted(offsets, exposed.top() - radius - 4, side="left"))
        hi = int(np.searchsorted(offsets, exposed.bottom() + radius + 4, side="right"))
        if hi <= lo:
            return
        fills = self._fill_argb()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        bias = self._bias
        if bias is not None:
            bpeak = float(np.nanmax(np.abs(bias))) if bias.size else 0.0
            bpeak = bpeak if np.isfinite(bpeak) and bpeak > 0 else 1.0
        label_on = radius * scale >= style.LABEL_MIN_RADIUS_PX
        main, sub, sub_label = self.numbers()
        sizes = self.text_pixel_sizes(scale) if label_on else {}
        numbers_on = self._show_numbers and (main is not None or self.hidden) \
            and sizes.get("value") is not None
        if label_on and not numbers_on:
            label_font = _font(max(6.0, radius * 0.55), bold=True)
        fill_colors = [QColor.fromRgba(int(c)) for c in fills[lo:hi]]
        # One iteration per *visible* neuron: at this zoom level at most a few dozen.
        for k in range(lo, hi):
            y = float(offsets[k])
            if bias is None:
                pen = QPen(colors.neuron_border, max(1.0, radius * 0.07))
            else:
                b = float(bias[k])
                t = min(abs(b) / bpeak, 1.0) if np.isfinite(b) else 0.0
                ring = colors.positive if b >= 0 else colors.negative
                pen = QPen(ring if t > 0.05 else colors.neuron_border,
                           max(1.0, radius * (0.07 + 0.2 * t)))
            painter.setPen(pen)
            fill = fill_colors[k - lo]
            painter.setBrush(QBrush(fill))
            painter.drawEllipse(QPointF(0.0, y), radius, radius)
            if not label_on or numbers_on or self._names is not None:
                continue  # (feature names are written left of the card instead)
            dark_fill = fill.lightnessF() < 0.55
            painter.setPen(QColor("#ffffff") if dark_fill else colors.title)
            painter.setFont(label_font)
            label = self._static_text(self.name(k), label_font)
            size = label.size()
            painter.drawStaticText(QPointF(-size.width() / 2, y - size.height() / 2), label)
        if numbers_on and main is not None:
            self._paint_numbers(painter, lo, hi, fill_colors, sizes, main, sub, sub_label)
        if self._class_colors:
            self._paint_class_marks(painter, lo, hi)
        if label_on and self._class_names:
            _paint_side_names(self, painter, lo, hi, sizes["class"] or 0.0, self._class_names)
        if label_on and self._names:
            _paint_side_names(self, painter, lo, hi, sizes["class"] or 0.0, self._names, left=True)

    def _paint_numbers(self, painter: QPainter, lo: int, hi: int, fill_colors: list,
                       sizes: dict, main: np.ndarray, sub: np.ndarray | None,
                       sub_label: str) -> None:
        """The value inside each circle, its name left of it and a caption under it.

        Drawn in device pixels (sizes from :meth:`text_pixel_sizes`), so the type is as
        large as the zoom allows and never smaller than legible.
        """
        layer, colors = self._layer, self._layer.colors
        t = painter.worldTransform()
        scale = _scale_of(painter)
        r = layer.radius * scale
        half = style.CARD_WIDTH / 2 * scale
        value_font = pixel_font(sizes["value"], stretch=self._stretch)
        name_font = pixel_font(sizes["name"], bold=True) if sizes["name"] and \
            self._names is None else None  # feature names are written left of the card
        caption_font = pixel_font(sizes["caption"]) if sizes["caption"] and sub is not None else None
        centre = Qt.AlignmentFlag.AlignCenter
        painter.save()
        painter.resetTransform()
        for k in range(lo, hi):
            c = _map(t, 0.0, float(layer.offsets[k]))
            if name_font is not None:
                painter.setPen(colors.title)
                painter.setFont(name_font)
                # Right-aligned against the circle: clear of the input port on the edge.
                gutter = style.PORT_RADIUS_PX + 3
                painter.drawText(QRectF(c.x() - half + gutter, c.y() - r,
                                        half - gutter - r * 1.1, 2 * r),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 self.name(k))
            dark_fill = fill_colors[k - lo].lightnessF() < 0.55
            painter.setPen(QColor("#ffffff") if dark_fill else colors.title)
            painter.setFont(value_font)
            painter.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), centre,
                             "?" if self.hidden else short_number(main[k]))
            if caption_font is not None and sub is not None:
                painter.setPen(colors.muted)
                painter.setFont(caption_font)
                painter.drawText(t.mapRect(self.caption_slot(k, scale)), centre,
                                 f"{sub_label} {short_number(sub[k])}".strip())
        painter.restore()

    def _paint_class_marks(self, painter: QPainter, lo: int, hi: int) -> None:
        """Each neuron's class colour as a dot right of the card, like the class's points
        in the output map (output cards have no output port there)."""
        # A thin ring in the card's border colour keeps a dot that is close to the
        # canvas's own colour (the grey class on the dark theme) apart from it.
        pen = QPen(self._layer.colors.neuron_border, 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        assert self._class_colors is not None  # painted only when there are marks
        for k in range(lo, hi):
            painter.setBrush(QBrush(self._class_colors[k]))
            painter.drawEllipse(cast(QRectF, self.class_mark_rect(k)))

    def _static_text(self, text: str, font: QFont) -> QStaticText:
        """A laid-out label, cached: drawing it again costs far less than ``drawText``."""
        key = (text, font.pointSizeF())
        static = self._labels.get(key)
        if static is None:
            static = QStaticText(text)
            static.prepare(QTransform(), font)
            self._labels[key] = static
        return static

    def _paint_strip(self, painter: QPainter) -> None:
        """Zoomed out: the whole column as a 1-pixel-wide image, one pixel per neuron."""
        if self._strip is None:
            argb = np.ascontiguousarray(self._fill_argb().astype(np.uint32))
            image = QImage(argb.data, 1, len(argb), 4, QImage.Format.Format_ARGB32)
            self._strip = image.copy()
        layer = self._layer
        h = layer.units * layer.spacing
        w = max(2 * layer.radius, 8.0 / _scale_of(painter))  # at least 8 px wide on screen
        rect = QRectF(-w / 2, -h / 2, w, h)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(rect, self._strip)
        border = QColor(layer.colors.neuron_border)
        border.setAlpha(90)
        pen = QPen(border, 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)


def _paint_side_names(item: NeuronItems, painter: QPainter, lo: int, hi: int, pixels: float,
                      names: list[str], left: bool = False) -> None:
    """Each neuron's name beside ``item``'s card: an output layer's class names right of it
    (past the output port, or past the class marks); with ``left``, an input layer's
    feature names left of it."""
    layer = item._layer
    t = painter.worldTransform()
    scale = _scale_of(painter)
    start = style.PORT_RADIUS_PX + 8
    if item._class_colors and not left:
        gap, size = item._mark_size()
        start = max(start, (2 * gap + size) * scale)
    font = pixel_font(pixels, bold=True)
    height = QFontMetricsF(font).height()
    painter.save()
    painter.resetTransform()
    painter.setFont(font)
    painter.setPen(layer.colors.title)
    side = -1.0 if left else 1.0
    align = Qt.AlignmentFlag.AlignRight if left else Qt.AlignmentFlag.AlignLeft
    for k in range(lo, hi):
        c = _map(t, side * style.CARD_WIDTH / 2, float(layer.offsets[k]))
        width = em_width(names[k], True) * pixels + 8
        x = c.x() - start - width if left else c.x() + start
        painter.drawText(QRectF(x, c.y() - height / 2, width, height),
                         align | Qt.AlignmentFlag.AlignVCenter, names[k])
    painter.restore()


class PortItem(QGraphicsItem):
    """A layer's input (``role="in"``, left edge) or output (``role="out"``, right edge) port.

    Dragging from an output port to another layer's input port (or the other way round)
    asks the scene to connect the two layers. Ports keep their size on screen at any zoom
    so that they stay easy to grab.
    """

    def __init__(self, parent: LayerItem, role: str):
        super().__init__(parent)
        self.layer = parent
        self.role = role
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        # A frame repaints every port: as a cached image it costs a blit, not a paint call.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._hover = False
        self._state: str | None = None  # "ok" / "bad" while a wiring drag hovers it
        self.setToolTip("Drag to another layer's input port to connect"
                        if role == "out" else "Drop a connection here")

    def set_state(self, state: str | None) -> None:
        """Mark the port as a valid ("ok") or refused ("bad") wiring target, or neither."""
        if state != self._state:
            self._state = state
            self.update()

    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        r = style.PORT_RADIUS_PX + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    @guarded(QPainterPath)
    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = style.PORT_RADIUS_PX + 3  # a little larger than drawn: easier to hit
        path.addEllipse(QPointF(0, 0), r, r)
        return path

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = self.layer.colors
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        r = style.PORT_RADIUS_PX + (1.5 if self._hover or self._state else 0)
        ring = {"ok": colors.ok, "bad": colors.error}.get(self._state or "", colors.kind(self.layer.kind))
        painter.setPen(QPen(ring, 2.0))
        painter.setBrush(QBrush(ring if (self._hover or self._state) else colors.card))
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setBrush(QBrush(colors.card if (self._hover or self._state) else ring))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QPointF(0, 0), r * 0.38, r * 0.38)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self._hover = False
        self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        cast("CanvasScene", self.scene()).begin_wire(self, event.scenePos())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        cast("CanvasScene", self.scene()).update_wire(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        cast("CanvasScene", self.scene()).end_wire(event.scenePos())


#: What a card's bounding rect adds around the card for its shadow (left, top, right, bottom).
SHADOW_MARGINS = (-8, -8, 8, 10)


class LayerItem(QGraphicsItem):
    """One layer of the design as a card; moved by dragging, selected by clicking.

    The item's position is the layer's centre ``(spec.x, spec.y)``. A drag moves the item
    live; the scene records the move in the design (one undo step) on mouse release.
    """

    def __init__(self, spec, colors: style.CanvasColors,
                 on_moved: Callable[[LayerItem], None] | None = None):
        super().__init__()
        self.layer_id: str = spec.id
        self.colors = colors
        self._on_moved = on_moved
        self._highlight = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setZValue(style.Z_LAYER)
        # The card changes rarely (selection, theme); its neurons are a separate child item
        # that repaints on every training frame, so the card is kept as a cached pixmap.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.neurons = NeuronItems(self)
        self.in_port = PortItem(self, "in")
        self.out_port = PortItem(self, "out")
        self.label = LayerLabelItem(self)
        self.stats = LayerStatsItem(self)  # its size (ui.analysis_view writes it)
        self.sync(spec)

    def set_text_scale(self, factor: float) -> None:
        """Larger type (presentation mode) or the normal (1.0) for the layer's name, its
        size line and its neurons' numbers (condensed, so they can be taller)."""
        self.label.set_text_scale(factor)
        self.stats.set_text_scale(factor)
        self.neurons.set_condensed(factor > 1.0)

    # the spec
    def sync(self, spec) -> None:
        """Take the name, kind, units, activation and position of ``spec``."""
        self.prepareGeometryChange()
        self.kind = spec.kind
        self.name = spec.name
        self.activation = spec.activation
        self.units = int(spec.units)
        self.spacing = style.neuron_spacing(self.units)
        self.radius = style.neuron_radius(self.units)
        self.offsets = style.neuron_offsets(self.units)
        self.height = style.card_height(self.units)
        half_w, half_h = style.CARD_WIDTH / 2, self.height / 2
        self.in_port.setPos(-half_w, 0.0)
        self.out_port.setPos(half_w, 0.0)
        self.in_port.setVisible(self.kind != "input")
        self.out_port.setVisible(self.kind != "output")
        self.label.setPos(0.0, -half_h - 6)
        self.stats.setPos(0.0, half_h + 3)
        self.label.refresh()
        self.neurons.prepareGeometryChange()
        self.neurons.fit_units()
        self.set_design_pos(spec.x, spec.y)
        self.update()

    def set_design_pos(self, x: float, y: float) -> None:
        """Put the card where the design says, without treating it as a user's move."""
        if (self.pos().x(), self.pos().y()) != (x, y):
            self.setPos(x, y)

    def set_colors(self, colors: style.CanvasColors) -> None:
        """Use the colours of another theme."""
        self.colors = colors
        self.neurons.set_values(self.neurons.values())
        for child in (self.in_port, self.out_port, self.label):
            child.update()
        self.update()

    def set_highlight(self, on: bool) -> None:
        """Draw a glow around the card (the layer the stepper is working on)."""
        if on != self._highlight:
            self._highlight = on
            self.update()

    # geometry helpers for the scene
    def card_rect(self) -> QRectF:
        """The card in item coordinates."""
        return QRectF(-style.CARD_WIDTH / 2, -self.height / 2, style.CARD_WIDTH, self.height)

    def neuron_scene_y(self) -> np.ndarray:
        """The scene ``y`` of every neuron."""
        return self.offsets + self.pos().y()

    def neuron_at(self, pos: QPointF) -> int | None:
        """The index of the neuron at ``pos`` (item coordinates), or None."""
        if self.units == 0 or abs(pos.x()) > max(self.radius, 3.0):
            return None
        k = int(np.floor((pos.y() - self.offsets[0]) / self.spacing + 0.5))
        if 0 <= k < self.units and abs(pos.y() - self.offsets[k]) <= max(self.radius, self.spacing / 2):
            return k
        return None

    # QGraphicsItem
    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.card_rect().adjusted(*SHADOW_MARGINS)

    @guarded(QPainterPath)
    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), style.CARD_RADIUS, style.CARD_RADIUS)
        return path

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        colors = self.colors
        rect = self.card_rect()
        radius = style.CARD_RADIUS
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # A soft drop shadow: two offset translucent cards.
        painter.setPen(Qt.PenStyle.NoPen)
        shadow = QColor(colors.shadow)
        for dy, grow in ((3.0, 1.5), (1.5, 0.5)):
            painter.setBrush(shadow)
            painter.drawRoundedRect(rect.adjusted(-grow, dy - grow, grow, dy + grow), radius, radius)
        if self._highlight:
            glow = QColor(colors.kind(self.kind))
            glow.setAlpha(70)
            painter.setBrush(glow)
            painter.drawRoundedRect(rect.adjusted(-6, -6, 6, 6), radius + 5, radius + 5)
        painter.setBrush(QBrush(colors.card))
        selected = self.isSelected()
        border = QPen(colors.selection if selected else colors.card_border, 2.0 if selected else 1.0)
        border.setCosmetic(True)
        painter.setPen(border)
        painter.drawRoundedRect(rect, radius, radius)
        # The kind's colour as a strip along the top edge, inside the rounded corners.
        clip = QPainterPath()
        clip.addRoundedRect(rect, radius, radius)
        painter.save()
        painter.setClipPath(clip)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.kind(self.kind))
        painter.drawRect(QRectF(rect.left(), rect.top(), rect.width(), style.ACCENT_HEIGHT))
        painter.restore()

    def itemChange(self, change, value):  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self._on_moved:
            self._on_moved(self)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(style.Z_LAYER_SELECTED if bool(value) else style.Z_LAYER)
        return super().itemChange(change, value)

