"""The parts the plots dock is built from: its colours and sizes, growing series,
styled plots and curves, and the numbers of their axes.

Every curve is created once and fed whole NumPy arrays (see ``ui.training.plots``).
"""
from __future__ import annotations

from typing import cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QGraphicsGridLayout,
    QGraphicsItem,
)

from ui.theme import theme_for

TRAIN_COLOR = "#2f6fde"
#: The per-batch curves: the training colour, lighter (drawn under the epochs' curve).
BATCH_COLOR = "#93b5f0"
VAL_COLOR = "#e0702c"
#: One colour per Dense layer in the weight-norm tab (input side first).
LAYER_COLORS = ["#2f6fde", "#8b4fd6", "#2e9e6b", "#e0702c", "#c62f3b", "#1b9aaa", "#b28a00",
                "#d6509e"]
#: The weight-norm curves are redrawn at most this often (ms): weights change every frame.
NORMS_REDRAW_MS = 250
#: Points drawn per pixel of a plot's width (pyqtgraph's automatic downsampling factor).
CURVE_POINTS_PER_PIXEL = 1.0
#: The history series each plot draws (the loss plot, the accuracy plot).
LOSS_KEYS = ("batch_loss", "epoch_loss", "val_loss")
ACCURACY_KEYS = ("batch_accuracy", "epoch_accuracy", "val_accuracy")


def weight_norms(kernels) -> np.ndarray:
    """The Frobenius norm of each kernel: ``||W|| = sqrt(sum_ij W[i, j]^2)``, one per layer."""
    # Weights on their way to diverging overflow the sum of squares: inf is the honest norm.
    with np.errstate(over="ignore"):
        return np.array([float(np.linalg.norm(k)) for k in kernels], dtype=np.float64)


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 × 10^k (k whole) at or above ``x`` (for ``x > 0``).

    The plots' x axes end there: they change a few times per decade of epochs instead of
    every frame, and an unchanged range costs no re-layout of the axes and curves.
    """
    if not np.isfinite(x) or x <= 0:
        return 1.0
    decade = 10.0 ** np.floor(np.log10(x))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * decade >= x * (1 - 1e-12):
            return float(step * decade)
    return float(10 * decade)


#: The legends' text in the window (presentation mode sets pixel sizes instead).
LEGEND_TEXT_SIZE = "10pt"
#: Presentation mode: the plots' texts (ticks, labels, legends) in pixels, and the readouts'.
PRESENTATION_PLOT_PX = 20
PRESENTATION_READOUT_PX = 28

#: The least width of a plot with a legend (pixels).
PLOT_MIN_WIDTH = 260

#: Room above the loss curves, as a share of their range (the legend is outside the plot).
HEADROOM = 0.1


def _needs_new_range(shown, wanted) -> bool:
    """Whether a plot showing y range ``shown`` should move to ``wanted`` (both (lo, hi)).

    Moves when the data reaches outside ``shown`` (into its ``HEADROOM`` counts) or fills
    less than 60 % of it; otherwise the range stays, and so do the axes' ticks.
    """
    if shown is None:
        return True
    lo, hi = shown
    w_lo, w_hi = wanted
    span = hi - lo
    if span <= 0:
        return True
    grow = 1 + HEADROOM
    data_hi = w_lo + (w_hi - w_lo) / grow  # wanted = data plus the headroom on top
    return (w_lo < lo or data_hi > lo + span / grow + 1e-12
            or (w_hi - w_lo) < 0.6 * span)


class GrowingSeries:
    """A 1-D float array that grows at the end; ``values`` is a view of what is filled."""

    def __init__(self, capacity: int = 1024):
        self._data = np.empty(capacity, dtype=np.float64)
        self._n = 0
        self._lo = self._hi = self._pos_lo = None

    def _track(self, values: np.ndarray) -> None:
        """Keep the finite minimum, maximum and smallest positive value up to date."""
        finite = values[np.isfinite(values)]
        if not len(finite):
            return
        lo, hi = float(finite.min()), float(finite.max())
        self._lo = lo if self._lo is None else min(self._lo, lo)
        self._hi = hi if self._hi is None else max(self._hi, hi)
        positive = finite[finite > 0]
        if len(positive):
            p = float(positive.min())
            self._pos_lo = p if self._pos_lo is None else min(self._pos_lo, p)

    def finite_range(self, positive: bool = False) -> tuple[float, float] | None:
        """(min, max) of the finite values (of the positive ones if ``positive``), or None.

        Kept as values arrive, so a plot following a million-point history asks in O(1).
        """
        if positive:
            return None if self._pos_lo is None or self._hi is None else (self._pos_lo, self._hi)
        return None if self._lo is None or self._hi is None else (self._lo, self._hi)

    def extend(self, values) -> None:
        """Append ``values`` (any sequence of numbers), doubling the storage when full."""
        values = np.asarray(values, dtype=np.float64)
        need = self._n + len(values)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), dtype=np.float64)
            grown[:self._n] = self._data[:self._n]
            self._data = grown
        self._data[self._n:need] = values
        self._n = need
        self._track(values)

    def clear(self) -> None:
        """Forget every value (the storage is kept)."""
        self._n = 0
        self._lo = self._hi = self._pos_lo = None

    @property
    def values(self) -> np.ndarray:
        """The filled part, a view (do not keep it across ``extend``)."""
        return self._data[:self._n]

    def __len__(self) -> int:
        return self._n


def _plot(name: str, title: str, ylabel: str, legend: bool = False) -> pg.PlotWidget:
    """A plot with its title, axis labels, grid and (when ``legend``) a legend.

    The legend sits right of the data, in a column of its own, never over it: curves
    with a ``name`` join it as they are added.
    """
    w = pg.PlotWidget()
    w.setObjectName(name)  # PlotWidget hands keyword arguments to its PlotItem
    w.setTitle(title)
    w.setLabel("bottom", "epoch")
    w.setLabel("left", ylabel)
    w.showGrid(x=True, y=True, alpha=0.2)
    if legend:
        item = plot_item(w)
        # offset=None: not anchored inside the view box; the plot's layout places it.
        item.legend = pg.LegendItem(offset=None, labelTextSize=LEGEND_TEXT_SIZE, colCount=1,
                                    verSpacing=-8, frame=False)
        grid_of(item.legend).setContentsMargins(0, 0, 0, 0)
        # Right of the data, level with it (the plots' height is the scarcer).
        grid_of(item).addItem(item.legend, 2, 3)
        grid_of(item).setColumnSpacing(2, 8)
        _title_across(item)
    _plain_axes(w)
    if legend:
        # Room for the axis, some data and the legend: a narrow window (1366x768) must not
        # squeeze the plot until the legend's words are cut at its right edge.
        w.setMinimumWidth(PLOT_MIN_WIDTH)
    return w


def plot_item(plot: pg.PlotWidget) -> pg.PlotItem:
    """``plot.getPlotItem()``: pyqtgraph types it Optional (it is None once the plot closed)."""
    return cast(pg.PlotItem, plot.getPlotItem())


def legend_of(plot: pg.PlotWidget) -> pg.LegendItem:
    """The legend of a plot made with ``_plot(..., legend=True)`` (pyqtgraph types it Optional)."""
    return cast(pg.LegendItem, plot_item(plot).legend)


def grid_of(item: pg.PlotItem | pg.LegendItem) -> QGraphicsGridLayout:
    """The grid pyqtgraph keeps in ``item.layout`` (an attribute named like, and hiding,
    QGraphicsWidget.layout())."""
    return cast(QGraphicsGridLayout, item.layout)


def _title_across(item: pg.PlotItem) -> None:
    """The title over the data and the legend column: in the data's column alone, a long
    title ("Output over the inputs") made that column as wide as itself, the plot wider
    than its widget, and the legend's names were cut off at the widget's right edge."""
    grid_of(item).removeItem(item.titleLabel)
    grid_of(item).addItem(item.titleLabel, 0, 1, 1, 3)


def _plain_axes(plot: pg.PlotWidget) -> None:
    """No automatic SI prefix on any axis: "loss (x0.001)" with ticks at 800 confuses students.

    Each axis also keeps its picture (ticks, labels and the grid lines it draws across the
    plot) in a pixmap: a new curve point repaints the whole plot area, and replaying the
    grid line by line cost a few ms per axis, while a blit of the pixmap costs almost
    nothing. The pixmap is redrawn when the axis changes (a new range, the theme).
    """
    for side in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def style_plot(plot: pg.PlotWidget, dark: bool, text_px: int | None = None) -> None:
    """Give one plot the theme's background, axis, tick-label, title, grid and legend colours.

    ``text_px`` (presentation mode) sets every text of the plot, ticks, axis labels and
    legend, to that many pixels (the title a little larger); None gives the window's sizes.
    """
    t = theme_for(dark)
    plot.setBackground(t.plot_background)
    item = plot_item(plot)
    tick_font = QFont()
    if text_px:
        tick_font.setPixelSize(text_px)
    else:
        tick_font.setPointSizeF(9.5)
    label_style = {"color": t.plot_foreground,
                   "font-size": f"{text_px}px" if text_px else "9.5pt"}
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        # The grid lines are drawn with the axis pen at the grid's alpha.
        axis.setPen(pg.mkPen(t.plot_grid))
        axis.setTextPen(pg.mkPen(t.plot_foreground))
        axis.setStyle(tickFont=tick_font)
        if axis.labelText:
            axis.setLabel(axis.labelText, **label_style)
        axis.setTickFont(tick_font)
    title = item.titleLabel
    title.setText(title.text, color=t.plot_foreground,
                  size=f"{text_px + 2}px" if text_px else "11pt")
    legend = item.legend
    if legend is not None:
        legend.setLabelTextColor(t.plot_foreground)
        legend.setLabelTextSize(f"{text_px}px" if text_px else LEGEND_TEXT_SIZE)
        bg = pg.mkColor(t.plot_background)
        bg.setAlpha(200)  # the curves stay visible through it
        legend.setBrush(pg.mkBrush(bg))
        legend.setPen(pg.mkPen(t.border))


def _curve(plot: pg.PlotWidget, name: str, color: str, width: float, alpha: int = 255,
           dashed: bool = False, symbol: bool = False, noisy: bool = False) -> pg.PlotDataItem:
    """A curve drawn with about one point per pixel, however many it holds.

    A wide antialiased line costs per segment: 36,000 batches drawn as 1,800 segments in a
    370-pixel plot took 16 ms a repaint, 200 segments take 3 ms. ``noisy`` curves (one point
    per batch) keep each pixel's lowest and highest point, so the band of the noise stays,
    and are drawn without antialiasing: a zigzag two pixels wide costs ~2.5 ms a repaint
    antialiased and ~0.2 ms plain (a hairline would vanish on a projector). The others (one
    point per epoch) are averaged per pixel.
    """
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width,
                   style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    # No symbols: with a hundred epochs a second they would be re-laid out every frame.
    item = plot.plot([], [], pen=pen, name=name, antialias=width > 1 and not noisy)
    item.opts["autoDownsampleFactor"] = CURVE_POINTS_PER_PIXEL
    item.setDownsampling(auto=True, method="peak" if noisy else "mean")
    item.setClipToView(True)
    return item
