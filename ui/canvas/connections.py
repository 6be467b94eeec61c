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
  is drawn as a *density image* of the lines computed in NumPy (cached until the weights
  or the geometry change) with only the strongest lines on top.
"""
from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.canvas import style
from ui.canvas.items import em_width, pixel_font
from ui.errors import guarded

_LINE_BYTES = 32  # a QLineF is four doubles


class LinePool:
    """``QLineF`` objects whose coordinates live in one NumPy array, for ``drawLines``.

    PySide6's ``QPainter.drawLines`` takes a list of ``QLineF``. Creating those objects
    per frame would be a Python loop over the edges, so the pool wraps each row of a
    ``(capacity, 4)`` float64 array as a ``QLineF`` once (``shiboken6.wrapInstance``, which
    does not take ownership); writing the array then moves every line at C speed, and a
    slice of :attr:`lines` is what one bucket draws.
    """

    def __init__(self) -> None:
        self.buffer = np.zeros((0, 4), dtype=np.float64)
        self.lines: list[QLineF] = []

    def ensure(self, n: int) -> None:
        """Make room for at least ``n`` lines (grows by doubling; the wrappers are rebuilt)."""
        if n <= len(self.lines):
            return
        capacity = max(n, 2 * len(self.lines), 256)
        # Drop the old wrappers before the memory they point into.
        self.lines = []
        self.buffer = np.zeros((capacity, 4), dtype=np.float64)
        base = self.buffer.ctypes.data
        self.lines = [cast(QLineF, shiboken6.wrapInstance(base + _LINE_BYTES * k, QLineF))
                      for k in range(capacity)]


# One pool for every bundle: painting is sequential on the GUI thread and drawLines copies.
_POOL = LinePool()


def visible_mask(x0: float, x1: float, y0: np.ndarray, y1: np.ndarray,
                 rect: QRectF) -> np.ndarray:
    """Which segments ``(x0, y0[k]) -> (x1, y1[k])`` cross ``rect`` (vectorised).

    All segments of a bundle span the same ``x`` interval, so each is clipped to the
    rectangle's ``x`` range and its ``y`` range there compared with the rectangle's.
    """
    lo, hi = (x0, x1) if x0 <= x1 else (x1, x0)
    a, b = max(lo, rect.left()), min(hi, rect.right())
    if a > b:
        return np.zeros(y0.shape, dtype=bool)
    if hi - lo < 1e-9:
        ya, yb = y0, y1
    else:
        ta, tb = (a - x0) / (x1 - x0), (b - x0) / (x1 - x0)
        ya, yb = y0 + (y1 - y0) * ta, y0 + (y1 - y0) * tb
    return (np.minimum(ya, yb) <= rect.bottom()) & (np.maximum(ya, yb) >= rect.top())


def segment_distance(px: float, py: float, x0: float, x1: float,
                     y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Distance from the point ``(px, py)`` to each segment (vectorised).

    ``t = clip(((p - a) . (b - a)) / |b - a|^2, 0, 1)``, distance ``|p - (a + t (b - a))|``.
    """
    dx = x1 - x0
    dy = y1 - y0
    length2 = dx * dx + dy * dy
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / np.maximum(length2, 1e-12), 0.0, 1.0)
    return np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))


def to_device(coords: np.ndarray, t) -> np.ndarray:
    """Segments ``(x0, y0, x1, y1)`` mapped through the affine ``QTransform`` ``t``.

    ``x' = m11 x + m21 y + dx``, ``y' = m12 x + m22 y + dy`` for both ends (vectorised).
    """
    out = np.empty_like(coords)
    for c in (0, 2):
        x, y = coords[:, c], coords[:, c + 1]
        out[:, c] = t.m11() * x + t.m21() * y + t.dx()
        out[:, c + 1] = t.m12() * x + t.m22() * y + t.dy()
    return out


def ink_length(seg: np.ndarray) -> float:
    """Total length of segments ``(x0, y0, x1, y1)``: ``sum hypot(x1 - x0, y1 - y0)``."""
    return float(np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]).sum())


def clip_segments(seg: np.ndarray, rect: QRectF) -> np.ndarray:
    """Cut each segment ``(x0, y0, x1, y1)`` to the part inside ``rect`` (Liang-Barsky).

    A point ``p0 + t (p1 - p0)`` is inside when ``left <= x <= right`` and
    ``top <= y <= bottom``; each bound limits ``t`` to one side, and the segment keeps
    ``t`` in ``[max(0, entries), min(1, exits)]``. A segment wholly outside becomes a
    zero-length one (the raster engine draws nothing for it).
    """
    x0, y0, x1, y1 = seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3]
    dx, dy = x1 - x0, y1 - y0
    t_in = np.zeros(len(seg))
    t_out = np.ones(len(seg))
    with np.errstate(divide="ignore", invalid="ignore"):
        for d, lo, hi, p in ((dx, rect.left(), rect.right(), x0),
                             (dy, rect.top(), rect.bottom(), y0)):
            ta, tb = (lo - p) / d, (hi - p) / d
            flat = d == 0
            t_in = np.maximum(t_in, np.where(flat, np.where((p >= lo) & (p <= hi), 0.0, 2.0),
                                             np.minimum(ta, tb)))
            t_out = np.minimum(t_out, np.where(flat, 1.0, np.maximum(ta, tb)))
    t_out = np.maximum(t_out, t_in)  # empty: both ends at the entry point
    out = np.empty_like(seg)
    out[:, 0] = x0 + dx * np.minimum(t_in, 1.0)
    out[:, 1] = y0 + dy * np.minimum(t_in, 1.0)
    out[:, 2] = x0 + dx * np.minimum(t_out, 1.0)
    out[:, 3] = y0 + dy * np.minimum(t_out, 1.0)
    return out


def _present(values: np.ndarray | None) -> np.ndarray:
    """A bundle's weights where it draws lines: set by then (None draws no lines)."""
    assert values is not None
    return values


class ConnectionBundleItem(QGraphicsItem):
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
        self.update()

    def set_values(self, values: np.ndarray | None, mode: str = "weights") -> None:
        """Show ``values`` (shape ``(source units, target units)``) or no numbers (None).

        ``mode`` is "weights" or "gradients"; it only changes the words of the tooltip,
        the drawing rule is the same (width from ``|value|``, colour from its sign).
        """
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.shape != self.shape_units:
                values = None
        self._values = values
        self._mode = mode
        self._cache.clear()
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

    def set_value_scale(self, scale: float) -> None:
        """The ``|value|`` that gets the widest pen (the largest one on the canvas)."""
        scale = float(scale) if np.isfinite(scale) and scale > 0 else 1.0
        if scale != self._scale:
            self._scale = scale
            self._cache.clear()
            self.update()

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
        """The pixel size of the numbers written on the lines."""
        return style.WEIGHT_LABEL_PX * self._label_scale

    def weight_labels(self, scale: float) -> WeightLabels:
        """Where the lines' numbers go at view ``scale`` (screen pixels per scene unit).

        Each label sits on its line, as near the target end as it can without covering
        another: the candidates ``t = 0.8, 0.72, ... 0.2`` of the way along the line are
        tried in turn (NumPy checks a candidate against every label placed so far). When
        a line has no free place, or the pair has more than ``style.WEIGHT_LABEL_MAX``
        lines, no label is drawn and :attr:`WeightLabels.note` says so instead.
        """
        scale = float(scale)
        key = (scale, self._label_scale, id(self._values), id(self._previous), self._x0, self._x1)
        cached = self._cache.get("labels")
        if cached is not None and cached[0] == key:
            return cached[1]
        labels = self._layout_labels(scale)
        self._cache["labels"] = (key, labels)
        return labels

    def _layout_labels(self, scale: float) -> WeightLabels:
        m, n = self.shape_units
        values = self._values
        if values is None or m * n == 0:
            return WeightLabels([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64), None)
        symbol = style.edge_symbol(self._mode, plural=True)
        if m * n > style.WEIGHT_LABEL_MAX:
            return WeightLabels([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64),
                                f"{m} × {n} {symbol}: too many to label. "
                                "Point at a line for its value.")
        px = self.label_pixels()
        flat = values.ravel()
        texts = [label_number(v) for v in flat.tolist()]
        if self._previous is not None and self._mode == "weights":
            old = [label_number(v) for v in self._previous.ravel().tolist()]
            texts = [t if o == t else f"{o}→{t}" for o, t in zip(old, texts)]
        widths = np.array([em_width(t) * px + 8.0 for t in texts])
        height = px * 1.3 + 2.0
        # Device-sized boxes in "scene x scale" space: the same as pixels on screen.
        x0, x1 = self._x0 * scale, self._x1 * scale
        lo, hi = min(x0, x1) + 4.0, max(x0, x1) - 4.0
        y0, y1 = self._y0 * scale, self._y1 * scale
        placed = np.zeros((m * n, 4))  # left, top, right, bottom
        candidates = np.linspace(0.8, 0.2, 9)
        # Lines into the same target are taken together, so their labels stagger.
        order = np.lexsort((np.arange(m * n) // n, np.arange(m * n) % n))
        count = 0
        for k in order.tolist():
            w = widths[k]
            cx = x0 + candidates * (x1 - x0)
            cy = y0[k] + candidates * (y1[k] - y0[k])
            boxes = np.stack([cx - w / 2, cy - height / 2, cx + w / 2, cy + height / 2], axis=1)
            inside = (boxes[:, 0] >= lo) & (boxes[:, 2] <= hi)
            p = placed[:count]
            clash = ((boxes[:, None, 0] < p[None, :, 2]) & (boxes[:, None, 2] > p[None, :, 0])
                     & (boxes[:, None, 1] < p[None, :, 3]) & (boxes[:, None, 3] > p[None, :, 1]))
            free = inside & ~clash.any(axis=1)
            if not free.any():
                return WeightLabels([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64),
                                    f"{m} × {n} {symbol}: too dense to label here. "
                                    "Zoom in, or point at a line.")
            placed[count] = boxes[int(np.argmax(free))]
            count += 1
        rects = placed / scale
        rects[:, 2:] -= rects[:, :2]  # x, y, width, height in scene units
        return WeightLabels([texts[k] for k in order.tolist()], rects, order, None)

    def max_abs(self) -> float:
        """The largest finite ``|value|`` this bundle shows (0 without values)."""
        if self._values is None or self._values.size == 0:
            return 0.0
        finite = np.abs(self._values[np.isfinite(self._values)])
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

    # ------------------------------------------------------------ hit testing
    def edge_at(self, pos: QPointF, tolerance: float | None = None) -> tuple[int, int] | None:
        """The ``(i, j)`` of the line nearest ``pos`` (item coordinates) within ``tolerance``.

        Vectorised: the lines that cross a small square around ``pos`` are found first, then
        the exact point-to-segment distance of those.
        """
        if self._coords.shape[0] == 0:
            return None
        tol = self._tolerance if tolerance is None else float(tolerance)
        px, py = pos.x(), pos.y()
        square = QRectF(px - tol, py - tol, 2 * tol, 2 * tol)
        candidates = np.flatnonzero(visible_mask(self._x0, self._x1, self._y0, self._y1, square))
        if candidates.size == 0:
            return None
        d = segment_distance(px, py, self._x0, self._x1, self._y0[candidates], self._y1[candidates])
        best = int(np.argmin(d))
        if d[best] > tol:
            return None
        k = int(candidates[best])
        n = len(self._yt)
        return (k // n, k % n)

    def value_at(self, i: int, j: int) -> float | None:
        """The number of the line from source neuron ``i`` to target neuron ``j``."""
        return None if self._values is None else float(self._values[i, j])

    def set_hover_edge(self, edge: tuple[int, int] | None) -> None:
        """Draw one line highlighted (the one under the mouse), or none."""
        if edge != self._hover:
            self._hover = edge
            self.update()

    def set_marked_edge(self, edge: tuple[int, int] | None) -> None:
        """Draw one line as selected (the one the inspector shows), or none."""
        if edge != self._marked:
            self._marked = edge
            self.update()

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
            a = np.nan_to_num(np.abs(_present(self._values).ravel()), nan=0.0, posinf=self._scale)
            levels = np.minimum((a / self._scale * style.WIDTH_LEVELS).astype(np.int64),
                                style.WIDTH_LEVELS - 1)
            self._cache["levels"] = levels
        return levels

    def _bucket_keys(self, index: np.ndarray) -> np.ndarray:
        """Bucket keys of the lines ``index`` only (a few strongest of a huge bundle)."""
        if "buckets" in self._cache:
            return self._cache["buckets"][index]
        v = _present(self._values).ravel()[index]
        a = np.nan_to_num(np.abs(v), nan=0.0, posinf=self._scale)
        levels = np.minimum((a / self._scale * style.WIDTH_LEVELS).astype(np.int64),
                            style.WIDTH_LEVELS - 1)
        return levels * 2 + (v < 0)

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
                self._paint_strongest(painter, exposed)
            else:
                self._paint_lines(painter, index, n_visible, segments)
        for edge, color in ((self._marked, self._colors.selection), (self._hover, self._colors.selection)):
            if edge is not None:
                self._paint_one(painter, edge, color)
        if self._show_labels and self._values is not None:
            self._paint_labels(painter, scale)

    def _paint_labels(self, painter: QPainter, scale: float) -> None:
        """The numbers on the lines (or the note), in boxes, at screen size."""
        labels = self.weight_labels(scale)
        t = painter.worldTransform()
        colors = self._colors
        px = self.label_pixels()
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
        flat = _present(self._values).ravel()
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
        """The lines' density as an image (cached): how much ``|w|`` passes each point.

        The matrix is binned to at most 64 x 32 blocks (``Pos = sum max(w, 0)`` and
        ``Neg = sum max(-w, 0)`` per block); each block's line through the blocks' centres
        is sampled at ``C`` columns between the layers and its weight added to the row it
        crosses (``np.bincount``). Colour = ``(Pos * orange + Neg * blue) / (Pos + Neg)``,
        opacity grows with ``sqrt(density / max)``.
        """
        cached = self._cache.get("density")
        if cached is not None:
            return cached
        m, n = self.shape_units
        v = np.nan_to_num(_present(self._values), nan=0.0, posinf=0.0, neginf=0.0)
        bs, bt = min(m, 64), min(n, 32)
        ri = np.linspace(0, m, bs + 1).astype(np.int64)[:-1]
        ci = np.linspace(0, n, bt + 1).astype(np.int64)[:-1]
        pos = np.add.reduceat(np.add.reduceat(np.maximum(v, 0), ri, axis=0), ci, axis=1)
        neg = np.add.reduceat(np.add.reduceat(np.maximum(-v, 0), ri, axis=0), ci, axis=1)
        cs = np.add.reduceat(self._ys, ri) / np.diff(np.append(ri, m))
        ct = np.add.reduceat(self._yt, ci) / np.diff(np.append(ci, n))
        top = min(float(self._ys.min()), float(self._yt.min()))
        bottom = max(float(self._ys.max()), float(self._yt.max()))
        cols, rows = 32, 256
        tcol = (np.arange(cols) + 0.5) / cols
        y = (1 - tcol)[:, None, None] * cs[None, :, None] + tcol[:, None, None] * ct[None, None, :]
        row = np.clip(((y - top) / max(bottom - top, 1e-9) * rows).astype(np.int64), 0, rows - 1)
        flat = (np.arange(cols)[:, None, None] * rows + row).ravel()
        dp = np.bincount(flat, np.broadcast_to(pos, y.shape).ravel(), cols * rows)
        dn = np.bincount(flat, np.broadcast_to(neg, y.shape).ravel(), cols * rows)
        dp = dp.reshape(cols, rows).T
        dn = dn.reshape(cols, rows).T
        total = dp + dn
        peak = float(np.percentile(total, 99.5)) or 1.0
        alpha = np.clip(np.sqrt(total / peak), 0, 1) * 0.9
        share = np.where(total > 0, dp / np.maximum(total, 1e-300), 0.5)[..., None]
        rgb = share * self._colors.rgb_positive + (1 - share) * self._colors.rgb_negative
        premul = np.clip(np.rint(rgb * alpha[..., None]), 0, 255).astype(np.uint32)
        a8 = np.clip(np.rint(alpha * 255), 0, 255).astype(np.uint32)
        argb = (a8 << 24) | (premul[..., 0] << 16) | (premul[..., 1] << 8) | premul[..., 2]
        if self._x0 > self._x1:
            # A bundle drawn right to left: its columns reversed here, in NumPy, rather
            # than by QImage.mirrored (deprecated in PySide6 6.9+, a warning that is an
            # error under -W error) or flipped (absent before Qt 6.9).
            argb = argb[:, ::-1]
        argb = np.ascontiguousarray(argb)
        image = QImage(argb.data, cols, rows, cols * 4, QImage.Format.Format_ARGB32_Premultiplied)
        image = image.copy()  # own the pixels; the NumPy buffer goes away
        left, right = min(self._x0, self._x1), max(self._x0, self._x1)
        target = QRectF(left, top, right - left, bottom - top)
        self._cache["density"] = (image, target)
        return image, target

    def _paint_density(self, painter: QPainter) -> None:
        image, target = self._density_image()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, image)

    def _strongest(self) -> np.ndarray:
        top = self._cache.get("strongest")
        if top is None:
            a = np.nan_to_num(np.abs(_present(self._values).ravel()), nan=0.0)
            k = min(style.STRONGEST_LINES, a.size)
            top = np.argpartition(a, a.size - k)[a.size - k:]
            self._cache["strongest"] = top
        return top

    def _paint_strongest(self, painter: QPainter, exposed: QRectF) -> None:
        top = self._strongest()
        top = top[visible_mask(self._x0, self._x1, self._y0[top], self._y1[top], exposed)]
        if top.size:
            self._paint_lines(painter, top, int(top.size))

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


class WeightLabels:
    """The numbers a bundle writes on its lines, as laid out by ``weight_labels``.

    ``texts`` (one per label), ``rects`` (shape ``(k, 4)``: x, y, width, height in scene
    units at the scale they were laid out for), ``edges`` (the flat index ``i * n + j``
    of each label's line) and ``note`` (why nothing is written, or None).
    """

    __slots__ = ("texts", "rects", "edges", "note")

    def __init__(self, texts: list[str], rects: np.ndarray, edges: np.ndarray, note: str | None):
        self.texts, self.rects, self.edges, self.note = texts, rects, edges, note


def label_number(value: float) -> str:
    """A line's number with three significant digits: ``0.531``, ``-0.0123``, ``1.2e-5``."""
    v = float(value)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-3 <= a < 1e3:
        digits = max(0, 2 - math.floor(math.log10(a)))
        return f"{v:.{digits}f}"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def neuron_pitch(ys: np.ndarray) -> float:
    """The distance between neighbouring neurons of a column (0 for a single neuron)."""
    return float(ys[1] - ys[0]) if len(ys) > 1 else 0.0
