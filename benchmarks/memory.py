"""How much memory do undo and history hold? Figures for issue 10.10 (docs/limits.md, "Memory").

Run it by hand (it is not a test):

    python benchmarks/memory.py            # about half a minute
    python benchmarks/memory.py --quick    # fewer edits and batches

It prints

1. the undo stack's bytes after 500 Units edits of a 784 -> 128 -> 10 network's hidden
   layer (each edit keeps the layer's kernels at the old and the new size), with the
   default cap (256 MiB) and without a cap;
2. the per-batch history after N batches: points kept, batches they stand for, and the
   bytes of the lists (8 bytes a list slot plus 24 a float);
3. the size of the project file saved after "2 minutes" of training (88,000 batches, what
   a 784-128-10 network trained in two minutes in the issue's run) and after 1,000,000.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nnviz.document import Design  # noqa: E402
from nnviz.document.undo import UndoStack  # noqa: E402
from nnviz.engine.training import History  # noqa: E402
from nnviz.files.project import Project  # noqa: E402

MB = 2**20


def units_edits(n: int, max_bytes: float) -> tuple[int, int, float]:
    """Bytes and commands the stack keeps after ``n`` Units edits; seconds taken."""
    stack = UndoStack(max_bytes=max_bytes)
    d = Design(undo_stack=stack)
    inp = d.add_layer("input", units=784)
    hid = d.add_layer("hidden", units=128)
    out = d.add_layer("output", units=10)
    d.connect(inp, hid)
    d.connect(hid, out)
    rng = np.random.default_rng(0)
    d.store_weights([rng.normal(size=(784, 128)), np.zeros(128),
                     rng.normal(size=(128, 10)), np.zeros(10)])
    start = time.perf_counter()
    for i in range(n):
        d.set_units(hid, 129 if i % 2 == 0 else 128)
    return stack.nbytes, stack.count, time.perf_counter() - start


def history_after(batches: int) -> History:
    """A history fed ``batches`` losses and accuracies, as the Stepper feeds it."""
    h = History()
    rng = np.random.default_rng(0)
    losses = rng.random(batches).tolist()
    for value in losses:
        h.batch_loss.append(value)
        h.batch_accuracy.append(1.0 - value)
    return h


def list_bytes(values) -> int:
    """A list of distinct floats: 8 bytes a slot plus 24 a float object."""
    return sys.getsizeof(values) + 24 * len(values)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer edits and batches")
    args = parser.parse_args()
    edits = 100 if args.quick else 500

    print(f"1. Undo stack after {edits} Units edits of a 784 -> 128 -> 10 hidden layer")
    for label, cap in (("default cap (256 MiB)", UndoStack().max_bytes),
                       ("no cap", float("inf"))):
        nbytes, count, seconds = units_edits(edits, cap)
        print(f"   {label:22s} {nbytes / MB:8.1f} MiB in {count:4d} commands "
              f"({seconds:.1f} s)")

    print("2. Per-batch history (loss and accuracy) after N batches")
    runs = (88_000, 300_000) if args.quick else (88_000, 300_000, 1_000_000)
    for n in runs:
        start = time.perf_counter()
        h = history_after(n)
        seconds = time.perf_counter() - start
        kept = len(h.batch_loss)
        nbytes = list_bytes(h.batch_loss) + list_bytes(h.batch_accuracy)
        print(f"   {n:9,d} batches: {kept:7,d} points kept, standing for {h.batches():9,d} "
              f"batches, {nbytes / MB:6.1f} MiB, {len(h.batch_loss.segments)} segments "
              f"({seconds:.1f} s)")

    print("3. Project file with the history (lecture network, no snapshots)")
    with tempfile.TemporaryDirectory() as folder:
        for n in runs:
            project = Project.lecture_example()
            project.history = history_after(n).to_dict()
            path = os.path.join(folder, f"run-{n}.nnviz")
            project.save(path)
            print(f"   after {n:9,d} batches: {os.path.getsize(path) / MB:6.1f} MiB")


if __name__ == "__main__":
    main()
