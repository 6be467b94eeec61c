"""Where a session's training runs: one runner, chosen once when the session is made (no Qt).

A :class:`~nnviz.session.session.Session` owns the run (its :class:`~nnviz.engine.training.Stepper`) and
its status; a *runner* only moves the run forward. Two runners share one interface:

* :class:`InlineRunner` trains the session's stepper on the calling thread (the command
  line, the tests, a window started with ``NNVIZ_TRAINING_PROCESS=0``).
* :class:`ProcessRunner` trains a copy of it in a child process
  (:class:`~nnviz.session.training_process.TrainingProcess`) and applies the deltas it streams
  back to the session's stepper, so the window draws on one core while the network trains
  on another. It is the one class that decides, chunk by chunk, where a chunk trains:

  - in the child once it has started;
  - inline while the child starts, after it failed for good, and for a *traced* chunk
    (one batch with its trace: a paced run, "30 steps/s", shows every batch's stages,
    which the child does not send; a paced run is cheap, so it trains inline);
  - a child that died or stopped answering is replaced (:data:`MAX_REPLACEMENTS` times a
    session), and the run goes on inline, from its last whole state, until the new one is
    ready.

The interface (:class:`Runner`): :meth:`~Runner.start` gets ready for a run (starts the
child), :meth:`~Runner.chunk` trains (or takes the deltas that arrived) and returns the
run's status, :meth:`~Runner.wait` waits outside the session's lock for the next delta,
:meth:`~Runner.stop` takes the run back (the session's stepper is then the whole run) and
:meth:`~Runner.close` ends the runner. The session holds its lock around every call but
:meth:`~Runner.wait`. Training inline or in the process gives the same run bit for bit.
(``stop`` leaves the session's stepper whole instead of returning a ``RunState``: a copy
of the weights and the optimizer's memory per command would cost for nothing.)

Steps (one stage, a batch, an epoch: :meth:`~Runner.step`) train inline whatever the
runner, after it has handed the run back. :meth:`~nnviz.session.session.Session.train` (the command
line's blocking Train, with its progress per epoch) is the window's loop of chunks on the
calling thread. Every one of them ends in the one class that moves weights,
:class:`~nnviz.engine.inline_runner.InlineRunner` (the child's loop too).
"""
from __future__ import annotations

import os
import sys

from nnviz.engine.inline_runner import InlineRunner, Runner
from nnviz.engine.training import Stepper
from nnviz.session.blas_threads import limit_this_process
from nnviz.session.training_process import ProcessFailed, TrainingProcess

__all__ = ["Runner", "InlineRunner", "ProcessRunner", "default_runner", "MAX_REPLACEMENTS"]

#: Training processes a runner starts again after one died or stopped answering.
MAX_REPLACEMENTS = 3


class ProcessRunner(Runner):
    """Trains in a child process, inline while it cannot (see the module: the one place
    that decides where a chunk trains)."""

    def __init__(self, chunk_seconds: float | None = None):
        self.process = TrainingProcess() if chunk_seconds is None else \
            TrainingProcess(chunk_seconds)
        self.problem = ""
        self._inline = InlineRunner()
        self._remote: Stepper | None = None  # the stepper the child holds a copy of
        self._remote_target: int | None = None
        self._replacements = 0  # processes started again after one was lost

    def start(self) -> None:
        """Start the child (it imports NumPy and nnviz while the first chunks train inline).

        This process draws from now on: its BLAS computes on one thread, so that it never
        spins beside the child (see :mod:`nnviz.session.blas_threads`)."""
        if self.process is not None:
            if self.process.pid is None:
                limit_this_process()
            self.process.start()

    def trains_elsewhere(self) -> bool:
        """Whether the child has started and takes the next untraced chunk."""
        return self.process is not None and self.process.ready()

    def wait(self, timeout: float) -> None:
        """Wait for the child's next delta (bounded: a silent child is given up)."""
        process = self.process
        if process is not None and process.running:
            process.wait(timeout)

    def step(self, stepper, kind):
        """One step here, after the child has handed its run back."""
        self.stop()
        return self._inline.step(stepper, kind)

    def chunk(self, stepper, target, token, should_stop, traced=False, progress=None):
        """A chunk in the child, or inline (a traced batch, no child yet or any more)."""
        if self._check():
            # The caller chose how to train (a chunk in the child needs no should_stop):
            # it chooses again.
            return "running", None
        if traced or not self.trains_elsewhere():
            self.stop()  # training here: the child hands its run back first
            return self._inline.chunk(stepper, target, token, should_stop, traced, progress)
        try:
            return self._train_remote(stepper, target, token, progress), None
        except ProcessFailed as error:
            self._failed(error)
            return "running", None

    def stop(self, last_epoch: int | None = None) -> None:
        """Apply the deltas that have arrived (up to ``last_epoch``) and tell the child to
        stop; nothing waits for it."""
        stepper, self._remote = self._remote, None
        process = self.process
        if stepper is None or process is None:
            return
        try:
            for delta in process.stop():
                if last_epoch is not None and delta.state.epoch > last_epoch:
                    break  # past the last epoch: the run goes on from the one before
                stepper.apply_delta(delta)
        except ProcessFailed as error:
            self._failed(error)

    def close(self) -> None:
        """Stop the child for good."""
        self.stop()
        if self.process is not None:
            self.process.close()
            self.process = None

    # ---------------------------------------------------------------- inside
    def _train_remote(self, stepper: Stepper, target: int, token: int, progress) -> str:
        process = self.process
        assert process is not None  # trains_elsewhere(): the child is ready
        if self._remote is stepper and process.running and self._remote_target != target:
            # Epochs changed while training: take the run back (not past the new last
            # epoch) and load it again.
            self.stop(last_epoch=max(target, stepper.epoch))
            if not self.trains_elsewhere():
                return "running"  # it failed meanwhile: the next chunk trains inline
            process = self.process
            assert process is not None  # trains_elsewhere() again
        if self._remote is not stepper:
            process.load(stepper, token)
            self._remote = stepper
        if not process.running:
            if stepper.epoch >= target:
                return "finished"
            process.run(max(1, target - stepper.epoch))
            self._remote_target = target
        status = "running"
        epoch = stepper.epoch
        for delta in process.take():
            stepper.apply_delta(delta)
            status = delta.status
        if progress is not None and stepper.epoch != epoch:
            progress(stepper)
        return status

    def _check(self) -> bool:
        """Notice a child that could not start, died or stopped answering; whether it
        failed now."""
        if self.process is None:
            return False
        try:
            self.process.check()
        except ProcessFailed as error:
            self._failed(error)
            return True
        return False

    def _failed(self, error: Exception) -> None:
        # Training goes on inline, from the last state the child sent (a whole one). A
        # child that died or stopped answering after it had started is replaced (a few
        # times a session: one that fails every time is not restarted for ever).
        self._remote = None
        process = self.process
        text = str(error)
        if process is not None and process.lost and self._replacements < MAX_REPLACEMENTS:
            self._replacements += 1
            self.process = TrainingProcess(process.chunk_seconds)
            self.process.start()
            text += " A new training process is starting."
        self.problem = text
        print(f"nnviz: training continues without its process: {text}", file=sys.stderr)


def default_runner() -> Runner:
    """The window's runner: a :class:`ProcessRunner`, or an :class:`InlineRunner` when the
    environment says ``NNVIZ_TRAINING_PROCESS=0`` (for comparison and debugging)."""
    if os.environ.get("NNVIZ_TRAINING_PROCESS", "1") == "0":
        return InlineRunner()
    return ProcessRunner()
