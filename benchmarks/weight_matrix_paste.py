"""How long a pasted weight matrix takes: parsing the CSV and the one undo step that sets it.

Run: ``python benchmarks/weight_matrix_paste.py [--rounds 5]``. For each layer size it
copies the layer's matrix as CSV (``format_block``), then pastes it back into a session
(``parse_block`` + ``set_block``: one command, one ``weights_changed``; the project has
no data set, so no run is patched), and prints the median of the rounds for each part, with the load average
(the machine is shared). No Qt: the table's own repaint is not measured.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnviz.document import Design  # noqa: E402
from nnviz.document.weight_matrix import format_block, matrix, parse_block, set_block  # noqa: E402
from nnviz.files.project import Project  # noqa: E402
from nnviz.session.session import Session  # noqa: E402


def _session(n_in: int, units: int) -> Session:
    design = Design()
    a = design.add_layer("input", 0, 0, units=n_in)
    b = design.add_layer("output", 300, 0, units=units, activation="softmax")
    design.connect(a, b)
    design.store_weights(design.build_model().get_weights())  # as after the first step
    design.undo_stack.clear()
    return Session(Project(design))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for n_in, units in ((2, 3), (64, 64), (784, 128), (1024, 1024)):
        session = _session(n_in, units)
        layer = session.design.chain()[1].id
        times = {"copy": [], "parse": [], "set": []}
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            text = format_block(matrix(session.design, layer))
            t1 = time.perf_counter()
            block = parse_block(text, (n_in + 1, units))
            t2 = time.perf_counter()
            set_block(session.design, layer, 0, 0, block)
            t3 = time.perf_counter()
            times["copy"].append(t1 - t0)
            times["parse"].append(t2 - t1)
            times["set"].append(t3 - t2)
        load = os.getloadavg()[0]
        parts = "  ".join(f"{k} {statistics.median(v) * 1000:8.1f} ms" for k, v in times.items())
        print(f"{n_in:5d} x {units:<5d} ({(n_in + 1) * units:>9,} numbers, "
              f"{len(text) / 1e6:5.1f} MB CSV): {parts}   load {load:.1f}")


if __name__ == "__main__":
    main()
