"""A crowded bundle's lines as one image: :class:`BundleDensity`.

When a pair of layers has more lines than the screen can show apart (784 x 128), the
bundle draws how much ``|w|`` passes each point between the layers, with the strongest
lines on top (see :mod:`ui.canvas.connections`). While training, the weights change every
frame but this picture barely does: the image is made again only when the weights moved
*visibly* (:data:`~ui.canvas.style.DENSITY_TOLERANCE`), and the part that depends only on
where the neurons are (which image row each line crosses in each column) is kept until
the geometry changes. :func:`paint_detail_notes` says on the canvas (above its legend)
which bundles are drawn so.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from ui.canvas import style

#: Blocks the matrix is binned into (source x target), at most.
SOURCE_BLOCKS, TARGET_BLOCKS = 64, 32
#: The image's columns (between the layers) and rows (along them).
COLUMNS, ROWS = 32, 256


class BundleDensity:
    """The density image of one bundle, cached.

    ``image(values, colors)`` gives ``(QImage, target rect in item coordinates)``.
    The matrix is binned to at most 64 x 32 blocks (``Pos = sum max(w, 0)`` and
    ``Neg = sum max(-w, 0)`` per block); each block's line through the blocks' centres
    is sampled at ``COLUMNS`` columns between the layers and its weight added to the row
    it crosses (``np.bincount``). Colour = ``(Pos * orange + Neg * blue) / (Pos + Neg)``,
    opacity grows with ``sqrt(density / max)``.

    The image is kept while no block's ``|Pos - Pos'| + |Neg - Neg'|`` (against the sums
    it was made from) exceeds ``DENSITY_TOLERANCE`` times the largest block's
    ``Pos + Neg``: a pixel's opacity then moves by about a hundredth at most.
    :attr:`builds` counts the images made (for tests and benchmarks).
    """

    def __init__(self) -> None:
        self.builds = 0
        self._geometry: tuple[float, np.ndarray, float, np.ndarray] = \
            (0.0, np.zeros(1), 0.0, np.zeros(1))  # x0, ys, x1, yt
        self._rows: np.ndarray | None = None  # flat bin of each (column, block pair)
        self._cuts: tuple[np.ndarray, np.ndarray] | None = None
        self._made: tuple | None = None  # (pos, neg, colors, image, target)

    def set_geometry(self, x0: float, ys: np.ndarray, x1: float, yt: np.ndarray) -> None:
        """Lines run from ``(x0, ys[i])`` to ``(x1, yt[j])``: start again."""
        self._geometry = (float(x0), np.asarray(ys, dtype=np.float64), float(x1),
                          np.asarray(yt, dtype=np.float64))
        self._rows = self._cuts = None
        self._made = None

    def invalidate(self) -> None:
        """Forget the image (the next :meth:`image` makes a new one)."""
        self._made = None

    def image(self, values: np.ndarray, colors: style.CanvasColors) -> tuple[QImage, QRectF]:
        """The image for ``values`` (shape ``(len(ys), len(yt))``), and where it goes."""
        pos, neg = self._block_sums(values)
        made = self._made
        if made is not None and made[2] is colors and made[0].shape == pos.shape:
            change = float(np.max(np.abs(pos - made[0]) + np.abs(neg - made[1])))
            peak = float(np.max(made[0] + made[1]))
            if change <= style.DENSITY_TOLERANCE * peak:
                return made[3], made[4]
        image, target = self._render(pos, neg, colors)
        self._made = (pos, neg, colors, image, target)
        self.builds += 1
        return image, target

    def _block_sums(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ri, ci = self._block_cuts(*values.shape)
        v = values if np.isfinite(values).all() else \
            np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        pos = np.maximum(v, 0.0)
        neg = pos - v  # max(-v, 0)
        pos = np.add.reduceat(np.add.reduceat(pos, ri, axis=0), ci, axis=1)
        neg = np.add.reduceat(np.add.reduceat(neg, ri, axis=0), ci, axis=1)
        return pos, neg

    def _block_cuts(self, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Where the source's and the target's blocks start (kept with the geometry)."""
        if self._cuts is None:
            self._cuts = (np.linspace(0, m, min(m, SOURCE_BLOCKS) + 1).astype(np.int64)[:-1],
                          np.linspace(0, n, min(n, TARGET_BLOCKS) + 1).astype(np.int64)[:-1])
        return self._cuts

    def _bins(self) -> np.ndarray:
        """Per (column, source block, target block): the flat image bin its line crosses."""
        if self._rows is None:
            x0, ys, x1, yt = self._geometry
            ri, ci = self._block_cuts(len(ys), len(yt))
            cs = np.add.reduceat(ys, ri) / np.diff(np.append(ri, len(ys)))
            ct = np.add.reduceat(yt, ci) / np.diff(np.append(ci, len(yt)))
            top, bottom = self._span()
            tcol = (np.arange(COLUMNS) + 0.5) / COLUMNS
            y = (1 - tcol)[:, None, None] * cs[None, :, None] \
                + tcol[:, None, None] * ct[None, None, :]
            row = np.clip(((y - top) / max(bottom - top, 1e-9) * ROWS).astype(np.int64),
                          0, ROWS - 1)
            self._rows = (np.arange(COLUMNS)[:, None, None] * ROWS + row).ravel()
        return self._rows

    def _span(self) -> tuple[float, float]:
        _x0, ys, _x1, yt = self._geometry
        return min(float(ys.min()), float(yt.min())), max(float(ys.max()), float(yt.max()))

    def _render(self, pos: np.ndarray, neg: np.ndarray,
                colors: style.CanvasColors) -> tuple[QImage, QRectF]:
        flat = self._bins()
        shape = (COLUMNS,) + pos.shape
        dp = np.bincount(flat, np.broadcast_to(pos, shape).ravel(), COLUMNS * ROWS)
        dn = np.bincount(flat, np.broadcast_to(neg, shape).ravel(), COLUMNS * ROWS)
        dp = dp.reshape(COLUMNS, ROWS).T
        dn = dn.reshape(COLUMNS, ROWS).T
        total = dp + dn
        peak = float(np.percentile(total, 99.5)) or 1.0
        alpha = np.clip(np.sqrt(total / peak), 0, 1) * 0.9
        share = np.where(total > 0, dp / np.maximum(total, 1e-300), 0.5)[..., None]
        rgb = share * colors.rgb_positive + (1 - share) * colors.rgb_negative
        premul = np.clip(np.rint(rgb * alpha[..., None]), 0, 255).astype(np.uint32)
        a8 = np.clip(np.rint(alpha * 255), 0, 255).astype(np.uint32)
        argb = (a8 << 24) | (premul[..., 0] << 16) | (premul[..., 1] << 8) | premul[..., 2]
        x0, _ys, x1, _yt = self._geometry
        if x0 > x1:
            # A bundle drawn right to left: its columns reversed here, in NumPy, rather
            # than by QImage.mirrored (deprecated in PySide6 6.9+, a warning that is an
            # error under -W error) or flipped (absent before Qt 6.9).
            argb = argb[:, ::-1]
        argb = np.ascontiguousarray(argb)
        image = QImage(argb.data, COLUMNS, ROWS, COLUMNS * 4,
                       QImage.Format.Format_ARGB32_Premultiplied)
        image = image.copy()  # own the pixels; the NumPy buffer goes away
        top, bottom = self._span()
        left, right = min(x0, x1), max(x0, x1)
        return image, QRectF(left, top, right - left, bottom - top)


def paint_detail_notes(painter: QPainter, notes: list[str], colors: style.CanvasColors,
                       bottom_left: QPointF, width: float, point_size: float) -> None:
    """The crowded bundles' notes (``crowded_note``) in one box of ``width`` screen
    pixels whose bottom-left corner is ``bottom_left`` (above the canvas's legend)."""
    font = QFont()
    font.setPointSizeF(point_size)
    text = "\n".join(notes)
    flags = int(Qt.TextFlag.TextWordWrap)
    bound = QFontMetricsF(font).boundingRect(QRectF(0, 0, width - 20, 1e4), flags, text)
    box = QRectF(bottom_left.x(), bottom_left.y() - bound.height() - 14, width,
                 bound.height() + 14)
    fill = QColor(colors.card)
    fill.setAlpha(235)
    painter.save()
    painter.resetTransform()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(fill)
    painter.setPen(QPen(colors.card_border, 1.0))
    painter.drawRoundedRect(box, 8, 8)
    painter.setFont(font)
    painter.setPen(colors.muted)
    painter.drawText(box.adjusted(10, 7, -10, -7), flags, text)
    painter.restore()
