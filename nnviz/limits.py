"""The sizes nnviz accepts, in one place: from a file, the command line and the window.

A ``.nnviz`` file is checked against these while it is parsed, before anything of that
size is allocated, and refused with a :class:`~nnviz.errors.ProjectFileError` naming the
field. They are the window's own limits where the window has one (the inspector's units
box, the training panel's boxes). ``docs/limits.md`` explains each.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "MAX_BATCH_ACTIVATIONS",
    "MAX_BATCH_SIZE",
    "MAX_CHAIN_PATHS",
    "MAX_COMPARE_RUNS",
    "MAX_CSV_BYTES",
    "MAX_CSV_CLASSES",
    "MAX_CSV_COLUMNS",
    "MAX_CSV_ROWS",
    "MAX_EPOCHS",
    "MAX_EXPORT_CHECK_SAMPLES",
    "MAX_HISTORY_POINTS",
    "MAX_JSON_CONTAINERS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
    "MAX_LAYERS",
    "MAX_LAYER_NAME",
    "MAX_MESSAGE",
    "MAX_PATH",
    "MAX_PROJECT_FILE_BYTES",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_TEXT",
    "MAX_UNITS",
    "MAX_WEIGHTS",
    "MAX_SHARED_BYTES",
    "SAVED_SNAPSHOT_BYTES",
    "batch_problem",
    "design_weights",
    "elide",
    "json_counts",
    "weights_problem",
]

MAX_UNITS = 4096
"""Neurons in one layer (the inspector's Units box goes up to this)."""

MAX_LAYERS = 64
"""Layers in one design (input and output included)."""

MAX_WEIGHTS = 4_000_000
"""Kernel and bias numbers in one design, e.g. 784-2048-1024-10 (about 3.7 million).

A design of this size saved with its weights is a file of about 100 MB, within
:data:`MAX_PROJECT_FILE_BYTES`."""

MAX_LAYER_NAME = 200
"""Characters in a layer's name."""

MAX_SAMPLES = 100_000
"""Samples of a built-in data set (``n_samples``; the training panel's Size box)."""

MAX_EXPORT_CHECK_SAMPLES = 1000
"""Samples predicted when a written export is checked in its runtime (the data set's first)."""

MAX_CHAIN_PATHS = 64
"""Paths from the loss to a weight the chain-rule view lists (the rest are summed)."""

MAX_CSV_BYTES = 200 * 1024**2
"""Bytes of CSV text read at most (after decompressing a ``.csv.gz``): 200 MB."""

MAX_CSV_ROWS = MAX_SAMPLES
"""Rows of data (samples) a CSV file may have: as many as a built-in data set."""

MAX_CSV_COLUMNS = MAX_UNITS
"""Columns (inputs plus the target) a CSV row may have: as many as a layer's units."""

MAX_CSV_CLASSES = 1000
"""Different classes a classification target may have (checked before one-hot encoding)."""

MAX_BATCH_SIZE = 100_000
"""Samples in one batch (the training panel's Batch box)."""

MAX_EPOCHS = 1_000_000
"""Epochs of one training run (the training panel's Epochs box)."""

MAX_COMPARE_RUNS = 8
"""Copies one comparison trains side by side (Training > Compare…: learning rates and
optimizers). Each copy holds the network, its optimizer's memory and its snapshots, and
the copies train in turn: eight keep the overlaid curves readable and the wait short."""

MAX_SEED = 2**31 - 1
"""The largest random seed (seeds go from 0 to this, the panel's Seed box)."""

MAX_HISTORY_POINTS = 1_000_000
"""Numbers in one series of the training history (``history.batch_loss``, ...)."""

MAX_JSON_DEPTH = 32
"""Nesting of lists and objects in a project file (a project needs 6)."""

MAX_PROJECT_FILE_BYTES = 200 * 1024 * 1024
"""Size of a ``.nnviz`` file."""

MAX_JSON_VALUES = 20_000_000
"""Values in a project file: numbers, texts, true/false/null, lists and objects together.

Parsed, a value costs Python about 32 bytes (a float and its place in a list), so this
bounds a file's parsed form near 640 MB whatever its text; a design at
:data:`MAX_WEIGHTS` with its history and a few snapshots holds well under it. Counted in
the file's bytes before it is parsed."""

MAX_JSON_CONTAINERS = 2_000_000
"""Lists and objects in a project file (an empty list costs Python 56 bytes or more for
the 2 or 3 bytes ``[],`` of text). A design's weights need one list per kernel row."""

MAX_BATCH_ACTIVATIONS = 20_000_000
"""Samples of one batch times the neurons of the network (input and output included).

Training holds several arrays of this size at once (weighted sums, activations and their
gradients, about 160 MB each in float64), so a batch of 100,000 samples through
2-4096-900-2 (500 million, more than 10 GB) is refused; 784-128-10 trains in batches of
up to 21,000 samples. The batch is the smaller of ``training.batch_size`` and the
training samples."""

ANALYSIS_SAMPLES = 256
"""Samples the network analysis (:mod:`nnviz.analysis.network_analysis`) looks at: the dead-relu check runs
them forward, the learning-rate trial trains on them."""

ANALYSIS_TRIAL_BATCHES = 20
"""Batches of the analysis's learning-rate trial (on a copy of the network)."""

ANALYSIS_WORK = 20_000_000
"""Multiply-adds the analysis's checks on the data may cost (a few tens of milliseconds
in NumPy: they run in the window's thread after an edit). A network too large for them
at :data:`ANALYSIS_SAMPLES` samples is checked on fewer (at least 16), and one too large
for that, or for the trial's batches, is not checked on the data (its sizes and the
checks of the design are still shown)."""

MAX_MESSAGE = 1000
"""Characters of a message read from a file (``run.diverged``); a longer one is elided
(its end replaced by "…") rather than refused: the file opens."""

MAX_TEXT = 1000
"""Characters of a text field read from a file that names something (``dataset.target``,
a CSV column's name)."""

MAX_PATH = 4096
"""Characters of a path read from a file (``dataset.path``), the longest path Linux takes."""


# ------------------------------------------------------------------------ the size model


def design_weights(kernels: Iterable[tuple[int, int]], biases: Iterable[int]) -> int:
    """The weights of a design: ``m * n`` per connection from ``m`` to ``n`` neurons (a line
    drawn per weight) plus one bias per neuron of every hidden and output layer.

    Counted from the layers' sizes, never from the weights present: a design without
    weights draws and builds as many.
    """
    return sum(m * n for m, n in kernels) + sum(biases)


def weights_problem(n_weights: int) -> str | None:
    """Why a design of ``n_weights`` weights is too big (one sentence), or None."""
    if n_weights <= MAX_WEIGHTS:
        return None
    return (f"The network would have {n_weights:,} weights (one line drawn for each); nnviz "
            f"allows at most {MAX_WEIGHTS:,}. Give some layers fewer neurons.")


def batch_problem(batch_size: int, n_samples: int, neurons: int) -> str | None:
    """Why training batches of ``batch_size`` (of ``n_samples``) through ``neurons`` neurons
    would cost too much memory (one sentence), or None. See :data:`MAX_BATCH_ACTIVATIONS`."""
    rows = max(1, min(int(batch_size), int(n_samples)))
    total = rows * int(neurons)
    if total <= MAX_BATCH_ACTIVATIONS:
        return None
    fits = max(1, MAX_BATCH_ACTIVATIONS // max(int(neurons), 1))
    return (f"A batch of {rows:,} samples through {neurons:,} neurons holds {total:,} numbers "
            f"per array (about {total * 8 * 4 / 2**30:.1f} GB to train); nnviz allows at most "
            f"{MAX_BATCH_ACTIVATIONS:,}. Use a batch size of at most {fits:,}, or fewer neurons.")


def elide(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to at most ``limit`` characters, its end replaced by "…" when cut."""
    if len(text) <= limit:
        return text
    return text[:limit - 1] + "…"


def json_counts(raw: bytes) -> tuple[int, int]:
    """``(values, containers)`` of the JSON text ``raw``: upper bounds, counted in its bytes.

    ``values`` is the commas plus the lists and objects plus one (every value but the
    first follows a comma or opens a container); ``containers`` the ``[`` and ``{``. All
    of them are counted at C speed (about 0.1 s for 200 MB). Only when that is over a
    limit and the file has few texts are the texts taken out and the count repeated, so a
    comma inside a name never counts; a file of millions of texts keeps the fast count.
    """
    commas, containers = raw.count(b","), raw.count(b"[") + raw.count(b"{")
    over = commas + containers + 1 > MAX_JSON_VALUES or containers > MAX_JSON_CONTAINERS
    if not over or raw.count(b'"') > _EXACT_COUNT_QUOTES:
        return commas + containers + 1, containers
    outside = _JSON_STRING.sub(b'""', raw)
    containers = outside.count(b"[") + outside.count(b"{")
    return outside.count(b",") + containers + 1, containers


# Taking the texts out costs about a microsecond a text: 200,000 of them, 0.2 s.
_EXACT_COUNT_QUOTES = 400_000
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')

MAX_SHARED_BYTES = 256 * 1024 * 1024
"""Shared memory the training process may use to hand its deltas' arrays to the window
(:mod:`nnviz.session.shared_arrays`: at least two slots, each a delta and a quarter).

A 784-128-10 network takes 4 slots of about 2 MB; a 784-2048-1024-10 design with SGD's
momentum (about 128 MB a delta) or Adam (about 156 MB) does not fit two slots, and its
deltas go through the pipe, as every delta did before."""

SAVED_SNAPSHOT_BYTES = 48 * 1024 * 1024
"""Bytes the time-travel snapshots may take in a saved ``.nnviz`` file (``run.snapshots``).

A save keeps as many as fit, evenly spread over the run (the first one first, then the
latest): a small network keeps all of them, a 2-1500-1500-2 one (2.3 million weights,
23 MB a snapshot in the file) keeps 2, a design of :data:`MAX_WEIGHTS` keeps 1. With the
current weights (about 22 bytes a weight as text) a saved file stays well under
:data:`MAX_PROJECT_FILE_BYTES` however long the run."""

HEALTH_SAMPLES = 200
"""Samples of the training set the neuron flags look at (dead relu, saturated sigmoid/tanh,
:func:`nnviz.engine.gradient_health.neuron_flags`): the first ones, one forward pass of at most
this many rows, so the flags cost well under a millisecond for the lecture's networks and
a few for 784-512-512-10, whatever the size of the data set."""
