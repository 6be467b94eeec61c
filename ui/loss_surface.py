"""The loss surface dock: the loss over two weights (or two directions), and training's path.

``LossSurfaceDock`` (objectName "lossSurfaceDock") draws the loss of the training data over
a plane through weight space (:func:`nnviz.analysis.loss_surface.loss_surface`) as a heat map with
contour lines, the path the run took across it (its time-travel snapshots, projected on
the plane) and the current weights as a dot that moves while training.

The plane is one of:

* **Two connections**: pick a connection on the canvas and press "Selected connection →
  axis 1", then another for axis 2. The axes are those two weights' values; every other
  weight stays where it was when the surface was computed. Until the user picks, the two
  connections with the largest ``|w|`` are the axes, so the dock opens on a surface.
* **Principal directions of the run**: the two directions in which the run's snapshots
  differ most from the current weights (SVD); the path lies nearly in this plane.
* **Random directions**: two random, filter-normalised directions (as in loss-landscape
  papers), centred on the current weights.

The grid is computed off the GUI thread (a :class:`~ui.thread_job.ThreadJob` on copies
of the weights and data), one at a time; a newer request makes an older result stale, and
only the newest request waiting is computed next.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis import loss_surface as ls
from nnviz.document.selection import ConnectionSel, Selection
from nnviz.errors import NnvizError
from ui.canvas import style
from ui.theme import is_dark
from ui.thread_job import ThreadJob
from ui.training.plot_parts import style_plot

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["LossSurfaceDock", "MODES", "MAX_SAMPLES"]

#: (data, label) of the plane choices.
MODES = (("connections", "Two connections"),
         ("pca", "Principal directions of the run"),
         ("random", "Random directions (filter-normalised)"))
#: The surface averages the loss over at most this many training samples (evenly spaced).
MAX_SAMPLES = 1000
#: Contour lines drawn over the heat map.
CONTOURS = 8


#: What a grid evaluation may fail with for the numbers' sake (shown in the dock).
_SURFACE_ERRORS = (ValueError, FloatingPointError, MemoryError)


def _evaluate(job: dict):
    """Evaluate the grid of ``job`` (NumPy, no Qt): runs on the job's thread."""
    return ls.loss_surface(job["model"], job["x"], job["y"], job["center"], job["dir1"],
                           job["dir2"], job["span"], grid=job["grid"])


class LossSurfaceDock(QDockWidget):
    """The dock "lossSurfaceDock": plane choice, axis buttons, the surface plot.

    Public: ``plot`` ("lossSurfacePlot"), ``image``, ``path_curve``, ``current_dot``,
    ``mode_combo`` ("surfaceMode"), ``axis1_button``/``axis2_button`` ("surfaceAxis1/2"),
    ``span_spin`` ("surfaceSpan"), ``recompute_button`` ("surfaceRecompute"),
    ``status`` ("surfaceStatus"); ``axes`` (the chosen connections), ``surface`` (the last
    ``(alphas, betas, losses)``), ``current_point()``; ``set_selection(sel)``,
    ``set_axis(n, connection)``, ``compute()``; ``sig_computed`` after each drawn surface.
    """

    sig_computed = Signal()
    #: The main window: the name hides QWidget.window() on the dock (the same window).
    window: MainWindow

    def __init__(self, window):
        super().__init__("Loss Surface", window)
        self.setObjectName("lossSurfaceDock")
        self.window = window
        self.session = window.session
        self.axes: list = [None, None]
        self._auto_axes = False  # the axes are the largest |w|, not the user's pick
        self.surface = None
        self._selection = None
        self._plane: dict | None = None
        self._generation = 0
        self._snapshot_count = -1
        #: The grid being computed, and the request (generation) it answers.
        self._task: ThreadJob | None = None
        self._task_generation = 0
        self._pending: dict = {}

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        controls = QGridLayout()
        self.mode_combo = QComboBox(objectName="surfaceMode")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        for data, label in MODES:
            self.mode_combo.addItem(label, data)
        self.mode_combo.setToolTip("Which plane through weight space the loss is drawn over")
        # Narrow columns stay possible: the dock must not widen the window.
        self.mode_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_combo.setMinimumContentsLength(12)
        self.axis1_button = QPushButton("Selected → axis 1", objectName="surfaceAxis1")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.axis2_button = QPushButton("Selected → axis 2", objectName="surfaceAxis2")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        for n, button in enumerate((self.axis1_button, self.axis2_button)):
            button.setToolTip("Use the connection selected on the canvas as this axis "
                              "(click a connection first)")
            button.setEnabled(False)
            button.setMinimumWidth(40)
            button.clicked.connect(lambda _c=False, n=n: self.set_axis(n, self._selection))
        self.axes_label = QLabel("", objectName="surfaceAxes")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.axes_label.setWordWrap(True)
        self.span_spin = QDoubleSpinBox(objectName="surfaceSpan")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.span_spin.setRange(0.05, 100.0)
        self.span_spin.setSingleStep(0.5)
        self.span_spin.setValue(2.0)
        self.span_spin.setPrefix("± ")
        self.span_spin.setToolTip("How far the grid reaches on each side of the current "
                                  "weights (principal directions: fitted to the path)")
        self.recompute_button = QPushButton("Recompute", objectName="surfaceRecompute")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.recompute_button.setToolTip("Compute the surface again around the current weights")
        controls.addWidget(self.mode_combo, 0, 0, 1, 2)
        controls.addWidget(self.axis1_button, 1, 0)
        controls.addWidget(self.axis2_button, 1, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Span:"))
        row.addWidget(self.span_spin)
        row.addStretch(1)
        row.addWidget(self.recompute_button)
        controls.addLayout(row, 2, 0, 1, 2)
        layout.addLayout(controls)
        layout.addWidget(self.axes_label)

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("lossSurfacePlot")
        self.plot.setMinimumSize(120, 120)
        # The plot takes the room the dock has, no more: its size hint (640 x 480) would
        # make the scroll area's page taller than the dock (the status below it hidden).
        self.plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.plot.setTitle("Loss over two weights")
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.image = pg.ImageItem()
        viridis = cast(pg.ColorMap, pg.colormap.get("viridis"))  # bundled with pyqtgraph
        self.image.setLookupTable(cast(np.ndarray, viridis.getLookupTable(nPts=256)))
        self.plot.addItem(self.image)
        self.contours: list[pg.IsocurveItem] = []
        for _ in range(CONTOURS):
            curve = pg.IsocurveItem(pen=pg.mkPen((255, 255, 255, 150), width=1))  # pyright: ignore[reportArgumentType]  # pyqtgraph takes a QPen; its default 'w' types the pen str
            curve.setParentItem(self.image)  # drawn in the image's pixel coordinates
            self.contours.append(curve)
        self.path_curve = self.plot.plot([], [], pen=pg.mkPen("#ffffff", width=2),
                                         symbol="o", symbolSize=4, symbolBrush="#ffffff",
                                         symbolPen=None)
        self.current_dot = pg.ScatterPlotItem(size=13, brush=pg.mkBrush("#e0702c"),
                                              pen=pg.mkPen("#ffffff", width=2))
        self.plot.addItem(self.current_dot)
        layout.addWidget(self.plot, 1)
        self.status = QLabel("", objectName="surfaceStatus")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        # In a scroll area, as the training panel: a narrow column never widens the window.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)
        style_plot(self.plot, is_dark())

        self.mode_combo.currentIndexChanged.connect(lambda _i: self._on_mode())
        self.recompute_button.clicked.connect(self.compute)
        self.span_spin.editingFinished.connect(self.compute)
        window.scene.sig_selection_changed.connect(self.set_selection)
        window.training.sig_frame.connect(self._on_frame)
        self.session.events.run_started.connect(self._on_run_started)
        self.visibilityChanged.connect(self._on_visible)
        self._on_mode()

    # ------------------------------------------------------------------ inputs
    def mode(self) -> str:
        """"connections", "pca" or "random"."""
        return self.mode_combo.currentData()

    def set_selection(self, selection: Selection) -> None:
        """The canvas's selection: the axis buttons take a selected connection."""
        self._selection = selection
        ok = isinstance(selection, ConnectionSel)
        for button in (self.axis1_button, self.axis2_button):
            button.setEnabled(ok and self.mode() == "connections")

    def set_axis(self, n: int, connection: Selection) -> None:
        """Use the weight ``connection`` (a ``ConnectionSel``; anything else is ignored) as
        axis ``n`` (0 or 1); both set: compute."""
        if not isinstance(connection, ConnectionSel):
            return
        if self._auto_axes:  # the user's first pick replaces both automatic axes
            self.axes, self._auto_axes = [None, None], False
        self.axes[n] = (connection.source, connection.target, connection.i, connection.j)
        if self.mode() != "connections":
            self.mode_combo.setCurrentIndex(0)
        self._describe_axes()
        if all(a is not None for a in self.axes):
            self.compute()

    def _on_mode(self) -> None:
        connections = self.mode() == "connections"
        self.set_selection(self._selection)
        self.span_spin.setValue(2.0 if connections else 1.0)
        self.span_spin.setEnabled(self.mode() != "pca")
        if connections and not all(a is not None for a in self.axes):
            self._pick_axes()
        self._describe_axes()
        if not connections or all(a is not None for a in self.axes):
            if self.isVisible():
                self.compute()
            else:
                self._clear("")  # computed when the dock is shown
        else:
            self._clear("Click a connection on the canvas, then “Selected → axis 1”; then "
                        "another connection for axis 2.")

    def _pick_axes(self) -> None:
        """Both axes unchosen: the two connections with the largest |w| (a surface at
        once, over the weights the network leans on most)."""
        stepper = self.session.stepper
        try:
            ids = [spec.id for spec in self.session.design.chain()]
        except NnvizError:
            return
        if stepper is None or any(a is not None for a in self.axes):
            return
        with self.session.lock:
            weights = stepper.model.get_weights()
        picked = ls.largest_connections(weights)
        if len(picked) == 2 and len(ids) == len(weights) // 2 + 1:
            self.axes = [(ids[m], ids[m + 1], i, j) for m, i, j in picked]
            self._auto_axes = True

    def _on_visible(self, visible: bool) -> None:
        """Shown (its tab raised) without a surface: compute it now."""
        if visible and self.surface is None and self._plane is None and \
                (self.mode() != "connections" or all(a is not None for a in self.axes)):
            self.compute()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Follow the application's theme (the plot's background, axes and title)."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            style_plot(self.plot, is_dark())
        super().changeEvent(event)

    def _connection_name(self, axis) -> str:
        src, tgt, i, j = axis
        scene = self.window.scene
        try:
            a, b = scene.layer_item(src), scene.layer_item(tgt)
        except KeyError:
            return "?"
        return (f"w[{style.neuron_prefix(a.kind)}{i + 1}→{style.neuron_prefix(b.kind)}{j + 1}]"
                f" ({a.name} → {b.name})")

    def _describe_axes(self) -> None:
        if self.mode() != "connections":
            self.axes_label.setText("")
            return
        names = [self._connection_name(a) if a is not None else "not chosen" for a in self.axes]
        note = "\n(the largest |w|; pick others on the canvas)" if self._auto_axes else ""
        self.axes_label.setText(f"Axis 1: {names[0]}\nAxis 2: {names[1]}{note}")

    def _on_run_started(self, _reason: str) -> None:
        """A new run (a new network or data): the old surface no longer applies."""
        self._plane = None
        self._generation += 1
        try:
            ids = [spec.id for spec in self.session.design.chain()]
        except NnvizError:
            ids = []
        self.axes = [a if a is not None and self._layer_of(a, ids) is not None else None
                     for a in self.axes]
        if self._auto_axes:  # new weights: their own largest |w|
            self.axes, self._auto_axes = [None, None], False
            if self.mode() == "connections":
                self._pick_axes()
        self._describe_axes()
        self._clear("The network or data changed: press Recompute."
                    if self.mode() != "connections" or all(self.axes) else "")
        if self._auto_axes and self.isVisible():
            self.compute()  # nothing of the user's to keep: the new run's surface at once

    @staticmethod
    def _layer_of(axis, ids) -> int | None:
        src, tgt, _i, _j = axis
        if src in ids and ids.index(src) + 1 < len(ids) and ids[ids.index(src) + 1] == tgt:
            return ids.index(src)
        return None

    def _clear(self, message: str) -> None:
        self.surface = None
        self._plane = None
        self.image.clear()
        for curve in self.contours:
            curve.setData(None)
        self.path_curve.setData([], [])
        self.current_dot.setData([], [])
        self.status.setText(message)

    # ------------------------------------------------------------------ computing
    def _job(self) -> dict:
        """What the pool task needs, copied now on the GUI thread (raises ValueError)."""
        session = self.session
        with session.lock:
            stepper = session.stepper
            if stepper is None:
                raise ValueError(session.problem or "There is no network to evaluate.")
            model = stepper.model
            center = model.get_weights()
            snapshots = [w for _e, w in stepper.snapshots]
            x, y = stepper.x, stepper.y
        if len(x) > MAX_SAMPLES:
            pick = np.linspace(0, len(x) - 1, MAX_SAMPLES).astype(int)
            x, y = x[pick], y[pick]
        mode = self.mode()
        offset = np.zeros(2)
        span = float(self.span_spin.value())
        if mode == "connections":
            ids = [spec.id for spec in session.design.chain()]
            dirs, labels = [], []
            for axis in self.axes:
                if axis is None:
                    raise ValueError("Choose two connections first.")
                m = self._layer_of(axis, ids)
                if m is None:
                    raise ValueError("A chosen connection is not part of the network any more.")
                dirs.append(ls.connection_direction(center, m, axis[2], axis[3]))
                labels.append(self._connection_name(axis))
            if self.axes[0] == self.axes[1]:
                raise ValueError("Choose two different connections.")
            offset = np.array([center[2 * cast(int, self._layer_of(a, ids))][a[2], a[3]]
                               for a in self.axes])
        elif mode == "pca":
            d1, d2, explained = ls.pca_directions(snapshots, center)
            dirs = [d1, d2]
            labels = [f"principal direction 1 ({explained[0]:.0%} of the path)",
                      f"principal direction 2 ({explained[1]:.0%})"]
            coords = ls.project(snapshots, center, d1, d2)
            reach = np.max(np.abs(coords), axis=0) if len(coords) else np.ones(2)
            span = tuple(float(max(r * 1.25, 1e-3)) for r in reach)
        else:
            dirs = list(ls.random_directions(center, seed=0))
            labels = ["random direction 1", "random direction 2"]
        return {"model": model, "x": np.array(x), "y": np.array(y), "center": center,
                "dir1": dirs[0], "dir2": dirs[1], "span": span, "grid": ls.DEFAULT_GRID,
                "labels": labels, "offset": offset}

    def compute(self) -> None:
        """Compute the surface for the current plane on the thread pool (not blocking)."""
        try:
            job = self._job()
        except (ValueError, NnvizError) as error:
            self._clear(str(error))
            return
        self._generation += 1
        self._pending = job
        self.status.setText("Computing the loss surface…")
        if self._task is None:  # else the newest request starts when the running one ends
            self._start(job)

    def _start(self, job: dict) -> None:
        task = ThreadJob(lambda: _evaluate(job), "nnviz-loss-surface",
                         expected=_SURFACE_ERRORS)
        self._task, self._task_generation = task, self._generation
        task.done.connect(self._on_result)
        task.start()

    def wait(self, ms: int = 5000) -> bool:
        """Wait for a computation in progress (tests, the benchmark); True if done."""
        return self._task is None or self._task.wait(ms)

    def _on_result(self) -> None:
        task, generation = self._task, self._task_generation
        if task is None or self.sender() is not task:
            return
        self._task = None
        if generation != self._generation:
            self._start(self._pending)  # only the newest request waiting is computed
            return
        job = self._pending
        if task.error is not None:
            self._clear(f"The loss surface could not be computed: {task.error}")
            return
        alphas, betas, losses = task.result
        self.surface = (alphas, betas, losses)
        self._plane = {"center": job["center"], "dir1": job["dir1"], "dir2": job["dir2"],
                       "offset": job["offset"]}
        finite = losses[np.isfinite(losses)]
        shown = np.log10(np.clip(np.nan_to_num(losses, nan=np.inf), 1e-12, None))
        top = float(np.log10(max(float(finite.max()), 1e-12))) if finite.size else 1.0
        low = float(np.log10(max(float(finite.min()), 1e-12))) if finite.size else 0.0
        shown = np.minimum(shown, top)
        if top - low < 1e-9:
            top = low + 1.0
        self.image.setImage(shown, autoLevels=False, levels=(low, top))
        ox, oy = job["offset"]
        self.image.setRect(QRectF(ox + alphas[0], oy + betas[0], alphas[-1] - alphas[0],
                                  betas[-1] - betas[0]))
        for k, curve in enumerate(self.contours):
            curve.setData(shown)
            curve.setLevel(low + (top - low) * (k + 0.5) / CONTOURS)
        self.plot.setLabel("bottom", job["labels"][0])
        self.plot.setLabel("left", job["labels"][1])
        self.plot.setTitle("Loss (log scale) over the plane")
        self.status.setText(f"Loss from {finite.min():.4g} (dark) to {finite.max():.4g} "
                            f"(bright) over {len(job['x'])} training samples; the line is the "
                            "run's path (one dot per epoch), the orange dot the weights now."
                            if finite.size else "The loss overflows everywhere on this plane.")
        self._snapshot_count = -1
        self._update_path(force=True)
        self.plot.autoRange()
        self.sig_computed.emit()

    # ------------------------------------------------------------------ the path
    def current_point(self) -> tuple[float, float] | None:
        """Where the current weights sit on the plane (axis coordinates), or None."""
        data = self.current_dot.getData()
        if data is None or len(data[0]) == 0:
            return None
        return float(data[0][0]), float(data[1][0])

    def plane_coordinates(self, path) -> np.ndarray | None:
        """Where the weight lists of ``path`` lie on the plane drawn now, in the plot's axis
        coordinates (``(n, 2)``), or None: no surface yet, or no weights of its shapes (a
        comparison's paths are drawn with this; see ui.compare_view)."""
        plane = self._plane
        if plane is None:
            return None
        c = plane["center"]
        shapes = [np.shape(w) for w in c]
        path = [w for w in path if w is not None and [np.shape(a) for a in w] == shapes]
        if not path:
            return None
        return ls.project(path, c, plane["dir1"], plane["dir2"]) + plane["offset"]

    def _on_frame(self) -> None:
        if self._plane is not None and self.isVisible():
            self._update_path()

    def _update_path(self, force: bool = False) -> None:
        plane, stepper = self._plane, self.session.stepper
        frame = self.window.training.presenter.frame
        if plane is None or stepper is None:
            return
        c, d1, d2, offset = plane["center"], plane["dir1"], plane["dir2"], plane["offset"]
        snapshots = list(stepper.snapshots)
        if force or len(snapshots) != self._snapshot_count:
            self._snapshot_count = len(snapshots)
            xy = self.plane_coordinates([w for _e, w in snapshots])
            if xy is not None:
                self.path_curve.setData(xy[:, 0], xy[:, 1])
            else:
                self.path_curve.setData([], [])
        weights = frame.weights if frame is not None else None
        if weights is None or [np.shape(w) for w in weights] != [np.shape(w) for w in c]:
            return
        x, y = ls.project(weights, c, d1, d2) + offset
        self.current_dot.setData([x], [y])
