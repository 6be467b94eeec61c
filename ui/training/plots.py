"""The plots dock: loss and accuracy curves, per-layer weight norms, and the decision
boundary over the inputs.

Every curve is created once and fed whole NumPy arrays with one ``setData`` per frame:
the history lives in growing arrays (doubling, so appending is amortised O(1)) and the
curves downsample ('peak') and clip to the visible range, so a million points stay smooth.

The weight-norm tab plots, for each Dense layer ``l``, the Frobenius norm of its kernel
``||W_l|| = sqrt(sum_ij W_l[i, j]^2)`` against the epoch: a norm that keeps growing hints at
a learning rate too large or a missing regulariser; a flat one at a layer that stopped
learning.

Every axis shows its real numbers: pyqtgraph's automatic SI prefix ("loss (x0.001)" with
ticks at 800) is switched off. The plots follow the window's light or dark theme.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QTextDocumentFragment
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.engine.training import History, batch_positions
from ui.theme import CLASS_COLORS, is_dark, theme_for
from ui.training.plot_parts import (
    ACCURACY_KEYS,
    BATCH_COLOR,
    HEADROOM,
    LEGEND_TEXT_SIZE,
    LOSS_KEYS,
    NORMS_REDRAW_MS,
    PLOT_MIN_WIDTH,
    PRESENTATION_PLOT_PX,
    PRESENTATION_READOUT_PX,
    TRAIN_COLOR,
    VAL_COLOR,
    GrowingSeries,
    _curve,
    _needs_new_range,
    _plain_axes,
    _plot,
    _title_across,
    grid_of,
    nice_ceiling,
    plot_item,
    style_plot,
    weight_norms,
)
from ui.training.plots_norms import PlotsNorms
from ui.training.plots_output_map import PlotsOutputMap

__all__ = ["PlotsDock", "GrowingSeries", "weight_norms", "nice_ceiling"]


class PlotsDock(PlotsOutputMap, PlotsNorms, QDockWidget):
    """The dock "plots": ``lossPlot``, ``accuracyPlot`` and ``boundaryPlot``."""

    def __init__(self, parent=None):
        super().__init__("Plots", parent)
        self.setObjectName("plots")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        split = QSplitter(Qt.Orientation.Horizontal)

        self.loss_plot = _plot("lossPlot", "Loss", "loss", legend=True)
        # The per-batch curve: a lighter, thinner line under the epochs' (visible on a
        # projector, not a hairline).
        self.curve_batch_loss = _curve(self.loss_plot, "per batch", BATCH_COLOR, 2,
                                       noisy=True)
        self.curve_epoch_loss = _curve(self.loss_plot, "train", TRAIN_COLOR, 3,
                                       symbol=True)
        self.curve_val_loss = _curve(self.loss_plot, "validation", VAL_COLOR, 3, symbol=True)
        self.loss_marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(
            "#8b4fd6", width=2, style=Qt.PenStyle.DashLine))
        self.loss_marker.setVisible(False)
        plot_item(self.loss_plot).addItem(self.loss_marker, ignoreBounds=True)

        self.accuracy_plot = _plot("accuracyPlot", "Accuracy", "accuracy", legend=True)
        self.curve_batch_acc = _curve(self.accuracy_plot, "per batch", BATCH_COLOR, 2,
                                      noisy=True)
        self.curve_epoch_acc = _curve(self.accuracy_plot, "train", TRAIN_COLOR, 3,
                                      symbol=True)
        self.curve_val_acc = _curve(self.accuracy_plot, "validation", VAL_COLOR, 3, symbol=True)
        self.norms_plot = _plot("weightNormPlot", "Weight norm per layer", "‖W‖", legend=True)
        self.norm_curves: list[pg.PlotDataItem] = []
        self._norm_x = GrowingSeries(256)
        self._norm_y: list[GrowingSeries] = []
        self._norm_names: list[str] = []
        self._norms_stale = False
        self._norms_timer = QTimer(self)
        self._norms_timer.setSingleShot(True)
        self._norms_timer.setInterval(NORMS_REDRAW_MS)
        self._norms_timer.timeout.connect(self._redraw_norms)
        #: While True (training fast), new norms wait for :meth:`redraw_norms`, which the
        #: controller calls inside a frame, instead of a timer of their own that would
        #: redraw while the training thread runs.
        self.defer_norms = False
        self._norms_range = None

        self.tabs = QTabWidget(objectName="plotTabs")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.extra_plots: list[pg.PlotWidget] = []  # tabs added from outside (gradient health)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.accuracy_plot, "Accuracy")
        self.tabs.addTab(self.norms_plot, "Weights")
        #: Curves of the tab not shown wait for it (a setData costs even unseen).
        self._tab_stale: set[str] = set()
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.boundary_plot = pg.PlotWidget()
        self.boundary_plot.setObjectName("boundaryPlot")
        self.boundary_plot.setTitle("Output over the inputs")
        # Equal axes for two inputs (set_data): a circle of points looks like a circle.
        self.boundary_plot.setAspectLocked(False)
        _plain_axes(self.boundary_plot)
        # The classes' colours, named, right of the map (outside the data).
        item = plot_item(self.boundary_plot)
        item.legend = self.class_legend = pg.LegendItem(
            offset=None, labelTextSize=LEGEND_TEXT_SIZE, colCount=1, verSpacing=-8,
            frame=False)
        grid_of(self.class_legend).setContentsMargins(0, 0, 0, 0)
        grid_of(item).addItem(self.class_legend, 2, 3)
        grid_of(item).setColumnSpacing(2, 8)
        _title_across(item)
        self._class_samples: list = []
        self.boundary_plot.setMinimumWidth(PLOT_MIN_WIDTH)
        self.boundary_image = pg.ImageItem()
        self.boundary_plot.addItem(self.boundary_image)
        self.fit_curve = self.boundary_plot.plot([], [], pen=pg.mkPen(TRAIN_COLOR, width=4))
        self.data_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#ffffff", width=1))
        self.boundary_plot.addItem(self.data_points)
        # The network's fitted curve over the points it fits (1-D data), not under them.
        self.data_points.setZValue(1)
        self.fit_curve.setZValue(2)
        #: The samples of the batch being stepped through, ringed over the data.
        self.current_points = pg.ScatterPlotItem(size=15, brush=None,
                                                 pen=pg.mkPen("#000000", width=2))
        self.current_points.setZValue(3)
        self.boundary_plot.addItem(self.current_points)
        self.boundary_note = QLabel("", objectName="boundaryNote")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.boundary_note.setProperty("role", "hint")
        self.boundary_note.setWordWrap(True)

        # The latest numbers, large, above the curves: what a room reads while it trains.
        self.loss_readout = QLabel("", objectName="lossReadout")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.accuracy_readout = QLabel("", objectName="accuracyReadout")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        for label in (self.loss_readout, self.accuracy_readout):
            # A narrow dock (1366x768) wraps the numbers onto a second line rather than
            # cutting them off or squeezing the plots sideways.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setWordWrap(True)
            font = label.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            label.setFont(font)
            label.setTextFormat(Qt.TextFormat.RichText)
        readouts = QHBoxLayout()
        readouts.setContentsMargins(6, 2, 6, 2)
        readouts.setSpacing(24)
        readouts.addWidget(self.loss_readout, 1)
        readouts.addWidget(self.accuracy_readout, 1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.loss_plot, 1)
        self.log_scale = QCheckBox("log scale", objectName="lossLogScale")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.log_scale.setToolTip("Loss on a logarithmic axis: small late improvements show")
        self.log_scale.toggled.connect(self._on_log_scale_toggled)
        row = QHBoxLayout()
        row.addWidget(self.log_scale)
        row.addStretch(1)
        lv.addLayout(row)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.boundary_plot, 1)
        rv.addWidget(self.boundary_note)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.addWidget(right)
        split.setSizes([400, 300, 320])
        layout.addLayout(readouts)
        layout.addWidget(split, 1)
        self.setWidget(body)

        self._series = {k: GrowingSeries() for k in (
            "batch_loss", "batch_accuracy", "epoch_loss", "epoch_accuracy", "val_loss",
            "val_accuracy")}
        self._batches_per_epoch = 1
        #: How the per-batch series were thinned (nnviz.engine.training.BatchSeries.segments).
        self._batch_segments: list = []
        self._stale: set = set()
        # The plots follow the data with ranges we compute (one numpy min/max) instead of
        # pyqtgraph's auto-range, which re-ranges during the paint and so paints each plot
        # two or three times per update. A user who zooms or pans takes over.
        self._follow = {}
        #: The ranges last set per plot: a frame whose data fits them sets nothing.
        self._shown_range: dict = {}
        for plot in (self.loss_plot, self.accuracy_plot):
            vb = plot.getViewBox()
            vb.disableAutoRange()
            self._follow[plot] = True
            vb.sigRangeChangedManually.connect(
                lambda *_a, plot=plot: self._follow.__setitem__(plot, False))
            vb.sigRangeChangedManually.connect(
                lambda *_a, plot=plot: self._shown_range.pop(plot, None))
        self._class_colors = np.array([pg.mkColor(c).getRgb()[:3] for c in CLASS_COLORS],  # pyright: ignore[reportIndexIssue]  # PySide6 stubs type QColor.getRgb() as object
                                      dtype=np.float64)
        self._task = "classification"
        #: The loss of the batch being stepped (its loss stage is done, its update not yet).
        self._stage_loss: float | None = None
        self._shown_boundary = None
        self._last_boundary = None
        #: The neuron whose map the output-map plot shows instead (its title), or None.
        self.neuron_map_title: str | None = None
        self._neuron_hist = None
        self._dark: bool | None = None
        self._bg_rgb = np.full(3, 255.0)
        #: Presentation mode's text size in pixels (None: the window's sizes).
        self._text_px: int | None = None
        self._readout_font = QFont(self.loss_readout.font())
        #: Presentation mode keeps the output map square (see :meth:`square_output_map`).
        self._square_map = False
        self._split = split
        self._normal_split: list[int] | None = None
        self.set_theme(is_dark())
        self._update_readouts()

    # ------------------------------------------------------------------ theme
    def plot_widgets(self) -> list[pg.PlotWidget]:
        """Every plot of the dock (loss, accuracy, weight norms, output map, added tabs)."""
        return [self.loss_plot, self.accuracy_plot, self.norms_plot, self.boundary_plot,
                *self.extra_plots]

    def set_theme(self, dark: bool) -> None:
        """Backgrounds, axes, text, grid and legends in the light or dark theme's colours.

        pyqtgraph ignores the widget palette, so the window's theme switch reaches the plots
        through :meth:`changeEvent` (Qt sends every widget a palette change).
        """
        if dark == self._dark:
            return
        self._dark = dark
        t = theme_for(dark)
        for plot in self.plot_widgets():
            style_plot(plot, dark, self._text_px)
        self.current_points.setPen(pg.mkPen(t.plot_foreground, width=2))
        self._bg_rgb = np.array(pg.mkColor(t.plot_background).getRgb()[:3], dtype=np.float64)  # pyright: ignore[reportIndexIssue]  # PySide6 stubs type QColor.getRgb() as object
        if self._task != "classification":
            self.data_points.setBrush(pg.mkBrush(t.plot_foreground))
        # The output map fades into the background where the network hesitates: repaint it.
        last, self._shown_boundary = self._last_boundary, None
        self.set_boundary(last)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Follow the application's theme when its palette changes."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.set_theme(is_dark())
        super().changeEvent(event)

    # ------------------------------------------------------------------ tabs
    # (the weight-norm tab's history and curves: PlotsNorms)
    def _on_tab_changed(self, _index: int) -> None:
        """The tab shown now gets the points it missed while hidden."""
        if self._tab_stale:
            keys, self._tab_stale = self._tab_stale, set()
            self._redraw(keys)
        self._follow_data(loss=False)
        self._redraw_norms()

    def _on_log_scale_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._follow_data()

    # ------------------------------------------------------------------ history
    def clear_history(self) -> None:
        """Forget every point (after Reset or a rebuild)."""
        for s in self._series.values():
            s.clear()
        self._stale = set()
        self._norm_x.clear()
        for s in self._norm_y:
            s.clear()
        self._norms_stale = True
        self._shown_range.clear()
        self._norms_range = None
        self._redraw()
        self._redraw_norms()

    def add_history(self, tails: dict, batches_per_epoch: int, redraw: bool = True,
                    batch_segments=None) -> None:
        """Append new points (``{key: [values]}``); redraw each changed curve once.

        ``redraw=False`` only stores them (the controller redraws the plots less often than
        the canvas while training fast); the next redraw shows them all. ``redraw`` may
        also name the series to redraw now (one plot's turn); the others wait.
        ``batch_segments`` says how a long run's old per-batch points were thinned
        (:attr:`nnviz.engine.training.BatchSeries.segments`), so each is drawn at its batches.
        """
        self._batches_per_epoch = max(1, int(batches_per_epoch))
        if batch_segments is not None and list(batch_segments) != self._batch_segments:
            self._batch_segments = list(batch_segments)
            self._stale.update(("batch_loss", "batch_accuracy"))
        for key, values in tails.items():
            if values and key in self._series:
                self._series[key].extend(values)
                self._stale.add(key)
        now = self._stale if redraw is True else self._stale & set(redraw or ())
        if now:
            self._redraw(now)
            self._stale = self._stale - now

    def point_count(self, key: str) -> int:
        """How many points the series ``key`` (e.g. "batch_loss") holds."""
        return len(self._series[key])

    def series(self, key: str) -> np.ndarray:
        """A copy of the series ``key``."""
        return self._series[key].values.copy()

    def _redraw(self, keys=None) -> None:
        """One ``setData`` per curve whose series changed (all of them when ``keys`` is None).

        The accuracy curves wait while their tab is hidden (see :meth:`_on_tab_changed`).
        """
        bpe = self._batches_per_epoch
        if self.tabs.currentWidget() is not self.accuracy_plot:
            hidden = set(ACCURACY_KEYS)
            self._tab_stale |= hidden if keys is None else hidden & set(keys)
            keys = set(History.KEYS if keys is None else keys) - hidden
        for key, curve in (("batch_loss", self.curve_batch_loss),
                           ("batch_accuracy", self.curve_batch_acc)):
            if keys is None or key in keys:
                y = self._series[key].values
                curve.setData(batch_positions(len(y), self._batch_segments) / bpe, y)
        for key, curve in (("epoch_loss", self.curve_epoch_loss),
                           ("val_loss", self.curve_val_loss),
                           ("epoch_accuracy", self.curve_epoch_acc),
                           ("val_accuracy", self.curve_val_acc)):
            if keys is None or key in keys:
                y = self._series[key].values
                curve.setData(np.arange(1, len(y) + 1, dtype=np.float64), y)
        # Only the plots redrawn move their axes: an axis laid out again costs ~6 ms, and
        # the loss and the accuracy plot take turns while training.
        self._follow_data(loss=keys is None or bool(set(keys) & set(LOSS_KEYS)),
                          accuracy=keys is None or bool(set(keys) & set(ACCURACY_KEYS)))
        self._update_readouts()

    def _update_readouts(self) -> None:
        """The latest loss and accuracy as numbers: train (the last epoch's, or the last
        batch's before an epoch ends) and validation."""
        self.loss_readout.setText(self._readout("Loss", "epoch_loss", "batch_loss", "val_loss",
                                                lambda v: f"{v:.4g}"))
        self.accuracy_readout.setText(self._readout(
            "Accuracy", "epoch_accuracy", "batch_accuracy", "val_accuracy",
            lambda v: f"{100 * v:.1f} %"))
        self.accuracy_readout.setVisible(self._task == "classification")

    def set_stage_loss(self, value: float | None) -> None:
        """The loss of the batch being stepped, once its loss stage is done (None: none)."""
        if value != self._stage_loss:
            self._stage_loss = value
            self._update_readouts()

    def _readout(self, title: str, epoch_key: str, batch_key: str, val_key: str, text) -> str:
        series = self._series
        parts = []
        if len(series[epoch_key]):
            parts.append(f'train <b style="color:{TRAIN_COLOR}">'
                         f"{text(series[epoch_key].values[-1])}</b>")
        if title == "Loss" and self._stage_loss is not None:
            # The loss stage computed L: the readout shows it at once, not "–".
            parts.append(f'this batch <b style="color:{TRAIN_COLOR}">'
                         f"{text(self._stage_loss)}</b>")
        elif not len(series[epoch_key]) and len(series[batch_key]):
            parts.append(f'last batch <b style="color:{TRAIN_COLOR}">'
                         f"{text(series[batch_key].values[-1])}</b>")
        if len(series[val_key]):
            parts.append(f'validation <b style="color:{VAL_COLOR}">'
                         f"{text(series[val_key].values[-1])}</b>")
        return f"{title}: " + (" · ".join(parts) if parts else "–")

    def readout_text(self) -> str:
        """The readouts as plain text (for tests and for copying)."""
        shown = [self.loss_readout]
        if self.accuracy_readout.isVisible() or self._task == "classification":
            shown.append(self.accuracy_readout)
        return "  ".join(QTextDocumentFragment.fromHtml(label.text()).toPlainText()
                         for label in shown)

    def _batch_count(self) -> int:
        """Batches the per-batch loss points stand for (more than points once thinned)."""
        n = len(self._series["batch_loss"])
        return int(batch_positions(n, self._batch_segments)[-1]) if n else 0

    def _follow_data(self, loss: bool = True, accuracy: bool = True) -> None:
        n_batches = self._batch_count()
        n_epochs = max(len(self._series["epoch_loss"]), len(self._series["val_loss"]))
        x_max = nice_ceiling(max(n_batches / self._batches_per_epoch, n_epochs, 1.0))
        if loss and self._follow[self.loss_plot]:
            log = self.log_scale.isChecked()
            ranges = [r for r in (self._series[k].finite_range(positive=log)
                                  for k in ("batch_loss", "epoch_loss", "val_loss")) if r]
            lo, hi = (min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges \
                else (0.0, 1.0)
            if log and ranges:
                lo, hi = float(np.log10(lo)), float(np.log10(hi))
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            lo = lo if log else min(lo, 0.0)
            hi += HEADROOM * (hi - lo)
            shown = self._shown_range.get(self.loss_plot)
            if shown is None or shown[0] != x_max or shown[1] != log \
                    or _needs_new_range(shown[2], (lo, hi)):
                self._shown_range[self.loss_plot] = (x_max, log, (lo, hi))
                self.loss_plot.setRange(xRange=(0, x_max), yRange=(lo, hi), padding=0.03)  # pyright: ignore[reportCallIssue]  # pyqtgraph hands setRange to the ViewBox
        if accuracy and self._follow[self.accuracy_plot] and \
                self._shown_range.get(self.accuracy_plot) != x_max:
            self._shown_range[self.accuracy_plot] = x_max
            self.accuracy_plot.setRange(xRange=(0, x_max), yRange=(0, 1), padding=0.03)  # pyright: ignore[reportCallIssue]  # pyqtgraph hands setRange to the ViewBox

    def set_time_marker(self, epoch: float | None) -> None:
        """Mark the epoch being shown by time travel (None hides the mark)."""
        self.loss_marker.setVisible(epoch is not None)
        if epoch is not None:
            self.loss_marker.setValue(epoch)

    # ------------------------------------------------------------------ presentation
    # (the data points, the output map and a neuron's map: PlotsOutputMap)
    def set_presentation_mode(self, on: bool) -> None:
        """Texts a lecture hall reads: ticks, labels, legends at ``PRESENTATION_PLOT_PX``,
        the readouts at ``PRESENTATION_READOUT_PX``; the output map kept square."""
        self._text_px = PRESENTATION_PLOT_PX if on else None
        for plot in self.plot_widgets():
            style_plot(plot, bool(self._dark), self._text_px)
        font = QFont(self._readout_font)
        if on:
            font.setPixelSize(PRESENTATION_READOUT_PX)
        for label in (self.loss_readout, self.accuracy_readout):
            label.setFont(font)
        if on and not self._square_map:
            self._normal_split = self._split.sizes()
        elif not on and self._square_map and self._normal_split:
            self._split.setSizes(self._normal_split)
        self._square_map = on
        self.square_output_map()

    def text_pixel_size(self) -> int | None:
        """The plots' text size in presentation mode (None: the window's)."""
        return self._text_px

    def square_output_map(self) -> None:
        """Presentation mode: the output map as wide as it is tall, the curves share the rest."""
        if not self._square_map:
            return
        split = self._split
        width, height = split.width(), split.height()
        if width < 50 or height < 50:
            return
        # The data area square: as wide as the plot's height leaves it (less the title
        # and the bottom axis), plus what the left axis and the class legend take.
        item = plot_item(self.boundary_plot)
        chrome_v = item.titleLabel.boundingRect().height() + item.getAxis("bottom").height() + 16
        chrome_h = item.getAxis("left").width() + self.class_legend.boundingRect().width() + 24
        note = self.boundary_note.sizeHint().height() if self.boundary_note.text() else 0
        side = int(min(height - note - chrome_v + chrome_h, width // 2))
        rest = max(0, width - side - 2 * split.handleWidth())
        if abs(split.sizes()[2] - side) > 2:
            split.setSizes([rest // 2, rest - rest // 2, side])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Keep the output map square in presentation mode."""
        super().resizeEvent(event)
        if self._square_map:
            QTimer.singleShot(0, self, self.square_output_map)
