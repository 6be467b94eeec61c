"""The numbers written on a bundle's lines (View > Show Weight Values): where they go.

:func:`layout_labels` places one label per line in NumPy, as near the target end as it can
without covering another; :func:`label_number` writes a weight with three significant
digits. :class:`~ui.canvas.connections.ConnectionBundleItem` caches and draws them.
"""
from __future__ import annotations

import math

import numpy as np

from ui.canvas import style
from ui.canvas.text import em_width


def layout_labels(values: np.ndarray | None, previous: np.ndarray | None, mode: str,
                  x0: float, x1: float, y0: np.ndarray, y1: np.ndarray, px: float,
                  scale: float, smallest: float | None = None) -> WeightLabels:
    """Where the numbers of lines ``(x0, y0[k]) -> (x1, y1[k])`` go at view ``scale``.

    Each label sits on its line, as near the target end as it can without covering
    another: the candidates ``t = 0.8, 0.72, ... 0.2`` of the way along the line are
    tried in turn (NumPy checks a candidate against every label placed so far). They are
    written ``px`` pixels high if they fit; else (presentation mode's larger type) at
    smaller sizes down to ``smallest`` (the desktop's size): a number a little smaller is
    better than none where the class should read the stage's numbers. When a line has no
    free place at any of them, or the pair has more than ``style.WEIGHT_LABEL_MAX`` lines,
    no label is drawn and :attr:`WeightLabels.note` says so instead. ``previous``: the
    weights before an update (labels ``old → new``); :attr:`WeightLabels.px` says the
    size they fit at.
    """
    m, n = values.shape if values is not None else (0, 0)
    if values is None or m * n == 0:
        return WeightLabels([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64), None, px)
    symbol = style.edge_symbol(mode, plural=True)
    if m * n > style.WEIGHT_LABEL_MAX:
        return WeightLabels([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64),
                            f"{m} × {n} {symbol}: too many to label. "
                            "Point at a line for its value.", px)
    texts = [label_number(v) for v in values.ravel().tolist()]
    if previous is not None and mode == "weights":
        old = [label_number(v) for v in previous.ravel().tolist()]
        texts = [t if o == t else f"{o}→{t}" for o, t in zip(old, texts)]
    # Lines into the same target are taken together, so their labels stagger.
    order = np.lexsort((np.arange(m * n) // n, np.arange(m * n) % n))
    sizes = [px]
    if smallest is not None and smallest < px:
        sizes += [size for size in (px * 0.85, px * 0.72) if size > smallest] + [smallest]
    for size in sizes:
        placed = _place(texts, order, x0 * scale, x1 * scale, y0 * scale, y1 * scale, size)
        if placed is not None:
            rects = placed / scale
            rects[:, 2:] -= rects[:, :2]  # x, y, width, height in scene units
            return WeightLabels([texts[k] for k in order.tolist()], rects, order, None, size)
    return WeightLabels([], np.zeros((0, 4)), np.zeros(0, dtype=np.int64),
                        f"{m} × {n} {symbol}: too dense to label here. "
                        "Zoom in, or point at a line.", px)


def _place(texts: list[str], order: np.ndarray, x0: float, x1: float, y0: np.ndarray,
           y1: np.ndarray, px: float) -> np.ndarray | None:
    """The boxes (left, top, right, bottom, in screen pixels, in ``order``) of labels
    ``px`` high on the lines ``(x0, y0[k]) -> (x1, y1[k])`` (pixels), or None if a line
    has no free place."""
    widths = np.array([em_width(t) * px + 8.0 for t in texts])
    height = px * 1.3 + 2.0
    lo, hi = min(x0, x1) + 4.0, max(x0, x1) - 4.0
    placed = np.zeros((len(texts), 4))
    candidates = np.linspace(0.8, 0.2, 9)
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
            return None
        placed[count] = boxes[int(np.argmax(free))]
        count += 1
    return placed


class WeightLabels:
    """The numbers a bundle writes on its lines, as laid out by ``weight_labels``.

    ``texts`` (one per label), ``rects`` (shape ``(k, 4)``: x, y, width, height in scene
    units at the scale they were laid out for), ``edges`` (the flat index ``i * n + j``
    of each label's line), ``note`` (why nothing is written, or None) and ``px`` (the
    pixel size they are written at).
    """

    __slots__ = ("texts", "rects", "edges", "note", "px")

    def __init__(self, texts: list[str], rects: np.ndarray, edges: np.ndarray,
                 note: str | None, px: float = style.WEIGHT_LABEL_PX):
        self.texts, self.rects, self.edges, self.note = texts, rects, edges, note
        self.px = float(px)


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
