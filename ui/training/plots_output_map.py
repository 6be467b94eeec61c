"""The plots dock's output map: the training points over the inputs, the network's
output over them (the decision boundary, or its fitted curve for one input), the samples
being stepped ringed, and one neuron's map in its place (a part of
:class:`~ui.training.plots.PlotsDock`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ui.theme import CLASS_COLORS, theme_for
from ui.training.plot_parts import TRAIN_COLOR, VAL_COLOR, style_plot

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QTabWidget

__all__ = ["PlotsOutputMap"]


class PlotsOutputMap:
    """What the output-map plot draws: a mixin of :class:`~ui.training.plots.PlotsDock`,
    which builds the plot's items and holds the state read here."""

    if TYPE_CHECKING:  # what PlotsDock holds and does, named for the type checker
        tabs: QTabWidget
        accuracy_plot: pg.PlotWidget
        boundary_plot: pg.PlotWidget
        boundary_image: pg.ImageItem
        boundary_note: QLabel
        fit_curve: pg.PlotDataItem
        data_points: pg.ScatterPlotItem
        current_points: pg.ScatterPlotItem
        class_legend: pg.LegendItem
        neuron_map_title: str | None
        _class_samples: list
        _class_colors: np.ndarray
        _bg_rgb: np.ndarray
        _task: str
        _dark: bool | None
        _text_px: int | None
        _shown_boundary: dict | None
        _last_boundary: dict | None
        _neuron_hist: pg.PlotDataItem | None

        def _update_readouts(self) -> None: ...

    def set_data(self, x: np.ndarray | None, y: np.ndarray | None, task: str,
                 class_names=None) -> None:
        """Show the training points over the input plane (2-D) or against the target (1-D).

        Classes take :data:`CLASS_COLORS` (as the data preview and the output neurons do),
        named in the map's legend by ``class_names`` ("class 0", ... without).
        """
        self._task = task
        self.current_points.setData([], [])
        self._set_class_legend(y, task, class_names)
        # Two inputs: equal axes (a unit of x1 as long as one of x2).
        self.boundary_plot.setAspectLocked(x is not None and x.shape[1] == 2)
        self._update_readouts()
        self._shown_boundary = None
        self.tabs.setTabVisible(self.tabs.indexOf(self.accuracy_plot), task == "classification")
        self.boundary_image.clear()
        self.fit_curve.setData([], [])
        if x is None or x.shape[1] > 2:
            self.data_points.setData([], [])
            self.boundary_note.setText("The output map is drawn for data with one or two "
                                       "inputs.")
            return
        self.boundary_note.setText("")
        if x.shape[1] == 2:
            if task == "classification" and y is not None:
                labels = np.argmax(y, axis=1) if y.ndim == 2 and y.shape[1] > 1 else \
                    (np.ravel(y) > 0.5).astype(int)
                palette = [pg.mkBrush(c) for c in CLASS_COLORS]
                brushes = [palette[k % len(palette)] for k in labels]
                self.data_points.setData(x[:, 0], x[:, 1], brush=brushes)
            else:
                self.data_points.setData(x[:, 0], x[:, 1], brush=pg.mkBrush(
                    theme_for(bool(self._dark)).plot_foreground))
            self.boundary_plot.setLabel("bottom", "x1")
            self.boundary_plot.setLabel("left", "x2")
        else:
            self.data_points.setData(x[:, 0], np.ravel(y[:, 0]) if y is not None else
                                     np.zeros(len(x)), brush=pg.mkBrush(VAL_COLOR))
            self.boundary_plot.setLabel("bottom", "x")
            self.boundary_plot.setLabel("left", "y")
        self.boundary_plot.autoRange()

    def _set_class_legend(self, y, task: str, class_names) -> None:
        """One legend entry per class: its colour and its name."""
        legend = self.class_legend
        legend.clear()
        self._class_samples = []
        if task != "classification" or y is None:
            return
        count = y.shape[1] if y.ndim == 2 and y.shape[1] > 1 else 2
        names = [str(n) for n in class_names] if class_names and \
            len(class_names) == count else [f"class {k}" for k in range(count)]
        for k, name in enumerate(names):
            sample = pg.ScatterPlotItem(size=12, pen=pg.mkPen("#ffffff", width=1),
                                        brush=pg.mkBrush(CLASS_COLORS[k % len(CLASS_COLORS)]))
            self._class_samples.append(sample)
            legend.addItem(sample, name)
        style_plot(self.boundary_plot, bool(self._dark), self._text_px)

    def class_legend_entries(self) -> list[tuple[str, str]]:
        """The output map's class legend: ``(name, colour "#rrggbb")`` per class."""
        return [(label.text, sample.item.opts["brush"].color().name())
                for sample, label in self.class_legend.items]

    def set_current_samples(self, x) -> None:
        """Ring the samples ``x`` (the batch being stepped) in the output map (None: none).

        Only for data with two inputs, the map's plane; the ring is drawn over the points.
        """
        if x is None or np.ndim(x) != 2 or np.shape(x)[1] != 2:
            self.current_points.setData([], [])
            return
        x = np.asarray(x, dtype=np.float64)
        self.current_points.setData(x[:, 0], x[:, 1])

    def current_samples(self) -> np.ndarray:
        """The ringed samples' coordinates, shape ``(n, 2)`` (n = 0 without)."""
        xs, ys = self.current_points.getData()
        if xs is None or not len(xs):
            return np.zeros((0, 2))
        return np.column_stack([xs, ys])

    def set_boundary(self, boundary: dict | None) -> None:
        """Draw the worker's grid of outputs: one ``setImage`` (2-D) or ``setData`` (1-D)."""
        if self.neuron_map_title is not None:
            self._last_boundary = boundary  # drawn again when the neuron's map goes
            return
        if boundary is None or boundary is self._shown_boundary:
            return  # the worker recomputes it a few times a second, not every frame
        self._shown_boundary = self._last_boundary = boundary
        if boundary["kind"] == "line":
            self.fit_curve.setData(boundary["x"], boundary["y"])
            return
        values = boundary["values"]
        x0, x1, y0, y1 = boundary["rect"]
        k = values.shape[2]
        if self._task == "classification":
            if k == 1:  # class 1's share: 0 at the low target (−1 for tanh), 1 at the high
                p = np.interp(values[:, :, 0], boundary.get("targets", (0, 1)), (0, 1))[..., None]
                rgb = (1 - p) * self._class_colors[0] + p * self._class_colors[1]
            else:
                # More classes than colours (a CSV may have 20): the colours repeat.
                colors = self._class_colors[np.arange(k) % len(self._class_colors)]
                rgb = values @ colors
            # Pale where the network hesitates, saturated where it is sure.
            confidence = np.max(values, axis=2, keepdims=True) if k > 1 else \
                np.abs(p - 0.5) * 2
            mix = 0.25 + 0.45 * np.clip(confidence, 0, 1)
            rgb = mix * rgb + (1 - mix) * self._bg_rgb
            self.boundary_image.setImage(np.clip(rgb, 0, 255).astype(np.uint8),
                                         autoLevels=False, levels=(0, 255))
        else:
            v = values[:, :, 0]
            lo, hi = float(np.min(v)), float(np.max(v))
            norm = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
            lut = cast(pg.ColorMap, pg.colormap.get("viridis")).getLookupTable(nPts=256)
            self.boundary_image.setImage((norm * 255).astype(np.uint8), lut=lut,
                                         autoLevels=False, levels=(0, 255))
        self.boundary_image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def set_neuron_map(self, values, rect=None, title: str | None = None) -> None:
        """Show one neuron's map large in the output-map plot (None: the output map again).

        ``values`` of shape ``(grid, grid)`` (``[i, j]`` at ``(x_i, y_j)``) is drawn over
        ``rect = (x0, x1, y0, y1)`` in the canvas's diverging colours (blue positive,
        orange negative, the background at 0; the neuron's peak ``|a|`` saturates), with
        the data points on top. A 1-D ``values`` (a neuron's activations over a data
        sample, for data with more than two inputs) is drawn as a histogram.
        """
        plot = self.boundary_plot
        if values is None:
            if self.neuron_map_title is None:
                return
            self.neuron_map_title = None
            self.boundary_note.setVisible(True)
            plot.setTitle("Output over the inputs")
            style_plot(plot, bool(self._dark), self._text_px)
            if self._neuron_hist is not None and self._neuron_hist.xData is not None \
                    and len(self._neuron_hist.xData):
                self._neuron_hist.setData([], [])
                plot.setLabel("bottom", "")
                plot.setLabel("left", "")
            self.data_points.setVisible(True)
            self.boundary_image.clear()
            self._shown_boundary = None
            self.set_boundary(self._last_boundary)
            plot.autoRange()
            return
        values = np.asarray(values, dtype=np.float64)
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        first = self.neuron_map_title is None
        self.boundary_note.setVisible(False)
        self.neuron_map_title = title or "Neuron"
        plot.setTitle(f"{self.neuron_map_title}, a in [{lo:.2g}, {hi:.2g}]")
        style_plot(plot, bool(self._dark), self._text_px)
        if values.ndim == 2 and rect is not None:
            if self._neuron_hist is not None:
                self._neuron_hist.setData([], [])
            self.fit_curve.setData([], [])
            self.data_points.setVisible(True)
            t = theme_for(bool(self._dark))
            pos = np.array(pg.mkColor(t.positive_weight).getRgb()[:3], dtype=np.float64)  # pyright: ignore[reportIndexIssue]  # PySide6 stubs type QColor.getRgb() as object
            neg = np.array(pg.mkColor(t.negative_weight).getRgb()[:3], dtype=np.float64)  # pyright: ignore[reportIndexIssue]  # PySide6 stubs type QColor.getRgb() as object
            peak = max(abs(lo), abs(hi)) or 1.0
            v = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0) / peak
            strength = np.clip(np.abs(v), 0, 1)[:, :, None] * 0.9
            sign = np.where((v >= 0)[:, :, None], pos, neg)
            rgb = (1 - strength) * self._bg_rgb + strength * sign
            self.boundary_image.setImage(np.clip(rgb, 0, 255).astype(np.uint8),
                                         autoLevels=False, levels=(0, 255))
            x0, x1, y0, y1 = rect
            self.boundary_image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            if first:
                plot.autoRange()
            return
        # A histogram of the neuron's activations over the sample.
        self.boundary_image.clear()
        self.data_points.setVisible(False)
        self.fit_curve.setData([], [])
        counts, edges = np.histogram(finite if finite.size else [0.0], bins=16)
        if self._neuron_hist is None:
            self._neuron_hist = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                                brush=pg.mkBrush(TRAIN_COLOR),
                                                pen=pg.mkPen(TRAIN_COLOR))
            plot.addItem(self._neuron_hist)
        self._neuron_hist.setData(edges, counts)
        plot.setLabel("bottom", "activation a")
        plot.setLabel("left", "samples")
        plot.autoRange()
