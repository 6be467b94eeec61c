"""The whole state of a run, for undo, for files and for the wire (a part of
:class:`~nnviz.engine.training.Stepper`).

:meth:`StepperState.get_state` and :meth:`~StepperState.set_state` copy everything that
training changes; :meth:`~StepperState.to_payload`, :meth:`~StepperState.take_delta` and
:meth:`~StepperState.apply_delta` carry a run to a copy that trains elsewhere and bring
its progress back (``Stepper.from_payload`` makes the copy).
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.engine.history import History
from nnviz.engine.run_types import (
    Counters,
    RunData,
    RunDelta,
    RunPayload,
    RunPosition,
    RunState,
    StageTrace,
)

if TYPE_CHECKING:
    from nnviz.engine.gradient_health import GradientMeter


class StepperFields:
    """What a :class:`~nnviz.engine.training.Stepper` holds, named once for the type checker:
    its mixins (the state here, the fast path) read and write these, ``Stepper.__init__``
    sets them. Nothing at run time."""

    if TYPE_CHECKING:
        model: Any
        x: np.ndarray
        y: np.ndarray
        x_val: np.ndarray | None
        y_val: np.ndarray | None
        batch_size: int
        shuffle: bool
        seed: int
        snapshot_every_epoch: bool
        max_snapshots: int
        max_snapshot_bytes: int
        stop_on_divergence: bool
        history: History
        snapshots: list[tuple[int, list[np.ndarray] | None]]
        gradients: GradientMeter
        epoch: int
        batch_index: int
        global_step: int
        samples_seen: int
        diverged: str | None
        trace: StageTrace | None
        _pos: int
        _work: dict | None
        _order: np.ndarray | None
        _sent_order: np.ndarray | None
        _rng: np.random.Generator
        _loss_sum: float
        _correct: float
        _count: int


class StepperState(StepperFields):
    """A run's state as data: a mixin of :class:`~nnviz.engine.training.Stepper`, which
    holds the state it copies."""

    def get_state(self) -> RunState:
        """Everything that training changes, as copies: restore it with :meth:`set_state`.

        Weights, the optimizer's memory (momentum, running averages), the counters, the
        position within the batch and the epoch (with the shuffled order and the random
        generator), the partial epoch sums, the history, the time-travel snapshots and
        the divergence message. Undoing a training run is ``set_state`` of the state from
        before it.
        """
        opt = self.model.optimizer
        slots = None if opt._state is None else [
            {k: v.copy() for k, v in s.items()} for s in opt._state]
        work = None if self._work is None else {
            k: (list(v) if isinstance(v, list) else v) for k, v in self._work.items()}
        return RunState(
            weights=self.model.get_weights(),
            optimizer=(opt.iterations, slots),
            counters=Counters(self.epoch, self.batch_index, self.global_step, self.samples_seen),
            position=RunPosition(self._pos, work,
                                 None if self.trace is None else self.trace.copy(),
                                 None if self._order is None else self._order.copy(),
                                 self._rng.bit_generator.state),
            sums=(self._loss_sum, self._correct, self._count),
            history=self.history.copy(),
            # The snapshots' arrays are never written after they are taken: share them.
            snapshots=list(self.snapshots),
            diverged=self.diverged,
        )

    def set_state(self, state: RunState, history: bool = True) -> None:
        """Make ``state`` (from :meth:`get_state` of a stepper of the same shapes) current.

        ``history=False`` keeps this stepper's history and snapshots (the training process
        sends those as they grow, and the rest of the state when it stops).
        """
        self.model.set_weights(state.weights)
        opt = self.model.optimizer
        iterations, slots = state.optimizer
        opt.iterations = iterations
        opt._state = None if slots is None else [
            {k: v.copy() for k, v in s.items()} for s in slots]
        c, p = state.counters, state.position
        self.epoch, self.batch_index, self.global_step = c.epoch, c.batch_index, c.global_step
        self.samples_seen, self._pos = c.samples_seen, p.stage_index
        self._work = None if p.work is None else {
            k: (list(v) if isinstance(v, list) else v) for k, v in p.work.items()}
        self.trace = None if p.trace is None else p.trace.copy()
        self._order = None if p.order is None else p.order.copy()
        self._rng = np.random.default_rng()
        self._rng.bit_generator.state = p.rng
        self._loss_sum, self._correct, self._count = state.sums
        self.diverged = state.diverged
        if not history:
            return
        restored = state.history.copy()
        for name in History.KEYS:
            setattr(self.history, name, getattr(restored, name))
        self.snapshots[:] = state.snapshots

    def continue_from(self, history: History, snapshots=(), counters=None) -> None:
        """Take over a saved run at an epoch boundary (a project file's history).

        The current weights are the run's; ``history`` and ``snapshots`` (``(epoch,
        weights)`` pairs) become this stepper's, and the counters follow from the history
        unless given as ``(epoch, global_step, samples_seen)``.
        """
        restored = history.copy()
        for name in History.KEYS:
            setattr(self.history, name, getattr(restored, name))
        if counters is None:
            epoch = len(restored.epoch_loss)
            counters = (epoch, len(restored.batch_loss), epoch * len(self.x))
        self.epoch, self.global_step, self.samples_seen = (int(c) for c in counters)
        self.batch_index = 0
        self._pos = 0
        self._work = None
        self.trace = None
        if snapshots:
            self.snapshots[:] = [(int(e), [np.array(w, dtype=self.model.dtype) for w in ws])
                                 for e, ws in snapshots]
        elif self.snapshot_every_epoch:
            self.snapshots[:] = [(self.epoch, self.model.get_weights())]

    # --- the wire format: a copy trains elsewhere ---------------------------------------
    def run_data(self) -> RunData:
        """The data set this stepper trains on (shared, not copied)."""
        return RunData(self.x, self.y, self.x_val, self.y_val)

    def to_payload(self) -> RunPayload:
        """What :meth:`from_payload` needs to make a copy of this run elsewhere."""
        state = self.get_state().without_history()
        return RunPayload(self.model, self.batch_size, self.shuffle, self.seed,
                          self.snapshot_every_epoch, self.max_snapshots,
                          self.max_snapshot_bytes, self.stop_on_divergence, state,
                          [epoch for epoch, _w in self.snapshots])

    def take_delta(self, status: str = "running", run: int = 0,
                   final: bool = False) -> RunDelta:
        """What this copy's run changed since its last delta; its history is handed over
        (forgotten here) and so are the new snapshots' arrays."""
        history = {}
        for name in History.KEYS:
            series = getattr(self.history, name)
            if series:
                history[name] = list(series)
                del series[:]
        snapshots = list(self.snapshots)
        self.snapshots[:] = [(epoch, None) for epoch, _w in snapshots]
        same_order = self._order is self._sent_order
        self._sent_order = self._order
        return RunDelta(self.get_state().without_history(same_order), same_order, history,
                        snapshots, status, run, final, self.gradients.summary())

    def apply_delta(self, delta: RunDelta) -> None:
        """Bring this stepper up to a delta of its copy's run: after it, it is the copy's
        run as of that delta, whole (should the copy be lost next, nothing is half old)."""
        state = delta.state
        if delta.same_order:
            state = replace(state, position=replace(state.position, order=self._order))
        self.set_state(state, history=False)
        self.gradients.load(delta.gradients)
        for name, values in delta.history.items():
            series = getattr(self.history, name)
            for value in values:
                series.append(value)  # a batch series thins itself as it grows
        kept = dict(self.snapshots)
        self.snapshots[:] = [(epoch, weights if weights is not None else kept[epoch])
                             for epoch, weights in delta.snapshots]
