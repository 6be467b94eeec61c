"""The session: one owner for a project and the training run on it (no Qt).

A :class:`Session` owns

* the **project** (design, training settings, data set spec, history, file path),
* the **data** (loaded once per data set spec, not per setting),
* the **run**: the compiled model and the :class:`~nnviz.training.Stepper` that trains it,
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
"""
from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from psygnal import Signal, SignalGroup

from nnviz.errors import NnvizError, TrainingDiverged
from nnviz.project import DatasetSpec, Project, TrainingSettings
from nnviz.run_status import RunStatus, position, status_text
from nnviz.runners import InlineRunner, Runner
from nnviz.training import History, RunState, Stepper
from nnviz.training_process import ANSWER_TIMEOUT
from nnviz.undo import Command, array_bytes

__all__ = ["Session", "SessionEvents", "RUN_SETTINGS", "PATCH_SETTINGS"]

#: Settings whose change starts a new run (the weights that fit are kept).
RUN_SETTINGS = ("loss", "batch_size", "shuffle", "dtype", "metrics", "seed")
#: Settings that patch the live run: history and counters stay.
PATCH_SETTINGS = ("learning_rate", "optimizer", "momentum", "optimizer_options", "epochs")

_SETTING_LABELS = {
    "loss": "loss", "optimizer": "optimizer", "learning_rate": "learning rate",
    "momentum": "momentum", "optimizer_options": "optimizer options", "batch_size": "batch size",
    "epochs": "epochs", "seed": "seed", "dtype": "number type", "metrics": "metrics",
    "shuffle": "shuffling",
}


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
    #: The run's status changed (:class:`~nnviz.run_status.RunStatus`, and why: the
    #: divergence message, "Done: 50 epochs trained.", the problem). The one event views
    #: render the run's state from. Emitted on the thread that changed it: a run that ends
    #: by itself ends on the thread calling :meth:`Session.train_chunk`.
    status_changed = Signal(object, str)


@dataclass(frozen=True)
class _Memento:
    """What a session command restores: settings, data set and the run's whole state."""

    training: dict
    dataset: DatasetSpec
    run: RunState | None


class _SessionCommand(Command):
    """One undo step of the session: the state before it and the state after it.

    Either made from an edit function (:meth:`Session._command`: the first ``redo`` runs it
    and notes the states around it) or recorded from work already done (a training run).
    """

    def __init__(self, session: Session, text: str, apply: Callable[[], None] | None = None,
                 before: _Memento | None = None, after: _Memento | None = None):
        super().__init__(text)
        self._session, self._apply = session, apply
        self.before, self.after = before, after

    def redo(self) -> None:
        """Do the edit (first time) or bring back the state after it."""
        s = self._session
        if self.after is None:
            with s._paused():  # the run holds still between the two states
                self.before = s._memento()
                self._apply()
                self._apply = None
                self.after = s._memento()
        else:
            s._restore(self.after)

    def undo(self) -> None:
        """Bring back the state before the edit."""
        self._session._restore(self.before)

    def nbytes(self) -> int:
        """The bytes its two run states hold (see :func:`_run_bytes`)."""
        return sum(_run_bytes(m.run) for m in (self.before, self.after) if m is not None)


def _run_bytes(run: RunState | None) -> int:
    """About the bytes a kept :class:`RunState` holds that no other state shares.

    Its weights, the optimizer's slots, the shuffled order and the traced batch are its
    own copies; the history lists share their numbers with the run (8 bytes a point);
    the time-travel snapshots' arrays are shared with the run (8 bytes an entry).
    """
    if run is None:
        return 0
    _pos, work, trace, order, _rng = run.position
    total = array_bytes(run.weights, run.optimizer, work, order)
    if trace is not None:
        total += array_bytes(vars(trace))
    total += 8 * sum(len(getattr(run.history, k)) for k in History.KEYS)
    return total + 8 * len(run.snapshots)


class Session:
    """A project, its data, its run and its one undo stack (see the module's text)."""

    def __init__(self, project: Project | None = None, runner: Runner | None = None):
        """``runner`` decides where training runs (see :mod:`nnviz.runners`), once, here:
        by default an :class:`~nnviz.runners.InlineRunner` (this process, the calling
        thread); the window gives :func:`~nnviz.runners.default_runner`."""
        self.project = project if project is not None else Project.lecture_example()
        self.events = SessionEvents()
        #: Held by whoever moves the run: the training thread for one chunk, a command here.
        self.lock = threading.RLock()
        #: Set to make a running chunk stop after its current batch.
        self.interrupt = threading.Event()
        self.stepper: Stepper | None = None
        self.problem = ""
        #: What the run is doing (see :class:`~nnviz.run_status.RunStatus`); only the
        #: session sets it, and says so with ``events.status_changed``.
        self.status = RunStatus.IDLE
        #: Why it is in that status (the divergence message, "Done: ...", the problem).
        self.status_reason = ""
        self._announced = (RunStatus.IDLE, "")
        self._owner = threading.current_thread()  # the thread that may touch the document
        #: Index of the time-travel snapshot shown, or None for "now".
        self.travel_index: int | None = None
        self._now: RunState | None = None
        self._data = None
        self._data_key = None
        self._synced: list[np.ndarray] | None = None
        self._open: RunState | None = None
        self._shapes: tuple | None = None
        #: Where training runs (chosen once, here).
        self.runner: Runner = runner if runner is not None else InlineRunner()
        self._run_token = 0  # a new one per run: the process gets the data once per run
        self._saving: list | None = None  # begin_save's copy and the undo stack then
        self._applying = 0  # > 0 while a session command changes settings
        self._connect()
        self._start_run("", continue_saved=True)

    # ------------------------------------------------------------------ wiring
    def _wiring(self) -> list:
        """The (signal, slot) pairs by which the session follows the document."""
        ev = self.project.design.events
        pairs = [(signal, self._on_design_structure) for signal in (
            ev.layer_added, ev.layer_removed, ev.connection_added, ev.connection_removed,
            ev.layer_changed)]
        return pairs + [
            (ev.reset, self._on_design_reset),
            (ev.weights_changed, self._on_design_weights),
            (self.project.training.events.all, self._on_setting),
            (self.project.events.dataset_changed, self._on_dataset),
            (self.undo_stack.about_to_change, self._on_stack_about_to_change),
        ]

    def _connect(self) -> None:
        for signal, slot in self._wiring():
            signal.connect(slot)

    def _disconnect(self) -> None:
        for signal, slot in self._wiring():
            signal.disconnect(slot)

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

    # ------------------------------------------------------------------ status
    def _set_status(self, status: RunStatus, reason: str = "", announce: bool = True) -> None:
        self.status, self.status_reason = status, reason
        if announce:
            self._announce()

    def _announce(self) -> None:
        now = (self.status, self.status_reason)
        if now != self._announced:
            self._announced = now
            self.events.status_changed.emit(*now)

    def _still_status(self, mid_run: RunStatus | None = None) -> tuple[RunStatus, str]:
        """The status of a run that is not training, from its state: no run, diverged,
        every epoch done, nothing trained yet; else ``mid_run`` (by default: paused if it
        was trained (training, paused, finished), stepping otherwise)."""
        stepper = self.stepper
        if stepper is None:
            return RunStatus.IDLE, self.problem
        if stepper.diverged:
            return RunStatus.DIVERGED, stepper.diverged
        if self.epochs_done():
            return RunStatus.FINISHED, f"Done: {stepper.epoch} epochs trained."
        if stepper.global_step == 0 and not stepper.mid_batch and not stepper.history.batch_loss:
            return RunStatus.IDLE, ""
        if mid_run is None:
            trained = (RunStatus.PAUSED, RunStatus.TRAINING, RunStatus.FINISHED)
            mid_run = RunStatus.PAUSED if self.status in trained else RunStatus.STEPPING
        return mid_run, ""

    def _refresh_status(self, mid_run: RunStatus | None = None) -> None:
        """Derive the status of a run that is not training and announce it if it changed."""
        if not self.training:
            self._set_status(*self._still_status(mid_run))

    def position(self) -> tuple[int, int]:
        """The 1-based (epoch, batch) every view shows (see :func:`nnviz.run_status.position`)."""
        s = self.stepper
        if s is None:
            return 1, 0
        return position(s.epoch, s.batch_index, s.batches_per_epoch, s.mid_batch,
                        self.project.training.epochs)

    def status_text(self) -> str:
        """The one line saying what the run does ("Training…", "Paused at epoch 3", ...)."""
        s = self.stepper
        epoch, batch = self.position()
        return status_text(self.status, self.status_reason, epoch, batch,
                           s.epoch if s is not None else 0, s is not None)

    @property
    def model(self):
        """The compiled model of the run, or None when none can be built."""
        return None if self.stepper is None else self.stepper.model

    @property
    def history(self) -> History:
        """The run's history (empty when there is no run)."""
        return self.stepper.history if self.stepper is not None else History()

    # ------------------------------------------------------------------ data
    def dataset(self):
        """The data set the project names, loaded once per spec (DatasetError if it cannot)."""
        spec = self.project.dataset
        key = _spec_key(spec)
        if self._data is None or key != self._data_key:
            data = spec.load()
            self._data, self._data_key = data, key
        return self._data

    # ------------------------------------------------------------------ the run
    def _start_run(self, reason: str, continue_saved: bool = False,
                   state: RunState | None = None, fresh_weights: bool = False) -> bool:
        """Build the model and a stepper from the document: a new run.

        ``continue_saved`` takes over the project's saved history and run (opening a file);
        ``state`` carries a run over to a new model of the same shapes (a patch);
        ``fresh_weights`` draws new initial weights from the seed (Reset, a new seed).
        Returns whether a run could be built; if not, :attr:`problem` says why.
        """
        with self.lock:
            self._settle()
            self._run_token += 1
            self.stepper = None
            self._open = None
            self.travel_index, self._now = None, None
            t = self.project.training
            try:
                data = self.dataset()
                problems = self.design.validate(data.n_features, data.n_targets)
                if problems:
                    raise NnvizError(problems[0].message)
                model = self.project.build_model(fresh=fresh_weights)
                stepper = Stepper(model, data.x_train, data.y_train, batch_size=t.batch_size,
                                  shuffle=t.shuffle, seed=t.seed,
                                  x_val=data.x_val if data.n_val else None,
                                  y_val=data.y_val if data.n_val else None)
            except (NnvizError, ValueError) as error:
                # ValueError: the engine's word for data that does not fit the network.
                self._set_problem(str(error))
                self._shapes = None
                self._set_status(RunStatus.IDLE, self.problem, announce=False)
            else:
                self._install(stepper, model, state, continue_saved, fresh_weights)
        self.events.run_started.emit(reason)
        self._announce()
        return self.stepper is not None

    def _install(self, stepper: Stepper, model, state: RunState | None, continue_saved: bool,
                 fresh_weights: bool) -> None:
        """Make ``stepper`` the run (lock held): its state, the document's weights, status."""
        if state is not None:
            stepper.set_state(replace(state, weights=model.get_weights()))
        elif continue_saved and self.project.history:
            run = self.project.run or {}
            stepper.continue_from(History.from_dict(self.project.history),
                                  snapshots=run.get("snapshots", ()),
                                  counters=run.get("counters"))
            stepper.diverged = run.get("diverged")
        self.stepper = stepper
        self._shapes = self._shape_key()
        self._synced = [w.copy() for w in model.get_weights()]
        self._set_problem("")
        if fresh_weights:
            self._publish_weights()
        if not self.training:
            self._set_status(*self._still_status(), announce=False)

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.events.problem_changed.emit(text)

    def _shape_key(self) -> tuple | None:
        try:
            chain = self.design.chain()
        except NnvizError:
            return None
        return tuple((spec.id, spec.units) for spec in chain)

    def ensure_run(self) -> bool:
        """Whether a run exists; tries to build one if not (after the design was fixed)."""
        if self.stepper is None:
            self._start_run("")
        return self.stepper is not None

    def _memento(self) -> _Memento:
        run = self.stepper.get_state() if self.stepper is not None else None
        if run is not None and self.travel_index is not None and self._now is not None:
            run = self._now  # time travel is only a view: "now" is the state
        return _Memento(self.project.training.to_dict(), _copy_spec(self.project.dataset), run)

    def _restore(self, memento: _Memento) -> None:
        """Bring back a state of the session (undo/redo of a session command)."""
        with self._paused(), self._applying_settings():
            self.project.update_training(**memento.training)
            if _spec_key(self.project.dataset) != _spec_key(memento.dataset):
                self.project.set_dataset(_copy_spec(memento.dataset))
            if memento.run is not None:
                if self.stepper is None or self._shapes != self._shape_key():
                    self._start_run("")
                if self.stepper is not None and _fits(self.stepper, memento.run):
                    self.travel_index, self._now = None, None
                    self.stepper.set_state(memento.run)
                    self._publish_weights()
            self._store_history()
            self._refresh_status()
        self.events.state_changed.emit()

    def _publish_weights(self) -> None:
        """The model's weights become the design's (between commands they are the same)."""
        weights = self.stepper.model.get_weights()
        self._synced = [w.copy() for w in weights]
        self.design.store_weights(weights)

    def _store_history(self) -> None:
        stepper = self.stepper
        if stepper is None:
            return
        self.project.set_run(stepper.history.to_dict(), {
            "counters": [stepper.epoch, stepper.global_step, stepper.samples_seen],
            "snapshots": list(stepper.snapshots),
            "diverged": stepper.diverged,
        })

    @contextlib.contextmanager
    def _paused(self) -> Iterator[None]:
        """Hold the run still: a running chunk stops after its batch and waits for us.

        A run in the training process is stopped and its whole state taken back first,
        so that inside the block the session's stepper is the run.
        """
        self.interrupt.set()
        try:
            with self.lock:
                self._settle()
                yield
        finally:
            self.interrupt.clear()

    # ------------------------------------------------------------------ the runner
    @property
    def process(self):
        """The runner's training process (:class:`~nnviz.training_process.TrainingProcess`),
        or None: an inline runner has none, a closed one has none any more."""
        return self.runner.process

    @property
    def process_problem(self) -> str:
        """Why training fell back from the process to this one ("" if it did not)."""
        return self.runner.problem

    def close(self) -> None:
        """Stop training and end the runner (its training process: the window closes)."""
        self.stop_training()
        with self._paused():
            self.runner.close()

    def trains_in_process(self) -> bool:
        """Whether :meth:`train_chunk` trains outside this process now (the runner says)."""
        return self.runner.trains_elsewhere()

    def _settle(self, last_epoch: int | None = None) -> None:
        """Take the run back from the runner (lock held): the session's stepper is the
        whole run after this (see :meth:`nnviz.runners.Runner.stop`)."""
        self.runner.stop(last_epoch)

    def _command(self, text: str, apply: Callable[[], None]) -> None:
        def applying() -> None:
            with self._applying_settings():
                apply()
        self.undo_stack.push(_SessionCommand(self, text, applying))

    @contextlib.contextmanager
    def _applying_settings(self) -> Iterator[None]:
        """Settings changed in the block belong to a session command (no undo step of
        their own: see :meth:`_on_setting`)."""
        self._applying += 1
        try:
            yield
        finally:
            self._applying -= 1

    # ------------------------------------------------------------------ reacting
    def _on_stack_about_to_change(self, what: str) -> None:
        # Whatever lands on the stack (or is undone) comes after the training so far.
        if what != "push":
            self.stop_training()
        self.close_run()

    def _on_design_structure(self, *_args) -> None:
        shapes = self._shape_key()
        if self.stepper is not None and shapes == self._shapes:
            # Same shapes (an activation, an initializer, a name): the run goes on with a
            # model rebuilt from the design, its history and counters kept.
            with self._paused():
                state = self.stepper.get_state()
                self._start_run("", state=state)
            self.events.state_changed.emit()
            return
        self.stop_training()
        self._start_run(_describe_shapes(self._shapes, shapes, self.design))

    def _on_design_reset(self) -> None:
        self.stop_training()
        self._start_run("", continue_saved=True)

    def _on_design_weights(self) -> None:
        """A weight typed in the design patches the live model (only what was changed)."""
        stepper = self.stepper
        if stepper is None:
            return
        try:
            current = _design_weights(self.design)
        except NnvizError:
            return
        changed = False
        with self._paused():  # read and written with the run held still
            synced = self._synced
            model_weights = stepper.model.get_weights()
            if synced is None or \
                    [w.shape for w in current] != [w.shape for w in model_weights]:
                self._synced = current
                return
            for w, new, old in zip(model_weights, current, synced):
                mask = new != old
                if mask.any():
                    w[mask] = new[mask]
                    changed = True
            if changed:
                stepper.model.set_weights(model_weights)
            self._synced = current
        if changed:
            self.events.state_changed.emit()

    def _on_setting(self, info) -> None:
        """A setting changed: the run follows it. A change made straight on the settings
        (``project.training.learning_rate = 0.5``, not :meth:`set_setting`) becomes its
        undo step here, so that every change of a setting is one."""
        name = info.signal.name
        if self._applying:
            self._follow_setting(name)
            return
        new, old = info.args
        training = self.project.training.to_dict()
        training[name] = old
        run = self._memento().run  # the run before it (a new run may replace it)
        before = _Memento(training, _copy_spec(self.project.dataset), run)
        self._follow_setting(name)
        self.undo_stack.record(_SessionCommand(
            self, f"Set {_SETTING_LABELS.get(name, name)} to {_show(new)}", before=before,
            after=self._memento()))

    def _follow_setting(self, name: str) -> None:
        if name in RUN_SETTINGS:
            self.stop_training()
            label = _SETTING_LABELS.get(name, name)
            self._start_run(f"New run: the {label} changed", fresh_weights=name == "seed")
            return
        stepper = self.stepper
        if stepper is None or name == "epochs":
            self._refresh_status()  # more epochs: a finished run is not finished any more
            return
        with self._paused():
            t = self.project.training
            if name == "learning_rate":
                stepper.set_learning_rate(t.learning_rate)
            else:
                stepper.set_optimizer(t.make_optimizer())
        self.events.state_changed.emit()

    def _on_dataset(self) -> None:
        self.stop_training()
        self._start_run("New run: the data set changed")

    # ------------------------------------------------------------------ commands
    def set_setting(self, text: str | None = None, **changes) -> None:
        """Change training settings as one undo step ("Set learning rate to 0.5").

        Validated first (ProjectFileError naming the setting); a value equal to the
        current one is no change and no undo step. ``text`` names the step in Edit > Undo
        (by default it is made from the settings changed).
        """
        t = self.project.training
        current = t.to_dict()
        changes = {k: v for k, v in changes.items() if current.get(k, object()) != v}
        if not changes:
            return
        self.project.check_training(**changes)
        if text:
            pass
        elif len(changes) == 1:
            (name, value), = changes.items()
            text = f"Set {_SETTING_LABELS.get(name, name)} to {_show(value)}"
        else:
            text = "Change " + ", ".join(_SETTING_LABELS.get(k, k) for k in changes)
        self._command(text, lambda: self.project.update_training(**changes))

    def set_dataset(self, spec: DatasetSpec, data=None) -> None:
        """Train on another data set (or the same with other parameters), as one undo step.

        The data set is loaded first: if it cannot be, DatasetError says why and nothing
        changes. ``data`` is the :class:`~nnviz.datasets.Dataset` already loaded from
        ``spec`` (the window parses a CSV file on a thread of its own): it is taken as is,
        not parsed again.
        """
        if _spec_key(spec) == _spec_key(self.project.dataset):
            return
        if data is None:
            data = spec.load()  # refuse before anything changes
        self._data, self._data_key = data, _spec_key(spec)
        label = spec.name if not spec.is_csv else "a CSV file"
        same = spec.name == self.project.dataset.name
        text = f"Change the {label} data set" if same else f"Use the {label} data set"
        self._command(text, lambda: self.project.set_dataset(_copy_spec(spec)))

    def reset(self) -> None:
        """New initial weights drawn from the seed; history and counters cleared (undoable)."""
        self.stop_training()

        def apply() -> None:
            self._start_run("Reset: new initial weights from the seed", fresh_weights=True)
            self._store_history()
        self._command("Reset training", apply)
        self.events.state_changed.emit()

    def step(self, kind: str = "stage"):
        """One step as one undo step: ``"stage"``, ``"batch"`` or ``"epoch"``.

        Returns the :class:`~nnviz.training.StageTrace` of the stage done, or None when there
        is no run (:attr:`problem` says why). Divergence is not an error here: the run
        stops with :attr:`stepper.diverged <nnviz.training.Stepper.diverged>` set and the
        last finite weights kept.
        """
        self.pause()  # training so far is its own undo step, before this one
        if not self.ensure_run():
            return None
        stepper = self.stepper
        trace = None
        label = stepper.next_stage.label
        with self._paused():
            before = self._now if self.travel_index is not None else stepper.get_state()
            self._leave_travel(keep=True)
            try:
                if kind == "stage":
                    trace = stepper.step()
                elif kind == "batch":
                    trace = stepper.step_batch()
                else:
                    trace = stepper.step_epoch()
            except TrainingDiverged:
                trace = stepper.trace.copy() if stepper.trace is not None else None
            text = {"stage": f"Step ({label})", "batch": "Train one batch",
                    "epoch": "Train one epoch"}[kind]
            self._publish_weights()
            self._store_history()
            self.undo_stack.record(_SessionCommand(self, text, before=self._wrap(before),
                                                   after=self._memento()))
            # A step past the last epoch is stepping too (only training stops there).
            self._set_status(*(RunStatus.DIVERGED, stepper.diverged) if stepper.diverged
                             else (RunStatus.STEPPING, ""), announce=False)
        self.events.state_changed.emit()
        self._announce()
        return trace

    def _wrap(self, run: RunState) -> _Memento:
        return _Memento(self.project.training.to_dict(), _copy_spec(self.project.dataset), run)

    # ------------------------------------------------------------------ training
    def epochs_done(self) -> bool:
        """Whether the run has trained the configured number of epochs."""
        return self.stepper is not None and self.stepper.epoch >= self.project.training.epochs

    def start_training(self) -> str:
        """Train from now on (the worker calls :meth:`train_chunk`); "" or why it cannot."""
        if self.training:
            return ""
        if not self.ensure_run():
            return self.problem
        if self.epochs_done():
            return (f"All {self.project.training.epochs} epochs are done: raise Epochs or "
                    "press Reset to train again.")
        if self.stepper.diverged:
            return self.stepper.diverged
        self.runner.start()  # a child starts while the first chunks train here
        self._set_status(RunStatus.TRAINING)
        return ""

    def train_chunk(self, should_stop: Callable[[], bool] | None = None,
                    traced: bool = False) -> tuple[str, object]:
        """Train on (any thread) until ``should_stop()``, the last epoch, or divergence.

        ``traced`` trains one batch with its trace instead (slow, watchable training).
        Returns ``(status, trace)``: status ``"running"``, ``"finished"``, ``"diverged"``
        or ``"stopped"`` (training is off); the trace of a traced batch, else None. The
        first chunk after Train notes the state to undo to.
        """
        interrupt = self.interrupt
        if not traced:
            # A runner that trains elsewhere: wait for its next delta without the lock, so
            # that a command never waits for the child (bounded: a silent child is given up).
            self.runner.wait(ANSWER_TIMEOUT)
        with self.lock:
            stepper = self.stepper
            if not self.training or stepper is None:
                return "stopped", None
            if self._open is None:
                self._open = self._now if self.travel_index is not None else stepper.get_state()
                self._leave_travel(keep=True)

            def stop() -> bool:
                return interrupt.is_set() or (should_stop is not None and should_stop())

            status, trace = self.runner.chunk(stepper, self.project.training.epochs,
                                              self._run_token, stop, traced)
            if status in ("finished", "diverged"):
                status = self._end_run(status)
            return status, trace

    def _end_run(self, status: str) -> str:
        """The run ended by itself (the last epoch, divergence): training stops here, in
        the session, whoever called :meth:`train_chunk` and whether or not anything draws.

        On the session's own thread the training becomes its undo step at once; a chunk
        on another thread leaves that to the next command there (:meth:`close_run`: the
        window calls it when it hears ``status_changed``), since the document and its
        views belong to that thread.
        """
        stepper = self.stepper
        if status == "diverged":
            self._set_status(RunStatus.DIVERGED, stepper.diverged or "", announce=False)
        else:
            self._set_status(RunStatus.FINISHED, f"Done: {stepper.epoch} epochs trained.",
                             announce=False)
        if threading.current_thread() is self._owner:
            self.close_run()
        self._announce()
        return status

    def stop_training(self) -> None:
        """Stop training after the current batch (the run stays open: see :meth:`close_run`)."""
        if not self.training:
            return
        with self._paused():
            self._set_status(RunStatus.PAUSED, announce=False)
        self._announce()

    def pause(self) -> None:
        """Stop training and record what it did as one undo step ("Train (12 epochs)")."""
        self.stop_training()
        self.close_run()
        self._refresh_status()

    def run_open(self) -> bool:
        """Whether training since Train waits to become its undo step (see :meth:`close_run`)."""
        return self._open is not None

    def close_run(self) -> None:
        """Record the training since Train as one undo step; the document gets the weights."""
        if self._open is None or self.stepper is None:
            return
        with self._paused():
            before, self._open = self._open, None
            stepper = self.stepper
            if stepper.global_step == before.global_step and \
                    stepper.diverged == before.diverged:
                return  # nothing was trained
            epochs = stepper.epoch - before.epoch
            batches = stepper.global_step - before.global_step
            if epochs >= 1:
                text = f"Train ({epochs} epoch{'s' if epochs != 1 else ''})"
            else:
                text = f"Train ({batches} batch{'es' if batches != 1 else ''})"
            self._publish_weights()
            self._store_history()
            # If training goes on, its next chunk opens the next piece.
            self.undo_stack.record(_SessionCommand(self, text, before=self._wrap(before),
                                                   after=self._memento()))

    def train(self, epochs: int | None = None,
              progress: Callable[[Stepper], None] | None = None) -> bool:
        """Train ``epochs`` more epochs here, on this thread (the command line); one undo step.

        Returns True if training diverged (the message is ``stepper.diverged``).
        Raises NnvizError when no run can be built.
        """
        self.pause()
        if not self.ensure_run():
            raise NnvizError(self.problem)
        stepper = self.stepper
        self._set_status(RunStatus.TRAINING)
        try:
            with self._paused():
                self._open = stepper.get_state()
                n = self.project.training.epochs if epochs is None else int(epochs)
                diverged = stepper.run(progress=progress, max_epochs=n)
        finally:
            self._set_status(RunStatus.PAUSED, announce=False)
            self.close_run()
            self._refresh_status()
        return diverged

    # ------------------------------------------------------------------ time travel
    def travel_to(self, index: int | None) -> None:
        """Show the weights after epoch snapshot ``index`` (None or -1: back to now).

        Only a view: the run's history and later snapshots stay. A step or Train from an
        old snapshot continues from there (and drops the history after it, undoably).
        """
        self.pause()
        if self.stepper is None:
            return
        snapshots = self.stepper.snapshots
        with self._paused():
            if index is None or index < 0 or index >= len(snapshots):
                self._leave_travel(keep=False)
            else:
                if self.travel_index is None:
                    self._now = self.stepper.get_state()
                self.travel_index = int(index)
                self.stepper.model.set_weights(snapshots[index][1])
        self.events.state_changed.emit()
        self._refresh_status()

    def _leave_travel(self, keep: bool) -> None:
        if self.travel_index is None:
            return
        index, now = self.travel_index, self._now
        self.travel_index, self._now = None, None
        if keep:
            # The state before the step is "now" (undo comes back here); then go on from
            # the shown snapshot.
            self.stepper.set_state(now)
            self.stepper.restore_snapshot(index)
        else:
            self.stepper.set_state(now)

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
        if self._saving is not None:
            raise RuntimeError("begin_save() while another save is under way")
        self.commit()
        copy = self.project.copy_for_save(path)
        clean = self.undo_stack.clean_index
        self.undo_stack.set_clean()
        self._saving = [copy, clean, False]  # [copy, clean index before, stack moved since]
        self.undo_stack.changed.connect(self._moved_while_saving)
        return copy

    def _moved_while_saving(self) -> None:
        if self._saving is not None:
            self._saving[2] = True

    def end_save(self, copy: Project, ok: bool) -> None:
        """Finish :meth:`begin_save`: take the copy's path, or (``ok=False``) unmark the state.

        After a failed write the saved state is the one before, if the undo stack has not
        moved since; if it has, no state counts as saved (the window will ask before it
        closes).
        """
        saving = self._saving
        if saving is None or saving[0] is not copy:
            raise RuntimeError("end_save() without its begin_save()")
        self._saving = None
        self.undo_stack.changed.disconnect(self._moved_while_saving)
        _copy, clean, moved = saving
        if ok:
            self.project.saved_to(copy.path)
        else:
            self.undo_stack.set_clean_index(None if moved else clean)

    def replace_project(self, other: Project) -> None:
        """Open ``other`` in this session: a new document, a new run, an empty undo stack.

        The session takes the new content as a whole and builds the run once, from the
        file's history, instead of reacting to each field as it changes. Whole or not at
        all: if anything raises on the way (a view that cannot show a value), the session
        is put back as it was (see :meth:`replacing`) and the error raised.
        """
        with self.replacing(other):
            pass

    @contextlib.contextmanager
    def replacing(self, other: Project) -> Iterator[None]:
        """Open ``other``, then run the block (the window's own updates for it).

        If opening or the block raises, the content, the run, its data and the undo stack
        (with its saved mark) are put back as they were before, the views are told, and
        the error goes on: a failed open leaves the open document exactly as it was, so
        a Save afterwards writes what the user had.
        """
        self.stop_training()
        with self._paused():
            kept = self._keep()
            try:
                self._take(other)
            except BaseException:
                self._put_back(kept)
                raise
        try:
            self.events.state_changed.emit()
            yield
        except BaseException:
            with self._paused():
                self._put_back(kept)
            raise

    def _take(self, other: Project) -> None:
        """Swap ``other``'s content in (lock held): the data first, before anything changes."""
        data, key = None, _spec_key(other.dataset)
        if other.dataset.name is not None:
            try:
                data = other.dataset.load()
            except NnvizError:
                data, key = None, None  # the new run says why (its problem)
        self._open = None
        self._disconnect()
        try:
            self.project.replace_with(other)
        finally:
            self._connect()
        self._data, self._data_key = data, (key if data is not None else None)
        self.undo_stack.clear()
        self._start_run("", continue_saved=True)

    def _keep(self) -> _Kept:
        """What :meth:`_put_back` needs: a copy of the content and the run as it is."""
        p = self.project
        copy = Project(None, TrainingSettings.from_dict(p.training.to_dict()),
                       _copy_spec(p.dataset), p.history, p.path)
        copy.design.replace_with(p.design)
        copy.run = dict(p.run)
        fields = {name: getattr(self, name) for name in _Kept.FIELDS}
        return _Kept(copy, self.undo_stack.keep(), fields)

    def _put_back(self, kept: _Kept) -> None:
        """Bring back what :meth:`_keep` noted (lock held); then the views hear it all again.

        The content comes back with every signal blocked: a view that failed on the new
        content would fail again on a half-restored one. Then each view is told on its
        own, so one that still fails does not keep the others from showing the document.
        """
        p = self.project
        self._disconnect()
        try:
            with p.events.blocked(), p.training.events.blocked(), p.design.events.blocked():
                p.replace_with(kept.project)
        finally:
            self._connect()
        self.undo_stack.restore(kept.undo)
        fields = dict(kept.fields)
        self.problem = fields.pop("problem")
        for name, value in fields.items():
            setattr(self, name, value)
        t = p.training
        self._disconnect()  # the session has its state back already: only the views hear
        try:
            for tell in (p.design.events.reset.emit,
                         lambda: t.events.learning_rate.emit(t.learning_rate, t.learning_rate),
                         p.events.dataset_changed.emit, p.events.settings_changed.emit,
                         p.events.history_changed.emit, p.events.path_changed.emit,
                         lambda: self.events.problem_changed.emit(self.problem),
                         lambda: self.events.run_started.emit(""),
                         self.events.state_changed.emit, self._announce):
                try:
                    tell()
                except Exception:  # noqa: BLE001 (the document is back; the others are told)
                    # A view that fails on the document it showed before is a bug of its
                    # own: reported on stderr, not in place of the error that undid the open.
                    traceback.print_exc()
        finally:
            self._connect()


@dataclass
class _Kept:
    """The session before a replacement: content, undo stack and run (see ``_keep``)."""

    #: The session's attributes that make up its run and data.
    FIELDS = ("stepper", "_open", "travel_index", "_now", "_data", "_data_key", "_synced",
              "_shapes", "problem", "status", "status_reason")

    project: Project
    undo: tuple
    fields: dict


# ---------------------------------------------------------------------- helpers
def _spec_key(spec: DatasetSpec):
    import json

    return (spec.name, json.dumps(spec.params, sort_keys=True, default=str), spec.csv_path,
            spec.target)


def _copy_spec(spec: DatasetSpec) -> DatasetSpec:
    return DatasetSpec(spec.name, dict(spec.params), spec.csv_path, spec.target)


def _fits(stepper: Stepper, run: RunState) -> bool:
    return [w.shape for w in stepper.model.get_weights()] == [w.shape for w in run.weights]


def _design_weights(design) -> list[np.ndarray]:
    chain = design.chain()
    out = []
    for src, tgt in zip(chain[:-1], chain[1:]):
        kernel, bias = design.kernel(src.id, tgt.id), design.bias(tgt.id)
        if kernel is None or bias is None:
            raise NnvizError("The design holds no weights yet.")
        out += [np.array(kernel), np.array(bias)]
    return out


def _describe_shapes(old: tuple | None, new: tuple | None, design) -> str:
    if new is None:
        return ""
    if old is None:
        return "New run: the network can be trained again"
    before = dict(old)
    for layer_id, units in new:
        if layer_id in before and before[layer_id] != units:
            name = design.layer(layer_id).name
            return f"New run: {name} now has {units} neuron{'s' if units != 1 else ''}"
    return "New run: the network's layers or connections changed"


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")
