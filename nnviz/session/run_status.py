"""A run's status: one value the session owns, and the one text every view shows of it.

The session (:class:`~nnviz.session.session.Session`) is the only place that decides what a run is
doing; it announces each change with ``events.status_changed(status, reason)``. Views
render :func:`status_text` and :func:`position` and keep no state of their own.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["RunStatus", "ShownPosition", "status_text", "position"]


class RunStatus(str, enum.Enum):
    """What a run is doing."""

    #: Nothing trained yet (or no run can be built: the session's ``problem`` says why).
    IDLE = "idle"
    #: Moved by steps (a stage, a batch, an epoch), not training now.
    STEPPING = "stepping"
    #: Training on (Train until Pause, the last epoch or divergence).
    TRAINING = "training"
    #: Training was paused by the user.
    PAUSED = "paused"
    #: Every configured epoch is trained.
    FINISHED = "finished"
    #: The numbers overflowed; the reason says why (the last finite weights are kept).
    DIVERGED = "diverged"


@dataclass(frozen=True)
class ShownPosition:
    """The 1-based epoch and batch every view shows (the panel, the status bar)."""

    epoch: int
    batch: int


def position(epoch: int, batch_index: int, batches_per_epoch: int, mid_batch: bool,
             epochs: int) -> ShownPosition:
    """The 1-based (epoch, batch) every view shows: the batch being computed or next.

    Once all ``epochs`` are trained it is the last one (50 of 50, never "epoch 51"),
    until a step goes past them: then it is that batch, as the Lecture view's trace says.
    """
    if epoch >= epochs and epoch > 0 and batch_index == 0 and not mid_batch:
        return ShownPosition(epoch, batches_per_epoch)
    return ShownPosition(epoch + 1, batch_index + 1)


def status_text(status: RunStatus, reason: str, epoch: int, batch: int,
                epochs_trained: int, can_build: bool) -> str:
    """The one line saying what the run does ("Training…", "Paused at epoch 3", ...).

    ``epoch``/``batch`` are :func:`position`'s; ``epochs_trained`` is the run's
    completed epochs; ``can_build`` whether a run exists at all.
    """
    if status is RunStatus.TRAINING:
        return "Training…"
    if status is RunStatus.DIVERGED:
        return f"Diverged: {reason.split('. ')[0]}"
    if status is RunStatus.FINISHED:
        return f"Done: {epochs_trained} epoch{'s' if epochs_trained != 1 else ''} trained"
    if status is RunStatus.PAUSED:
        return f"Paused at epoch {epoch}"
    if status is RunStatus.STEPPING:
        return f"Stepping: epoch {epoch}, batch {batch}"
    if not can_build:
        return "Not ready to train" if reason else "Ready"
    return "Ready to train"
