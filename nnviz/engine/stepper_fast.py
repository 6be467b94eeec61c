"""The fast path of training: batch after batch, recording no traces (a part of
:class:`~nnviz.engine.training.Stepper`).

:meth:`StepperFastPath.run` trains until asked to stop. The arithmetic is that of the
stage-by-stage path, bit for bit, written into arrays kept from batch to batch; divergence
is caught by checking the weights after each piece and replaying a piece that went wrong
with every update checked.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from nnviz.engine.history import History
from nnviz.engine.losses import Loss
from nnviz.engine.stepper_state import StepperFields
from nnviz.errors import TrainingDiverged

if TYPE_CHECKING:
    from nnviz.engine.training import Stepper

_BASE_PREPARE = Loss.prepare


class _FastPath:
    """What the fast path reuses batch after batch, made once per model.

    The gradients live in one flat array (``flat``; ``grads`` are views of it in the
    order of the model's variables), so that one call finds a NaN or an infinity in any
    of them (when a piece is replayed with checks) and plain SGD scales them all in one
    multiply (into ``scratch``). ``plans`` holds the layers' scratch arrays per batch size.
    """

    __slots__ = ("variables", "flat", "finite", "grads", "layer_grads", "plans", "scratch",
                 "scratch_views", "regularized")

    def __init__(self, model, variables):
        self.variables = variables
        self.regularized = model.regularized
        self.flat = np.empty(sum(v.size for v in variables), model.dtype)
        self.finite = np.empty(self.flat.size, bool)
        self.grads, self.layer_grads, start = [], [], 0
        for layer in model.layers:
            mine = []
            for w in layer.weights:
                mine.append(self.flat[start:start + w.size].reshape(w.shape))
                start += w.size
            self.layer_grads.append(mine)
            self.grads += mine
        self.plans: dict[int, _Plan] = {}
        self.scratch = np.empty_like(self.flat)
        self.scratch_views = []
        start = 0
        for w in variables:
            self.scratch_views.append(self.scratch[start:start + w.size].reshape(w.shape))
            start += w.size

    def plan(self, model, n: int) -> _Plan:
        """The scratch arrays for batches of ``n`` samples."""
        plan = self.plans.get(n)
        if plan is None:
            plan = self.plans[n] = _Plan(model, n)
        return plan


class _Plan:
    """Scratch arrays of every layer and of the loss for one batch size."""

    __slots__ = ("layers", "inputs", "z", "a", "loss_work")

    def __init__(self, model, n: int):
        from nnviz.engine.layers import LayerBuffers

        self.layers = [LayerBuffers(n, layer.input_dim, layer.output_dim, model.dtype)
                       for layer in model.layers]
        count = len(model.layers)
        empty: list[np.ndarray | None] = [None] * count  # filled as a batch goes forward
        self.inputs, self.z, self.a = empty, list(empty), list(empty)
        self.loss_work: dict = {}


class StepperFastPath(StepperFields):
    """Training without traces: a mixin of :class:`~nnviz.engine.training.Stepper`, which
    holds the state it reads and writes (:class:`~nnviz.engine.stepper_state.StepperFields`)."""

    if TYPE_CHECKING:  # what Stepper has besides its fields, named for the type checker
        batches_per_epoch: int
        _fast: _FastPath | None
        _safe: bool

        def step_batch(self) -> Any: ...
        def _batch(self, index: int) -> tuple[np.ndarray, np.ndarray]: ...
        def _diverge(self, what: str, value) -> None: ...
        def _apply_update(self, grads) -> None: ...
        def _finish_batch(self, loss: float, y, y_pred) -> None: ...

    def run(self, should_stop: Callable[[], bool] | None = None,
            progress: Callable[[Stepper], None] | None = None,
            max_epochs: int | None = None, progress_interval: float = 1 / 30) -> bool:
        """Train batch after batch on the fast path (no traces) until stopped.

        Stops when ``should_stop()`` returns true (checked after every batch: a
        cooperative flag), when ``max_epochs`` more epochs are done, or on divergence.
        ``progress(self)`` is called at most every ``progress_interval`` seconds and at
        every epoch end. A batch part-way through stage stepping is finished first.
        Returns True if it stopped because training diverged.
        """
        if self._pos != 0:
            self.step_batch()
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run(should_stop, progress, max_epochs, progress_interval)

    def _run(self, should_stop, progress, max_epochs, progress_interval,
             limit: int | None = None) -> bool:
        """Train on the fast path; with divergence checks, one epoch (or less) at a time.

        The fast path checks only the loss of each batch. The weights are checked at the
        end of each piece (an epoch, or the call's end): if one is NaN or infinite (a NaN
        gradient, or an update that overflowed), the piece is trained again from a
        checkpoint taken at its start, this time with the gradients checked and the
        weights backed up before every update, so training stops right before the update
        that went wrong, with the last finite weights, as if every update had been checked.
        """
        self._prepare_fast()
        target = None if max_epochs is None else self.epoch + int(max_epochs)
        self._last_progress = time.perf_counter()
        left = limit
        while True:
            checkpoint = self._checkpoint() if self.stop_on_divergence else None
            done, more = self._train_batches(should_stop, progress, target, progress_interval,
                                             left, checkpoint is not None)
            if checkpoint is not None and not self._weights_finite():
                self._rollback(checkpoint)
                self._safe = True
                try:
                    self._train_batches(None, None, None, math.inf, done, False)
                finally:
                    self._safe = False
                break
            if left is not None:
                left -= done
            if not more:
                break
        return self.diverged is not None

    def _train_batches(self, should_stop, progress, target, progress_interval,
                       limit: int | None, epoch_piece: bool) -> tuple[int, bool]:
        """Train batches until a stop; ``epoch_piece``: also at the end of an epoch.

        Returns the batches trained and whether training may go on (it stopped only at
        an epoch's end).
        """
        done = 0
        train = self._train_one_batch
        while target is None or self.epoch < target:
            if self.diverged or (limit is not None and done >= limit):
                return done, False
            epoch = self.epoch
            train()
            done += 1
            if progress is not None:
                now = time.perf_counter()
                if self.epoch != epoch or now - self._last_progress >= progress_interval:
                    self._last_progress = now
                    progress(self)
            if should_stop is not None and should_stop():
                return done, False
            if epoch_piece and self.epoch != epoch:
                return done, True
        return done, False

    def _prepare_fast(self) -> None:
        """Make (or keep) the fast path's arrays for the model's current variables."""
        variables = self.model._variables()
        fast = self._fast
        if fast is None or len(fast.variables) != len(variables) or any(
                a is not b for a, b in zip(fast.variables, variables)) \
                or fast.flat.dtype != self.model.dtype \
                or fast.regularized != self.model.regularized:
            self._fast = _FastPath(self.model, variables)

    def _train_one_batch(self) -> None:
        """Forward, loss, backward and update of one batch, recording nothing.

        The arithmetic is that of the stage-by-stage path (bit for bit), written into
        arrays kept from batch to batch. Divergence costs no copy of the weights here: a
        non-finite loss stops before the backward pass, and :meth:`_run` checks the
        weights after each epoch (see there).
        """
        m = self.model
        fast = cast(_FastPath, self._fast)  # made by _prepare_fast before this
        x, y = self._batch(self.batch_index)
        layers = m.layers
        plan = fast.plans.get(len(x)) or fast.plan(m, len(x))
        buffers, inputs, zs, acts = plan.layers, plan.inputs, plan.z, plan.a
        a = x
        i = 0
        for layer in layers:
            inputs[i] = a
            zs[i], a = layer._fwd_into(a, buffers[i])
            acts[i] = a
            i += 1
        loss_fn = m.loss
        # The stepper's targets already have the model's dtype: the base class's
        # prepare() would only add a column to 1-D targets.
        yt = y if y.ndim == 2 and type(loss_fn).prepare is _BASE_PREPARE \
            else loss_fn.prepare(y, a)[0]
        loss, dA = loss_fn.value_and_gradient_into(yt, a, plan.loss_work)
        if fast.regularized:
            loss += m.regularization_loss()
        check = self.stop_on_divergence
        if check and not math.isfinite(loss):
            try:
                self._diverge("loss", loss)
            except TrainingDiverged:
                return
        grads = fast.layer_grads
        for i in range(len(layers) - 1, -1, -1):
            dA = layers[i]._bwd_into(inputs[i], zs[i], acts[i], dA, i > 0, buffers[i],
                                     grads[i])
        if fast.regularized:
            for layer, layer_grads in zip(layers, grads):
                layer.add_penalty_gradients(layer_grads)
        self.gradients.add(grads)
        if self._safe:
            # Replaying a piece that went wrong: every update checked (see _run).
            try:
                if not np.logical_and.reduce(np.isfinite(fast.flat, out=fast.finite)):
                    self._diverge("gradient", None)
                self._apply_update(fast.grads)
            except TrainingDiverged:
                return
            self._finish_batch(loss, y, a)
            return
        m.optimizer.apply_flat(fast.variables, fast.grads, fast.flat, fast.scratch,
                               fast.scratch_views)
        self._finish_batch(loss, y, a)

    def _weights_finite(self) -> bool:
        return all(np.isfinite(v).all() for v in self.model._variables())

    def _checkpoint(self) -> tuple:
        """What :meth:`_rollback` needs to train the batches since now again (cheap: the
        history is append-only meanwhile, so only its lengths are kept)."""
        opt = self.model.optimizer
        slots = None if opt._state is None else [
            {k: v.copy() for k, v in s.items()} for s in opt._state]
        return (self.model.get_weights(), opt, opt.iterations, slots,
                (self.epoch, self.batch_index, self.global_step, self.samples_seen),
                self._order, self._rng.bit_generator.state,
                (self._loss_sum, self._correct, self._count),
                {k: (getattr(self.history, k), len(getattr(self.history, k)))
                 for k in History.KEYS},
                list(self.snapshots))

    def _rollback(self, checkpoint: tuple) -> None:
        weights, opt, iterations, slots, counters, order, rng, sums, lengths, snaps = checkpoint
        self.model.set_weights(weights)
        self.model.optimizer = opt
        opt.iterations = iterations
        opt._state = None if slots is None else [
            {k: v.copy() for k, v in s.items()} for s in slots]
        self.epoch, self.batch_index, self.global_step, self.samples_seen = counters
        self._order = order
        self._rng.bit_generator.state = rng
        self.batches_per_epoch = math.ceil(len(self.x) / self.batch_size)
        self._loss_sum, self._correct, self._count = sums
        for name, (values, n) in lengths.items():
            del values[n:]
            setattr(self.history, name, values)
        self.snapshots[:] = snaps
        self.diverged = None
        self._pos = 0
