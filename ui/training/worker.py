"""The training thread: the session's :meth:`~nnviz.session.session.Session.train_chunk` on a QThread.

The worker is a ``QObject`` moved to a ``QThread``. It owns nothing of the run: the
:class:`~nnviz.session.session.Session` does. The worker only calls ``session.train_chunk`` again
and again while the session is training, and after each chunk leaves a :class:`Frame`
(copies of what the window shows) in a lock-protected slot and emits
``sig_frame_ready``. Frames overwrite each other: the window draws the newest one and never
a backlog, however fast training runs.

Where training runs is the session's runner's decision (:mod:`nnviz.session.runners`); the worker
asks (``session.trains_in_process()``) only to know whether it shares Python's GIL with
the window:

* **In the training process** (the window's usual way, once the child has started): the
  network trains on another core and each chunk here only applies the delta the child
  sent in the last 1/60 s. No Python training runs in this process, so nothing hands
  the GIL over: the worker never waits for the window, and frames the window has not
  drawn yet are replaced by newer ones (the frame rate is the window's own, up to the
  child's 60 deltas a second).
* **On this thread** (the fallback: while the child starts, after it failed for good, an
  inline runner (``NNVIZ_TRAINING_PROCESS=0``), and a paced run, "30 steps/s", whose every
  batch's stages the child does not send): one regime. The worker trains one chunk
  (:data:`~nnviz.session.training_process.CHUNK_SECONDS` of the fast path, or one traced batch),
  publishes its frame and waits until the window has drawn it
  (:meth:`TrainingWorker.frame_done`, at most :data:`HANDOFF_TIMEOUT`, a paced batch
  :data:`PACED_HANDOFF_TIMEOUT`): while the window
  draws, no training holds the GIL, so a frame of a few hundred Qt calls is not slowed
  to a switch interval (5 ms) per call.

Everything else (steps, settings, undo, Reset, time travel) happens on the GUI thread as
session commands; the session's lock keeps them and a running chunk apart.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from nnviz.analysis.neuron_maps import SAMPLE_LIMIT, neuron_views
from nnviz.data.features import Plane, plane_inputs
from nnviz.engine.gradient_health import GradientSummary
from nnviz.engine.run_types import StageTrace
from nnviz.session.run_status import ShownPosition
from nnviz.session.training_process import CHUNK_SECONDS

__all__ = ["TrainingWorker", "Frame", "take_frame", "HANDOFF_TIMEOUT",
           "PACED_HANDOFF_TIMEOUT", "BOUNDARY_GRID", "neuron_maps_of"]

#: Training on this thread: the longest the worker waits for the window to draw a frame
#: (a busy or hidden window must not stop training).
HANDOFF_TIMEOUT = 0.1
#: The same for a paced run's traced batch, which exists to be watched: the first frames
#: of a run take 70-140 ms on a loaded machine, and each batch should still get its frame.
PACED_HANDOFF_TIMEOUT = 0.5
#: Seconds between two recomputations of the output map while training: just under the
#: presenter's plot interval, since the window shows a new map only that often.
BOUNDARY_INTERVAL = 0.09
#: Points per side of the input-plane grid the output map shows.
BOUNDARY_GRID = 64


@dataclass
class Frame:
    """One picture of the run: copies only, safe to read on the GUI thread.

    The history is not in it: the presenter copies the new points straight from the
    session's history (appending to a list is atomic), so no point is lost when frames
    are coalesced.
    """

    weights: list
    trace: StageTrace | None
    next_stage: str
    epoch: int
    batch_index: int
    batches_per_epoch: int
    samples_seen: int
    global_step: int
    #: The session's status was training when the frame was taken (the session decides:
    #: a chunk that ended the run gives a frame that is not running).
    running: bool
    #: The epochs of the stored weight snapshots (for the time-travel slider).
    snapshot_epochs: list
    #: Index of the weight snapshot being shown, or None when showing "now".
    travel_index: int | None
    boundary: dict | None
    diverged: str | None = None
    #: The 1-based (epoch, batch) every view shows (:meth:`nnviz.session.session.Session.position`).
    position: ShownPosition = ShownPosition(1, 0)
    #: What every neuron sees (:func:`nnviz.analysis.neuron_maps.neuron_views`), or None.
    neuron_maps: dict | None = None
    #: The running means of the run's recent gradients
    #: (:class:`~nnviz.engine.gradient_health.GradientSummary`), None before its first batch.
    gradients: GradientSummary | None = None


def take_frame(session, trace=None, boundary: dict | None = None, running: bool = False,
               neuron_maps: dict | None = None) -> Frame:
    """A :class:`Frame` of the session's run now (call with the run held still)."""
    stepper = session.stepper
    return Frame(
        weights=[np.array(w, copy=True) for w in stepper.model.get_weights()],
        trace=trace,
        next_stage=str(stepper.next_stage.label),
        epoch=int(stepper.epoch),
        batch_index=int(stepper.batch_index),
        batches_per_epoch=int(stepper.batches_per_epoch),
        samples_seen=int(stepper.samples_seen),
        global_step=int(stepper.global_step),
        running=running,
        snapshot_epochs=[int(e) for e, _w in stepper.snapshots],
        travel_index=session.travel_index,
        boundary=boundary,
        diverged=stepper.diverged,
        position=session.position(),
        neuron_maps=neuron_maps,
        gradients=stepper.gradients.summary(),
    )


def neuron_maps_of(session, plane) -> dict | None:
    """Every neuron's map over the input plane (or strip over a data sample), one pass."""
    stepper = session.stepper
    if stepper is None:
        return None
    return neuron_views(stepper.model, plane, stepper.x[:SAMPLE_LIMIT])


def output_map(model, plane) -> dict | None:
    """The model's output over the input plane (2-D) or line (1-D), for the plots."""
    if plane is None:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        if len(plane) == 4:
            x0, x1, y0, y1 = plane
            gx = np.linspace(x0, x1, BOUNDARY_GRID)
            gy = np.linspace(y0, y1, BOUNDARY_GRID)
            xx, yy = np.meshgrid(gx, gy, indexing="ij")
            points = np.column_stack([xx.ravel(), yy.ravel()])
            out = np.asarray(model.predict(plane_inputs(plane, points)))
            if not np.all(np.isfinite(out)):
                return None
            # A one-unit two-class output's targets (0/1 sigmoid, ±1 tanh) map it to classes.
            activation = getattr(model.layers[-1], "activation", None)
            return {"kind": "plane", "rect": plane,
                    "values": out.reshape(BOUNDARY_GRID, BOUNDARY_GRID, -1),
                    "targets": getattr(activation, "binary_targets", None) or (0.0, 1.0)}
        x0, x1 = plane
        xs = np.linspace(x0, x1, 200)
        out = np.asarray(model.predict(xs[:, None]))
    if not np.all(np.isfinite(out)):
        return None
    return {"kind": "line", "x": xs, "y": out[:, 0]}


def input_plane(dataset) -> tuple | None:
    """Bounds of the plane (2 features) or line (1 feature) the output map covers.

    A plane of x1 and x2 with feature crosses is a :class:`nnviz.data.features.Plane`: the
    crosses of its points are the model's further inputs.
    """
    if dataset is None or dataset.n_base_features not in (1, 2):
        return None
    x = dataset.x[:, :dataset.n_base_features]
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad, hi + pad
    if dataset.n_base_features == 1:
        return (lo[0], hi[0])
    return Plane((lo[0], hi[0], lo[1], hi[1]), dataset.features)


class TrainingWorker(QObject):
    """Trains the session's run in chunks on the training thread and publishes frames.

    Called over queued signals: :meth:`start` (the session is already training) and
    :meth:`stop` (for good, on close). Called directly from the GUI thread:
    :meth:`take_frame` (the slot is lock-protected) and :meth:`frame_done`.
    """

    #: A new frame waits in the slot.
    sig_frame_ready = Signal()

    def __init__(self, session):
        super().__init__()
        self.session = session
        self._lock = threading.Lock()
        self._slot: Frame | None = None
        #: Batches per second; None = as fast as possible.
        self.speed: float | None = None
        self._plane = None
        self._last_boundary = -math.inf
        self._boundary: dict | None = None
        #: Compute the neurons' maps with the output map (View > Show Neuron Maps).
        self.neuron_maps_on = True
        self._maps: dict | None = None
        self._boundary_cost = 0.0  # seconds the last output map took
        self._timer: QTimer | None = None  # made on the worker thread (see _ensure_timer)
        # The hand-off with the window (training on this thread): frames are numbered as
        # published; the window says which it is done with. A condition on numbers, not
        # an event: a late "done" for an older frame must not let the next one go undrawn.
        self._handoff = threading.Condition(self._lock)
        self._published = 0  # the newest frame put in the slot
        self._taken = 0  # the newest frame the window took out of it
        self._done = 0  # the newest frame the window has drawn (or dropped)

    # ------------------------------------------------------------------ GUI side
    def take_frame(self) -> Frame | None:
        """Take the newest frame out of the slot (GUI thread), or None if none waits."""
        with self._lock:
            frame, self._slot = self._slot, None
            if frame is not None:
                self._taken = self._published
            return frame

    def frame_done(self) -> None:
        """The window has drawn (and painted) the frame it last took, or dropped it unseen:
        a worker training on its thread trains on (GUI thread)."""
        with self._handoff:
            self._done = self._taken
            self._handoff.notify_all()

    def release(self) -> None:
        """Stop waiting for the window for good (it closes)."""
        with self._handoff:
            self._done = math.inf
            self._handoff.notify_all()

    def set_plane(self, plane) -> None:
        """The input plane of the output map (from the GUI thread, while not training)."""
        self._plane = plane
        self._boundary = self._maps = None
        self._last_boundary = -math.inf

    # ------------------------------------------------------------------ commands
    @Slot()
    def start(self) -> None:
        """Train chunk after chunk while the session is training."""
        self._ensure_timer().start(0)

    @Slot()
    def stop(self) -> None:
        """Stop for good: hand the object back to the GUI thread and quit the thread."""
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        thread = QThread.currentThread()
        app = QCoreApplication.instance()
        if app is not None and thread is not app.thread():
            self.moveToThread(app.thread())
        thread.quit()

    # ------------------------------------------------------------------ the loop
    def _ensure_timer(self) -> QTimer:
        if self._timer is None:
            # Made here, on the worker thread, so that it fires here.
            self._timer = QTimer()
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._train_chunk)
        return self._timer

    def _train_chunk(self) -> None:
        session = self.session
        began = time.perf_counter()
        if session.interrupt.is_set():
            # A command waits for the run: let it have the lock (a lock is not fair, and
            # this thread would take it back at once).
            self._ensure_timer().start(2)
            return
        # Training runs on another core (the child): this thread only brings the newest
        # delta in. Else it trains here, sharing the GIL with the window (see the module).
        elsewhere = self.speed is None and session.trains_in_process()
        if elsewhere:
            status, trace = session.train_chunk()
        elif self.speed is None:
            deadline = began + CHUNK_SECONDS
            perf = time.perf_counter
            status, trace = session.train_chunk(lambda: perf() > deadline)
        else:
            status, trace = session.train_chunk(traced=True)
        if status == "stopped":
            return
        self._publish(trace, status)
        if status != "running":
            return
        if not elsewhere:
            # Take turns with the window: it draws and paints with the GIL to itself.
            with self._handoff:
                frame = self._published
                self._handoff.wait_for(lambda: self._done >= frame, HANDOFF_TIMEOUT
                                       if self.speed is None else PACED_HANDOFF_TIMEOUT)
        # A set speed is a period: the batch, its frame and the wait make 1/speed s
        # together (a fixed wait after them made "30 steps/s" about 15 a second).
        delay = 0 if self.speed is None else max(
            0, int(1000.0 * (1.0 / self.speed - (time.perf_counter() - began))))
        self._ensure_timer().start(delay)

    def _publish(self, trace, status: str) -> None:
        session = self.session
        ended = status != "running"
        with session.lock:
            if session.stepper is None:
                return
            now = time.perf_counter()
            # Every BOUNDARY_INTERVAL, or less often for a network whose map is dear
            # (at most a tenth of the time goes to it).
            if ended or now - self._last_boundary >= max(BOUNDARY_INTERVAL,
                                                            10 * self._boundary_cost):
                self._boundary = output_map(session.stepper.model, self._plane)
                self._maps = neuron_maps_of(session, self._plane) if self.neuron_maps_on \
                    else None
                self._last_boundary = now
                self._boundary_cost = time.perf_counter() - now
            frame = take_frame(session, trace=trace, boundary=self._boundary,
                               running=session.training, neuron_maps=self._maps)
        with self._lock:
            self._published += 1
            previous = self._slot
            if previous is not None and frame.trace is None:
                frame.trace = previous.trace  # an unread trace must not be lost
            self._slot = frame
        self.sig_frame_ready.emit()
