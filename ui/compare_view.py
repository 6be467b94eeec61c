"""Training > Compare…: copies of the network trained side by side, their loss curves overlaid.

:class:`CompareController` (``window.compare``) owns the parts:

* :class:`CompareDialog` ("compareDialog"): the learning-rate factors (×0.1, ×1, ×10 by
  default) and, optionally, other optimizers; it shows the rates it will train before
  Compare is pressed;
* a thread of its own (a ``QThread`` with a worker ``QObject``, as the training thread)
  that runs :meth:`nnviz.analysis.compare.Comparison.run` on copies taken from the session: the
  session's run, document and undo stack are never touched, so closing the window or
  pressing Cancel mid-way loses nothing; the thread is asked to stop and waited for;
* :class:`CompareDock` ("compareDock"): the copies' training loss per epoch overlaid, one
  colour each, the legend naming the rates ("lr 0.01", "lr 0.1", "lr 1"); a copy that
  diverged is marked with an ✕ at its last finite epoch and says why ("lr 3: diverged at
  epoch 13: the loss became infinite");
* each copy's path across the loss surface (View's "Loss Surface" dock), in its curve's
  colour, when the comparison is done ("Paths on the loss surface").
"""
from __future__ import annotations

import re
import threading
import time

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis import compare
from nnviz.engine import optimizers
from nnviz.errors import NnvizError
from ui.theme import is_dark
from ui.training.plot_parts import LAYER_COLORS, _plot, legend_of, plot_item, style_plot

__all__ = ["CompareController", "CompareDialog", "CompareDock", "parse_factors",
           "PROGRESS_SECONDS"]

#: The fewest seconds between two progress records the thread sends (and the plot draws).
PROGRESS_SECONDS = 1 / 30
#: The lowest loss the log axis shows (a loss of 0 is drawn there).
FLOOR = 1e-12
#: The loss axis reaches this many times the highest first-epoch loss.
TOP_MARGIN = 30.0
#: The factors the dialog opens with.
DEFAULT_FACTOR_TEXT = "×0.1, ×1, ×10"


def parse_factors(text: str) -> list[float]:
    """``"×0.1, ×1, ×10"`` (or ``"0.1 1 10"``, ``"x0.1; x1"``) -> ``[0.1, 1.0, 10.0]``.

    Raises ValueError naming the part that is not a positive number.
    """
    out = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        number = part.lstrip("×xX*")
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"“{part}” is not a factor: write numbers such as ×0.1, ×1, "
                             "×10.") from None
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"“{part}” is not a positive factor.")
        out.append(value)
    return out


class CompareDialog(QDialog):
    """The dialog "compareDialog": factors ("compareFactors"), other optimizers
    ("compareOptimizer_<name>"), the rates it will train ("compareRates"), and the
    "Compare" button ("compareStart")."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Compare Learning Rates")
        self.settings = window.session.settings
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Train copies of the network from the weights this run started with, on the "
            f"same batches in the same order, for {self.settings.epochs} epochs (the Epochs "
            "setting). Only the learning rate (or the optimizer) differs; your own run is "
            "not touched.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.factors = QLineEdit(DEFAULT_FACTOR_TEXT, objectName="compareFactors")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.factors.setToolTip("Factors of the learning rate, separated by commas")
        form.addRow(f"Learning rate {self.settings.learning_rate:g} ×", self.factors)
        self.optimizer_boxes: dict[str, QCheckBox] = {}
        others = QHBoxLayout()
        for name, label in optimizers.choices():
            if name == self.settings.optimizer:
                continue
            box = QCheckBox(f"{label} (lr {optimizers.default_learning_rate(name):g})",  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
                            objectName=f"compareOptimizer_{name}")
            box.setToolTip(f"Also train a copy with {label} at its own starting rate")
            box.toggled.connect(lambda _on: self._update())
            self.optimizer_boxes[name] = box
            others.addWidget(box)
        others.addStretch(1)
        form.addRow("Also with", others)
        layout.addLayout(form)
        self.rates = QLabel("", objectName="compareRates")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.rates.setWordWrap(True)
        layout.addWidget(self.rates)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("Compare", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("compareStart")
        self.start_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.factors.textChanged.connect(lambda _t: self._update())
        self._update()

    def choice(self) -> tuple[list[float], list[str]]:
        """The factors and the other optimizers chosen (ValueError for bad factors)."""
        return (parse_factors(self.factors.text()),
                [name for name, box in self.optimizer_boxes.items() if box.isChecked()])

    def variants(self) -> list[compare.Variant]:
        """The copies the choice trains (ValueError or NnvizError says why not)."""
        factors, others = self.choice()
        return compare.variants(self.settings, factors, others)

    def _update(self) -> None:
        try:
            chosen = self.variants()
        except (ValueError, NnvizError) as error:
            self.rates.setText(str(error))
            self.start_button.setEnabled(False)
            return
        self.rates.setText("Trains: " + " · ".join(v.label for v in chosen))
        self.start_button.setEnabled(True)


class _CompareTask(QObject):
    """Runs a comparison on the compare thread; progress at most every PROGRESS_SECONDS."""

    sig_progress = Signal(object)
    #: (all done, error text or ""): the run ended, was stopped, or failed.
    sig_done = Signal(bool, str)

    def __init__(self, comparison: compare.Comparison):
        super().__init__()
        self.comparison = comparison
        self.stop = threading.Event()
        self._last = 0.0

    @Slot()
    def run(self) -> None:
        """Train every copy (numbers only: no Qt object is touched but the signals)."""
        done, error = False, "an error inside nnviz (it is reported)"
        try:
            done = self.comparison.run(self.stop.is_set, self._progress)
            error = ""
        except (NnvizError, ValueError, FloatingPointError, MemoryError) as refused:
            error = str(refused)
        finally:
            # Whatever happened, the window hears the end (an unforeseen error goes on
            # to the error report after this): the Compare action never stays disabled.
            self.sig_progress.emit(self.comparison.summaries())
            self.sig_done.emit(done, error)

    def _progress(self, summaries) -> None:
        now = time.perf_counter()
        if now - self._last >= PROGRESS_SECONDS:
            self._last = now
            self.sig_progress.emit(summaries)


class CompareDock(QDockWidget):
    """The dock "compareDock": the overlaid curves ("comparePlot"), the divergence notes
    and progress ("compareStatus"), "Cancel" ("compareCancel") and "Paths on the loss
    surface" ("compareShowPaths"). ``curves`` maps a label to its curve, ``markers`` a
    diverged copy's label to its ✕, dashed line and note."""

    def __init__(self, window):
        super().__init__("Compare", window)
        self.setObjectName("compareDock")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.plot = _plot("comparePlot", "Training loss per epoch (log scale)", "loss",
                          legend=True)
        self.plot.setLogMode(y=True)
        layout.addWidget(self.plot, 1)
        row = QHBoxLayout()
        self.status = QLabel("", objectName="compareStatus")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.show_paths = QCheckBox("Paths on the loss surface", objectName="compareShowPaths")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.show_paths.setChecked(True)
        self.show_paths.setToolTip("Draw each copy's path across the Loss Surface dock's "
                                   "plane, in its curve's colour")
        row.addWidget(self.show_paths)
        self.cancel_button = QPushButton("Cancel", objectName="compareCancel")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.cancel_button.setEnabled(False)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.setWidget(body)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.markers: dict[str, tuple] = {}
        #: The top of the loss axis (where a diverged copy's ✕ is pinned).
        self.top = 1.0
        #: The epochs the comparison trains (the x axis's length).
        self.epochs = 1
        style_plot(self.plot, is_dark())

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Follow the application's theme."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            style_plot(self.plot, is_dark())
            # A legend label takes its new colour only when its text is set again.
            for _sample, label in legend_of(self.plot).items:
                label.setText(label.text)
        super().changeEvent(event)

    def clear(self, epochs: int = 1) -> None:
        """No curves (a new comparison of ``epochs`` epochs starts)."""
        self.epochs = epochs
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        for items in self.markers.values():
            for item in items:
                self.plot.removeItem(item)
        self.curves.clear()
        self.markers.clear()
        legend_of(self.plot).clear()

    def curve_data(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """The epochs and losses of the copy named ``label`` as drawn (not the log axis's
        logarithms)."""
        x, y = self.curves[label].getOriginalDataset()
        return np.asarray(x), np.asarray(y)

    @staticmethod
    def color(index: int) -> str:
        """The colour of the ``index``-th copy (its curve and its path)."""
        return LAYER_COLORS[index % len(LAYER_COLORS)]

    def show_summaries(self, summaries) -> None:
        """Draw every copy's curve (one ``setData`` each) and mark those that diverged."""
        for index, s in enumerate(summaries):
            curve = self.curves.get(s.label)
            if curve is None:
                pen = pg.mkPen(self.color(index), width=3)
                curve = self.curves[s.label] = self.plot.plot(
                    [], [], pen=pen, name=s.label, symbol="o", symbolSize=5,
                    symbolBrush=self.color(index), symbolPen=None)
            y = np.asarray(s.epoch_loss, dtype=np.float64)
            # A log axis shows positive numbers only: a loss of exactly 0 sits at FLOOR.
            curve.setData(np.arange(1, len(y) + 1), np.maximum(y, FLOOR))
        self._fit_losses(summaries)
        for index, s in enumerate(summaries):
            if s.note and s.label not in self.markers:
                self._mark(index, s)

    def _fit_losses(self, summaries) -> None:
        """The loss axis from the lowest loss to :data:`TOP_MARGIN` times the first
        batch's (the same for every copy: same weights, same batch): a copy on its way to
        infinity leaves the top instead of flattening the others into one line."""
        lows = [min(s.epoch_loss) for s in summaries if s.epoch_loss]
        starts = [s.first_loss for s in summaries if s.first_loss is not None]
        if not lows or not starts:
            return
        low = max(min(lows), FLOOR)
        self.top = max(min(starts) * TOP_MARGIN, low * 10)
        self.plot.setYRange(np.log10(low), np.log10(self.top), padding=0.05)  # pyright: ignore[reportCallIssue]  # pyqtgraph hands setYRange to the ViewBox

    def _mark(self, index: int, s) -> None:
        """An ✕ at the copy's last finite epoch (its first batch's loss if none) on a
        dashed line in its colour, and why it stopped; pinned to the top of the axis
        when the loss had left it."""
        if s.epoch_loss:
            x, y = len(s.epoch_loss), s.epoch_loss[-1]
        elif s.first_loss is not None:
            x, y = 0, s.first_loss
        else:
            return
        y = min(max(float(y), FLOOR), self.top)
        color = self.color(index)
        symbol = self.plot.plot([x], [y], pen=None, symbol="x", symbolSize=18,
                                symbolBrush=color, symbolPen=pg.mkPen(color, width=3))
        line = pg.InfiniteLine(x, angle=90, movable=False,
                               pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine))
        plot_item(self.plot).addItem(line, ignoreBounds=True)
        # The note runs into the plot from its line: rightwards in the first half.
        left = x < self.epochs / 2
        text = pg.TextItem(f"{s.label}: {s.note}", color=color,
                           anchor=(0.0 if left else 1.0, 0.0))
        text.setPos(x, np.log10(self.top))  # the log axis's own coordinates
        plot_item(self.plot).addItem(text, ignoreBounds=True)
        self.markers[s.label] = (symbol, line, text)


class CompareController(QObject):
    """``window.compare``: the Compare… action's slot, the thread, the dock, the paths.

    Public: ``dock``, ``dialog`` (the open one, or None), ``comparison`` (the last one),
    ``running``, ``open_dialog()``, ``start(factors, other_optimizers)``, ``cancel()``,
    ``shutdown()``; ``sig_finished(done)`` when a comparison ends (tests wait on it).
    """

    sig_finished = Signal(bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.dock = CompareDock(window)
        self.dock.hide()  # until the first comparison
        self.dialog: CompareDialog | None = None
        self.comparison: compare.Comparison | None = None
        self._thread: QThread | None = None
        self._task: _CompareTask | None = None
        self._path_curves: list[pg.PlotDataItem] = []
        self.dock.cancel_button.clicked.connect(self.cancel)
        self.dock.show_paths.toggled.connect(lambda _on: self.draw_paths())
        window.loss_surface.sig_computed.connect(self.draw_paths)
        # A window deleted without close() still stops the thread (a function of its own:
        # this object's C++ half is gone by then).
        window.destroyed.connect(lambda *_a, c=self: _stop_thread(c._task, c._thread))

    @property
    def running(self) -> bool:
        """Whether a comparison is training now."""
        return self._thread is not None

    def open_dialog(self) -> None:
        """Training > Compare…: the dialog (non-modal to the event loop; Compare starts)."""
        if self.running:
            self._show_dock()
            return
        self.dialog = CompareDialog(self.window)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        # accepted comes after finished: the slot is given the dialog, not self.dialog.
        self.dialog.accepted.connect(lambda d=self.dialog: self._on_dialog_accepted(d))
        self.dialog.finished.connect(self._forget_dialog)
        self.dialog.open()

    def _forget_dialog(self, _result: int) -> None:
        self.dialog = None

    def _on_dialog_accepted(self, dialog: CompareDialog) -> None:
        try:
            factors, others = dialog.choice()
        except ValueError as error:  # the button is disabled then; Enter may still come
            self._say(str(error))
            return
        self.start(factors, others)

    def start(self, factors=compare.DEFAULT_FACTORS, other_optimizers=()) -> bool:
        """Start a comparison on its thread; False (and the dock says why) if none can be."""
        if self.running:
            return False
        try:
            comparison = compare.Comparison.from_session(self.session, factors,
                                                         other_optimizers)
        except NnvizError as error:
            self._show_dock()
            self._say(f"Nothing to compare: {error}")
            return False
        self.comparison = comparison
        self._clear_paths()
        self.dock.clear(comparison.epochs)
        self.dock.plot.setXRange(0, comparison.epochs, padding=0.02)  # pyright: ignore[reportCallIssue]  # pyqtgraph hands setXRange to the ViewBox
        self._show_dock()
        self._say(f"Training {len(comparison.runs)} copies for {comparison.epochs} epochs…")
        self.dock.cancel_button.setEnabled(True)
        self.window.compare_action.setEnabled(False)
        self._task = _CompareTask(comparison)
        self._thread = QThread()
        self._thread.setObjectName("nnviz-compare")
        self._task.moveToThread(self._thread)
        self._thread.started.connect(self._task.run)
        self._task.sig_progress.connect(self.dock.show_summaries)
        self._task.sig_done.connect(self._on_done)
        self._thread.start()
        return True

    def cancel(self) -> None:
        """Stop the comparison after its current batch (the curves so far stay)."""
        if self._task is not None:
            self._task.stop.set()

    def shutdown(self) -> None:
        """Stop the thread and wait for it (the window closes)."""
        _stop_thread(self._task, self._thread)
        self._thread = self._task = None

    def _on_done(self, done: bool, error: str) -> None:
        _stop_thread(None, self._thread)
        self._thread = self._task = None
        self.dock.cancel_button.setEnabled(False)
        self.window.compare_action.setEnabled(True)
        comparison = self.comparison
        summaries = comparison.summaries() if comparison is not None else []
        self.dock.show_summaries(summaries)
        notes = [f"{s.label}: {s.note}" for s in summaries if s.note]
        if error:
            head = f"The comparison stopped: {error}"
        elif done:
            assert comparison is not None  # the comparison that ran to its end
            head = f"Done: {len(summaries)} copies, {comparison.epochs} epochs each."
        else:
            trained = max((s.epochs for s in summaries), default=0)
            head = f"Cancelled after epoch {trained}; the curves so far stay."
        self._say(" ".join([head, *[n + "." for n in notes]]))
        self.draw_paths()
        self.sig_finished.emit(done)

    def _show_dock(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def _say(self, text: str) -> None:
        self.dock.status.setText(text)

    # ------------------------------------------------------------------ loss surface
    def _clear_paths(self) -> None:
        plot = self.window.loss_surface.plot
        for curve in self._path_curves:
            plot.removeItem(curve)
        self._path_curves = []

    def draw_paths(self) -> None:
        """Each copy's path on the loss surface's plane, in its curve's colour (when the
        comparison is not running, the box is ticked and a surface is drawn)."""
        self._clear_paths()
        comparison = self.comparison
        if comparison is None or self.running or not self.dock.show_paths.isChecked():
            return
        surface = self.window.loss_surface
        for index, run in enumerate(comparison.runs):
            xy = surface.plane_coordinates(run.path())
            if xy is None:
                continue
            color = self.dock.color(index)
            curve = pg.PlotDataItem(xy[:, 0], xy[:, 1], pen=pg.mkPen(color, width=3),
                                    symbol="o", symbolSize=5, symbolBrush=color,
                                    symbolPen=None)
            curve.setZValue(5)
            # The view stays on the surface: a diverged copy's path leaves it at the edge.
            surface.plot.addItem(curve, ignoreBounds=True)
            self._path_curves.append(curve)

    def path_curves(self) -> list[pg.PlotDataItem]:
        """The curves drawn on the loss surface, one per copy with a path on its plane."""
        return list(self._path_curves)


def _stop_thread(task: _CompareTask | None, thread: QThread | None) -> None:
    """Ask the task to stop, end the thread's loop, and wait for it (never terminate())."""
    if task is not None:
        task.stop.set()
    if thread is not None and shiboken6.isValid(thread):
        thread.quit()
        if not thread.wait(10000):
            raise RuntimeError("The comparison's thread did not stop within 10 s.")
