"""The sizes nnviz accepts, in one place: from a file, the command line and the window.

A ``.nnviz`` file is checked against these while it is parsed, before anything of that
size is allocated, and refused with a :class:`~nnviz.errors.ProjectFileError` naming the
field. They are the window's own limits where the window has one (the inspector's units
box, the training panel's boxes). ``docs/limits.md`` explains each.
"""
from __future__ import annotations

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_EPOCHS",
    "MAX_HISTORY_POINTS",
    "MAX_JSON_DEPTH",
    "MAX_LAYERS",
    "MAX_LAYER_NAME",
    "MAX_PROJECT_FILE_BYTES",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_UNITS",
    "MAX_WEIGHTS",
    "SAVED_SNAPSHOT_BYTES",
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

MAX_BATCH_SIZE = 100_000
"""Samples in one batch (the training panel's Batch box)."""

MAX_EPOCHS = 1_000_000
"""Epochs of one training run (the training panel's Epochs box)."""

MAX_SEED = 2**31 - 1
"""The largest random seed (seeds go from 0 to this, the panel's Seed box)."""

MAX_HISTORY_POINTS = 1_000_000
"""Numbers in one series of the training history (``history.batch_loss``, ...)."""

MAX_JSON_DEPTH = 32
"""Nesting of lists and objects in a project file (a project needs 6)."""

MAX_PROJECT_FILE_BYTES = 200 * 1024 * 1024
"""Size of a ``.nnviz`` file."""

SAVED_SNAPSHOT_BYTES = 48 * 1024 * 1024
"""Bytes the time-travel snapshots may take in a saved ``.nnviz`` file (``run.snapshots``).

A save keeps as many as fit, evenly spread over the run (the first one first, then the
latest): a small network keeps all of them, a 2-1500-1500-2 one (2.3 million weights,
23 MB a snapshot in the file) keeps 2, a design of :data:`MAX_WEIGHTS` keeps 1. With the
current weights (about 22 bytes a weight as text) a saved file stays well under
:data:`MAX_PROJECT_FILE_BYTES` however long the run."""
