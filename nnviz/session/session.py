"""The session: one owner for a project and the training run on it (no Qt).

A :class:`Session` owns

* the **project** (design, training settings, data set spec, history, file path),
* the **data** (loaded once per data set spec, not per setting),
* the **run**: the compiled model and the :class:`~nnviz.engine.training.Stepper` that trains it,
  with its counters, history, time-travel snapshots and divergence message,
* **one undo stack** for everything a user can change: design edits (the design pushes
  them), each training setting, the data set, Reset, and every piece of training (a Step,
  a Batch, an Epoch, Train .. Pause) as one named step.

The command line's ``nnviz train`` and the window's training thread both drive a session,
so a run is assembled in one place only. Views observe: the session's ``events``, the
project's and the design's. The window's worker calls :meth:`train_chunk` on its own
thread; everything else is called on one thread (the GUI's). :attr:`lock` serialises the
two: the worker holds it for one chunk of batches, and a command from the GUI sets
:attr:`interrupt` first so that it waits for one batch at most.

How the document and the run stay in step:

* Between commands the model's weights *are* the design's. While a run is open (training,
  or stepping) the model is ahead; the weights enter the document when the run is closed
  (pause, finish, divergence, save, or any other command), as one undo step.
* A typed weight or bias, the learning rate and the optimizer's options patch the live
  run: history, counters and the loss curve stay. Edits that change shapes (units,
  layers, connections), the data set, the loss, the batch size, the seed or the dtype
  start a new run and say so (``events.run_started``).

:class:`Session` is the facade; the work is done by its parts, one job each:
:class:`~nnviz.session.run_controller.RunController` (building, stepping, training and pausing
the run; its status; the runner), :class:`~nnviz.session.time_travel.TimeTravel` (the snapshot
shown), :class:`~nnviz.session.design_sync.DesignSync` (document <-> run),
:class:`~nnviz.session.session_commands.SessionCommands` (the undo steps) and
:class:`~nnviz.session.session_files.SessionFiles` (saving, opening whole or not at all).
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from psygnal import Signal, SignalGroup

from nnviz.data import features
from nnviz.document.commands import SetWeightBlock
from nnviz.document.lessons import Lesson, SetLesson
from nnviz.document.specs import Connection
from nnviz.engine.training import History, RunState, Stepper
from nnviz.files.project import DatasetSpec, Project
from nnviz.session.design_sync import PATCH_SETTINGS, RUN_SETTINGS, DesignSync
from nnviz.session.run_controller import RunController
from nnviz.session.run_status import RunStatus, ShownPosition
from nnviz.session.runners import InlineRunner, Runner
from nnviz.session.session_commands import SessionCommands
from nnviz.session.session_files import SessionFiles
from nnviz.session.time_travel import TimeTravel

__all__ = ["Session", "SessionEvents", "RUN_SETTINGS", "PATCH_SETTINGS"]


class SessionEvents(SignalGroup):
    """What a :class:`Session` announces (``session.events.<name>``)."""

    #: A new run began (empty history, counters at 0); the argument says why, for a
    #: status bar ("New run: Hidden now has 4 neurons").
    run_started = Signal(str)
    #: The run's state changed by a command (a step, undo/redo of training, Reset, time
    #: travel, a patched weight): views redraw counters, history and weights from the session.
    state_changed = Signal()
    #: Why no run can be built ("" when it can): an invalid design, a missing data set.
    problem_changed = Signal(str)
    #: The run's status changed (:class:`~nnviz.session.run_status.RunStatus`, and why: the
    #: divergence message, "Done: 50 epochs trained.", the problem). The one event views
    #: render the run's state from. Emitted on the thread that changed it: a run that ends
    #: by itself ends on the thread calling :meth:`Session.train_chunk`.
    status_changed = Signal(object, str)


class Session:
    """A project, its data, its run and its one undo stack (see the module's text)."""

    def __init__(self, project: Project | None = None, runner: Runner | None = None):
        """``runner`` decides where training runs (see :mod:`nnviz.session.runners`), once, here:
        by default an :class:`~nnviz.session.runners.InlineRunner` (this process, the calling
        thread); the window gives :func:`~nnviz.session.runners.default_runner`."""
        self.project = project if project is not None else Project.lecture_example()
        self.events = SessionEvents()
        #: Held by whoever moves the run: the training thread for one chunk, a command here.
        self.lock = threading.RLock()
        #: Set to make a running chunk stop after its current batch.
        self.interrupt = threading.Event()
        self.stepper: Stepper | None = None
        #: Why no run can be built ("" when it can).
        self.problem = ""
        #: What the run is doing (see :class:`~nnviz.session.run_status.RunStatus`); only the
        #: session sets it, and says so with ``events.status_changed``.
        self.status = RunStatus.IDLE
        #: Why it is in that status (the divergence message, "Done: ...", the problem).
        self.status_reason = ""
        #: Where training runs (chosen once, here).
        self.runner: Runner = runner if runner is not None else InlineRunner()
        self._run = RunController(self)
        self._travel = TimeTravel(self)
        self._sync = DesignSync(self)
        self._commands = SessionCommands(self)
        self._files = SessionFiles(self)
        self._sync.connect()
        self._start_run("", continue_saved=True)

    def _start_run(self, reason: str, continue_saved: bool = False,
                   state: RunState | None = None, fresh_weights: bool = False) -> bool:
        # Every part starts a run through here: the one place a test can make it fail.
        return self._run.start_run(reason, continue_saved, state, fresh_weights)

    # ------------------------------------------------------------------ what it holds
    @property
    def undo_stack(self):
        """The project's one undo stack (the design pushes its edits to it too)."""
        return self.project.design.undo_stack

    @property
    def design(self):
        """The design document (``project.design``)."""
        return self.project.design

    @property
    def settings(self):
        """The training settings (``project.training``; evented fields)."""
        return self.project.training

    @property
    def training(self) -> bool:
        """True from Train until Pause, the last epoch, or divergence."""
        return self.status is RunStatus.TRAINING

    @property
    def model(self):
        """The compiled model of the run, or None when none can be built."""
        return None if self.stepper is None else self.stepper.model

    @property
    def history(self) -> History:
        """The run's history (empty when there is no run)."""
        return self.stepper.history if self.stepper is not None else History()

    @property
    def travel_index(self) -> int | None:
        """Index of the time-travel snapshot shown, or None for "now"."""
        return self._travel.index

    @travel_index.setter
    def travel_index(self, index: int | None) -> None:
        self._travel.index = index

    def dataset(self):
        """The data set the project names, loaded once per spec (DatasetError if it cannot)."""
        return self._run.dataset()

    # ------------------------------------------------------------------ status
    def position(self) -> ShownPosition:
        """The 1-based (epoch, batch) every view shows (see :func:`nnviz.session.run_status.position`)."""
        return self._run.position()

    def status_text(self) -> str:
        """The one line saying what the run does ("Training…", "Paused at epoch 3", ...)."""
        return self._run.status_text()

    def ensure_run(self) -> bool:
        """Whether a run exists; tries to build one if not (after the design was fixed)."""
        return self._run.ensure_run()

    # ------------------------------------------------------------------ the runner
    @property
    def process(self):
        """The runner's training process (:class:`~nnviz.session.training_process.TrainingProcess`),
        or None: an inline runner has none, a closed one has none any more."""
        return self.runner.process

    @property
    def process_problem(self) -> str:
        """Why training fell back from the process to this one ("" if it did not)."""
        return self.runner.problem

    def close(self) -> None:
        """Stop training and end the runner (its training process: the window closes)."""
        self._run.close()

    def trains_in_process(self) -> bool:
        """Whether :meth:`train_chunk` trains outside this process now (the runner says)."""
        return self.runner.trains_elsewhere()

    # ------------------------------------------------------------------ commands
    def set_setting(self, text: str | None = None, **changes) -> None:
        """Change training settings as one undo step ("Set learning rate to 0.5").

        Validated first (ProjectFileError naming the setting); a value equal to the
        current one is no change and no undo step. ``text`` names the step in Edit > Undo
        (by default it is made from the settings changed).
        """
        self._commands.set_setting(text, changes)

    def set_dataset(self, spec: DatasetSpec, data=None) -> None:
        """Train on another data set (or the same with other parameters), as one undo step.

        The data set is loaded first: if it cannot be, DatasetError says why and nothing
        changes. ``data`` is the :class:`~nnviz.data.datasets.Dataset` already loaded from
        ``spec`` (the window parses a CSV file on a thread of its own): it is taken as is,
        not parsed again.
        """
        self._commands.set_dataset(spec, data)

    def set_lesson(self, lesson: Lesson) -> None:
        """Hide or lock other controls of the window (:mod:`nnviz.document.lessons`), as one undo step;
        the same lesson again is no step."""
        if lesson != self.project.lesson:
            self.undo_stack.push(SetLesson(self.project, lesson))

    def set_features(self, chosen) -> None:
        """Feature crosses (``"x1_squared"``, ... of :data:`nnviz.data.features.FEATURES`) as the
        data set's further inputs, as one undo step ("Add feature x1²").

        The input layer's units follow the inputs (x1, x2 and the chosen crosses). The
        data set is loaded first: one without two inputs refuses (DatasetError) and
        nothing changes.
        """
        old = self.project.dataset
        spec = old.with_features(chosen)
        if spec.features == old.features:
            return
        data = spec.load()
        added = [f for f in spec.features if f not in old.features]
        removed = [f for f in old.features if f not in spec.features]
        if len(added) + len(removed) == 1:
            text = f"{'Add' if added else 'Remove'} feature {features.get((added or removed)[0]).label}"
        else:
            text = "Use features " + (", ".join(features.labels(spec.features)) or "x1, x2")
        inputs = [layer for layer in self.design.layers if layer.kind == "input"]
        with self.undo_stack.macro(text):
            self._commands.set_dataset(spec, data)
            if len(inputs) == 1 and inputs[0].units != data.n_features:
                layer = inputs[0].id
                base = data.n_features - len(spec.features)  # x1, x2: the data's own
                if inputs[0].units != base + len(old.features):  # units set by hand
                    self.design.set_units(layer, data.n_features)
                    return
                # New crosses come in as fresh rows at the end; then every input's weights
                # move to its place in the data's order (a cross between others included),
                # and crosses turned off, moved last, go: no input keeps another's weights.
                if added:
                    self.design.set_units(layer, data.n_features + len(removed))
                now = [*range(base), *old.features, *added]
                wanted = [*range(base), *spec.features, *removed]
                _reorder_input_rows(self.design, layer, [now.index(n) for n in wanted], text)
                if removed:
                    self.design.set_units(layer, data.n_features)

    def reset(self) -> None:
        """New initial weights drawn from the seed; history and counters cleared (undoable)."""
        self._commands.reset()

    def step(self, kind: str = "stage"):
        """One step as one undo step: ``"stage"``, ``"batch"`` or ``"epoch"``.

        Returns the :class:`~nnviz.engine.training.StageTrace` of the stage done, or None when there
        is no run (:attr:`problem` says why). Divergence is not an error here: the run
        stops with :attr:`stepper.diverged <nnviz.engine.training.Stepper.diverged>` set and the
        last finite weights kept.
        """
        return self._run.step(kind)

    # ------------------------------------------------------------------ training
    def epochs_done(self) -> bool:
        """Whether the run has trained the configured number of epochs."""
        return self._run.epochs_done()

    def start_training(self) -> str:
        """Train from now on (the worker calls :meth:`train_chunk`); "" or why it cannot."""
        return self._run.start_training()

    def train_chunk(self, should_stop: Callable[[], bool] | None = None,
                    traced: bool = False) -> tuple[str, object]:
        """Train on (any thread) until ``should_stop()``, the last epoch, or divergence.

        ``traced`` trains one batch with its trace instead (slow, watchable training).
        Returns ``(status, trace)``: status ``"running"``, ``"finished"``, ``"diverged"``
        or ``"stopped"`` (training is off); the trace of a traced batch, else None. The
        first chunk after Train notes the state to undo to. A run that ends by itself
        (the last epoch, divergence) ends here, in the session; on the session's own
        thread it becomes its undo step at once, on another thread with the next
        :meth:`close_run` there.
        """
        return self._run.train_chunk(should_stop, traced)

    def stop_training(self) -> None:
        """Stop training after the current batch (the run stays open: see :meth:`close_run`)."""
        self._run.stop_training()

    def pause(self) -> None:
        """Stop training and record what it did as one undo step ("Train (12 epochs)")."""
        self._run.pause()

    def run_open(self) -> bool:
        """Whether training since Train waits to become its undo step (see :meth:`close_run`)."""
        return self._run.opened is not None

    def close_run(self) -> None:
        """Record the training since Train as one undo step; the document gets the weights."""
        self._run.close_run()

    def train(self, epochs: int | None = None,
              progress: Callable[[Stepper], None] | None = None) -> bool:
        """Train ``epochs`` more epochs here, on this thread (the command line); one undo step.

        Returns True if training diverged (the message is ``stepper.diverged``).
        Raises NnvizError when no run can be built.
        """
        return self._run.train(epochs, progress)

    # ------------------------------------------------------------------ time travel
    def travel_to(self, index: int | None) -> None:
        """Show the weights after epoch snapshot ``index`` (None or -1: back to now).

        Only a view: the run's history and later snapshots stay. A step or Train from an
        old snapshot continues from there (and drops the history after it, undoably).
        """
        self._travel.travel_to(index)

    # ------------------------------------------------------------------ files
    def commit(self) -> None:
        """Put the run's weights and history into the project now (before a save).

        Training may go on: what it did so far becomes an undo step of its own.
        """
        self.close_run()

    def save(self, path=None) -> None:
        """Save the project (with its history and run) to ``path`` or its own path."""
        copy = self.begin_save(path)
        try:
            copy.save()
        except BaseException:
            self.end_save(copy, False)
            raise
        self.end_save(copy, True)

    def begin_save(self, path=None) -> Project:
        """Start a save: the project's copy whose ``save()`` may run on another thread.

        The run is committed and the project copied here (milliseconds, on this thread);
        the state now is the one the file will hold, so it is marked saved now: edits and
        training going on while the copy is written count as changes. Call
        :meth:`end_save` with whether ``copy.save()`` succeeded.
        """
        return self._files.begin_save(path)

    def end_save(self, copy: Project, ok: bool) -> None:
        """Finish :meth:`begin_save`: take the copy's path, or (``ok=False``) unmark the state.

        After a failed write the saved state is the one before, if the undo stack has not
        moved since; if it has, no state counts as saved (the window will ask before it
        closes).
        """
        self._files.end_save(copy, ok)

    def replace_project(self, other: Project) -> None:
        """Open ``other`` in this session: a new document, a new run, an empty undo stack.

        The session takes the new content as a whole and builds the run once, from the
        file's history, instead of reacting to each field as it changes. Whole or not at
        all: if anything raises on the way (a view that cannot show a value), the session
        is put back as it was (see :meth:`replacing`) and the error raised.
        """
        with self.replacing(other):
            pass

    def replacing(self, other: Project) -> contextlib.AbstractContextManager[None]:
        """Open ``other``, then run the block (the window's own updates for it).

        If opening or the block raises, the content, the run, its data and the undo stack
        (with its saved mark) are put back as they were before, the views are told, and
        the error goes on: a failed open leaves the open document exactly as it was, so
        a Save afterwards writes what the user had.
        """
        return self._files.replacing(other)


def _reorder_input_rows(design, layer_id: str, order: list[int], text: str) -> None:
    """Put row ``order[k]`` of each kernel leaving ``layer_id`` at row ``k`` (one undo step
    each, inside the caller's macro); nothing when the order is already so or no weights."""
    if order == sorted(order):
        return
    for target in design.outgoing(layer_id):
        kernel = design.kernel(layer_id, target)
        if kernel is not None:
            design.undo_stack.push(SetWeightBlock(design, Connection(layer_id, target), 0, 0,
                                                  kernel[order], text))
