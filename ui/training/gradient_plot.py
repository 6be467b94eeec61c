"""The plots dock's "Gradients" tab: each layer's gradient norm against the epoch.

One curve per layer with weights (the weight-norm tab's colours), created once when the
network's layers change and fed whole arrays (``setData``) when its tab shows; the y axis
is logarithmic, since a vanishing gradient is orders of magnitude below the output
layer's. The points are the running means of :class:`nnviz.engine.gradient_health.GradientMeter`,
one per frame that brings new batches.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ui.theme import is_dark
from ui.training.plot_parts import (
    LAYER_COLORS,
    GrowingSeries,
    _curve,
    _plot,
    nice_ceiling,
    style_plot,
)

__all__ = ["GradientNormPlot"]


class GradientNormPlot:
    """The tab "Gradients" (``gradientNormPlot``) of a :class:`~ui.training.plots.PlotsDock`."""

    def __init__(self, plots):
        self.plots = plots
        self.widget = _plot("gradientNormPlot", "Gradient norm per layer",
                            "‖∂L/∂w‖", legend=True)
        self.widget.setLogMode(y=True)
        self.curves: list[pg.PlotDataItem] = []
        self.names: list[str] = []
        self._x = GrowingSeries(256)
        self._y: list[GrowingSeries] = []
        self._stale = False
        self._range: tuple | None = None  # (epochs, lowest decade, highest decade) shown
        plots.tabs.addTab(self.widget, "Gradients")
        plots.extra_plots.append(self.widget)  # themed with the dock's plots
        style_plot(self.widget, is_dark())
        plots.tabs.currentChanged.connect(lambda _index: self.redraw())

    def add(self, x: float, norms, names: list[str]) -> None:
        """One point per layer at epoch ``x`` (fractional); layers without weights (None)
        get no curve. A run that went back (Reset, undo) starts the curves again."""
        kept = [(name, n) for name, n in zip(names, norms) if n is not None]
        names = [name for name, _n in kept]
        if names != self.names:
            self._make_curves(names)
        elif len(self._x) and x <= self._x.values[-1]:
            if x == self._x.values[-1]:
                return  # no new batch since the last point
            self.clear()
        self._x.extend([x])
        for series, (_name, n) in zip(self._y, kept):
            series.extend([n])
        self._stale = True

    def clear(self) -> None:
        """Forget every point (a new run)."""
        self._x.clear()
        for s in self._y:
            s.clear()
        self._stale = True
        self._range = None

    def point_count(self) -> int:
        """Points per curve."""
        return len(self._x)

    def series(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Copies of the curves' data: (epochs, [norms of each layer with weights])."""
        return self._x.values.copy(), [s.values.copy() for s in self._y]

    def redraw(self) -> None:
        """One ``setData`` per curve, when new points came and the tab shows."""
        if not self._stale or self.plots.tabs.currentWidget() is not self.widget:
            return
        self._stale = False
        x = self._x.values
        lo = hi = None
        for curve, series in zip(self.curves, self._y):
            y = series.values
            # The log axis has no place for 0 or a non-finite norm: those leave a gap.
            with np.errstate(invalid="ignore"):
                shown = np.where(np.isfinite(y) & (y > 0), y, np.nan)
            curve.setData(x, shown, connect="finite")
            span = series.finite_range(positive=True)
            if span is not None:
                lo = span[0] if lo is None else min(lo, span[0])
                hi = span[1] if hi is None else max(hi, span[1])
        if len(x) and lo is not None and hi is not None:
            # Whole decades and a stepped epoch axis: the axes re-lay out only when the
            # data outgrows them, not every frame (and the log axis labels its decades).
            bottom, top = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
            wanted = (nice_ceiling(max(float(x[-1]), 1.0)), bottom, max(top, bottom + 1))
            if wanted != self._range:
                self._range = wanted
                self.widget.setRange(xRange=(0, wanted[0]), yRange=wanted[1:], padding=0.02)  # pyright: ignore[reportCallIssue]  # pyqtgraph hands setRange to its ViewBox
                # Ticks on the decades only: the 2..9 in between pile up on a small plot.
                self.widget.getAxis("left").setTicks(
                    [[(d, f"{10.0 ** d:g}") for d in range(wanted[1], wanted[2] + 1)], []])

    def _make_curves(self, names: list[str]) -> None:
        for curve in self.curves:
            self.widget.removeItem(curve)
        self.curves = [_curve(self.widget, name, LAYER_COLORS[k % len(LAYER_COLORS)], 2.5)
                       for k, name in enumerate(names)]
        self.names = names
        self._x.clear()
        self._y = [GrowingSeries(256) for _ in names]
