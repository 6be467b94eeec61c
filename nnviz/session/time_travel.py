"""Time travel: a view of the run's weights after an earlier epoch (no Qt).

The run keeps a snapshot of the weights after each epoch (``stepper.snapshots``).
:class:`TimeTravel` shows one of them in the session's model while the run's state "now"
is kept aside: a step or Train from the snapshot goes on from there (dropping the history
after it, undoably); travelling back to now restores the state.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from nnviz.engine.training import RunState

if TYPE_CHECKING:
    from nnviz.session.session import Session


class TimeTravel:
    """Which snapshot a :class:`~nnviz.session.session.Session` shows, and the state "now" beside it."""

    def __init__(self, session: Session):
        self._s = session
        #: Index of the time-travel snapshot shown, or None for "now".
        self.index: int | None = None
        #: The run's state "now" while a snapshot is shown.
        self.now: RunState | None = None

    def forget(self) -> None:
        """Back to "now" without touching the run (a new run, a restored state)."""
        self.index, self.now = None, None

    def state_now(self) -> RunState:
        """The run's state "now": the one kept aside while a snapshot is shown."""
        if self.index is not None and self.now is not None:
            return self.now
        assert self._s.stepper is not None  # only asked while a run exists
        return self._s.stepper.get_state()

    def travel_to(self, index: int | None) -> None:
        """See :meth:`nnviz.session.session.Session.travel_to`."""
        s = self._s
        s._run.pause()
        if s.stepper is None:
            return
        snapshots = s.stepper.snapshots
        with s._run.paused():
            if index is None or index < 0 or index >= len(snapshots):
                self.leave(keep=False)
            else:
                if self.index is None:
                    self.now = s.stepper.get_state()
                self.index = int(index)
                s.stepper.model.set_weights(snapshots[index][1])
        s.events.state_changed.emit()
        s._run.refresh_status()

    def leave(self, keep: bool) -> None:
        """Stop showing a snapshot (lock held): ``keep`` goes on from it, else back to now."""
        if self.index is None:
            return
        index, now = self.index, self.now
        self.index, self.now = None, None
        stepper = self._s.stepper
        assert stepper is not None and now is not None  # a snapshot is shown over a run
        if keep:
            # The state before the step is "now" (undo comes back here); then go on from
            # the shown snapshot.
            stepper.set_state(now)
            stepper.restore_snapshot(index)
        else:
            stepper.set_state(now)
