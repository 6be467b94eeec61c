"""Training on another core: a child process runs the session's fast path (no Qt).

Python runs one thread at a time (the GIL), so a training thread and a window that draws
30 frames a second take turns: every millisecond the window draws is one training does not
get. A :class:`TrainingProcess` moves the fast path (``Stepper.run``) into a Python process of
its own, so training and drawing run at once on two cores. The session stays the one owner
of the run: the child trains a *copy* of the session's stepper and streams back what
changes every ``chunk_seconds``: the run's state (weights, optimizer memory, counters,
position in the epoch, random generator), the new history points and the new snapshots.
When the session needs the run to hold still (a command, Pause, an undo step) it stops the
child and applies the deltas still on their way. The
numbers are those of the same code on the same state: training here or in the process
gives the same weights bit for bit.

Protocol (pickles over the child's stdin/stdout; the child's ``print`` goes to stderr):

* parent -> child: ``("load", state, token, data)``, ``("run", max_epochs, seconds)``,
  ``("stop",)``, ``("quit",)``;
* child -> parent: ``("ready",)``, ``("delta", delta)`` (``delta["final"]`` ends a run),
  ``("error", text)``. A delta is the run's whole state but for the history and the
  snapshots' arrays (:class:`~nnviz.training.RunState`), plus the history points and the
  snapshots added since the last one, so the session's stepper is whole after each.

The data set travels once per run (``token``), not with every load.
"""
from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
import traceback
import weakref
from dataclasses import replace
from pathlib import Path

from nnviz.errors import NnvizError

__all__ = ["TrainingProcess", "ProcessFailed", "apply_delta", "CHUNK_SECONDS"]

#: Seconds of training between two deltas: the frame rate the child feeds (45 a second).
CHUNK_SECONDS = 1 / 45
#: The longest the parent waits for an answer before it gives the process up.
ANSWER_TIMEOUT = 30.0
#: Stepper attributes holding the data set (sent once per run, not with every load).
_DATA_FIELDS = ("x", "y", "x_val", "y_val")


class ProcessFailed(NnvizError):
    """The training process could not start, died or answered with an error."""


# ---------------------------------------------------------------------- parent side
class TrainingProcess:
    """A child Python process that trains copies of a session's stepper (see the module).

    Not thread-safe on its own: the session calls it with its lock held.
    """

    def __init__(self, chunk_seconds: float = CHUNK_SECONDS):
        self.chunk_seconds = float(chunk_seconds)
        #: Why the process cannot be used ("" while it can).
        self.failure = ""
        #: True from ``run`` until the child's final delta has been read.
        self.running = False
        self._proc: subprocess.Popen | None = None
        self._inbox: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._token = None  # the data set the child holds
        self._reader: threading.Thread | None = None
        self._finalizer: weakref.finalize | None = None

    # ---------------------------------------------------------------- life
    def start(self) -> None:
        """Start the child (it imports NumPy and nnviz meanwhile; see :meth:`ready`)."""
        if self._proc is not None or self.failure:
            return
        if not sys.executable:
            self.failure = "No Python interpreter to start the training process with."
            return
        root = str(Path(__file__).resolve().parent.parent)
        code = (f"import sys; sys.path.insert(0, {root!r}); "
                "from nnviz.training_process import child_main; child_main()")
        try:
            # Buffered pipes: a delta is larger than a pipe holds at once (64 KB), and
            # pickle needs whole reads.
            self._proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE)
        except (OSError, ValueError) as error:
            self.failure = f"The training process could not start: {error}"
            return
        # The reader holds no reference to this object (its finalizer must be able to run).
        self._reader = threading.Thread(target=_read_messages,
                                        args=(self._proc, self._inbox, self._ready),
                                        name="nnviz-training-process", daemon=True)
        self._reader.start()
        # A process nobody closes ends with its object (or with this interpreter).
        self._finalizer = weakref.finalize(self, _end, self._proc, self._reader)

    def ready(self) -> bool:
        """Whether the child has started and can take work."""
        return self._ready.is_set() and not self.failure

    def wait_ready(self, timeout: float = ANSWER_TIMEOUT) -> bool:
        """Wait until :meth:`ready` (tests, benchmarks); False on failure or timeout."""
        self.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self.failure or time.monotonic() > deadline:
                return False
        return not self.failure

    def close(self) -> None:
        """Stop the child for good (it exits by itself if the parent dies, too)."""
        proc, self._proc = self._proc, None
        self.running = False
        self._ready.clear()
        if not self.failure:
            self.failure = "The training process was closed."
        if self._finalizer is not None:
            self._finalizer.detach()
        if proc is not None:
            _end(proc, self._reader)

    # ---------------------------------------------------------------- commands
    def _send_to(self, proc, message) -> None:
        proc.stdin.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        proc.stdin.flush()

    def _send(self, message) -> None:
        if self._proc is None or self.failure:
            raise ProcessFailed(self.failure or "The training process is not running.")
        try:
            self._send_to(self._proc, message)
        except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError) as error:
            # A closed pipe, or a run that cannot be pickled (say, a custom layer).
            self._fail(f"The training process could not be given the run ({error}).")

    def _receive(self, kind: str):
        try:
            message = self._inbox.get(timeout=ANSWER_TIMEOUT)
        except queue.Empty:
            self._fail("The training process did not answer within "
                       f"{ANSWER_TIMEOUT:.0f} s.")
        if message[0] == kind:
            return message[1]
        self._fail(message[1] if message[0] in ("error", "dead")
                   else f"The training process answered {message[0]!r}, not {kind!r}.")

    def _fail(self, why: str):
        self.failure = why
        self.running = False
        proc, self._proc = self._proc, None
        if self._finalizer is not None:
            self._finalizer.detach()
        if proc is not None:
            _end(proc, self._reader)
        raise ProcessFailed(why)

    def load(self, stepper, token) -> None:
        """Give the child a copy of ``stepper`` (its data set once per ``token``)."""
        state = dict(vars(stepper))
        data = None
        if token != self._token:
            data = {name: state[name] for name in _DATA_FIELDS}
        for name in _DATA_FIELDS:
            state[name] = None
        state["_shuffled"] = None  # a shuffled copy of the data: made again there
        # The fast path's buffers: its gradients are views of one flat array, and a pickle
        # would make them separate arrays. Made again there.
        state["_fast"] = None
        state["history"] = type(stepper.history)()  # new points come back; none go
        # The snapshots' weights stay here; the child keeps their epochs (for thinning).
        state["snapshots"] = [(epoch, None) for epoch, _w in stepper.snapshots]
        self._send(("load", (type(stepper), state), token, data))
        self._token = token

    def run(self, max_epochs: int) -> None:
        """Train on until :meth:`stop`, ``max_epochs`` more epochs, or divergence."""
        self._send(("run", int(max_epochs), self.chunk_seconds))
        self.running = True

    def next_delta(self) -> dict:
        """The next delta of the run (blocks about ``chunk_seconds``)."""
        delta = self._receive("delta")
        if delta["final"]:
            self.running = False
        return delta

    def stop(self) -> list[dict]:
        """Stop the run after its batch; returns the deltas not read yet (apply them)."""
        if not self.running:
            return []
        self._send(("stop",))
        deltas = []
        while self.running:
            deltas.append(self.next_delta())
        return deltas


def _read_messages(proc: subprocess.Popen, inbox: queue.Queue, ready: threading.Event) -> None:
    """The parent's reader thread: the child's answers into ``inbox`` (``ready`` once)."""
    try:
        while True:
            message = pickle.load(proc.stdout)
            if message[0] == "ready":
                ready.set()
            else:
                inbox.put(message)
    except Exception as error:  # noqa: BLE001 - whatever ends the reading, the parent hears it
        inbox.put(("dead", f"The training process ended ({error or 'no output'})."))


def _end(proc: subprocess.Popen, reader: threading.Thread | None) -> None:
    """Make the child exit (asked first, killed if it does not) and close its pipes."""
    try:
        proc.stdin.write(pickle.dumps(("quit",)))
        proc.stdin.flush()
    except (OSError, ValueError):
        pass
    try:
        proc.wait(2.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(2.0)
    if reader is not None:
        reader.join(2.0)  # it reads to the end of the child's output, then stops
    for pipe in (proc.stdin, proc.stdout):
        try:
            pipe.close()
        except OSError:
            pass


def apply_delta(stepper, delta: dict) -> None:
    """Bring ``stepper`` up to a delta of the child's run: after it, the stepper is the
    child's run as of that delta, whole (should the child die next, nothing is half old)."""
    state = delta["state"]
    if delta["same_order"]:  # the epoch's shuffled order travels once per epoch
        pos, work, trace, _order, rng = state.position
        state = replace(state, position=(pos, work, trace, stepper._order, rng))
    stepper.set_state(state, history=False)
    history = stepper.history
    for name, values in delta["history"].items():
        series = getattr(history, name)
        for value in values:
            series.append(value)  # a batch series thins itself as it grows
    kept = dict(stepper.snapshots)
    stepper.snapshots[:] = [(epoch, weights if weights is not None else kept[epoch])
                            for epoch, weights in delta["snapshots"]]


# ---------------------------------------------------------------------- child side
def _drain(stepper, sent: dict) -> dict:
    """The run's state and what it added since the last delta (the child forgets the
    history it sends); ``sent`` remembers the shuffled order sent last."""
    history = {}
    for name in stepper.history.KEYS:
        series = getattr(stepper.history, name)
        if series:
            history[name] = list(series)
            del series[:]
    snapshots = list(stepper.snapshots)
    stepper.snapshots[:] = [(epoch, None) for epoch, _w in snapshots]
    # Weights, optimizer memory, counters, position, order, random generator, epoch sums,
    # divergence: everything but the history (sent above) and the snapshots' arrays.
    state = stepper.get_state()
    pos, work, trace, order, rng = state.position
    same_order = stepper._order is sent.get("order")
    sent["order"] = stepper._order
    state = replace(state, history=type(stepper.history)(), snapshots=[],
                    position=(pos, work, trace, None if same_order else order, rng))
    return {"state": state, "same_order": same_order, "history": history,
            "snapshots": snapshots}


def _stop_after(seconds: float, stop: threading.Event):
    """A ``should_stop`` for one chunk: true after ``seconds`` or once ``stop`` is set."""
    deadline = time.perf_counter() + seconds
    clock = time.perf_counter

    def should_stop() -> bool:
        return stop.is_set() or clock() > deadline
    return should_stop


def child_main() -> None:
    """The child's loop: read commands from stdin, answer on stdout."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    inbox: queue.Queue = queue.Queue()
    stop = threading.Event()

    def read() -> None:
        source = sys.stdin.buffer
        try:
            while True:
                message = pickle.load(source)
                if message[0] in ("stop", "quit"):
                    stop.set()  # a run in progress ends after its batch
                inbox.put(message)
        except (EOFError, OSError, pickle.UnpicklingError):
            stop.set()
            inbox.put(("quit",))

    def send(message) -> None:
        out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        out.flush()

    threading.Thread(target=read, daemon=True).start()
    send(("ready",))
    stepper = None
    data: dict = {}
    while True:
        message = inbox.get()
        kind = message[0]
        try:
            if kind == "quit":
                out.flush()
                # Not a normal exit: the reader thread is blocked on stdin, and Python's
                # shutdown would abort on its lock.
                os._exit(0)
            if kind == "stop":
                stop.clear()  # the run had ended by itself: nothing to answer
            elif kind == "load":
                (cls, state), _token, new_data = message[1:]
                if new_data is not None:
                    data = new_data
                stepper = cls.__new__(cls)
                stepper.__dict__.update(state)
                stepper.__dict__.update(data)
                sent = {}  # the parent has this order; the first delta sends it anyway
            elif kind == "run":
                _max_epochs, seconds = message[1:]
                target = stepper.epoch + _max_epochs
                while True:
                    diverged = stepper.run(should_stop=_stop_after(seconds, stop),
                                           max_epochs=max(1, target - stepper.epoch))
                    status = ("diverged" if diverged else
                              "finished" if stepper.epoch >= target else "running")
                    delta = _drain(stepper, sent)
                    delta["status"] = status
                    delta["final"] = status != "running" or stop.is_set()
                    send(("delta", delta))
                    if delta["final"]:
                        stop.clear()
                        break
        except Exception:  # noqa: BLE001 - any failure goes back to the parent as text
            send(("error", "The training process failed:\n" + traceback.format_exc()))
