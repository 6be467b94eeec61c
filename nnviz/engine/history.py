"""A run's history: its per-batch and per-epoch series, thinned when they grow long.

:class:`History` is what ``fit`` returns (Keras's ``history.history``) and what a project
file stores; its per-batch series are :class:`BatchSeries`, which average their oldest
points in pairs past :data:`MAX_BATCH_POINTS`. Re-exported by :mod:`nnviz.engine.training`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

__all__ = ["History", "BatchSeries", "MAX_BATCH_POINTS", "batch_positions"]


#: Points a per-batch series keeps before its oldest half is thinned (pairs averaged).
MAX_BATCH_POINTS = 200_000


class BatchSeries(list):
    """A per-batch series (loss or accuracy) whose old points are thinned, not dropped.

    It is a list of floats, appended to once per batch. When it holds more than
    ``max_points`` values, its oldest half is thinned: pairs of neighbouring points
    standing for the same number of batches are averaged into one point standing for
    twice as many. Recent points stay one per batch; memory stays bounded whatever the
    length of the run. ``segments`` says how many batches each point stands for:
    ``[(stride, count), ...]`` from the oldest point on; points after those the segments
    cover stand for one batch each. :meth:`x` gives each point's batch number.
    """

    def __init__(self, values=(), segments=(), max_points: int = MAX_BATCH_POINTS):
        super().__init__(values)
        self.segments: list[tuple[int, int]] = [(int(s), int(c)) for s, c in segments]
        self.max_points = max_points

    def append(self, value) -> None:
        """Add one batch's value; thin the oldest half when the series grows too long."""
        super().append(value)
        if len(self) > self.max_points:
            self.thin()

    def copy(self) -> BatchSeries:
        """A series with its own list and segments."""
        return BatchSeries(self, self.segments, self.max_points)

    def __getitem__(self, index):
        """An item, or for a slice from the start a BatchSeries keeping the segments."""
        got = super().__getitem__(index)
        if isinstance(index, slice) and index.start in (None, 0) and index.step in (None, 1):
            return BatchSeries(got, _clip_segments(self.segments, len(got)), self.max_points)
        return got

    def strides(self) -> np.ndarray:
        """How many batches each point stands for (1 for points not thinned)."""
        return np.diff(self.x(), prepend=0)

    def x(self) -> np.ndarray:
        """Each point's batch number: the batches trained up to the end of that point."""
        return batch_positions(len(self), self.segments)

    def batches(self) -> int:
        """How many batches the series stands for."""
        return len(self) + sum((s - 1) * c for s, c in _clip_segments(self.segments, len(self)))

    def thin(self) -> None:
        """Average pairs of points of equal stride in the oldest half (in place)."""
        n = len(self)
        half = n // 2
        values = np.asarray(self, dtype=np.float64)
        out: list[float] = []
        segments: list[tuple[int, int]] = []
        pos = 0
        for stride, count in self.strides_runs():
            take = min(count, half - pos) if pos < half else 0
            pairs = take // 2
            if pairs:
                block = values[pos:pos + 2 * pairs].reshape(pairs, 2).mean(axis=1)
                out.extend(block.tolist())
                segments.append((2 * stride, pairs))
            rest = count - 2 * pairs
            out.extend(values[pos + 2 * pairs:pos + count].tolist())
            segments.append((stride, rest))
            pos += count
        merged: list[tuple[int, int]] = []
        for stride, count in segments:
            if not count:
                continue
            if merged and merged[-1][0] == stride:
                merged[-1] = (stride, merged[-1][1] + count)
            else:
                merged.append((stride, count))
        while merged and merged[-1][0] == 1:  # points of one batch need no segment
            merged.pop()
        self[:] = out
        self.segments = merged

    def strides_runs(self) -> list[tuple[int, int]]:
        """``(stride, count)`` runs covering every point, the last run of stride 1."""
        runs = list(_clip_segments(self.segments, len(self)))
        covered = sum(c for _s, c in runs)
        if covered < len(self):
            runs.append((1, len(self) - covered))
        return runs


def batch_positions(n: int, segments=()) -> np.ndarray:
    """The batch number of each of ``n`` points of a series thinned as ``segments`` say."""
    strides = np.ones(n, dtype=np.int64)
    pos = 0
    for stride, count in _clip_segments(segments, n):
        strides[pos:pos + count] = stride
        pos += count
    return np.cumsum(strides)


def _clip_segments(segments, n: int) -> list[tuple[int, int]]:
    """The segments describing only the first ``n`` points."""
    out, left = [], n
    for stride, count in segments:
        if left <= 0:
            break
        out.append((stride, min(count, left)))
        left -= count
    return out


@dataclass
class History:
    """Loss and accuracy of a run: per batch (as trained) and per epoch, train and validation.

    ``history`` is Keras's dictionary (``{"loss": [...], "accuracy": [...],
    "val_loss": [...], ...}``, one value per epoch), so ``model.fit(...).history`` reads
    as in Keras. Accuracy lists stay empty for regression.
    """

    batch_loss: list = field(default_factory=list)
    batch_accuracy: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    epoch_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)

    KEYS = ("batch_loss", "batch_accuracy", "epoch_loss", "epoch_accuracy", "val_loss",
            "val_accuracy")
    #: The per-batch series: thinned when long (:class:`BatchSeries`).
    BATCH_KEYS = ("batch_loss", "batch_accuracy")

    def __setattr__(self, name, value) -> None:
        # Whoever sets a per-batch list (a copy, a truncation) gets a BatchSeries.
        if name in History.BATCH_KEYS and not isinstance(value, BatchSeries):
            value = BatchSeries(value)
        super().__setattr__(name, value)

    def batch_x(self) -> np.ndarray:
        """The batch number of each ``batch_loss`` point (1, 2, 3 ... until thinned)."""
        return cast(BatchSeries, self.batch_loss).x()  # __setattr__ made it one

    def batches(self) -> int:
        """How many batches the per-batch series stand for."""
        return cast(BatchSeries, self.batch_loss).batches()  # __setattr__ made it one

    @property
    def history(self) -> dict[str, list[float]]:
        """Keras's ``History.history``: per-epoch values under Keras's names."""
        out = {"loss": list(self.epoch_loss)}
        if self.epoch_accuracy:
            out["accuracy"] = list(self.epoch_accuracy)
        if self.val_loss:
            out["val_loss"] = list(self.val_loss)
        if self.val_accuracy:
            out["val_accuracy"] = list(self.val_accuracy)
        return out

    def last_epoch(self) -> dict[str, float]:
        """The latest epoch's values under Keras's names (``loss``, ``accuracy``, ``val_...``)."""
        return {name: values[-1] for name, values in self.history.items() if values}

    @property
    def epoch(self) -> list[int]:
        """Keras's ``History.epoch``: the indices of the epochs run."""
        return list(range(len(self.epoch_loss)))

    def to_dict(self) -> dict[str, list[float]]:
        """Plain lists of floats by key, for files.

        A thinned history adds ``batch_segments``: ``[stride, count, stride, count, ...]``
        (see :class:`BatchSeries`), so the points are placed at their batches when read.
        """
        out = {k: [float(v) for v in getattr(self, k)] for k in self.KEYS}
        segments = _clip_segments(cast(BatchSeries, self.batch_loss).segments,
                                  len(self.batch_loss))
        if segments:
            out["batch_segments"] = [float(x) for pair in segments for x in pair]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """The inverse of :meth:`to_dict` (unknown keys are ignored)."""
        history = cls(**{k: [float(v) for v in data.get(k, [])] for k in cls.KEYS})
        flat = data.get("batch_segments") or []
        segments = []
        for stride, count in zip(flat[0::2], flat[1::2]):
            stride, count = int(stride), int(count)
            if stride >= 1 and count >= 1:
                segments.append((stride, count))
        for key in cls.BATCH_KEYS:
            getattr(history, key).segments = list(segments)
        return history

    def copy(self) -> History:
        """A history with its own lists."""
        return History(**{k: getattr(self, k).copy() if k in self.BATCH_KEYS
                          else list(getattr(self, k)) for k in self.KEYS})

    def clear(self) -> None:
        """Forget everything recorded.

        The lists are replaced, not emptied, so a reader holding the old ones (a window
        drawing them) can tell that the history was started again.
        """
        for k in self.KEYS:
            setattr(self, k, [])
