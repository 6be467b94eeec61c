"""The plots dock's weight-norm tab: for each Dense layer ``l`` the Frobenius norm of its
kernel ``||W_l||`` against the epoch, one point per layer per epoch, redrawn at most every
``NORMS_REDRAW_MS`` and only while its tab is shown (a part of
:class:`~ui.training.plots.PlotsDock`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ui.training.plot_parts import LAYER_COLORS, GrowingSeries, _curve, nice_ceiling, weight_norms

if TYPE_CHECKING:
    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QTabWidget

__all__ = ["PlotsNorms"]


class PlotsNorms:
    """The weight norms' history and curves: a mixin of :class:`~ui.training.plots.PlotsDock`,
    which builds the plot and holds the state read here."""

    if TYPE_CHECKING:  # what PlotsDock holds and does, named for the type checker
        tabs: QTabWidget
        norms_plot: pg.PlotWidget
        norm_curves: list[pg.PlotDataItem]
        defer_norms: bool
        _norm_x: GrowingSeries
        _norm_y: list[GrowingSeries]
        _norm_names: list[str]
        _norms_stale: bool
        _norms_timer: QTimer
        _norms_range: tuple[float, float] | None
        _batches_per_epoch: int

        def _batch_count(self) -> int: ...

    def add_weights(self, kernels, names=None) -> None:
        """Append one point per layer: the norms of ``kernels`` at the current epoch.

        The epoch is the loss plot's latest (batches seen / batches per epoch), so the two
        plots share their x axis. A point at the same epoch as the last is not added.
        """
        x = self._batch_count() / self._batches_per_epoch
        norms = weight_norms(kernels)
        names = list(names) if names else [f"layer {k + 1}" for k in range(len(norms))]
        if names != self._norm_names:
            self._make_norm_curves(names)
        elif len(self._norm_x) and x <= self._norm_x.values[-1]:
            return
        self._norm_x.extend([x])
        for series, value in zip(self._norm_y, norms):
            series.extend([value])
        self._norms_stale = True
        if not self.defer_norms and not self._norms_timer.isActive():
            self._norms_timer.start()

    def redraw_norms(self) -> None:
        """Redraw the weight-norm curves now if new points came (the training frames do)."""
        self._norms_timer.stop()
        self._redraw_norms()

    def norm_series(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Copies of the weight-norm history: (epochs, [norms of layer 1, layer 2, ...])."""
        return self._norm_x.values.copy(), [s.values.copy() for s in self._norm_y]

    def _make_norm_curves(self, names: list[str]) -> None:
        """New curves when the network's layers change (a rebuild, never during training)."""
        for curve in self.norm_curves:
            self.norms_plot.removeItem(curve)
        self.norm_curves = [
            _curve(self.norms_plot, name, LAYER_COLORS[k % len(LAYER_COLORS)], 2.5)
            for k, name in enumerate(names)]
        self._norm_names = names
        self._norm_x.clear()
        self._norm_y = [GrowingSeries(256) for _ in names]

    def _redraw_norms(self) -> None:
        """One ``setData`` per layer's curve, then the range (at most every 250 ms).

        Not while the Weights tab is hidden: the points wait (see :meth:`_on_tab_changed`).
        """
        if not self._norms_stale or self.tabs.currentWidget() is not self.norms_plot:
            return
        self._norms_stale = False
        x = self._norm_x.values
        top = 0.0
        for curve, series in zip(self.norm_curves, self._norm_y):
            curve.setData(x, series.values)
            finite = series.values[np.isfinite(series.values)]
            if len(finite):
                # Weights blowing up (a learning rate of 10) can overflow the norm to inf.
                top = max(top, float(np.max(finite)))
        if len(x):
            # Stepped ranges: the axes re-lay out only when the data outgrows them.
            x_end = nice_ceiling(max(float(x[-1]), 1.0))
            y_top = top if top > 0 else 1.0
            shown = self._norms_range
            if shown is None or x_end != shown[0] or y_top > shown[1] or y_top < 0.6 * shown[1]:
                y_top *= 1.25  # headroom: growing norms move the axis now and then, not always
                self._norms_range = (x_end, y_top)
                self.norms_plot.setRange(xRange=(0, x_end), yRange=(0, y_top), padding=0.05)  # pyright: ignore[reportCallIssue]  # pyqtgraph hands setRange to the ViewBox
