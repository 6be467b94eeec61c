"""The connections between two layers, drawn by one item: :class:`ConnectionBundleItem`.

A connection from a layer of ``m`` neurons to one of ``n`` is ``m * n`` lines, one per
weight ``W[i, j]`` (from neuron ``i`` of the source to neuron ``j`` of the target). One
``QGraphicsItem`` paints all of them, because a thousand items would cost a thousand
Python objects and a thousand paint calls per frame.

How a frame stays cheap:

* Every number is computed in NumPy for the whole matrix: a line's width grows with
  ``|w| / s`` (``s`` the largest ``|w|`` on the canvas), its colour says the sign.
  Lines are sorted into a few *pen buckets* (strength level x sign) and each bucket is
  one ``QPainter.drawLines`` call over ``QLineF`` objects that live in one NumPy buffer
  (:class:`LinePool`), so filling them is one array assignment, not a Python loop.
* Only the lines that cross the exposed rectangle are drawn (culled in NumPy).
* With labels on (View > Show Weight Values), each line's number is written on it by the
  same item (:meth:`ConnectionBundleItem.weight_labels` places them in NumPy, near the
  target end, staggered along the lines so that no two collide); a pair of layers with
  too many lines for that gets one note instead.
* Level of detail: when more lines are visible than the screen can show apart
  (more than :data:`~ui.canvas.style.LINE_BUDGET`, or several per pixel row), the bundle
  is drawn as a *density image* of the lines computed in NumPy
  (:class:`~ui.canvas.density.BundleDensity`: made again only when the weights moved
  visibly, which while training is a frame in several) with only the strongest lines on
  top; the canvas's legend says so.
* The magnitudes ``|w|`` are taken once per new matrix (widths, the strongest lines and
  the canvas's scale all read them).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.canvas import style
from ui.canvas.bundle_hits import BundleHits
from ui.canvas.bundle_labels import BundleLabels
from ui.canvas.density import BundleDensity
from ui.canvas.labels import WeightLabels, label_number
from ui.canvas.lines import (
    LinePool,
    clip_segments,
    ink_length,
    segment_distance,
    to_device,
    visible_mask,
)
from ui.errors import guarded

__all__ = ["ConnectionBundleItem", "WeightLabels", "label_number", "neuron_pitch",
           "crowded_note", "LinePool", "clip_segments", "ink_length", "segment_distance",
           "to_device", "visible_mask"]

# One pool for every bundle: painting is sequential on the GUI thread and drawLines copies.
_POOL = LinePool()


class ConnectionBundleItem(BundleLabels, BundleHits, QGraphicsItem):
    """Every line of one layer-to-layer connection, painted by one item.

    ``source_id``/``target_id`` are the design's layer ids. The scene gives it the neuron
    positions (:meth:`set_geometry`) and the values to show (:meth:`set_values`: weights
    ``W`` of shape ``(source units, target units)``, or gradients ``dL/dW``). It is
    selectable as a whole (Delete removes the connection); :meth:`edge_at` finds the single
    line under the mouse for hover and click.
    """

    def __init__(self, source_id: str, target_id: str, colors: style.CanvasColors):
        super().__init__()
        self.source_id = source_id
        self.target_id = target_id
        self._colors = colors
        self.setZValue(style.Z_BUNDLE)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setAcceptHoverEvents(True)
        self._x0 = self._x1 = 0.0
        self._ys = np.zeros(0)
        self._yt = np.zeros(0)
        self._y0 = np.zeros(0)  # per edge, k = i * n_target + j
        self._y1 = np.zeros(0)
        self._coords = np.zeros((0, 4))
        self._rect = QRectF()
        self._exposed = QRectF()  # the part being painted (item coordinates)
        self._values: np.ndarray | None = None
        self._abs = np.zeros(0)  # |values|, NaN as 0: widths, the strongest, the scale
        self._density = BundleDensity()
        #: How the last paint drew a crowded bundle, for the canvas's legend (None: every
        #: line was drawn).
        self.detail_note: str | None = None
        #: Each line's pen as last painted, when that is the whole picture (else None).
        self._painted_keys: np.ndarray | None = None
        self.paint_count = 0  # paints so far (tests and benchmarks count them)
        self._previous: np.ndarray | None = None  # the weights before an update, or None
        self._mode = "weights"
        self._scale = 1.0
        self._hover: tuple[int, int] | None = None
        self._marked: tuple[int, int] | None = None
        self._tolerance = 4.0
        self._cache: dict[str, Any] = {}  # arrays, label layouts, images: one per key
        self._show_labels = False
        self._label_scale = 1.0
        self._pens_for_colors()

    # ------------------------------------------------------------ configuration
    @property
    def key(self) -> tuple[str, str]:
        """``(source_id, target_id)``."""
        return (self.source_id, self.target_id)

    @property
    def shape_units(self) -> tuple[int, int]:
        """``(source units, target units)``: the shape of the matrix this bundle draws."""
        return (len(self._ys), len(self._yt))

    def set_colors(self, colors: style.CanvasColors) -> None:
        """Use the colours of another theme."""
        self._colors = colors
        self._pens_for_colors()
        self._cache.clear()
        self._density.invalidate()
        self.update()

    def set_hit_tolerance(self, tolerance: float) -> None:
        """How far (scene units) from a line the mouse may be and still hit it."""
        self._tolerance = float(tolerance)

    def set_geometry(self, x0: float, source_y: np.ndarray, x1: float, target_y: np.ndarray) -> None:
        """Lines run from ``(x0, source_y[i])`` to ``(x1, target_y[j])`` (scene coordinates)."""
        self.prepareGeometryChange()
        self._x0, self._x1 = float(x0), float(x1)
        self._ys = np.asarray(source_y, dtype=np.float64)
        self._yt = np.asarray(target_y, dtype=np.float64)
        m, n = len(self._ys), len(self._yt)
        self._y0 = np.repeat(self._ys, n)
        self._y1 = np.tile(self._yt, m)
        coords = np.empty((m * n, 4))
        coords[:, 0] = self._x0
        coords[:, 1] = self._y0
        coords[:, 2] = self._x1
        coords[:, 3] = self._y1
        self._coords = coords
        if self._values is not None and self._values.shape != (m, n):
            self._values = None
        ys_all = np.concatenate([self._ys, self._yt]) if m + n else np.zeros(1)
        pad = 4.0
        left, right = min(self._x0, self._x1), max(self._x0, self._x1)
        self._rect = QRectF(left - pad, float(ys_all.min()) - pad,
                            right - left + 2 * pad, float(ys_all.max() - ys_all.min()) + 2 * pad)
        self._hover = self._marked = None
        self._cache.clear()
        self._density.set_geometry(self._x0, self._ys, self._x1, self._yt)
        self.update()

    def set_values(self, values: np.ndarray | None, mode: str = "weights",
                   repaint: bool = True) -> None:
        """Show ``values`` (shape ``(source units, target units)``) or no numbers (None).

        ``mode`` is "weights" or "gradients"; it only changes the words of the tooltip,
        the drawing rule is the same (width from ``|value|``, colour from its sign).
        ``repaint=False``: the caller calls :meth:`repaint_if_changed` once it has set
        the scale too.
        """
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.shape != self.shape_units:
                values = None
        self._values = values
        self._abs = magnitudes(values) if values is not None else np.zeros(0)
        self._mode = mode
        self._cache.clear()
        if repaint:
            self.update()

    def set_previous(self, values: np.ndarray | None) -> None:
        """The weights before the update just shown (None: none). While set, a line whose
        number changed is labelled ``old → new``, so the lines never mix the two."""
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.shape != self.shape_units:
                values = None
        self._previous = values
        self._cache.pop("labels", None)
        self.update()

    def set_value_scale(self, scale: float, repaint: bool = True) -> None:
        """The ``|value|`` that gets the widest pen (the largest one on the canvas)."""
        scale = float(scale) if np.isfinite(scale) and scale > 0 else 1.0
        if scale != self._scale:
            self._scale = scale
            for key in ("levels", "buckets"):  # the pens' widths; nothing else moves
                self._cache.pop(key, None)
            if repaint:
                self.update()

    def repaint_if_changed(self, scale: float | None = None) -> None:
        """Repaint unless the picture stays as painted: every line drawn in the pen it
        was drawn with, no density image and no numbers on the lines. While training, a
        small net's frame often moves no line to another pen: nothing is repainted.
        ``scale``: the new :meth:`set_value_scale` first."""
        if scale is not None:
            self.set_value_scale(scale, repaint=False)
        painted = self._painted_keys
        if painted is None or self._values is None or self._show_labels \
                or not np.array_equal(painted, self._buckets()):
            self.update()

    def max_abs(self) -> float:
        """The largest finite ``|value|`` this bundle shows (0 without values)."""
        if self._values is None or self._abs.size == 0:
            return 0.0
        top = float(self._abs.max())
        if math.isfinite(top):
            return top
        finite = self._abs[np.isfinite(self._abs)]
        return float(finite.max()) if finite.size else 0.0

    # ------------------------------------------------------------ read-only accessors
    def values(self) -> np.ndarray | None:
        """The numbers shown (a read-only view), or None before the network has weights."""
        if self._values is None:
            return None
        view = self._values.view()
        view.flags.writeable = False
        return view

    def edge_widths(self) -> np.ndarray:
        """Each line's pen width in screen pixels when drawn in full, shape ``(m, n)``.

        ``width = 1 + 5 * (level + 1) / L`` with ``level = floor(L * |w| / s)`` clipped to
        ``L - 1`` levels (``s`` the largest ``|w|`` on the canvas); 1.2 px without weights.
        """
        m, n = self.shape_units
        if self._values is None:
            return np.full((m, n), 1.2)
        level = self._levels().reshape(m, n)
        return 1.0 + 5.0 * (level + 1) / style.WIDTH_LEVELS

    def mode(self) -> str:
        """"weights" or "gradients": what the lines stand for."""
        return self._mode

    # ------------------------------------------------------------ QGraphicsItem
    @guarded(QRectF)
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return QRectF(self._rect)

    def _hull(self) -> QPolygonF:
        if len(self._ys) == 0 or len(self._yt) == 0:
            return QPolygonF()
        return QPolygonF([
            QPointF(self._x0, float(self._ys.min())), QPointF(self._x1, float(self._yt.min())),
            QPointF(self._x1, float(self._yt.max())), QPointF(self._x0, float(self._ys.max())),
        ])

    @guarded(QPainterPath)
    def shape(self) -> QPainterPath:
        """The fan the lines fill: what rubber-band selection intersects."""
        path = QPainterPath()
        path.addPolygon(self._hull())
        path.closeSubpath()
        return path

    def contains(self, point: QPointF) -> bool:
        """True only near a line, so clicks between lines reach the canvas (rubber band)."""
        return self._rect.contains(point) and self.edge_at(point) is not None

    def hoverMoveEvent(self, event) -> None:  # noqa: N802
        self.set_hover_edge(self.edge_at(event.pos()))

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802
        self.set_hover_edge(None)

    # ------------------------------------------------------------ painting
    def _pens_for_colors(self) -> None:
        pos, neg = self._colors.line_colors(style.WIDTH_LEVELS)
        # Bucket key = level * 2 + (1 if negative): ascending keys draw weak lines first.
        self._bucket_colors = [c for pair in zip(pos, neg) for c in pair]

    def _levels(self) -> np.ndarray:
        levels = self._cache.get("levels")
        if levels is None:
            levels = width_levels(self._abs.ravel(), self._scale)
            self._cache["levels"] = levels
        return levels

    def _bucket_keys(self, index: np.ndarray) -> np.ndarray:
        """Bucket keys of the lines ``index`` only (a few strongest of a huge bundle)."""
        if "buckets" in self._cache:
            return self._cache["buckets"][index]
        levels = width_levels(self._abs.ravel()[index], self._scale)
        return levels * 2 + (_present(self._values).ravel()[index] < 0)

    def _buckets(self) -> np.ndarray:
        keys = self._cache.get("buckets")
        if keys is None:
            keys = self._levels() * 2 + (_present(self._values).ravel() < 0)
            self._cache["buckets"] = keys
        return keys

    @guarded()
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        """Cull, pick the level of detail, and draw (see the module's docstring)."""
        self.paint_count += 1
        self._painted_keys = None
        n_edges = self._coords.shape[0]
        if n_edges == 0:
            return
        t = painter.worldTransform()
        scale = math.hypot(t.m11(), t.m12()) or 1.0
        exposed = option.exposedRect if option is not None else self._rect
        if exposed.isEmpty():
            exposed = self._rect
        self._exposed = QRectF(exposed)
        if exposed.contains(self._rect):
            index = None
            n_visible = n_edges
        else:
            index = np.flatnonzero(visible_mask(self._x0, self._x1, self._y0, self._y1, exposed))
            n_visible = int(index.size)
        if self.isSelected():
            self._paint_hull(painter)
        self.detail_note = None
        if n_visible:
            span = max(float(np.ptp(self._ys)) + neuron_pitch(self._ys),
                       float(np.ptp(self._yt)) + neuron_pitch(self._yt)) * scale
            visible_span = min(span, exposed.height() * scale)
            crowded = n_visible > style.LINE_BUDGET or n_visible > 6.0 * max(visible_span, 1.0)
            segments = None
            if not crowded:
                segments = self._device_segments(painter, index)
                crowded = ink_length(segments) > style.INK_BUDGET_PX
            if crowded and self._values is not None:
                self._paint_density(painter)
                shown = self._paint_strongest(painter, exposed)
                self.detail_note = crowded_note(*self.shape_units, shown)
            else:
                self._paint_lines(painter, index, n_visible, segments)
                if self._values is not None and not self._show_labels:
                    self._painted_keys = self._buckets()
        for edge, color in ((self._marked, self._colors.selection), (self._hover, self._colors.selection)):
            if edge is not None:
                self._paint_one(painter, edge, color)
        if self._show_labels and self._values is not None:
            self._paint_labels(painter, scale)

    def _paint_hull(self, painter: QPainter) -> None:
        fill = QColor(self._colors.selection)
        fill.setAlpha(28)
        pen = QPen(self._colors.selection, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawPolygon(self._hull())

    def _device_segments(self, painter: QPainter, index: np.ndarray | None) -> np.ndarray:
        """The lines ``index`` (all if None) in device pixels, clipped to the exposed part."""
        device = painter.worldTransform()
        clip = device.mapRect(self._exposed).adjusted(-4, -4, 4, 4)
        coords = self._coords if index is None else self._coords[index]
        return clip_segments(to_device(coords, device), clip)

    def _paint_lines(self, painter: QPainter, index: np.ndarray | None, n_visible: int,
                     segments: np.ndarray | None = None) -> None:
        """Draw lines ``index`` (all if None), weak ones first, in pen buckets.

        ``segments`` are the same lines in device pixels if the caller has them already.
        Antialiasing only when the lines are few and short in total (an antialiased wide
        line costs ten times an aliased one).
        """
        if segments is None:
            segments = self._device_segments(painter, index)
        smooth = (n_visible <= style.SMOOTH_LINE_LIMIT
                  and ink_length(segments) <= style.SMOOTH_INK_PX)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, smooth)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        _POOL.ensure(n_visible)
        if self._values is None:
            counts = None
            _POOL.buffer[:n_visible] = segments
        else:
            keys = self._buckets() if index is None else self._bucket_keys(index)
            order = np.argsort(keys, kind="stable")
            counts = np.bincount(keys, minlength=2 * style.WIDTH_LEVELS)
            _POOL.buffer[:n_visible] = segments[order]
        # The lines go to the raster engine in device pixels, already clipped to what is
        # exposed: a scaled world transform doubles the engine's cost per line, and the
        # parts of long lines outside the view would be walked for nothing.
        painter.save()
        painter.resetTransform()
        try:
            if counts is None:
                pen = QPen(self._colors.neutral_line, 1.2 if smooth else 2.0)
                pen.setCosmetic(True)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                painter.setPen(pen)
                painter.drawLines(_POOL.lines[:n_visible])
                return
            start = 0
            for key, count in enumerate(counts.tolist()):
                if count == 0:
                    continue
                level = key // 2
                if smooth:
                    width = 1.0 + 5.0 * (level + 1) / style.WIDTH_LEVELS
                else:
                    # Aliased opaque pens of 2 px and more take the raster engine's fast
                    # path (1.5 px ones cost twice as much, a 1 px cosmetic pen eight times).
                    width = 2.0 + 1.0 * (level + 1) / style.WIDTH_LEVELS
                pen = QPen(self._bucket_colors[key], width)
                pen.setCosmetic(True)
                # Flat caps: round caps make drawLines stroke one huge self-overlapping
                # path, a hundred times slower on the raster engine.
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                painter.setPen(pen)
                painter.drawLines(_POOL.lines[start:start + count])
                start += count
        finally:
            painter.restore()

    def _density_image(self) -> tuple[QImage, QRectF]:
        """The lines' density as an image, and where it goes (:class:`BundleDensity`: made
        again only when the weights moved visibly since the image was made)."""
        cached = self._cache.get("density")
        if cached is None:
            cached = self._cache["density"] = self._density.image(_present(self._values),
                                                                  self._colors)
        return cached

    def _paint_density(self, painter: QPainter) -> None:
        image, target = self._density_image()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, image)

    def _strongest(self) -> np.ndarray:
        top = self._cache.get("strongest")
        if top is None:
            a = self._abs.ravel()
            k = min(style.STRONGEST_LINES, a.size)
            top = np.argpartition(a, a.size - k)[a.size - k:]
            self._cache["strongest"] = top
        return top

    def _paint_strongest(self, painter: QPainter, exposed: QRectF) -> int:
        """Draw the strongest lines (those of them in ``exposed``); how many there are."""
        top = self._strongest()
        visible = top[visible_mask(self._x0, self._x1, self._y0[top], self._y1[top], exposed)]
        if visible.size:
            self._paint_lines(painter, visible, int(visible.size))
        return int(top.size)

    def _paint_one(self, painter: QPainter, edge: tuple[int, int], color: QColor) -> None:
        i, j = edge
        if i >= len(self._ys) or j >= len(self._yt):
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(color, 3.5)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(QLineF(self._x0, self._ys[i], self._x1, self._yt[j]))


def _present(values: np.ndarray | None) -> np.ndarray:
    """A bundle's weights where it draws lines: set by then (None draws no lines)."""
    assert values is not None
    return values


def magnitudes(values: np.ndarray) -> np.ndarray:
    """``|values|`` with NaN as 0 (an infinite one stays infinite: the widest pen)."""
    a = np.abs(values)
    if a.size and not math.isfinite(float(a.max())):  # NaN or inf somewhere (rare)
        a = np.where(np.isnan(a), 0.0, a)
    return a


def width_levels(a: np.ndarray, scale: float) -> np.ndarray:
    """Pen level ``floor(L * |w| / s)``, at most ``L - 1``, of magnitudes ``a``."""
    levels = np.minimum(a / scale * style.WIDTH_LEVELS, style.WIDTH_LEVELS - 1)
    return levels.astype(np.int64)


def crowded_note(m: int, n: int, strongest: int) -> str:
    """What the legend says of a bundle too crowded to draw line by line."""
    return (f"{m} × {n} = {m * n:,} lines: shaded by density, "
            f"the {strongest} strongest drawn")


def neuron_pitch(ys: np.ndarray) -> float:
    """The distance between neighbouring neurons of a column (0 for a single neuron)."""
    return float(ys[1] - ys[0]) if len(ys) > 1 else 0.0
