"""Training speed with the window attached, against the headless stepper, and GUI stalls.

    python benchmarks/gui_training.py [--seconds 5] [--runs 3] [--batch-size 4] [--slices 5]

Prints samples per second of ``Stepper.run`` alone and of the window's Train button on the
same network (the lecture's 2-3-2 on two Gaussian clouds), their ratio (target: at least
80 %), frames drawn per second, and the longest gap between two turns of the GUI event loop
while training (target: under 100 ms), measured by a 5 ms heartbeat timer. Within each of
``--runs`` runs, ``--slices`` slices of headless and windowed training alternate (a shared
machine's load changes within seconds: 14 000 to 25 000 samples/s headless in one minute),
and the medians of the runs are printed with the load average beside them.
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

from nnviz.document import Design  # noqa: E402
from nnviz.project import Project  # noqa: E402
from nnviz.training import Stepper  # noqa: E402


def _project(batch_size: int) -> Project:
    project = Project.lecture_example()
    project.update_training(epochs=10**7, batch_size=batch_size)
    return project


def headless_stepper(batch_size: int) -> Stepper:
    """The fast path on its own: a stepper on the same network and data, warmed up."""
    project = _project(batch_size)
    t = project.training
    design = Design.from_dict(project.design.to_dict())
    model = design.build_model(dtype=t.dtype, seed=t.seed)
    model.compile(optimizer=t.make_optimizer(), loss=t.loss, metrics=list(t.metrics))
    ds = project.load_dataset()
    stepper = Stepper(model, ds.x_train, ds.y_train, batch_size=t.batch_size, shuffle=True,
                      seed=t.seed, x_val=ds.x_val, y_val=ds.y_val)
    stepper.run(max_epochs=2)  # warm up
    return stepper


def headless_slice(stepper: Stepper, seconds: float) -> tuple[int, float]:
    """Train ``stepper`` alone for ``seconds``: (samples, seconds taken)."""
    start_samples, start = stepper.samples_seen, time.perf_counter()
    stepper.run(should_stop=lambda: time.perf_counter() - start > seconds)
    return stepper.samples_seen - start_samples, time.perf_counter() - start


def with_window(seconds: float, batch_size: int, slices: int = 5) -> dict:
    """Samples per second, frames per second and the longest GUI stall, window attached.

    The ``seconds`` of windowed training are cut into ``slices`` that alternate with
    slices of the headless stepper (same process, window paused), so that a change in
    the machine's load hits both sides alike: the ratio is of the two sums.
    """
    app = QApplication.instance() or QApplication([])
    from ui.main_window import MainWindow

    win = MainWindow(_project(batch_size))
    win.maybe_save = lambda: True  # no "save changes?" question at the end
    win.resize(1400, 900)
    win.show()
    ctl = win.training

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    spin(500)
    gaps = []
    last = [0.0]
    heartbeat = QTimer()
    heartbeat.setInterval(5)

    def beat():
        # Pure Python (no Qt call inside): each Qt call would hand the GIL to the training
        # thread and back, and the probe itself would slow what it measures.
        now = time.perf_counter()
        gaps.append(1000.0 * (now - last[0]))
        last[0] = now

    heartbeat.timeout.connect(beat)
    stepper = headless_stepper(batch_size)
    ctl.train()
    spin(1000)  # warm up: the first frames build plot caches
    ctl.pause()
    spin(200)
    base_samples = base_time = samples = frames = elapsed = 0.0
    for _ in range(slices):
        n, t = headless_slice(stepper, seconds / slices)
        base_samples, base_time = base_samples + n, base_time + t
        ctl.train()
        spin(100)  # the worker is running again
        s0, f0, t0 = ctl.snapshot.samples_seen, ctl.frames, time.perf_counter()
        last[0] = time.perf_counter()
        heartbeat.start()
        spin(int(1000 * seconds / slices))
        heartbeat.stop()
        beat()  # the gap up to the end of the slice counts too
        s1, f1, t1 = ctl.snapshot.samples_seen, ctl.frames, time.perf_counter()
        samples, frames, elapsed = samples + s1 - s0, frames + f1 - f0, elapsed + t1 - t0
        ctl.pause()
        spin(200)
    win.close()
    app.processEvents()
    return {"headless_per_s": base_samples / base_time,
            "samples_per_s": samples / elapsed, "frames_per_s": frames / elapsed,
            "longest_stall_ms": max(gaps) if gaps else float("nan"),
            "p99_stall_ms": sorted(gaps)[int(0.99 * (len(gaps) - 1))] if gaps else float("nan")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--slices", type=int, default=5,
                        help="headless and windowed slices alternated within each run")
    args = parser.parse_args(argv)
    print(f"network 2-3-2 (lecture example), two_gaussians, batch size {args.batch_size}; "
          f"{args.runs} runs of {args.seconds:.0f} s each")
    bases, guis, ratios, loads = [], [], [], []
    for run in range(args.runs):
        gui = with_window(args.seconds, args.batch_size, args.slices)
        base = gui["headless_per_s"]
        loads.append(os.getloadavg()[0])
        bases.append(base)
        guis.append(gui)
        ratios.append(gui["samples_per_s"] / base)
        print(f"  run {run + 1}: headless {base:8.0f}/s, window {gui['samples_per_s']:8.0f}/s "
              f"({ratios[-1]:.0%}), {gui['frames_per_s']:.1f} frames/s, longest stall "
              f"{gui['longest_stall_ms']:.0f} ms  [load {loads[-1]:.1f}]", flush=True)
    med = statistics.median
    print(f"headless stepper      : {med(bases):10.0f} samples/s (median)")
    print(f"with the window       : {med(g['samples_per_s'] for g in guis):10.0f} samples/s  "
          f"({med(ratios):.0%} of headless, median of the runs' ratios; target >= 80%)")
    print(f"frames drawn          : {med(g['frames_per_s'] for g in guis):10.1f} per second")
    print(f"longest GUI stall     : {med(g['longest_stall_ms'] for g in guis):10.0f} ms median of "
          f"runs, worst {max(g['longest_stall_ms'] for g in guis):.0f} ms (target < 100 ms); "
          f"99th percentile {med(g['p99_stall_ms'] for g in guis):.0f} ms")
    print(f"load average during the runs: {min(loads):.1f}-{max(loads):.1f} (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
