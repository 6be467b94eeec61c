"""Training, one stage at a time: the stepper behind the window's *Step* button.

Training is a state machine. For every batch of samples it goes through

    forward through layer 1 .. L  ->  loss  ->  backward through layer L .. 1  ->  update

and after the last batch of the data set, an epoch ends (loss and accuracy of the epoch
are recorded, the validation set is evaluated, the weights are snapshotted).

:class:`Stepper` advances by one of those stages (:meth:`Stepper.step`), by a whole batch,
by an epoch, or runs until asked to stop (:meth:`Stepper.run`, the fast path that records
no traces). After every stage it hands out a :class:`StageTrace`: plain copies of what was
computed, safe to give to another thread. ``Sequential.fit`` runs on the same code, so
stepping stage by stage and calling ``fit`` give bit-identical weights.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import numpy as np

from nnviz.engine.accuracy import accuracy_kind, binary_threshold, count_correct
from nnviz.engine.checks import check_batch_memory, check_batch_size, check_training_arrays
from nnviz.engine.gradient_health import GradientMeter

# The run's history and its data types live in modules of their own; re-exported here,
# so ``from nnviz.engine.training import History, RunState, Stepper`` keeps working.
from nnviz.engine.history import MAX_BATCH_POINTS, BatchSeries, History, batch_positions
from nnviz.engine.run_types import (
    Counters,
    RunData,
    RunDelta,
    RunPayload,
    RunPosition,
    RunState,
    Stage,
    StageTrace,
)
from nnviz.engine.stepper_fast import StepperFastPath
from nnviz.engine.stepper_state import StepperState
from nnviz.errors import TrainingDiverged

if TYPE_CHECKING:
    from nnviz.engine.stepper_fast import _FastPath

__all__ = ["Stage", "StageTrace", "History", "Counters", "RunPosition", "RunState", "Stepper",
           "accuracy_kind", "count_correct",
           "SNAPSHOT_BYTES", "BatchSeries", "MAX_BATCH_POINTS", "batch_positions",
           "RunData", "RunPayload", "RunDelta"]

#: Bytes the time-travel snapshots of a run may take together (256 MB). Beyond it (or
#: beyond ``max_snapshots``) every other snapshot is dropped, keeping the first and the
#: latest, so the ones kept stay evenly spread over the run: a 2-3-2 network keeps its
#: 400, a 784-512-512-10 one (5.4 MB a snapshot in float64) about 47.
SNAPSHOT_BYTES = 256 * 2**20
#: Data sets up to this size are shuffled once per epoch into a copy, so that the fast
#: path slices its batches instead of gathering them row by row.
_SHUFFLE_COPY_BYTES = 32 * 2**20


def _layer_title(model, index: int) -> str:
    return "output layer" if index == len(model.layers) - 1 else f"hidden layer {index + 1}"


def _kernels_and_biases(model):
    Ws, bs = [], []
    for layer in model.layers:
        Ws.append(None if getattr(layer, "kernel", None) is None else layer.kernel.copy())
        bs.append(None if getattr(layer, "bias", None) is None else layer.bias.copy())
    return Ws, bs


def add_snapshot(snaps: list, epoch: int, weights: list, max_snapshots: int,
                 max_bytes: int) -> None:
    """Keep ``weights`` as the snapshot after ``epoch`` in ``snaps``, within the count and
    byte caps.

    The snapshots kept are the first one, every ``stride``-th epoch after it and the
    latest. Beyond ``max_snapshots`` or ``max_bytes`` the stride doubles (every other
    snapshot goes), so they stay evenly spread over the run; memory is bounded by the
    budget however long the run.
    """
    stride = max(1, snaps[1][0] - snaps[0][0]) if len(snaps) >= 3 else 1
    if len(snaps) >= 3 and (snaps[-1][0] - snaps[0][0]) % stride:
        snaps.pop()  # kept only as the latest: a newer one replaces it
    snaps.append((epoch, weights))
    size = max(1, sum(w.nbytes for w in weights))
    cap = max(3, min(max_snapshots, max_bytes // size))
    while len(snaps) > cap:
        stride *= 2
        first = snaps[0][0]
        snaps[:] = [s for s in snaps[:-1] if (s[0] - first) % stride == 0] + snaps[-1:]


class Stepper(StepperFastPath, StepperState):
    """Trains a compiled model on a data set, at whatever grain the caller asks for.

    ``Stepper(model, x, y, batch_size=4, shuffle=False, seed=0, x_val=None, y_val=None)``.
    The model must be compiled (it brings the loss and the optimizer). The stepper keeps
    the initial weights so :meth:`reset` can return to them. Its fast path
    (:meth:`run`) is in :mod:`~nnviz.engine.stepper_fast`; its state as data
    (:meth:`get_state`, :meth:`take_delta`, ...) in :mod:`~nnviz.engine.stepper_state`.
    """

    def __init__(self, model, x, y, batch_size: int = 32, shuffle: bool = False,
                 seed: int = 0, x_val=None, y_val=None, snapshot_every_epoch: bool = True,
                 max_snapshots: int = 400, stop_on_divergence: bool = True,
                 max_snapshot_bytes: int = SNAPSHOT_BYTES):
        if model.optimizer is None or model.loss is None:
            raise ValueError("Compile the model (model.compile(optimizer, loss)) before training it.")
        self.model = model
        dtype = model.dtype
        self.x = np.ascontiguousarray(x, dtype=dtype)
        self.y = np.ascontiguousarray(y, dtype=dtype)
        check_training_arrays(model, self.x, self.y)
        self.batch_size = check_batch_size(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.x_val = None if x_val is None else np.asarray(x_val, dtype=dtype)
        self.y_val = None if y_val is None else np.asarray(y_val, dtype=dtype)
        if self.x_val is not None and self.y_val is not None and len(self.x_val):
            check_training_arrays(model, self.x_val, self.y_val, "x_val", "y_val")
        # Validation is evaluated in batches of the same size: the larger set counts.
        check_batch_memory(model, self.batch_size,
                           max(len(self.x), 0 if self.x_val is None else len(self.x_val)))
        self.snapshot_every_epoch = snapshot_every_epoch
        self.max_snapshots = int(max_snapshots)
        self.max_snapshot_bytes = int(max_snapshot_bytes)
        self.stop_on_divergence = stop_on_divergence
        self.accuracy = accuracy_kind(model.loss.name, self.y.shape, model.output_dim) \
            if model.wants_accuracy else None
        self.threshold = binary_threshold(model)
        self._initial_weights = model.get_weights()
        self.history = History()
        self.snapshots: list[tuple[int, list[np.ndarray] | None]] = []
        self._fast: _FastPath | None = None
        self._shuffled: tuple | None = None
        self._safe = False  # replaying a chunk with a backup before every update
        self._sent_order = None  # the shuffled order the last delta carried (take_delta)
        self.gradients = GradientMeter()  # |dL/dW| and norms, running means (gradient health)
        self._stages = self._make_stages()
        self._restart()

    # --- state -----------------------------------------------------------------------
    def _make_stages(self) -> list[Stage]:
        m = self.model
        L = len(m.layers)
        stages = [Stage("forward", i, f"Forward: {_layer_title(m, i)}") for i in range(L)]
        stages.append(Stage("loss", None, f"Loss ({m.loss.name.replace('_', ' ')})"))
        stages += [Stage("backward", i, f"Backward: {_layer_title(m, i)}")
                   for i in reversed(range(L))]
        stages.append(Stage("update", None, f"Update weights ({m.optimizer.describe()})"))
        return stages

    def _restart(self) -> None:
        self.epoch = 0                # epochs completed
        self.batch_index = 0          # batch within the current epoch
        self.global_step = 0          # batches trained in all
        self.samples_seen = 0
        self.diverged: str | None = None
        self._rng = np.random.default_rng(self.seed)
        self._new_epoch_order()
        self._reset_epoch_sums()
        self._pos = 0                 # next stage within the batch
        self._work: dict | None = None
        self.trace: StageTrace | None = None
        self.history.clear()
        self.snapshots.clear()
        self.gradients.clear()
        if self.snapshot_every_epoch:
            self.snapshots.append((0, self.model.get_weights()))

    def _new_epoch_order(self) -> None:
        n = len(self.x)
        self._order = self._rng.permutation(n) if self.shuffle else None
        self.batches_per_epoch = math.ceil(n / self.batch_size)

    def _reset_epoch_sums(self) -> None:
        self._loss_sum = 0.0
        self._correct = 0.0
        self._count = 0

    def reset(self) -> None:
        """Back to the initial weights: optimizer state, history and snapshots cleared."""
        self.model.set_weights(self._initial_weights)
        self.model.optimizer.reset()
        self._restart()

    def set_learning_rate(self, learning_rate: float) -> None:
        """Change the learning rate from the next update on (clears a divergence)."""
        self.model.optimizer.learning_rate = float(learning_rate)
        if self.diverged:
            self.diverged = None
            self.model.optimizer.reset()
        self._stages = self._make_stages()

    def set_optimizer(self, optimizer) -> None:
        """Train with ``optimizer`` from the next update on (its memory starts empty).

        Counters and history stay: the run goes on with another update rule.
        """
        self.model.optimizer = optimizer
        if self.diverged:
            self.diverged = None
        self._stages = self._make_stages()

    @property
    def next_stage(self) -> Stage:
        """The stage :meth:`step` will perform next."""
        return self._stages[self._pos]

    @property
    def mid_batch(self) -> bool:
        """Whether a batch is part-way through its stages (stepped stage by stage)."""
        return self._pos != 0

    @property
    def stages(self) -> list[Stage]:
        """The stages of one batch, in order."""
        return list(self._stages)

    def _batch(self, index: int):
        lo = index * self.batch_size
        hi = lo + self.batch_size
        order = self._order
        if order is None:
            return self.x[lo:hi], self.y[lo:hi]
        shuffled = self._shuffled
        if shuffled is not None and shuffled[0] is order:
            return shuffled[1][lo:hi], shuffled[2][lo:hi]
        if self.x.nbytes + self.y.nbytes <= _SHUFFLE_COPY_BYTES:
            # The same rows as gathering them batch by batch, sliced from one copy.
            self._shuffled = shuffled = (order, self.x[order], self.y[order])
            return shuffled[1][lo:hi], shuffled[2][lo:hi]
        idx = order[lo:hi]
        return self.x[idx], self.y[idx]

    # --- the finest grain --------------------------------------------------------------
    def step(self) -> StageTrace:
        """Perform the next stage and return a trace of the batch so far."""
        # Overflow is how divergence shows itself; it is detected and explained, not warned.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._step()

    def _step(self) -> StageTrace:
        self._check_not_diverged()
        m = self.model
        stage = self._stages[self._pos]
        if self._pos == 0:
            x, y = self._batch(self.batch_index)
            L = len(m.layers)
            self._work = {"inputs": [None] * L, "z": [None] * L, "a": [None] * L,
                          "grads": [None] * L, "dA_out": None}
            self.trace = StageTrace(
                stage=stage, epoch=self.epoch, batch=self.batch_index, step=self.global_step,
                x=x.copy(), y=y.copy(), z=[None] * L, a=[None] * L, dA=[None] * L,
                dZ=[None] * L, dW=[None] * L, db=[None] * L,
                learning_rate=m.optimizer.learning_rate)
        w, t = cast(dict, self._work), cast(StageTrace, self.trace)  # made at stage 0
        t.stage = stage
        if stage.kind == "forward":
            i = cast(int, stage.layer)  # a forward stage names its layer
            inp = t.x if i == 0 else w["a"][i - 1]
            z, a = m.layers[i]._fwd(inp)
            w["inputs"][i], w["z"][i], w["a"][i] = inp, z, a
            t.z[i], t.a[i] = z, a
        elif stage.kind == "loss":
            y_pred = w["a"][-1]
            yt, _ = m.loss.prepare(t.y, y_pred)
            loss, dA = m.loss.value_and_gradient(yt, y_pred)
            if m.regularized:  # Keras's loss: the data's loss plus the weights' penalties
                t.penalty = m.regularization_loss()
                loss += t.penalty
            t.y_pred, t.loss = y_pred, loss
            if self.stop_on_divergence and not math.isfinite(loss):
                self._diverge("loss", loss)
            w["dA_out"] = dA
        elif stage.kind == "backward":
            i = cast(int, stage.layer)  # a backward stage names its layer
            dA = w["dA_out"]
            t.dA[i] = dA
            dZ, grads, dX = m.layers[i]._bwd(w["inputs"][i], w["z"][i], w["a"][i], dA, i > 0)
            m.layers[i].add_penalty_gradients(grads)
            w["grads"][i], w["dA_out"] = grads, dX
            t.dZ[i] = dZ
            if grads:
                t.dW[i] = grads[0]
                t.db[i] = grads[1] if len(grads) > 1 else None
        else:  # update
            t.W_before, t.b_before = _kernels_and_biases(m)
            t.learning_rate = m.optimizer.learning_rate
            self.gradients.add(w["grads"])
            self._apply_update([g for gs in w["grads"] for g in gs])
            t.W_after, t.b_after = _kernels_and_biases(m)
            self._finish_batch(cast(float, t.loss), t.y, t.y_pred)  # the loss stage ran
        self._pos = (self._pos + 1) % len(self._stages)
        return t.copy()

    # --- coarser grains --------------------------------------------------------------
    def step_batch(self) -> StageTrace:
        """Run the stages up to and including the current batch's weight update."""
        trace = self.step()
        while self._pos != 0:
            trace = self.step()
        return trace

    def step_epoch(self) -> StageTrace:
        """Finish the current epoch; the last batch is traced, the others take the fast path."""
        epoch = self.epoch
        trace = self.step_batch() if self._pos != 0 else None
        if self.epoch == epoch and self.batch_index < self.batches_per_epoch - 1:
            self._check_not_diverged()
            with np.errstate(over="ignore", invalid="ignore"):
                self._run(None, None, None, math.inf,
                          limit=self.batches_per_epoch - 1 - self.batch_index)
            self._check_not_diverged()
        if self.epoch == epoch:
            trace = self.step_batch()
        return cast(StageTrace, trace)  # the epoch's last batch, stepped here or above

    def _apply_update(self, grads) -> None:
        variables = self.model._variables()
        if not self.stop_on_divergence:
            self.model.optimizer.apply(variables, grads)
            return
        backup = [v.copy() for v in variables]
        self.model.optimizer.apply(variables, grads)
        if not all(np.isfinite(v).all() for v in variables):
            for v, b in zip(variables, backup):
                v[...] = b
            self._diverge("weight", None)

    def _finish_batch(self, loss: float, y, y_pred) -> None:
        n = len(y)
        self.history.batch_loss.append(loss)
        self._loss_sum += loss * n
        self._count += n
        if self.accuracy:
            correct = count_correct(self.accuracy, y, y_pred, self.threshold)
            self._correct += correct
            self.history.batch_accuracy.append(correct / n)
        self.global_step += 1
        self.samples_seen += n
        self.batch_index += 1
        if self.batch_index >= self.batches_per_epoch:
            self._finish_epoch()

    def _finish_epoch(self) -> None:
        h = self.history
        h.epoch_loss.append(self._loss_sum / self._count)
        if self.accuracy:
            h.epoch_accuracy.append(self._correct / self._count)
        if self.x_val is not None and len(self.x_val):
            val = self.model.evaluate(self.x_val, self.y_val, batch_size=self.batch_size,
                                      return_dict=True)
            h.val_loss.append(val["loss"])
            if self.accuracy and "accuracy" in val:
                h.val_accuracy.append(val["accuracy"])
        self.epoch += 1
        self.batch_index = 0
        self._reset_epoch_sums()
        self._new_epoch_order()
        if self.snapshot_every_epoch:
            self._add_snapshot(self.epoch, self.model.get_weights())

    def _add_snapshot(self, epoch: int, weights: list) -> None:
        """Keep ``weights`` as the snapshot after ``epoch`` (see :func:`add_snapshot`)."""
        add_snapshot(self.snapshots, epoch, weights, self.max_snapshots, self.max_snapshot_bytes)

    # --- divergence and time travel ---------------------------------------------------
    def _diverge(self, what: str, value) -> None:
        lr = self.model.optimizer.learning_rate
        if what == "loss":
            bad = "NaN" if value != value else "infinite"
            cause = f"The loss became {bad}"
        elif what == "gradient":
            cause = "A gradient became NaN or infinite"
        else:
            cause = "A weight became NaN or infinite"
        self.diverged = (
            f"{cause} at epoch {self.epoch + 1}, step {self.global_step + 1}: training "
            f"diverged. The learning rate {lr:g} is probably too large; the last finite "
            f"weights were kept. Lower the learning rate or press Reset.")
        self._pos = 0
        raise TrainingDiverged(self.diverged, epoch=self.epoch + 1, step=self.global_step + 1)

    def _check_not_diverged(self) -> None:
        if self.diverged:
            raise TrainingDiverged(self.diverged)

    def restore_snapshot(self, index: int) -> None:
        """Make snapshot ``index`` the model's weights (time travel); training goes on from there.

        The history after that snapshot's epoch is dropped, so the plots and the next
        epochs continue from the restored point.
        """
        epoch, weights = self.snapshots[index]
        self.model.set_weights(weights)
        self.model.optimizer.reset()
        del self.snapshots[index + 1:]
        h = self.history
        keep = epoch * self.batches_per_epoch
        # New (shorter) lists, not truncated ones: a reader can tell the history changed.
        for name in ("epoch_loss", "epoch_accuracy", "val_loss", "val_accuracy"):
            setattr(h, name, getattr(h, name)[:epoch])
        h.batch_loss = h.batch_loss[:keep]
        h.batch_accuracy = h.batch_accuracy[:keep]
        self.epoch, self.batch_index, self.global_step = epoch, 0, keep
        self.samples_seen = epoch * len(self.x)
        self.diverged = None
        self._pos = 0
        self._reset_epoch_sums()

    # --- the wire format: a copy trains elsewhere ---------------------------------------
    @classmethod
    def from_payload(cls, payload: RunPayload, data: RunData) -> Stepper:
        """A copy of the run :meth:`to_payload` described, training on ``data``."""
        stepper = cls(payload.model, data.x, data.y, batch_size=payload.batch_size,
                      shuffle=payload.shuffle, seed=payload.seed, x_val=data.x_val,
                      y_val=data.y_val, snapshot_every_epoch=payload.snapshot_every_epoch,
                      max_snapshots=payload.max_snapshots,
                      max_snapshot_bytes=payload.max_snapshot_bytes,
                      stop_on_divergence=payload.stop_on_divergence)
        stepper.set_state(payload.state)
        # The snapshots' weights stay with the sender; their epochs count for thinning.
        stepper.snapshots[:] = [(epoch, None) for epoch in payload.snapshot_epochs]
        return stepper
