"""The training worker: the engine's :class:`~nnviz.training.Stepper` on its own thread.

The worker is a ``QObject`` moved to a ``QThread``. The GUI sends commands over queued
signals (setup, step, train, pause, reset, ...) and reads what the worker *published*: a :class:`Snapshot` of copies (weights, the latest stage's trace,
the new history points, counters), left in a lock-protected slot.

Why a slot and not one signal per step: the worker can run thousands of batches a second,
while the window needs at most ~30 pictures a second. The worker publishes at most every
``PUBLISH_INTERVAL`` seconds (or at once after a single step or a pause); each publication
overwrites the previous unread one, so the GUI always draws the newest state and never a
backlog. History points are sent as *tails* counted from what the GUI last took, so no
point is lost when snapshots are coalesced, and a frame never copies a million-point list.

Both threads share Python's GIL, so the worker runs the fast path (``Stepper.run``) in
chunks of ~50 ms and returns to its event loop between chunks (to hear "pause"), instead
of yielding after every batch.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from nnviz.errors import NnvizError, TrainingDiverged

__all__ = ["TrainingWorker", "Snapshot", "SetupRequest", "HISTORY_KEYS", "PUBLISH_INTERVAL"]

#: Seconds between two publications while training: ~30 pictures a second at most.
PUBLISH_INTERVAL = 1.0 / 30.0
#: Seconds of uninterrupted fast training before the worker looks at its event loop again.
CHUNK_SECONDS = 0.05
#: Longest the fast loop waits for the GUI to finish drawing a frame.
GUI_WAIT_SECONDS = 0.1
#: Seconds between two recomputations of the decision boundary while training: just under
#: the controller's PLOTS_INTERVAL, since the window shows a new map only that often.
BOUNDARY_INTERVAL = 0.45
#: Points per side of the input-plane grid the boundary plot shows.
BOUNDARY_GRID = 64

HISTORY_KEYS = ("batch_loss", "batch_accuracy", "epoch_loss", "epoch_accuracy",
                "val_loss", "val_accuracy")


@dataclass
class SetupRequest:
    """Everything the worker needs to build a stepper; built on the GUI thread.

    The model is handed over: after sending it the GUI never touches it again.
    """

    model: object
    dataset: object
    batch_size: int
    seed: int
    epochs: int
    shuffle: bool = True
    generation: int = 0
    #: Bounds of the input plane for the boundary plot: (x0, x1, y0, y1), or (x0, x1) in 1-D.
    plane: tuple | None = None


@dataclass
class Snapshot:
    """What the worker publishes: copies only, safe to read on the GUI thread.

    ``history`` maps each of :data:`HISTORY_KEYS` to the *new* points since
    ``history_start[key]`` (the count the GUI had already taken).
    """

    generation: int
    weights: list
    trace: object | None
    next_stage: str
    epoch: int
    batch_index: int
    batches_per_epoch: int
    samples_seen: int
    global_step: int
    running: bool
    history: dict = field(default_factory=dict)
    history_start: dict = field(default_factory=dict)
    history_reset: bool = False
    #: The epochs of the stored weight snapshots (for the time-travel slider).
    snapshot_epochs: list = field(default_factory=list)
    #: Index of the weight snapshot being shown, or None when showing "now".
    travel_index: int | None = None
    boundary: dict | None = None
    diverged: str | None = None
    finished: bool = False
    message: str = ""


def _stage_label(stage) -> str:
    return str(stage.label)


class TrainingWorker(QObject):
    """Runs the stepper on the training thread and publishes throttled snapshots.

    Slots are invoked through queued connections from :class:`TrainingController`. The GUI
    thread calls directly only what is safe across threads: :meth:`take_snapshot` (the
    slot is lock-protected), :meth:`history_dict` (list copies), :meth:`interrupt` (a
    thread-safe flag the fast loop checks after every batch) and the ``gui_idle`` event
    (cleared while a frame is drawn, so the fast loop holds back).
    """

    #: A new snapshot waits in the slot (emitted at most ~30 times a second).
    sig_snapshot_ready = Signal()
    #: A command failed with a message for the user.
    sig_error = Signal(str)
    def __init__(self):
        super().__init__()
        self.stepper = None
        self._setup: SetupRequest | None = None
        self._generation = 0
        self._lock = threading.Lock()
        self._slot: Snapshot | None = None
        self._acked = {k: 0 for k in HISTORY_KEYS}
        self._history_reset = False
        self._interrupt = threading.Event()
        #: Cleared by the GUI while it draws a frame: the fast loop waits for it between
        #: batches. Every Qt call releases the GIL, and without this hand-over the training
        #: thread would take it back for a whole switch interval (5 ms) after each one, so a
        #: frame of a few hundred Qt calls would last seconds.
        self.gui_idle = threading.Event()
        self.gui_idle.set()
        self._running = False
        self._speed: float | None = None  # batches per second; None = as fast as possible
        self._last_publish = 0.0
        self._last_boundary = -math.inf
        self._boundary: dict | None = None
        self._pending_trace = None
        self._travel_index: int | None = None
        self._now_weights: list | None = None
        self._last_finite: list | None = None
        self._timer: QTimer | None = None  # created on the worker thread (see _ensure_timer)

    # ------------------------------------------------------------------ the GUI side
    def take_snapshot(self) -> Snapshot | None:
        """Take the newest snapshot out of the slot (GUI thread), or None if none waits.

        Taking it acknowledges its history points: the next snapshot starts after them.
        """
        with self._lock:
            snap, self._slot = self._slot, None
            if snap is not None:
                for key in HISTORY_KEYS:
                    self._acked[key] = snap.history_start.get(key, 0) + len(
                        snap.history.get(key, ()))
            return snap

    def history_dict(self) -> dict[str, list[float]]:
        """The engine's history now (``History.to_dict()``), callable from the GUI thread.

        Each list is copied in one step (atomic under the GIL) while training may go on;
        a batch or an epoch recorded half-way (its loss but not yet its accuracy) is cut
        so that the series stay aligned.
        """
        stepper = self.stepper
        if stepper is None:
            return {}
        hist = stepper.history
        out = {key: list(getattr(hist, key)) for key in HISTORY_KEYS}
        for group in (("batch_loss", "batch_accuracy"),
                      ("epoch_loss", "epoch_accuracy", "val_loss", "val_accuracy")):
            lengths = [len(out[key]) for key in group if out[key]]
            n = min(lengths, default=0)
            for key in group:
                del out[key][n:]
        return {key: [float(v) for v in values] for key, values in out.items()}

    def interrupt(self) -> None:
        """Ask a running fast loop to stop after its current batch (any thread)."""
        self._interrupt.set()

    # ------------------------------------------------------------------ commands
    @Slot(object)
    def setup(self, request: SetupRequest) -> None:
        """Build a new stepper on the model of ``request`` (its weights are kept)."""
        self._stop_running()
        from nnviz.training import Stepper

        ds = request.dataset
        try:
            self.stepper = Stepper(
                request.model, ds.x_train, ds.y_train, batch_size=request.batch_size,
                shuffle=request.shuffle, seed=request.seed,
                x_val=ds.x_val, y_val=ds.y_val)
        except (NnvizError, ValueError) as error:
            # ValueError: the engine's word for data that does not fit the network
            # (3 inputs per sample for a 2-neuron input layer, ...): a message, not a crash.
            self.stepper = None
            self.sig_error.emit(str(error))
            return
        self._setup = request
        self._generation = request.generation
        self._travel_index = None
        self._now_weights = None
        self._last_finite = self._weights()
        with self._lock:
            self._acked = {k: 0 for k in HISTORY_KEYS}
            self._slot = None
        self._history_reset = True
        self._pending_trace = None
        self._boundary = None
        self._last_boundary = -math.inf
        self._publish(force=True)

    @Slot(str)
    def step(self, kind: str) -> None:
        """One step: ``"stage"`` (the finest), ``"batch"`` or ``"epoch"``."""
        if self.stepper is None:
            return
        self._stop_running()
        self._leave_travel(keep=True)
        try:
            if kind == "stage":
                trace = self.stepper.step()
            elif kind == "batch":
                trace = self.stepper.step_batch()
            else:
                trace = self.stepper.step_epoch()
        except TrainingDiverged as error:
            self._on_diverged(str(error))
            return
        if self._check_diverged():
            return
        self._pending_trace = trace
        self._publish(force=True, boundary=True)

    @Slot()
    def train(self) -> None:
        """Train until paused, until the configured epochs are done, or until divergence."""
        if self.stepper is None or self._running:
            return
        self._leave_travel(keep=True)
        if self._epochs_done():
            self._publish(force=True, message=f"All {self._setup.epochs} epochs are done: "
                          "raise Epochs or press Reset to train again.")
            return
        self._interrupt.clear()
        self._running = True
        self._ensure_timer().start(0)
        self._publish(force=True)

    @Slot()
    def pause(self) -> None:
        """Stop training after the current batch and publish the state at once."""
        was_running = self._running
        self._stop_running()
        if was_running:
            self._publish(force=True, boundary=True)

    @Slot(float)
    def set_speed(self, batches_per_second: float) -> None:
        """Training speed in batches per second; 0 or less means as fast as possible."""
        self._speed = batches_per_second if batches_per_second > 0 else None

    @Slot(float)
    def set_learning_rate(self, lr: float) -> None:
        """Change the optimizer's learning rate in place (no rebuild needed)."""
        if self.stepper is None:
            return
        # The stepper's own setter: it also clears a divergence (so a lower rate lets the
        # student carry on) and renames the update stage ("Update weights (SGD, lr=...)").
        self.stepper.set_learning_rate(float(lr))
        if not self._running:
            self._publish(force=True)  # the "Next:" label shows the new rate at once

    @Slot(int)
    def set_epochs(self, epochs: int) -> None:
        """Change how many epochs Train runs to, keeping the weights and the history."""
        if self._setup is not None:
            self._setup.epochs = int(epochs)

    @Slot()
    def reset(self) -> None:
        """Weights back to the seeded initial ones; history and counters cleared."""
        if self.stepper is None:
            return
        self._stop_running()
        self._travel_index = None
        self._now_weights = None
        self.stepper.reset()
        self._last_finite = self._weights()
        self._history_reset = True
        with self._lock:
            self._acked = {k: 0 for k in HISTORY_KEYS}
            self._slot = None
        self._pending_trace = None
        self._publish(force=True, boundary=True)

    @Slot(int)
    def travel_to(self, index: int) -> None:
        """Show the weights saved after epoch snapshot ``index``; -1 returns to now.

        Only the model's weights change while scrubbing: the run's history and later
        snapshots stay, so the slider can go forward again. Stepping or training from an
        old snapshot continues from there (``Stepper.restore_snapshot``, which drops the
        history after it).
        """
        if self.stepper is None:
            return
        self._stop_running()
        snapshots = self.stepper.snapshots
        if index < 0 or index >= len(snapshots):
            self._leave_travel(keep=False)
        else:
            if self._travel_index is None:
                self._now_weights = self._weights()
            self._travel_index = index
            self.stepper.model.set_weights(snapshots[index][1])
        self._pending_trace = None
        self._publish(force=True, boundary=True)

    @Slot()
    def stop(self) -> None:
        """Stop for good: end training, hand the object back to the GUI thread, quit."""
        self._stop_running()
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        thread = QThread.currentThread()
        app = QCoreApplication.instance()
        if app is not None and thread is not app.thread():
            self.moveToThread(app.thread())
        thread.quit()

    # ------------------------------------------------------------------ training loop
    def _ensure_timer(self) -> QTimer:
        if self._timer is None:
            # Created here, on the worker thread, so that it fires there.
            self._timer = QTimer()
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._train_chunk)
        return self._timer

    def _stop_running(self) -> None:
        self._interrupt.set()
        self._running = False
        if self._timer is not None:
            self._timer.stop()

    def _train_chunk(self) -> None:
        if not self._running or self.stepper is None:
            return
        stepper = self.stepper
        try:
            if self._speed is None:
                deadline = time.perf_counter() + CHUNK_SECONDS
                interrupt = self._interrupt
                perf = time.perf_counter
                gui_idle = self.gui_idle

                def should_stop():
                    # Give the GIL to a frame being drawn (bounded: never wait forever).
                    gui_idle.wait(GUI_WAIT_SECONDS)
                    return interrupt.is_set() or perf() > deadline

                stepper.run(should_stop=should_stop,
                            max_epochs=max(1, self._setup.epochs - stepper.epoch))
                self._pending_trace = None
            else:
                self.gui_idle.wait(GUI_WAIT_SECONDS)
                self._pending_trace = stepper.step_batch()
        except TrainingDiverged as error:
            self._on_diverged(str(error))
            return
        if self._check_diverged():
            return
        finished = self._epochs_done()
        if finished:
            self._running = False
        slow = self._speed is not None
        self._publish(force=finished or slow, boundary=True, finished=finished)
        if not self._running:
            return
        delay = 0 if self._speed is None else max(0, int(1000.0 / self._speed))
        self._ensure_timer().start(delay)

    def _epochs_done(self) -> bool:
        return self._setup is not None and self.stepper.epoch >= self._setup.epochs

    # ------------------------------------------------------------------ divergence
    def _check_diverged(self) -> bool:
        message = self.stepper.diverged
        if message:
            self._on_diverged(message)
            return True
        return False

    def _on_diverged(self, message: str) -> None:
        self._running = False
        self._interrupt.set()
        if self._timer is not None:
            self._timer.stop()
        weights = self._weights()
        if not all(np.all(np.isfinite(w)) for w in weights) and self._last_finite is not None:
            # The engine keeps the last finite weights; make sure the picture does too.
            self.stepper.model.set_weights(self._last_finite)
        # The stepper keeps writing to its trace: publish a copy, and only one of the batch
        # that diverged (in fast training the stepper's trace is of an old stepped batch).
        trace = self.stepper.trace
        current = trace is not None and trace.step == self.stepper.global_step
        self._pending_trace = trace.copy() if current else None
        self._publish(force=True, boundary=True, diverged=message)

    def _leave_travel(self, keep: bool) -> None:
        """Leave time travel: ``keep`` continues from the shown snapshot, else back to now."""
        if self._travel_index is None:
            return
        if keep:
            self.stepper.restore_snapshot(self._travel_index)
            # The history after that epoch is gone: the GUI takes it again from the start.
            self._history_reset = True
            with self._lock:
                self._acked = {k: 0 for k in HISTORY_KEYS}
                self._slot = None
        elif self._now_weights is not None:
            self.stepper.model.set_weights(self._now_weights)
        self._travel_index = None
        self._now_weights = None

    # ------------------------------------------------------------------ publishing
    def _weights(self) -> list:
        return [np.array(w, copy=True) for w in self.stepper.model.get_weights()]

    def _publish(self, force: bool = False, boundary: bool = False, finished: bool = False,
                 diverged: str | None = None, message: str = "") -> None:
        now = time.perf_counter()
        if not force and now - self._last_publish < PUBLISH_INTERVAL:
            return
        self._last_publish = now
        stepper = self.stepper
        if stepper is None:
            return
        if boundary and (force or now - self._last_boundary >= BOUNDARY_INTERVAL):
            self._boundary = self._compute_boundary()
            self._last_boundary = now
        snapshots = stepper.snapshots
        weights = self._weights()
        if diverged is None and all(np.all(np.isfinite(w)) for w in weights):
            self._last_finite = weights
        snap = Snapshot(
            generation=self._generation,
            weights=weights,
            trace=self._pending_trace,
            next_stage=_stage_label(stepper.next_stage),
            epoch=int(stepper.epoch),
            batch_index=int(stepper.batch_index),
            batches_per_epoch=int(stepper.batches_per_epoch),
            samples_seen=int(stepper.samples_seen),
            global_step=int(stepper.global_step),
            running=self._running,
            history_reset=self._history_reset,
            snapshot_epochs=[int(e) for e, _w in snapshots],
            travel_index=self._travel_index,
            boundary=self._boundary,
            diverged=diverged,
            finished=finished,
            message=message,
        )
        hist = stepper.history
        with self._lock:
            # Acknowledged count, tails and slot in one hold: were the GUI to take the
            # previous snapshot between reading the count and storing this one, its points
            # would be sent twice.
            acked = dict(self._acked)
            snap.history_start = acked
            snap.history = {key: getattr(hist, key)[acked[key]:] for key in HISTORY_KEYS}
            previous = self._slot
            if previous is not None:
                # Coalesce: an unread trace, reset flag or message must not be lost.
                if snap.trace is None:
                    snap.trace = previous.trace
                snap.history_reset = snap.history_reset or previous.history_reset
                snap.diverged = snap.diverged or previous.diverged
                snap.finished = snap.finished or previous.finished
                snap.message = snap.message or previous.message
            self._slot = snap
        self._history_reset = False
        self._pending_trace = None
        self.sig_snapshot_ready.emit()

    def _compute_boundary(self) -> dict | None:
        """The model's output over the input plane (2-D) or line (1-D), for the plots."""
        plane = self._setup.plane if self._setup else None
        if plane is None:
            return None
        model = self.stepper.model
        if len(plane) == 4:
            x0, x1, y0, y1 = plane
            gx = np.linspace(x0, x1, BOUNDARY_GRID)
            gy = np.linspace(y0, y1, BOUNDARY_GRID)
            xx, yy = np.meshgrid(gx, gy, indexing="ij")
            grid = np.column_stack([xx.ravel(), yy.ravel()])
            out = np.asarray(model.predict(grid))
            if not np.all(np.isfinite(out)):
                return None
            return {"kind": "plane", "rect": plane,
                    "values": out.reshape(BOUNDARY_GRID, BOUNDARY_GRID, -1)}
        x0, x1 = plane
        xs = np.linspace(x0, x1, 200)
        out = np.asarray(model.predict(xs[:, None]))
        if not np.all(np.isfinite(out)):
            return None
        return {"kind": "line", "x": xs, "y": out[:, 0]}
