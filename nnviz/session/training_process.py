"""Training on another core: a child process runs the session's fast path (no Qt).

Python runs one thread at a time (the GIL), so a training thread and a window that draws
30 frames a second take turns: every millisecond the window draws is one training does not
get. A :class:`TrainingProcess` moves the fast path (``Stepper.run``) into a Python process of
its own, so training and drawing run at once on two cores. The session stays the one owner
of the run: the child trains a *copy* of the session's stepper and streams back what
changes every ``chunk_seconds``: the run's state (weights, optimizer memory, counters,
position in the epoch, random generator), the new history points and the new snapshots.
When the session needs the run to hold still (a command, Pause, an undo step) it takes the
deltas that have arrived and tells the child to stop, without waiting for it: the session's
stepper is whole after every delta, so the run goes on from the last one (the child's
later batches are dropped and the next run loads the stepper again). The numbers are those
of the same code on the same state: training here or in the process gives the same
weights bit for bit.

The child runs nnviz only: it is started isolated (``python -I``: no current folder, no
``PYTHON*`` variables, no user site) and given the parent's import path without the
current folder, so a ``queue.py`` or ``numpy.py`` in the folder nnviz was started from
never runs in it. A frozen app (PyInstaller) starts itself with :data:`CHILD_FLAG` instead
(:func:`child_command`, :func:`run_child_if_asked`). ``multiprocessing``'s spawn start was
considered and refused: its child is not isolated (see docs/internals.md).

Nothing waits on the child for long: it says "alive" every :data:`HEARTBEAT_SECONDS`.
Its death is its exit or the end of its pipe (said at once); a silence is not: after
:data:`ANSWER_TIMEOUT` of it the system is asked, and a child that is stopped (a debugger,
SIGSTOP) is given up and killed, one that has not run for :data:`HUNG_TIMEOUT` too, while
one that runs or waits for a core (an overloaded machine) is waited for.

Protocol (pickles over the child's stdin/stdout, each of the child's after its length in 8
bytes; the child's ``print`` goes to stderr):

* parent -> child: ``("load", payload, token, data)`` (a
  :class:`~nnviz.engine.training.RunPayload` from ``Stepper.to_payload``, and a
  :class:`~nnviz.engine.training.RunData` or None), ``("run", max_epochs, seconds, run)``,
  ``("stop", run)``, ``("quit",)``;
* child -> parent: ``("ready",)``, ``("alive",)``, ``("delta", delta)`` (a
  :class:`~nnviz.engine.training.RunDelta` from ``Stepper.take_delta``: ``final`` ends a run,
  ``run`` names it), ``("error", text)``; with shared memory a delta comes as
  ``("arena", name, slot_bytes, slots)`` when a new arena is made, then
  ``("shared", pickle, spans)``: its pickle without its arrays, and where they are (see
  :mod:`nnviz.session.shared_arrays`). A delta is the run's whole state but for the
  history and the snapshots' arrays, plus the history points and the snapshots added since
  the last one, so the session's stepper is whole after each (``Stepper.apply_delta``).

The wire format is the stepper's own public dataclasses: nothing here reads a private
field of the stepper.

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
from collections import deque
from collections.abc import Callable
from pathlib import Path

from nnviz.engine.inline_runner import InlineRunner
from nnviz.engine.training import RunDelta, Stepper
from nnviz.errors import NnvizError
from nnviz.session.blas_threads import child_environment
from nnviz.session.shared_arrays import ArenaReader, ArenaWriter, make_folder, remove_folder

__all__ = ["TrainingProcess", "ProcessFailed", "CHUNK_SECONDS", "ANSWER_TIMEOUT",
           "HUNG_TIMEOUT", "HEARTBEAT_SECONDS", "START_TIMEOUT", "child_state",
           "child_command", "run_child_if_asked", "CHILD_FLAG"]

#: Seconds of training between two deltas: the frame rate the child feeds (60 a second;
#: the window draws each, and no training of its own competes with the drawing).
CHUNK_SECONDS = 1 / 60
#: Seconds between two "alive" messages of the child (also while a long batch trains).
HEARTBEAT_SECONDS = 0.2
#: A child silent this long (no delta, no "alive") is looked at: given up if the system
#: says it is stopped (a debugger, SIGSTOP), not for so short a silence alone (see
#: :data:`HUNG_TIMEOUT`).
ANSWER_TIMEOUT = 1.0
#: A silent child that has not run at all for this long (no CPU time, not waiting for a
#: core) is hung and given up; where the system cannot say (no ``/proc``), a child silent
#: this long. A child that is alive but slow (an overloaded machine) is never given up:
#: its death is its exit or the end of its pipe.
HUNG_TIMEOUT = 10.0
#: The longest the child may take to start (it imports NumPy and nnviz) before it is given up.
START_TIMEOUT = 60.0

#: What the child runs (``python -I -c``): the parent's import path without the launch
#: folder, then nnviz; a failed import is answered as an error, so the parent can say why.
#: The protocol has a descriptor of its own, taken before anything is imported; the
#: process's stdout (descriptor 1) becomes its stderr, so that what a C library prints
#: (OpenBLAS's warnings) never lands among the messages. A failed import is framed as
#: :func:`_frame` frames (nnviz could not be imported to do it).
_BOOT = """\
import os, sys
protocol = os.dup(1)
os.dup2(2, 1)
sys.path[:] = {path!r}
try:
    from nnviz.session.training_process import child_main
except BaseException as error:
    import pickle, traceback
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    data = pickle.dumps(("error", "The training process could not start: " + text))
    os.write(protocol, len(data).to_bytes(8, "little") + data)
    raise SystemExit(1)
child_main(protocol)
"""


#: The argument that makes a frozen app (PyInstaller) the training process: its entry
#: point hands it to :func:`run_child_if_asked` before anything else.
CHILD_FLAG = "--nnviz-training-process"


def child_command() -> list[str]:
    """How the child is started: ``python -I -c`` (nothing of the launch folder or the
    environment enters it; its import path comes in the code), or, in a frozen app, the
    app itself with :data:`CHILD_FLAG` (its import path is its bundle, never a folder)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-I", "-c", _BOOT.format(path=child_path())]


def run_child_if_asked(argv: list[str]) -> None:
    """Be the training process if ``argv`` (the arguments, without the program) asks for
    it: a frozen app's entry point calls this first (the installed command does)."""
    if list(argv) == [CHILD_FLAG]:
        child_main()  # never returns: the child ends with os._exit


class ProcessFailed(NnvizError):
    """The training process could not start, died, stopped answering or answered with an
    error."""


def child_path() -> list[str]:
    """The child's import path: the parent's without the current folder ("" or its name),
    with the folder this nnviz was imported from (an editable install, a source tree)."""
    here = os.getcwd()
    root = str(Path(__file__).resolve().parent.parent)
    path = []
    for entry in sys.path:
        if not entry or _same_folder(entry, here) or entry in path:
            continue
        path.append(entry)
    if root not in path:
        path.append(root)  # last: it must not hide the standard library
    return path


def _same_folder(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def child_state(pid: int) -> tuple[str, int] | None:
    """What the system says of process ``pid``: its state letter (``R`` running or waiting
    for a core, ``S``/``D`` sleeping, ``T``/``t`` stopped, ``Z`` ended) and the CPU time it
    has used (clock ticks); None where the system does not say (no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # "pid (name) state ppid ... utime stime ...": the name may hold spaces and ")".
    fields = text[text.rfind(")") + 2:].split()
    try:
        return fields[0], int(fields[11]) + int(fields[12])
    except (IndexError, ValueError):
        return None


class _Inbox:
    """The child's answers as the reader thread receives them, and when it last heard
    from the child (any message, "alive" included)."""

    def __init__(self):
        self._items: deque = deque()
        self._changed = threading.Condition()
        self._wakes = 0
        self.heard = time.monotonic()

    def put(self, message) -> None:
        with self._changed:
            self._items.append(message)
            self.heard = time.monotonic()
            self._changed.notify_all()

    def beat(self) -> None:
        self.heard = time.monotonic()

    def wake(self) -> None:
        """End the waits now (the run was taken back: nothing more to wait for)."""
        with self._changed:
            self._wakes += 1
            self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until a message waits (without taking it) or :meth:`wake`, at most
        ``timeout`` seconds; whether a message waits."""
        with self._changed:
            wakes = self._wakes
            self._changed.wait_for(lambda: self._items or self._wakes != wakes, timeout)
            return bool(self._items)

    def take(self):
        """The oldest message, or None if none waits."""
        with self._changed:
            return self._items.popleft() if self._items else None


# ---------------------------------------------------------------------- parent side
class TrainingProcess:
    """A child Python process that trains copies of a session's stepper (see the module).

    Not thread-safe on its own: the session calls it with its lock held, except
    :meth:`wait`, which any thread may call.
    """

    def __init__(self, chunk_seconds: float = CHUNK_SECONDS):
        self.chunk_seconds = float(chunk_seconds)
        #: Why the process cannot be used ("" while it can).
        self.failure = ""
        #: True when the child died or stopped answering after it had started (a new
        #: one may do better), False for any other failure.
        self.lost = False
        #: True from ``run`` until the child's final delta has been read or :meth:`stop`.
        self.running = False
        self._proc: subprocess.Popen | None = None
        self._inbox = _Inbox()
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._ready = threading.Event()
        self._token = None  # the data set the child holds
        self._loaded = False  # whether the child's copy of the run is the session's
        self._run = 0  # the run whose deltas are taken (older ones are dropped)
        self._started = 0.0
        self._threads: tuple = ()
        self._finalizer: weakref.finalize | None = None
        self._said = False  # whether a failure has been raised to the caller
        self._cpu: int | None = None  # the child's CPU time when last looked at
        self._ran = 0.0  # when the child was last seen running (monotonic)
        self._folder: str | None = None  # where the deltas' arrays are shared

    # ---------------------------------------------------------------- life
    def start(self) -> None:
        """Start the child (it imports NumPy and nnviz meanwhile; see :meth:`ready`)."""
        if self._proc is not None or self.failure:
            return
        if not sys.executable:
            self.failure = "No Python interpreter to start the training process with."
            return
        try:
            # Buffered pipes: the parent's messages are read whole by pickle (the
            # child's are read in frames, see _frames).
            self._proc = subprocess.Popen(child_command(), stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, env=child_environment())
        except (OSError, ValueError) as error:
            self.failure = f"The training process could not start: {error}"
            return
        self._started = self._ran = time.monotonic()
        self._inbox.beat()
        # The deltas' arrays come through shared memory (see shared_arrays), when a
        # folder for it can be made.
        self._folder = make_folder()
        if self._folder is not None:
            self._outbox.put(pickle.dumps(("share", self._folder)))
        # The threads hold no reference to this object (its finalizer must be able to run).
        # Writes go through a thread of their own: a child that does not read (stopped)
        # must not block whoever sends.
        reader = threading.Thread(target=_read_messages,
                                  args=(self._proc, self._inbox, self._ready, self._folder),
                                  name="nnviz-training-process", daemon=True)
        writer = threading.Thread(target=_write_messages, args=(self._proc, self._outbox),
                                  name="nnviz-training-process-writer", daemon=True)
        reader.start()
        writer.start()
        self._threads = (reader, writer)
        # A process nobody closes ends with its object (or with this interpreter).
        self._finalizer = weakref.finalize(self, _end, self._proc, self._outbox,
                                           self._threads, ANSWER_TIMEOUT, self._folder)

    def ready(self) -> bool:
        """Whether the child has started and can take work."""
        return self._ready.is_set() and not self.failure

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Wait until :meth:`ready` (tests, benchmarks); False on failure or timeout."""
        self.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            try:
                self.check()
            except ProcessFailed:
                return False
            if self.failure or time.monotonic() > deadline:
                return False
        return not self.failure

    @property
    def pid(self) -> int | None:
        """The child's process id (None before it started or after it ended)."""
        return self._proc.pid if self._proc is not None else None

    def silent(self) -> float:
        """Seconds since the child last said anything."""
        return time.monotonic() - self._inbox.heard

    def check(self) -> None:
        """Raise :class:`ProcessFailed` (and end the child) if it could not start, died or
        has been silent for :data:`ANSWER_TIMEOUT`."""
        if self.failure and not self._said:  # it could not even be started
            self._said = True
            raise ProcessFailed(self.failure)
        if self.failure or self._proc is None:
            return
        if not self._ready.is_set():
            message = self._inbox.take()
            if message is not None:  # the child ended or failed before it was ready
                self._fail(_text(message, "The training process could not start"))
            if time.monotonic() - self._started > START_TIMEOUT:
                self._fail(f"The training process did not start within {START_TIMEOUT:.0f} s.")
            return
        if self._proc.poll() is not None:  # it ended (the reader says so too, with why)
            self.lost = True
            self._fail(f"The training process ended (exit code {self._proc.returncode}).")
        if self.silent() > ANSWER_TIMEOUT:
            waited = self._hung()
            if waited:
                self.lost = True
                self._fail(f"The training process stopped answering (nothing for "
                           f"{waited:g} s) and was ended.")

    def _hung(self) -> float:
        """Of a silent child: the silence after which it is given up, if it is stopped or
        hung (0 while it is alive: running, waiting for a core on a busy machine, or
        having used CPU time since last looked at)."""
        now = time.monotonic()
        assert self._proc is not None  # check() asks it of a started child
        state = child_state(self._proc.pid)
        if state is None:  # the system does not say: silence alone, but a long one
            return HUNG_TIMEOUT if self.silent() > HUNG_TIMEOUT else 0.0
        letter, cpu = state
        if letter in "Tt":  # stopped (SIGSTOP, a debugger): it cannot answer
            return ANSWER_TIMEOUT
        if letter == "R" or cpu != self._cpu:
            self._cpu, self._ran = cpu, now
            return 0.0
        quiet = min(self.silent(), now - self._ran)  # neither heard nor seen running
        return HUNG_TIMEOUT if quiet > HUNG_TIMEOUT else 0.0

    def close(self) -> None:
        """Stop the child for good (it exits by itself if the parent dies, too)."""
        proc, self._proc = self._proc, None
        self.running = False
        self._ready.clear()
        if not self.failure:
            self.failure = "The training process was closed."
            self._said = True  # nothing to tell: the caller closed it
        if self._finalizer is not None:
            self._finalizer.detach()
        if proc is not None:
            # A child that has been silent is not asked: it could not hear.
            patience = 0.0 if self.silent() > ANSWER_TIMEOUT else ANSWER_TIMEOUT
            _end(proc, self._outbox, self._threads, patience, self._folder)
        self._inbox.wake()

    # ---------------------------------------------------------------- commands
    def _send(self, message) -> None:
        if self._proc is None or self.failure:
            raise ProcessFailed(self.failure or "The training process is not running.")
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as error:
            # A run that cannot be pickled (say, a custom layer).
            self._fail(f"The training process could not be given the run ({error}).")
        self._outbox.put(data)

    def _fail(self, why: str):
        self.failure = why
        self._said = True  # the caller hears it now
        self.running = False
        proc, self._proc = self._proc, None
        if self._finalizer is not None:
            self._finalizer.detach()
        if proc is not None:
            _end(proc, self._outbox, self._threads, 0.0 if self.lost else ANSWER_TIMEOUT,
                 self._folder)
        raise ProcessFailed(why)

    def load(self, stepper, token) -> None:
        """Give the child a copy of ``stepper`` (its data set once per ``token``)."""
        data = stepper.run_data() if token != self._token else None
        self._send(("load", stepper.to_payload(), token, data))
        self._token = token
        self._loaded = True

    def run(self, max_epochs: int) -> None:
        """Train on until :meth:`stop`, ``max_epochs`` more epochs, or divergence."""
        if not self._loaded:
            raise ProcessFailed("The training process has no run to train (load one first).")
        self._run += 1
        self._send(("run", int(max_epochs), self.chunk_seconds, self._run))
        self.running = True

    def wait(self, timeout: float = ANSWER_TIMEOUT) -> bool:
        """Wait (any thread, no lock needed) until an answer waits, at most ``timeout``."""
        return self._inbox.wait(timeout)

    def take(self) -> list[RunDelta]:
        """The deltas of the run that have arrived (without waiting; apply them in order).

        Raises :class:`ProcessFailed` if the child answered with an error or died."""
        deltas: list[RunDelta] = []
        if self._proc is None:
            return deltas
        while (message := self._inbox.take()) is not None:
            if message[0] != "delta":
                self.lost = message[0] == "dead"
                self._fail(_text(message, "The training process failed"))
            delta = message[1]
            if not self.running or delta.run != self._run:
                continue  # a run the session has taken back already
            deltas.append(delta)
            if delta.final:
                self.running = False
        return deltas

    def stop(self) -> list[RunDelta]:
        """Take the run back now: the deltas that have arrived (apply them); the child
        stops after its batch, and what it trains meanwhile is dropped. Load the run
        again before the next :meth:`run`."""
        deltas = self.take()
        if self.running:
            self._send(("stop", self._run))
            self.running = False
            self._loaded = False  # the child's copy is ahead of the session's now
            self._inbox.wake()  # a thread waiting for this run's next delta goes on
        return deltas


def _text(message, what: str) -> str:
    if message[0] in ("error", "dead"):
        return message[1]
    return f"{what}: it answered {message[0]!r}."


def _read_messages(proc: subprocess.Popen, inbox: _Inbox, ready: threading.Event,
                   folder: str | None) -> None:
    """The parent's reader thread: the child's answers into ``inbox`` (``ready`` once),
    a delta's arrays copied out of shared memory as soon as it is read."""
    assert proc.stdout is not None  # started with stdout=PIPE
    arena = ArenaReader(folder) if folder is not None else None
    frames = _frames(proc.stdout.fileno())
    try:
        while True:
            message = pickle.loads(next(frames))
            if message[0] == "arena" and arena is not None:
                arena.open(*message[1:])
                continue
            if message[0] == "shared" and arena is not None:
                message = arena.unpack(*message[1:])
            if message[0] == "alive":
                inbox.beat()
            elif message[0] == "ready":
                inbox.beat()
                ready.set()
            else:
                inbox.put(message)
    except Exception as error:  # noqa: BLE001 - whatever ends the reading, the parent hears it
        inbox.put(("dead", f"The training process ended ({error or 'no output'})."))
    finally:
        if arena is not None:
            arena.close()


#: The longest message the child sends (a delta of a design of MAX_WEIGHTS through the
#: pipe is about 160 MB): a longer "length" is bytes that are not a message.
MAX_FRAME = 1 << 32


def _frame(data: bytes) -> bytes:
    """A message on the child's output: its length (8 bytes, little-endian), then it."""
    return len(data).to_bytes(8, "little") + data


def _frames(fd: int):
    """The child's messages (:func:`_frame`) as pickles. Reads whatever has arrived at a
    time (a pipe holds 64 KB), so that the reader needs the GIL once for all the messages
    that arrived, not once per field of each (the window's thread holds it to draw, and
    every turn waited up to 5 ms; the arrays come through shared memory). Ends with
    EOFError when the pipe does, ValueError on bytes that are not a message."""
    buffer = bytearray()
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            if buffer:
                raise EOFError("its output ended in the middle of a message")
            raise EOFError  # said as "no output"
        buffer += chunk
        while len(buffer) >= 8:
            size = int.from_bytes(buffer[:8], "little")
            if size > MAX_FRAME:
                raise ValueError(f"it wrote {bytes(buffer[:8])!r}..., which is not a message")
            if len(buffer) < 8 + size:
                break
            with memoryview(buffer) as view:
                data = bytes(view[8:8 + size])
            del buffer[:8 + size]
            yield data


def _write_messages(proc: subprocess.Popen, outbox: queue.SimpleQueue) -> None:
    """The parent's writer thread: pickled messages to the child, until None."""
    assert proc.stdin is not None  # started with stdin=PIPE
    while (data := outbox.get()) is not None:
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except (OSError, ValueError):
            return  # the child is gone: the reader says so


def _end(proc: subprocess.Popen, outbox: queue.SimpleQueue, threads: tuple,
         patience: float, folder: str | None = None) -> None:
    """Make the child exit (asked first, killed if it does not within ``patience``
    seconds), close its pipes and remove its shared memory."""
    if patience > 0:
        outbox.put(pickle.dumps(("quit",)))
    outbox.put(None)  # the writer stops after what it has
    try:
        proc.wait(patience)
    except subprocess.TimeoutExpired:
        pass
    if proc.poll() is None:
        proc.kill()  # a stopped child ends too
        proc.wait()
    for thread in threads:
        thread.join(ANSWER_TIMEOUT)  # their pipes answer at once now the child is gone
    for pipe in (proc.stdin, proc.stdout):
        assert pipe is not None  # both are PIPEs
        try:
            pipe.close()
        except OSError:
            pass
    remove_folder(folder)


# ---------------------------------------------------------------------- child side
def _stop_at(deadline: float, stopped: Callable[[], bool]):
    """A ``should_stop`` for one chunk: true at ``deadline`` (``perf_counter``) or once
    ``stopped()``."""
    clock = time.perf_counter

    def should_stop() -> bool:
        return stopped() or clock() > deadline
    return should_stop


def next_deadline(deadline: float, seconds: float, now: float) -> float:
    """The end of the next chunk: ``seconds`` after the last one's end, on a fixed beat,
    so that making and sending a delta does not stretch the beat (60 deltas a second,
    not 56); a chunk that ran late starts the beat again from ``now``, and one left less
    than half a beat (its delta waited for a slot) trains half a beat."""
    following = deadline + seconds
    if following <= now:
        return now + seconds
    return max(following, now + seconds / 2)


def child_main(protocol: int | None = None) -> None:
    """The child's loop: read commands from stdin, answer on the descriptor ``protocol``
    (by default taken from stdout here, which then becomes stderr, see :data:`_BOOT`)."""
    if protocol is None:
        protocol = os.dup(1)
        os.dup2(2, 1)
    out = os.fdopen(protocol, "wb")
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    inbox: queue.Queue = queue.Queue()
    # The newest run told to stop: a stop names its run, so that a stop read while an
    # older run still trains cannot be used up by that one (the parent does not wait).
    stop_upto = [0]

    def read() -> None:
        source = sys.stdin.buffer
        try:
            while True:
                message = pickle.load(source)
                if message[0] == "stop":
                    stop_upto[0] = max(stop_upto[0], message[1])  # after its batch
                elif message[0] == "quit":
                    stop_upto[0] = sys.maxsize
                inbox.put(message)
        except (EOFError, OSError, pickle.UnpicklingError):
            stop_upto[0] = sys.maxsize
            inbox.put(("quit",))

    sending = threading.Lock()  # the heartbeat and the loop write whole messages
    shared: list[ArenaWriter] = []  # the arena, once the parent has given a folder

    def send(message) -> None:
        data = _frame(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        with sending:
            out.write(data)
            out.flush()

    def send_delta(delta) -> None:
        # Its arrays through shared memory when there is some, the rest through the pipe;
        # a parent that is gone is not waited for.
        if not shared:
            send(("delta", delta))
            return
        for message in shared[0].pack(("delta", delta),
                                      give_up=lambda: stop_upto[0] == sys.maxsize):
            send(message)

    def beat() -> None:
        # Also while a long batch trains: the parent gives a silent child up.
        try:
            while True:
                time.sleep(HEARTBEAT_SECONDS)
                send(("alive",))
        except (OSError, ValueError):
            return  # the parent is gone: the reader ends the child

    threading.Thread(target=read, daemon=True).start()
    send(("ready",))
    threading.Thread(target=beat, daemon=True).start()
    runner = InlineRunner()
    stepper = None
    data = None
    while True:
        message = inbox.get()
        kind = message[0]
        try:
            if kind == "quit":
                if shared:  # the parent removes it too; a parent that died cannot
                    shared[0].close()
                    remove_folder(shared[0].folder)
                out.flush()
                # Not a normal exit: the reader thread is blocked on stdin, and Python's
                # shutdown would abort on its lock.
                os._exit(0)
            if kind == "share":
                shared[:] = [ArenaWriter(message[1])]
            elif kind == "load":
                payload, _token, new_data = message[1:]
                if new_data is not None:
                    data = new_data
                assert data is not None  # a run's first load brings its data
                stepper = Stepper.from_payload(payload, data)
            elif kind == "run":
                _max_epochs, seconds, run = message[1:]
                assert stepper is not None  # a run follows a load
                target = stepper.epoch + _max_epochs

                def stopped(run=run) -> bool:
                    return stop_upto[0] >= run
                deadline = time.perf_counter()
                while True:
                    deadline = next_deadline(deadline, seconds, time.perf_counter())
                    # The same code as a chunk trained in the parent (bit for bit).
                    status, _trace = runner.chunk(stepper, target, run,
                                                  _stop_at(deadline, stopped))
                    delta = stepper.take_delta(status, run,
                                               final=status != "running" or stopped())
                    send_delta(delta)
                    if delta.final:
                        break
        except Exception:  # noqa: BLE001 - any failure goes back to the parent as text
            text = traceback.format_exc()
            send(("error", f"The training process failed: {text.strip().splitlines()[-1]}\n"
                           + text))
