"""Comparing runs: the same network trained from the same start at other learning rates (no Qt).

A student learns the learning rate by watching it: ×0.1 crawls, ×1 learns, ×10 jumps about
or diverges. A :class:`Comparison` trains copies of a session's network side by side:

* every copy starts from the **same weights**: those the run started from (its first
  time-travel snapshot: the initial weights drawn from the seed, or the weights a saved
  run was opened with);
* every copy sees the **same batches in the same order**: each has a
  :class:`~nnviz.engine.training.Stepper` with the run's seed, batch size and shuffling, so the
  ×1 copy is the session's own training, bit for bit;
* only the optimizer differs: the learning rate times a factor (:data:`DEFAULT_FACTORS`),
  or another optimizer at its own starting learning rate.

The copies train one epoch each in turn, so their curves grow together; a copy that
diverges stops there and says where and why (:meth:`CompareRun.note`: "diverged at epoch 7:
the loss became infinite"). Nothing of the session is touched: its run, its document and
its undo stack stay as they were, and a comparison cancelled half-way loses nothing.

The window runs :meth:`Comparison.run` on a thread of its own; the command line and the
tests call it here. Its ``progress`` callback gets :class:`RunSummary` records (copies),
safe to hand to another thread.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nnviz.engine import optimizers
from nnviz.engine.history import History
from nnviz.engine.inline_runner import InlineRunner
from nnviz.engine.training import SNAPSHOT_BYTES, Stepper
from nnviz.errors import NnvizError
from nnviz.limits import MAX_COMPARE_RUNS

__all__ = ["DEFAULT_FACTORS", "Variant", "variants", "CompareRun", "RunSummary",
           "Comparison", "rate_label"]

#: The learning rates compared by default, as factors of the run's own: ×0.1, ×1, ×10.
DEFAULT_FACTORS = (0.1, 1.0, 10.0)
#: Trains the copies here, on the caller's thread (the compare view's own thread).
_RUNNER = InlineRunner()


def rate_label(learning_rate: float) -> str:
    """``"lr 0.01"``: a learning rate as a legend names it (shortest exact-looking form)."""
    return f"lr {learning_rate:.6g}"


@dataclass(frozen=True)
class Variant:
    """One copy of a comparison: its optimizer (a registry name), learning rate and options.

    ``label`` is what the legend says ("lr 0.01"; "Adam, lr 0.01" when optimizers differ).
    """

    optimizer: str
    learning_rate: float
    options: dict = field(default_factory=dict, compare=False)
    label: str = ""

    def make_optimizer(self) -> optimizers.Optimizer:
        """A new optimizer (empty memory) for this copy."""
        return optimizers.get(self.optimizer, learning_rate=self.learning_rate, **self.options)


def variants(settings, factors: Iterable[float] = DEFAULT_FACTORS,
             other_optimizers: Iterable[str] = ()) -> list[Variant]:
    """The copies to train: the settings' optimizer at ``learning_rate × factor`` for each
    factor, then each of ``other_optimizers`` at its own starting learning rate
    (:func:`nnviz.engine.optimizers.default_learning_rate`) with its default options.

    ``settings`` is a :class:`~nnviz.document.settings.TrainingSettings`. The same learning rate and
    optimizer twice is one copy. Raises NnvizError for a factor that is not a positive
    number, an unknown optimizer, nothing to compare, or more than
    :data:`~nnviz.limits.MAX_COMPARE_RUNS` copies.
    """
    base = settings.make_optimizer()
    base_options = {k: v for k, v in base.get_config().items() if k != "learning_rate"}
    chosen: list[tuple[str, float, dict]] = []
    for factor in factors:
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                or not np.isfinite(factor) or factor <= 0:
            raise NnvizError(f"A learning-rate factor must be a positive number, not {factor!r}.")
        chosen.append((settings.optimizer, float(settings.learning_rate) * float(factor),
                       base_options))
    for name in other_optimizers:
        try:
            key = optimizers.get(name).name
        except ValueError as error:
            raise NnvizError(str(error)) from None
        chosen.append((key, optimizers.default_learning_rate(key), {}))
    unique: list[tuple[str, float, dict]] = []
    for item in chosen:
        if not any(item[:2] == seen[:2] for seen in unique):
            unique.append(item)
    if not unique:
        raise NnvizError("Choose at least one learning rate or optimizer to compare.")
    if len(unique) > MAX_COMPARE_RUNS:
        raise NnvizError(f"A comparison trains at most {MAX_COMPARE_RUNS} copies; "
                         f"{len(unique)} were asked for.")
    mixed = len({name for name, _lr, _o in unique}) > 1
    out = []
    for name, lr, options in unique:
        label = rate_label(lr)
        if mixed:
            label = f"{optimizers.label(name)}, {label}"
        out.append(Variant(name, lr, dict(options), label))
    return out


@dataclass(frozen=True)
class RunSummary:
    """What a copy has done so far, as copies (safe on another thread).

    ``epoch_loss``/``val_loss`` per finished epoch (epoch 1 first); ``diverged_epoch`` the
    1-based epoch in which it diverged (None if it did not); ``note`` the legend's
    "diverged at epoch 7: the loss became infinite" ("" if it did not); ``first_loss``
    the loss of its first batch (where a copy that diverged in epoch 1 is marked).
    """

    label: str
    learning_rate: float
    epoch_loss: tuple
    val_loss: tuple
    epochs: int
    diverged_epoch: int | None
    note: str
    first_loss: float | None = None


class CompareRun:
    """One copy: its :class:`Variant` and the :class:`~nnviz.engine.training.Stepper` training it."""

    def __init__(self, variant: Variant, stepper: Stepper):
        self.variant = variant
        self.stepper = stepper
        #: The 1-based epoch in which this copy diverged, or None.
        self.diverged_epoch: int | None = None

    @property
    def label(self) -> str:
        """The legend's name of this copy ("lr 0.1")."""
        return self.variant.label

    @property
    def history(self) -> History:
        """The copy's history (loss per batch and per epoch, validation, accuracy)."""
        return self.stepper.history

    @property
    def diverged(self) -> str | None:
        """The stepper's divergence message, or None."""
        return self.stepper.diverged

    @property
    def last_finite_epoch(self) -> int:
        """Epochs finished with finite weights (where a diverged copy's curve ends)."""
        return self.stepper.epoch

    def note(self) -> str:
        """"diverged at epoch 7: the loss became infinite", or "" if it did not diverge."""
        message = self.stepper.diverged
        if not message:
            return ""
        # The stepper's message begins with the cause ("The loss became infinite at
        # epoch 7, step 510: ..."): the cause, in the legend's lower case.
        cause = message.split(" at epoch ", 1)[0]
        cause = cause[:1].lower() + cause[1:]
        return f"diverged at epoch {self.diverged_epoch}: {cause}"

    def path(self) -> list[list[np.ndarray]]:
        """The copy's weights after each kept epoch (its time-travel snapshots), first
        the start: the path the loss-surface view draws."""
        return [w for _epoch, w in list(self.stepper.snapshots) if w is not None]

    def summary(self) -> RunSummary:
        """A :class:`RunSummary` of the copy now."""
        h = self.stepper.history
        return RunSummary(self.label, self.variant.learning_rate, tuple(h.epoch_loss),
                          tuple(h.val_loss), self.stepper.epoch, self.diverged_epoch,
                          self.note(), h.batch_loss[0] if len(h.batch_loss) else None)


class Comparison:
    """Copies of one network trained side by side (see the module's text).

    ``Comparison(model, x, y, variants, epochs, batch_size, shuffle, seed, x_val, y_val,
    start_weights)``: ``model`` is compiled (its loss is used; it is copied, never
    trained); every copy starts from ``start_weights`` (default: the model's weights).
    :meth:`from_session` takes all of it from a session's run.
    """

    def __init__(self, model, x, y, variants: Sequence[Variant], epochs: int,
                 batch_size: int = 32, shuffle: bool = True, seed: int = 0,
                 x_val=None, y_val=None, start_weights=None):
        if not variants:
            raise NnvizError("Choose at least one learning rate or optimizer to compare.")
        self.epochs = int(epochs)
        start = model.get_weights() if start_weights is None else \
            [np.array(w, copy=True) for w in start_weights]
        self.start_weights = start
        self.runs: list[CompareRun] = []
        for variant in variants:
            copy_ = copy.deepcopy(model)
            copy_.set_weights(start)
            copy_.optimizer = variant.make_optimizer()
            # The copies share one run's snapshot budget: eight copies of a big network
            # keep fewer epochs each, not eight times the memory.
            stepper = Stepper(copy_, x, y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                              x_val=x_val, y_val=y_val,
                              max_snapshot_bytes=SNAPSHOT_BYTES // len(variants))
            self.runs.append(CompareRun(variant, stepper))

    @classmethod
    def from_session(cls, session, factors: Iterable[float] = DEFAULT_FACTORS,
                     other_optimizers: Iterable[str] = (),
                     epochs: int | None = None) -> Comparison:
        """A comparison of the session's run: its network, data, batches and settings,
        from the weights the run started from, for ``epochs`` (default: the epochs
        setting). The run is read under the session's lock and left as it was.

        Raises NnvizError when there is no run (``session.problem`` says why) or the
        variants are refused (see :func:`variants`).
        """
        t = session.settings
        chosen = variants(t, factors, other_optimizers)
        with session.lock:
            stepper = session.stepper
            if stepper is None:
                raise NnvizError(session.problem or "There is no network to train.")
            model = copy.deepcopy(stepper.model)
            first = stepper.snapshots[0][1] if stepper.snapshots else None
            start = first if first is not None else model.get_weights()
            start = [np.array(w, copy=True) for w in start]
            data = stepper.run_data()
            batch_size, shuffle, seed = stepper.batch_size, stepper.shuffle, stepper.seed
        return cls(model, data.x, data.y, chosen, t.epochs if epochs is None else epochs,
                   batch_size=batch_size, shuffle=shuffle, seed=seed, x_val=data.x_val,
                   y_val=data.y_val, start_weights=start)

    @property
    def done(self) -> bool:
        """Whether every copy has trained all its epochs or diverged."""
        return all(self._finished(run) for run in self.runs)

    def _finished(self, run: CompareRun) -> bool:
        return run.diverged is not None or run.stepper.epoch >= self.epochs

    def summaries(self) -> list[RunSummary]:
        """A :class:`RunSummary` per copy, in the order of the variants."""
        return [run.summary() for run in self.runs]

    def run(self, should_stop: Callable[[], bool] | None = None,
            progress: Callable[[list[RunSummary]], None] | None = None) -> bool:
        """Train the copies one epoch each in turn until all are done; True if they are.

        ``should_stop()`` (checked after every batch) stops it early: False is returned and
        a later call goes on where it stopped. ``progress(summaries)`` after every round.
        """
        stop = should_stop if should_stop is not None else (lambda: False)
        while not self.done:
            for run in self.runs:
                if self._finished(run):
                    continue
                epoch = run.stepper.epoch
                # One epoch through the runner every session trains with (one path).
                status, _ = _RUNNER.chunk(run.stepper, epoch + 1, 0, stop)  # 0: inline needs no data token
                if status == "diverged":
                    run.diverged_epoch = epoch + 1
                if stop():
                    return False
            if progress is not None:
                progress(self.summaries())
        return True
