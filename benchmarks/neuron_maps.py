"""The cost of the neuron maps while training, and of one loss surface.

    python benchmarks/neuron_maps.py [--seconds 6] [--runs 3] [--slices 6] [--batch-size 4]

1. Training throughput with the window attached, View > Show Neuron Maps on against off
   (target: with the maps on, at least 90 % of the samples per second with them off).
   Within each run, slices with the maps on and off alternate (a shared machine's load
   changes within seconds), and the ratio is of the two sums; the median over the runs is
   printed.
2. One 41 x 41 loss surface of the lecture net over its training data (target < 0.5 s),
   and one ``neuron_maps`` pass (24 x 24 grid), each the median of several repetitions.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnviz.analysis import loss_surface as ls  # noqa: E402
from nnviz.analysis.neuron_maps import neuron_maps  # noqa: E402
from nnviz.files.project import Project  # noqa: E402
from nnviz.session.session import Session  # noqa: E402


def _project(batch_size: int) -> Project:
    project = Project.lecture_example()
    project.update_training(epochs=10**6, batch_size=batch_size)
    return project


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def throughput(seconds: float, slices: int, batch_size: int) -> dict:
    """Samples per second with the maps on and off, slices alternating in one window."""
    app = QApplication.instance() or QApplication([])
    from ui.main_window import MainWindow

    win = MainWindow(_project(batch_size))
    win.maybe_save = lambda: True
    win.resize(1400, 900)
    win.show()
    ctl, action = win.training, win.neuron_maps.action
    # Measured "As fast as possible" (the window starts at a pace a class can watch).
    ctl.panel.speed_combo.setCurrentIndex(ctl.panel.speed_combo.findData(0.0))
    _spin(500)
    ctl.train()
    _spin(1000)  # warm up
    ctl.pause()
    _spin(200)
    sums = {True: [0.0, 0.0, 0.0], False: [0.0, 0.0, 0.0]}  # samples, seconds, frames
    for k in range(2 * slices):
        on = k % 2 == 0
        if action.isChecked() != on:
            action.trigger()
        ctl.train()
        _spin(100)
        s0, f0, t0 = ctl.snapshot.samples_seen, ctl.frames, time.perf_counter()
        _spin(int(1000 * seconds / slices))
        s1, f1, t1 = ctl.snapshot.samples_seen, ctl.frames, time.perf_counter()
        total = sums[on]
        total[0] += s1 - s0
        total[1] += t1 - t0
        total[2] += f1 - f0
        ctl.pause()
        _spin(200)
    win.close()
    app.processEvents()
    return {on: {"samples_per_s": v[0] / v[1], "frames_per_s": v[2] / v[1]}
            for on, v in sums.items()}


def engine_costs(repeats: int = 7) -> dict:
    """Median seconds of one 41x41 loss surface and one 24x24 neuron-maps pass."""
    session = Session(Project.lecture_example())
    session.train(5)
    model, data = session.model, session.dataset()
    w = model.get_weights()
    d1, d2 = ls.random_directions(w, seed=0)
    surface, maps = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        ls.loss_surface(model, data.x_train, data.y_train, w, d1, d2, span=1.0, grid=41)
        surface.append(time.perf_counter() - t)
        t = time.perf_counter()
        neuron_maps(model, (-3.0, 3.0, -3.0, 3.0))
        maps.append(time.perf_counter() - t)
    return {"surface_s": statistics.median(surface), "maps_s": statistics.median(maps),
            "samples": len(data.x_train)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slices", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=4)
    args = parser.parse_args(argv)
    costs = engine_costs()
    print(f"loss surface 41x41, lecture net, {costs['samples']} samples: "
          f"{1000 * costs['surface_s']:.1f} ms (target < 500 ms)")
    print(f"neuron maps 24x24, all layers, one pass     : {1000 * costs['maps_s']:.2f} ms")
    ratios = []
    for run in range(args.runs):
        r = throughput(args.seconds, args.slices, args.batch_size)
        ratio = r[True]["samples_per_s"] / r[False]["samples_per_s"]
        ratios.append(ratio)
        print(f"  run {run + 1}: maps off {r[False]['samples_per_s']:8.0f}/s "
              f"({r[False]['frames_per_s']:.1f} frames/s), maps on "
              f"{r[True]['samples_per_s']:8.0f}/s ({r[True]['frames_per_s']:.1f} frames/s): "
              f"{ratio:.0%}  [load {os.getloadavg()[0]:.1f}]", flush=True)
    print(f"training with the maps on: {statistics.median(ratios):.0%} of the throughput with "
          f"them off (median of {args.runs} runs; target >= 90%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
