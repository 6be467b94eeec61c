"""The runner protocol and the one code that moves a session's weights (no Qt).

Every piece of training a session does goes through :class:`InlineRunner`: a step of one
stage, a batch or an epoch (``Session.step``, the handout's copy), a chunk of the fast
path or a traced batch (``Session.train_chunk``: the window's training thread), the
command line's blocking Train (``Session.train``), and the training process's own loop
(its child trains with an :class:`InlineRunner` too). :class:`~nnviz.session.runners.ProcessRunner`
(in :mod:`nnviz.session.runners`) moves the fast path into that child and steps with an
:class:`InlineRunner` of its own, so one class holds the code that moves weights.
(``Sequential.fit``, Keras's API on a bare model, trains its own ``Stepper``: no session,
no runner.)
"""
from __future__ import annotations

from collections.abc import Callable

from nnviz.engine.training import StageTrace, Stepper
from nnviz.errors import TrainingDiverged

__all__ = ["Runner", "InlineRunner", "STEP_KINDS", "chunk_status"]

#: The steps a session takes one command at a time, and the stepper's method for each.
STEP_KINDS = ("stage", "batch", "epoch")


def chunk_status(stepper: Stepper, diverged: bool, target: int) -> str:
    """A chunk's status word: ``"diverged"``, ``"finished"`` (epoch ``target`` reached) or
    ``"running"``."""
    if diverged:
        return "diverged"
    return "finished" if stepper.epoch >= target else "running"


class Runner:
    """What moves a session's run forward (see :mod:`nnviz.session.runners`). The base trains nothing."""

    #: Why training fell back from where this runner trains to inline ("" if it did not).
    problem = ""
    #: The training process, for a runner that has one (tests look at its child).
    process = None

    def start(self) -> None:
        """Get ready to train (Train was pressed): a process runner starts its child."""

    def trains_elsewhere(self) -> bool:
        """Whether a chunk trains outside this process now (the window then only draws)."""
        return False

    def wait(self, timeout: float) -> None:
        """Wait (any thread, without the session's lock) for the next delta, at most
        ``timeout`` seconds; returns at once when nothing trains elsewhere."""

    def step(self, stepper: Stepper, kind: str) -> StageTrace | None:
        """One ``kind`` of step (``"stage"``, ``"batch"`` or ``"epoch"``) on this thread,
        with its trace; a step that diverged returns a copy of the diverging stage's trace
        (``stepper.diverged`` says so)."""
        raise NotImplementedError

    def chunk(self, stepper: Stepper, target: int, token: int,
              should_stop: Callable[[], bool], traced: bool = False,
              progress: Callable[[Stepper], None] | None = None) -> tuple[str, object]:
        """Train ``stepper`` on until ``should_stop()`` or epoch ``target`` (``traced``: one
        batch with its trace). Returns ``(status, trace)``: ``"running"``, ``"finished"``
        or ``"diverged"``; the :class:`~nnviz.engine.training.StageTrace` of a traced batch.
        ``token`` names the run's data (a new one per run); ``progress(stepper)`` is
        called now and then (at least at every epoch's end) while it trains."""
        raise NotImplementedError

    def stop(self, last_epoch: int | None = None) -> None:
        """Take the run back: the stepper last given to :meth:`chunk` is the whole run
        after this (for a process: with the deltas up to epoch ``last_epoch`` if given)."""

    def close(self) -> None:
        """End the runner for good (the session closes)."""


class InlineRunner(Runner):
    """Trains the stepper it is given on the thread that calls it."""

    def step(self, stepper, kind):
        """One step here (see :meth:`Runner.step`)."""
        if kind not in STEP_KINDS:
            raise ValueError(f"A step is one of {', '.join(STEP_KINDS)}, not {kind!r}.")
        try:
            return self._move(stepper, kind)
        except TrainingDiverged:
            # The stepper keeps the last finite weights and says why (``diverged``).
            return stepper.trace.copy() if stepper.trace is not None else None

    def chunk(self, stepper, target, token, should_stop, traced=False, progress=None):
        """One chunk here (see :meth:`Runner.chunk`). A run at epoch ``target`` already
        trains nothing: it is finished (a chunk never trains past the last epoch)."""
        trace = None
        if stepper.epoch >= target and stepper.diverged is None:
            return "finished", None
        if traced:
            try:
                trace = self._move(stepper, "batch")
            except TrainingDiverged:
                pass  # the stepper says so (``diverged``) and keeps the last finite weights
            diverged = stepper.diverged is not None
        else:
            diverged = stepper.run(should_stop=should_stop, progress=progress,
                                   max_epochs=max(1, target - stepper.epoch))
        return chunk_status(stepper, diverged, target), trace

    @staticmethod
    def _move(stepper: Stepper, kind: str) -> StageTrace:
        if kind == "stage":
            return stepper.step()
        if kind == "batch":
            return stepper.step_batch()
        return stepper.step_epoch()
