"""What every neuron sees, drawn inside the neurons (TensorFlow Playground's signature view).

For data with two inputs, each hidden and output neuron shows a small map of its activation
over the input plane; for more inputs, a strip of its activations over a sample of the data
(sorted, so the strip reads as a little distribution: pale = near 0, blue = positive,
orange = negative, the canvas's diverging colours).

The training thread computes the numbers (:func:`nnviz.analysis.neuron_maps.neuron_views`, one
forward pass for all neurons); here :func:`layer_image` turns one layer's array into ONE
``QImage`` in NumPy (no loop over neurons), and :class:`NeuronMapItem` - one item per
layer, a child of the layer's card - draws the neurons' parts of it with one
``drawImage`` each, clipped to the circles.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.canvas import style
from ui.errors import guarded

__all__ = ["NeuronMapItem", "layer_image", "MAP_RADIUS", "MIN_RADIUS_PX"]

#: The map fills this fraction of the neuron's radius: the bias ring stays visible.
MAP_RADIUS = 0.8
#: Below this on-screen radius (px) the maps are not drawn (the column is a strip then).
MIN_RADIUS_PX = 4.0


def _colours(values: np.ndarray, colors: style.CanvasColors) -> np.ndarray:
    """ARGB32 colours of ``values`` (last axis = neurons), each neuron scaled to its own peak."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    axes = tuple(range(v.ndim - 1))
    peak = np.max(np.abs(v), axis=axes) if v.size else np.ones(v.shape[-1])
    peak = np.where(peak > 0, peak, 1.0)
    return style.value_argb(v / peak, 1.0, colors, strength=0.92)


def layer_image(view_kind: str, values: np.ndarray, colors: style.CanvasColors) -> QImage:
    """One image for a whole layer: the neurons' maps (or strips) stacked top to bottom.

    ``"plane"``: ``values`` of shape ``(grid, grid, units)`` (``[i, j, k]`` = neuron ``k`` at
    ``(x_i, y_j)``) gives a ``grid`` wide, ``units * grid`` tall image, ``y`` growing
    upwards within each neuron's square as on a plot. ``"batch"``: ``values`` of shape
    ``(n, units)`` gives an ``n`` wide, ``units`` tall image, each row one neuron's
    activations sorted from low to high.
    """
    argb = _colours(values, colors)
    if view_kind == "plane":
        grid, _g2, units = argb.shape
        # Row r of neuron k shows y_(grid-1-r); column c shows x_c.
        pixels = np.transpose(argb[:, ::-1, :], (2, 1, 0)).reshape(units * grid, grid)
    else:
        order = np.argsort(np.asarray(values, dtype=np.float64), axis=0, kind="stable")
        pixels = np.take_along_axis(argb, order, axis=0).T  # (units, n)
    pixels = np.ascontiguousarray(pixels.astype(np.uint32))
    height, width = pixels.shape
    image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32)
    return image.copy()  # own the pixels: the array goes away


class NeuronMapItem(QGraphicsItem):
    """The maps (or strips) of one layer's neurons, drawn inside their circles.

    A child of the layer's :class:`~ui.canvas.items.LayerItem`, above its neurons; it takes
    no mouse buttons, so clicks and drags reach the card and the neurons under it.
    :meth:`set_image` gives it a new layer image (a few times a second while training).
    """

    def __init__(self, layer):
        super().__init__(layer)
        self._layer = layer
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(1)  # over the neuron circles, under the ports
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        # New maps come a few times a second, while the lines around repaint every frame:
        # those repaints blit this cached pixmap instead of clipping and scaling again.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._image: QImage | None = None
        self._kind = "plane"
        self._clip: QPainterPath | None = None
        self._clip_key = None

    def set_image(self, image: QImage | None, kind: str = "plane") -> None:
        """The layer's image from :func:`layer_image` (None: draw nothing)."""
        self._image, self._kind = image, kind
        self.update()

    def image(self) -> QImage | None:
        """The image drawn now, or None."""
        return self._image

    def kind(self) -> str:
        """"plane" (maps over the inputs) or "batch" (strips over a data sample)."""
        return self._kind

    def neuron_rect(self, k: int) -> QRectF:
        """Where neuron ``k``'s map is drawn, in item coordinates."""
        layer = self._layer
        r = layer.radius * MAP_RADIUS
        y = float(layer.offsets[k])
        if self._kind == "plane":
            return QRectF(-r, y - r, 2 * r, 2 * r)
        return QRectF(-r, y - 0.45 * r, 2 * r, 0.9 * r)

    # QGraphicsItem
    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802
        layer = self._layer
        h = layer.units * layer.spacing
        return QRectF(-layer.radius, -h / 2, 2 * layer.radius, h)

    def _clip_path(self) -> QPainterPath:
        layer = self._layer
        key = (layer.units, layer.radius, layer.spacing)
        if self._clip is None or key != self._clip_key:
            path = QPainterPath()
            r = layer.radius * MAP_RADIUS
            for y in layer.offsets.tolist():
                path.addEllipse(QPointF(0.0, y), r, r)
            self._clip, self._clip_key = path, key
        return self._clip

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        image, layer = self._image, self._layer
        if image is None or layer.units == 0:
            return
        t = painter.worldTransform()
        scale = math.hypot(t.m11(), t.m12()) or 1.0
        if layer.radius * scale < MIN_RADIUS_PX:
            return
        per_neuron = image.height() // max(1, layer.units)
        if per_neuron * layer.units != image.height():
            return  # an image of another unit count (the layer was just resized)
        painter.setClipPath(self._clip_path())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._kind == "plane")
        width = image.width()
        exposed = option.exposedRect if option is not None else self.boundingRect()
        reach = layer.radius + 1.0
        for k, y in enumerate(layer.offsets.tolist()):
            if y + reach < exposed.top() or y - reach > exposed.bottom():
                continue
            painter.drawImage(self.neuron_rect(k), image,
                              QRectF(0, k * per_neuron, width, per_neuron))
