"""Which line of a bundle is under the mouse: a part of
:class:`~ui.canvas.connections.ConnectionBundleItem`.

:class:`BundleHits` finds the line nearest a point in NumPy (:meth:`BundleHits.edge_at`),
reads its number, and marks the line hovered or selected. It is a mixin, as the scene's
parts are: the bundle holds the state it reads.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF

from ui.canvas.lines import segment_distance, visible_mask

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsItem

    # For the type checker the mixin is the item it is part of; at run time
    # ConnectionBundleItem puts QGraphicsItem after it.
    _Item = QGraphicsItem
else:
    _Item = object

__all__ = ["BundleHits"]


class BundleHits(_Item):
    """ConnectionBundleItem's hit testing (see the module)."""

    if TYPE_CHECKING:  # what ConnectionBundleItem holds, named for the type checker
        _values: np.ndarray | None
        _coords: np.ndarray
        _x0: float
        _x1: float
        _yt: np.ndarray
        _y0: np.ndarray
        _y1: np.ndarray
        _tolerance: float
        _hover: tuple[int, int] | None
        _marked: tuple[int, int] | None

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
