"""The run of a session: built from the document, stepped, trained, paused, its status (no Qt).

:class:`RunController` builds the model and the :class:`~nnviz.engine.training.Stepper` from the
project (:meth:`~RunController.start_run`), moves it (a step, a chunk of training on the
runner, the command line's ``train``), ends it (the last epoch, divergence), records what
it did as undo steps, and is the one place that decides the run's
:class:`~nnviz.session.run_status.RunStatus`. The public surface is
:class:`~nnviz.session.session.Session`'s; this is its engine room.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from nnviz.engine.binary import loss_problem, targets_for
from nnviz.engine.training import History, RunState, Stepper
from nnviz.errors import NnvizError
from nnviz.session.run_status import RunStatus, ShownPosition, position, status_text
from nnviz.session.session_commands import _spec_key
from nnviz.session.training_process import ANSWER_TIMEOUT

if TYPE_CHECKING:
    from nnviz.engine.layers import Dense
    from nnviz.session.session import Session


class RunController:
    """Starts, steps, trains, pauses and ends a session's run; keeps its status."""

    def __init__(self, session: Session):
        self._s = session
        self._announced = (RunStatus.IDLE, "")
        self._announcing = threading.Lock()
        self._owner = threading.current_thread()  # the thread that may touch the document
        #: The run's state at Train, until the training since becomes its undo step.
        self.opened: RunState | None = None
        self.token = 0  # a new one per run: the process gets the data once per run
        #: The loaded data set and the spec it was loaded from (loaded once per spec).
        self.data = None
        self.data_key = None

    # ------------------------------------------------------------------ status
    def set_status(self, status: RunStatus, reason: str = "", announce: bool = True) -> None:
        """Set the session's status (and say so, unless ``announce`` is False)."""
        s = self._s
        s.status, s.status_reason = status, reason
        if announce:
            self.announce()

    def announce(self) -> None:
        """Emit ``status_changed`` if the status changed since it was last emitted."""
        s = self._s
        with self._announcing:  # the training thread and a command may both announce
            now = (s.status, s.status_reason)
            if now == self._announced:
                return
            self._announced = now
        s.events.status_changed.emit(*now)

    def still_status(self, mid_run: RunStatus | None = None) -> tuple[RunStatus, str]:
        """The status of a run that is not training, from its state: no run, diverged,
        every epoch done, nothing trained yet; else ``mid_run`` (by default: paused if it
        was trained (training, paused, finished), stepping otherwise)."""
        s = self._s
        stepper = s.stepper
        if stepper is None:
            return RunStatus.IDLE, s.problem
        if stepper.diverged:
            return RunStatus.DIVERGED, stepper.diverged
        if self.epochs_done():
            return RunStatus.FINISHED, f"Done: {stepper.epoch} epochs trained."
        if stepper.global_step == 0 and not stepper.mid_batch and not stepper.history.batch_loss:
            return RunStatus.IDLE, ""
        if mid_run is None:
            trained = (RunStatus.PAUSED, RunStatus.TRAINING, RunStatus.FINISHED)
            mid_run = RunStatus.PAUSED if s.status in trained else RunStatus.STEPPING
        return mid_run, ""

    def refresh_status(self, mid_run: RunStatus | None = None) -> None:
        """Derive the status of a run that is not training and announce it if it changed."""
        if not self._s.training:
            self.set_status(*self.still_status(mid_run))

    def position(self) -> ShownPosition:
        """See :meth:`nnviz.session.session.Session.position`."""
        s = self._s
        stepper = s.stepper
        if stepper is None:
            return ShownPosition(1, 0)
        done = self._just_updated(stepper)
        if done is not None:
            return done
        return position(stepper.epoch, stepper.batch_index, stepper.batches_per_epoch,
                        stepper.mid_batch, s.project.training.epochs)

    def _just_updated(self, stepper) -> ShownPosition | None:
        """While stepping, right after a batch's update stage: that batch (the Lecture view
        explains its update; "batch 2" there read as a contradiction), else None."""
        t = stepper.trace
        if self._s.status is not RunStatus.STEPPING or t is None or stepper.mid_batch \
                or t.stage.kind != "update":
            return None
        after = (t.epoch, t.batch + 1) if t.batch + 1 < stepper.batches_per_epoch \
            else (t.epoch + 1, 0)
        if after != (stepper.epoch, stepper.batch_index):
            return None  # an older trace: an epoch was trained since
        return ShownPosition(t.epoch + 1, t.batch + 1)

    def status_text(self) -> str:
        """See :meth:`nnviz.session.session.Session.status_text`."""
        s = self._s
        stepper = s.stepper
        shown = self.position()
        return status_text(s.status, s.status_reason, shown.epoch, shown.batch,
                           stepper.epoch if stepper is not None else 0, stepper is not None)

    def epochs_done(self) -> bool:
        """Whether the run has trained the configured number of epochs."""
        s = self._s
        return s.stepper is not None and s.stepper.epoch >= s.project.training.epochs

    # ------------------------------------------------------------------ data
    def dataset(self):
        """See :meth:`nnviz.session.session.Session.dataset`."""
        spec = self._s.project.dataset
        key = _spec_key(spec)
        if self.data is None or key != self.data_key:
            data = spec.load()
            self.data, self.data_key = data, key
        return self.data

    # ------------------------------------------------------------------ building a run
    def start_run(self, reason: str, continue_saved: bool = False,
                  state: RunState | None = None, fresh_weights: bool = False) -> bool:
        """Build the model and a stepper from the document: a new run.

        ``continue_saved`` takes over the project's saved history and run (opening a file);
        ``state`` carries a run over to a new model of the same shapes (a patch);
        ``fresh_weights`` draws new initial weights from the seed (Reset, a new seed).
        Returns whether a run could be built; if not, ``session.problem`` says why.
        """
        s = self._s
        with s.lock:
            self.settle()
            self.token += 1
            s.stepper = None
            self.opened = None
            s._travel.forget()
            t = s.project.training
            try:
                data = s.dataset()
                problems = s.design.validate(data.n_features, data.n_targets)
                if problems:
                    raise NnvizError(problems[0].message)
                model = s.project.build_model(fresh=fresh_weights)
                # The targets the output asks for (0/1 or ±1 for one sigmoid/tanh unit).
                out = cast("Dense", model.layers[-1])  # a design builds Dense layers only
                problem = loss_problem(out.units, out.activation_name, t.loss)
                if problem:
                    raise NnvizError(problem)
                y_train, y_val = (targets_for(y, out.units, out.activation_name, t.loss)
                                  for y in (data.y_train, data.y_val))
                stepper = Stepper(model, data.x_train, y_train, batch_size=t.batch_size,
                                  shuffle=t.shuffle, seed=t.seed,
                                  x_val=data.x_val if data.n_val else None,
                                  y_val=y_val if data.n_val else None)
            except (NnvizError, ValueError) as error:
                # ValueError: the engine's word for data that does not fit the network.
                self.set_problem(str(error))
                s._sync.shapes = None
                self.set_status(RunStatus.IDLE, s.problem, announce=False)
            else:
                self._install(stepper, model, state, continue_saved, fresh_weights)
        s.events.run_started.emit(reason)
        self.announce()
        return s.stepper is not None

    def _install(self, stepper: Stepper, model, state: RunState | None, continue_saved: bool,
                 fresh_weights: bool) -> None:
        """Make ``stepper`` the run (lock held): its state, the document's weights, status."""
        s = self._s
        if state is not None:
            stepper.set_state(replace(state, weights=model.get_weights()))
        elif continue_saved and s.project.history:
            run = s.project.run or {}
            stepper.continue_from(History.from_dict(s.project.history),
                                  snapshots=run.get("snapshots", ()),
                                  counters=run.get("counters"))
            stepper.diverged = run.get("diverged")
        s.stepper = stepper
        s._sync.note_run(model)
        self.set_problem("")
        if fresh_weights:
            s._sync.publish_weights()
        if not s.training:
            self.set_status(*self.still_status(), announce=False)

    def set_problem(self, text: str) -> None:
        """Say why no run can be built ("" when it can), with ``problem_changed``."""
        s = self._s
        if text != s.problem:
            s.problem = text
            s.events.problem_changed.emit(text)

    def ensure_run(self) -> bool:
        """See :meth:`nnviz.session.session.Session.ensure_run`."""
        s = self._s
        if s.stepper is None:
            s._start_run("")
        return s.stepper is not None

    # ------------------------------------------------------------------ holding it still
    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the run still: a running chunk stops after its batch and waits for us.

        A run in the training process is stopped and its whole state taken back first,
        so that inside the block the session's stepper is the run.
        """
        s = self._s
        s.interrupt.set()
        try:
            with s.lock:
                self.settle()
                yield
        finally:
            s.interrupt.clear()

    def settle(self, last_epoch: int | None = None) -> None:
        """Take the run back from the runner (lock held): the session's stepper is the
        whole run after this (see :meth:`nnviz.session.runners.Runner.stop`)."""
        self._s.runner.stop(last_epoch)

    def close(self) -> None:
        """See :meth:`nnviz.session.session.Session.close`."""
        self.stop_training()
        with self.paused():
            self._s.runner.close()

    # ------------------------------------------------------------------ stepping
    def step(self, kind: str = "stage"):
        """See :meth:`nnviz.session.session.Session.step`."""
        s = self._s
        self.pause()  # training so far is its own undo step, before this one
        if not self.ensure_run():
            return None
        stepper = s.stepper
        assert stepper is not None  # ensure_run() built it
        label = stepper.next_stage.label
        with self.paused():
            before = s._travel.state_now()
            s._travel.leave(keep=True)
            trace = s.runner.step(stepper, kind)  # the runner that trains: one path
            text = {"stage": f"Step ({label})", "batch": "Train one batch",
                    "epoch": "Train one epoch"}[kind]
            s._sync.publish_weights()
            s._sync.store_history()
            s._commands.record(text, before)
            # A step past the last epoch is stepping too (only training stops there).
            self.set_status(*(RunStatus.DIVERGED, stepper.diverged) if stepper.diverged
                            else (RunStatus.STEPPING, ""), announce=False)
        s.events.state_changed.emit()
        self.announce()
        return trace

    # ------------------------------------------------------------------ training
    def start_training(self) -> str:
        """See :meth:`nnviz.session.session.Session.start_training`."""
        s = self._s
        if s.training:
            return ""
        if not self.ensure_run():
            return s.problem
        if self.epochs_done():
            return (f"All {s.project.training.epochs} epochs are done: raise Epochs or "
                    "press Reset to train again.")
        assert s.stepper is not None  # ensure_run() built it
        if s.stepper.diverged:
            return s.stepper.diverged
        s.runner.start()  # a child starts while the first chunks train here
        self.set_status(RunStatus.TRAINING)
        return ""

    def train_chunk(self, should_stop: Callable[[], bool] | None = None,
                    traced: bool = False) -> tuple[str, object]:
        """See :meth:`nnviz.session.session.Session.train_chunk`."""
        return self._chunk(None, should_stop, traced)

    def _chunk(self, target: int | None, should_stop: Callable[[], bool] | None,
               traced: bool = False, progress=None) -> tuple[str, object]:
        """One chunk on the runner toward epoch ``target`` (None: the project's epochs, and
        a run that gets there or diverges is ended here, see :meth:`_end_run`)."""
        s = self._s
        interrupt = s.interrupt
        if not traced:
            # A runner that trains elsewhere: wait for its next delta without the lock, so
            # that a command never waits for the child (bounded: a silent child is given up).
            s.runner.wait(ANSWER_TIMEOUT)
        with s.lock:
            stepper = s.stepper
            if not s.training or stepper is None:
                return "stopped", None
            if self.opened is None:
                self.opened = s._travel.state_now()
                s._travel.leave(keep=True)

            def stop() -> bool:
                return interrupt.is_set() or (should_stop is not None and should_stop())

            ends = target is None
            status, trace = s.runner.chunk(
                stepper, s.project.training.epochs if ends else target, self.token, stop,
                traced, progress)
            if ends and status in ("finished", "diverged"):
                status = self._end_run(status)
            return status, trace

    def _end_run(self, status: str) -> str:
        """The run ended by itself (the last epoch, divergence): training stops here, in
        the session, whoever called ``train_chunk`` and whether or not anything draws.

        On the session's own thread the training becomes its undo step at once; a chunk
        on another thread leaves that to the next command there (:meth:`close_run`: the
        window calls it when it hears ``status_changed``), since the document and its
        views belong to that thread.
        """
        stepper = self._s.stepper
        assert stepper is not None  # a chunk just trained it
        if status == "diverged":
            self.set_status(RunStatus.DIVERGED, stepper.diverged or "", announce=False)
        else:
            self.set_status(RunStatus.FINISHED, f"Done: {stepper.epoch} epochs trained.",
                            announce=False)
        if threading.current_thread() is self._owner:
            self.close_run()
        self.announce()
        return status

    def stop_quietly(self) -> None:
        """Stop training without announcing "paused": a new run follows at once and
        announces its own status (the data set changed under a running run)."""
        if not self._s.training:
            return
        with self.paused():
            self.set_status(RunStatus.PAUSED, announce=False)

    def stop_training(self) -> None:
        """See :meth:`nnviz.session.session.Session.stop_training`."""
        if not self._s.training:
            return
        with self.paused():
            # Asked again with the lock: the chunk we waited for may have ended the run
            # (the last epoch, divergence), and a finished run is not paused.
            if self._s.training:
                self.set_status(RunStatus.PAUSED, announce=False)
        self.announce()

    def pause(self) -> None:
        """See :meth:`nnviz.session.session.Session.pause`."""
        self.stop_training()
        self.close_run()
        self.refresh_status()

    def close_run(self) -> None:
        """See :meth:`nnviz.session.session.Session.close_run`."""
        s = self._s
        if self.opened is None or s.stepper is None:
            return
        with self.paused():
            before, self.opened = self.opened, None
            stepper = s.stepper
            if stepper.global_step == before.global_step and \
                    stepper.diverged == before.diverged:
                return  # nothing was trained
            epochs = stepper.epoch - before.epoch
            batches = stepper.global_step - before.global_step
            if epochs >= 1:
                text = f"Train ({epochs} epoch{'s' if epochs != 1 else ''})"
            else:
                text = f"Train ({batches} batch{'es' if batches != 1 else ''})"
            s._sync.publish_weights()
            s._sync.store_history()
            # If training goes on, its next chunk opens the next piece.
            s._commands.record(text, before)

    def train(self, epochs: int | None = None,
              progress: Callable[[Stepper], None] | None = None) -> bool:
        """See :meth:`nnviz.session.session.Session.train`: the window's chunks, on this thread."""
        s = self._s
        self.pause()
        if not self.ensure_run():
            raise NnvizError(s.problem)
        n = s.project.training.epochs if epochs is None else int(epochs)
        assert s.stepper is not None  # ensure_run() built it
        target = s.stepper.epoch + n
        # No runner.start(): a child that is not ready would only watch (the first chunk,
        # inline, trains to the end); one that is ready takes the chunks.
        self.set_status(RunStatus.TRAINING)
        status = "running"
        try:
            while status == "running":
                status, _trace = self._chunk(target, None, progress=progress)
        finally:
            if s.training:
                self.set_status(RunStatus.PAUSED, announce=False)
            self.close_run()
            self.refresh_status()
        return status == "diverged"
