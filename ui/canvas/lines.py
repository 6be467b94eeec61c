"""Line segments in NumPy for the connection bundles: culling, clipping, hit tests, and
the ``QLineF`` pool ``QPainter.drawLines`` draws from (see :mod:`ui.canvas.connections`)."""
from __future__ import annotations

from typing import cast

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QRectF

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
