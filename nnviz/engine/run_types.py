"""The data a run is made of: stages and their traces, its whole state, and what crosses to
the training process (:class:`RunData`, :class:`RunPayload`, :class:`RunDelta`).

Plain data, no training: :class:`~nnviz.engine.training.Stepper` makes and reads them.
Re-exported by :mod:`nnviz.engine.training`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.engine.history import History

if TYPE_CHECKING:
    from nnviz.engine.gradient_health import GradientSummary

__all__ = ["Stage", "StageTrace", "Counters", "RunPosition", "RunState", "RunData", "RunPayload",
           "RunDelta"]


@dataclass(frozen=True)
class Stage:
    """One stage of training: ``kind`` is ``"forward"``, ``"loss"``, ``"backward"`` or
    ``"update"``; ``layer`` the index into ``model.layers`` for forward/backward."""

    kind: str
    layer: int | None
    label: str


@dataclass
class StageTrace:
    """What training computed for the current batch, up to and including ``stage``.

    Lists are indexed by layer (``model.layers``); an entry is ``None`` until the stage
    that computes it has run. The arrays are never written to after they are made, so a
    trace can be handed to another thread as it is.
    """

    stage: Stage
    epoch: int
    batch: int
    step: int
    x: np.ndarray
    y: np.ndarray
    z: list = field(default_factory=list)
    a: list = field(default_factory=list)
    y_pred: np.ndarray | None = None
    loss: float | None = None
    #: The regularization penalty included in ``loss`` (0.0 without regularizers).
    penalty: float = 0.0
    dA: list = field(default_factory=list)
    dZ: list = field(default_factory=list)
    dW: list = field(default_factory=list)
    db: list = field(default_factory=list)
    W_before: list | None = None
    b_before: list | None = None
    W_after: list | None = None
    b_after: list | None = None
    learning_rate: float = 0.0

    def copy(self) -> StageTrace:
        """A trace with its own lists (the arrays are shared: they are never written)."""
        c = StageTrace(**self.__dict__)
        for name in ("z", "a", "dA", "dZ", "dW", "db"):
            setattr(c, name, list(getattr(self, name)))
        return c


@dataclass(frozen=True)
class Counters:
    """How far a run has come: epochs completed, the batch within the epoch (0-based),
    batches trained in all and samples seen in all."""

    epoch: int
    batch_index: int
    global_step: int
    samples_seen: int


@dataclass(frozen=True)
class RunPosition:
    """Where a run is within its batch and epoch: the next stage's index within the batch
    (0: between batches), the stages' work so far (None between batches), the last stage's
    trace, the epoch's shuffled order (None: not shuffled yet, or the receiver of a delta
    has it) and the random generator's state."""

    stage_index: int
    work: dict | None
    trace: StageTrace | None
    order: np.ndarray | None
    rng: Mapping[str, Any]


@dataclass
class RunState:
    """A stepper's whole state at one moment (see :meth:`Stepper.get_state`).

    Treat it as read-only: :meth:`Stepper.set_state` copies what it takes from it, so one
    state can be restored any number of times (undo, redo, undo ...).
    """

    weights: list
    optimizer: tuple
    counters: Counters
    position: RunPosition
    sums: tuple
    history: History
    snapshots: list
    diverged: str | None

    @property
    def epoch(self) -> int:
        """Epochs completed."""
        return self.counters.epoch

    def without_history(self, same_order: bool = False) -> RunState:
        """This state with an empty history and no snapshots (and no shuffled order when
        ``same_order``: the receiver has it): what a delta carries besides its new points."""
        position = replace(self.position, order=None) if same_order else self.position
        return RunState(self.weights, self.optimizer, self.counters, position, self.sums,
                        History(), [], self.diverged)

    @property
    def global_step(self) -> int:
        """Batches trained in all."""
        return self.counters.global_step


@dataclass
class RunData:
    """A run's data set: sent to another process once per run, not with every load."""

    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None


@dataclass
class RunPayload:
    """What a copy of a stepper needs to train elsewhere (:meth:`Stepper.to_payload`):
    the compiled model, the stepper's options and its whole state, without the data set
    (:class:`RunData`), the history (new points come back in deltas) or the snapshots'
    arrays (their epochs only: for thinning)."""

    model: object
    batch_size: int
    shuffle: bool
    seed: int
    snapshot_every_epoch: bool
    max_snapshots: int
    max_snapshot_bytes: int
    stop_on_divergence: bool
    state: RunState
    snapshot_epochs: list


@dataclass
class RunDelta:
    """What a copy's run changed since its last delta (:meth:`Stepper.take_delta`),
    applied with :meth:`Stepper.apply_delta`: after it the stepper is the copy's run, whole.

    ``state`` is the whole state but for the history and the snapshots (its shuffled order
    is None when ``same_order``: it travels once per epoch); ``history`` the points added,
    ``snapshots`` every snapshot as ``(epoch, weights or None when the receiver has it)``.
    ``status`` is "running", "finished" or "diverged"; ``run`` names the run, ``final``
    ends it; ``gradients`` the running means of its gradients
    (:class:`~nnviz.engine.gradient_health.GradientSummary`, None before its first batch).
    """

    state: RunState
    same_order: bool
    history: dict
    snapshots: list
    status: str = "running"
    run: int = 0
    final: bool = False
    gradients: GradientSummary | None = None
