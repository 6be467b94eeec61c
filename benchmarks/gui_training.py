"""Training speed with the window attached, against the headless stepper; frames and stalls.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/gui_training.py \
        [--project lecture|tanh|mlp784] [--size 1600x1000] [--seconds 6] [--runs 3]
        [--slices 3] [--busy N] [--in-thread]

Three projects:

- ``lecture``: the lecture's 2-3-2 (relu, softmax, categorical cross-entropy, SGD 0.1) on
  two Gaussian clouds, batches of 4 (``--batch-size`` changes it);
- ``tanh``: TensorFlow Playground's small regression net, 2-3-1 (tanh hidden layer, linear
  output), mean squared error, SGD 0.03, batches of 10, on the 2-feature ``plane`` data;
- ``mlp784``: an MNIST-sized 784-128-10 (relu, softmax) on 2,000 random 784-pixel samples
  of 10 classes (written to a temporary CSV file), batches of 32.

``--busy N`` starts N processes that only spin while everything is measured: the
machine's other work (a compiler, a browser tab) competes for the cores.

For each it prints the samples per second of the session's run alone (headless, the same
``Stepper.run`` the training process calls, with the training process's BLAS threads:
every core but one, see ``nnviz/session/blas_threads.py``), the same with BLAS on every
core (what the command line gets: on 2 cores, 784-128-10 trains about 1.3 times faster
alone on both, a speed the window cannot have, since one core draws), and with the window
training and drawing; the ratios of the window to both (target: at least 85 % of the
first), the frames drawn per second (target: 55+, 30+ with ``--busy 1``), the median and the
99th percentile of the interval between two frames, and the longest gap between two
turns of the GUI event loop while training (target: under 50 ms, 100 ms with ``--busy 1``), measured by a 5 ms
heartbeat timer. The window trains in its training process (as it does for users);
``--in-thread`` trains on the window's training thread instead, for comparison. Within
each of ``--runs`` runs, ``--slices`` slices of headless and
windowed training alternate (a shared machine's load changes within seconds), and the
medians of the runs are printed with the load average beside them.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnviz.engine.layers import Dense  # noqa: E402
from nnviz.engine.models import Sequential  # noqa: E402
from nnviz.engine.training import Stepper  # noqa: E402
from nnviz.files.project import DatasetSpec, Project  # noqa: E402
from nnviz.session.blas_threads import training_threads  # noqa: E402

#: The most epochs a project may ask for: training never ends within a benchmark.
MANY_EPOCHS = 1_000_000


def make_project(name: str, batch_size: int | None = None) -> Project:
    """The benchmark's project: ``"lecture"`` (2-3-2), ``"tanh"`` (2-3-1, Playground's) or
    ``"mlp784"`` (784-128-10)."""
    if name == "mlp784":
        model = Sequential([Dense(128, input_shape=(784,), activation="relu"),
                            Dense(10, activation="softmax")])
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        project = Project.from_model(model)
        project.set_dataset(DatasetSpec("csv", {"validation_split": 0.2}, _mlp_csv(), -1))
        project.update_training(loss="categorical_crossentropy", optimizer="sgd",
                                learning_rate=0.05, momentum=0.0, batch_size=batch_size or 32,
                                epochs=MANY_EPOCHS, metrics=["accuracy"], shuffle=True)
        return project
    if name == "lecture":
        project = Project.lecture_example()
        project.update_training(epochs=MANY_EPOCHS, batch_size=batch_size or 4)
        return project
    model = Sequential([Dense(3, input_shape=(2,), activation="tanh"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    project = Project.from_model(model)
    project.set_dataset(DatasetSpec("plane", {"n_samples": 500, "noise": 0.1, "seed": 0,
                                              "validation_split": 0.5}))
    project.update_training(loss="mean_squared_error", optimizer="sgd", learning_rate=0.03,
                            momentum=0.0, batch_size=batch_size or 10, epochs=MANY_EPOCHS,
                            metrics=[], shuffle=True)
    return project


_MLP_CSV: list[str] = []


def _mlp_csv() -> str:
    """A CSV file of 2,000 random 784-pixel samples with 10 classes (made once)."""
    if not _MLP_CSV:
        rng = np.random.default_rng(0)
        x = rng.random((2000, 784)).round(3)
        labels = rng.integers(0, 10, 2000)
        folder = tempfile.mkdtemp(prefix="nnviz-bench-")
        path = os.path.join(folder, "mlp784.csv")
        with open(path, "w") as f:
            f.write(",".join(f"p{i}" for i in range(784)) + ",label\n")
            for row, label in zip(x, labels):
                f.write(",".join(f"{v:g}" for v in row) + f",c{label}\n")
        _MLP_CSV.append(path)
    return _MLP_CSV[0]


def _spin_forever() -> None:
    """A busy process: the machine's other work."""
    while True:
        pass


def headless_stepper(project: Project) -> Stepper:
    """The fast path on its own: the project's network and data, as a session builds them."""
    t = project.training
    data = project.load_dataset()
    stepper = Stepper(project.build_model(fresh=True), data.x_train, data.y_train,
                      batch_size=t.batch_size, shuffle=t.shuffle, seed=t.seed,
                      x_val=data.x_val if data.n_val else None,
                      y_val=data.y_val if data.n_val else None)
    stepper.run(max_epochs=2)  # warm up
    return stepper


def headless_slice(stepper: Stepper, seconds: float,
                   threads: int | None = None) -> tuple[int, float]:
    """Train ``stepper`` alone for ``seconds`` with ``threads`` BLAS threads (None: the
    training process's): (samples, seconds taken)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads or training_threads(), user_api="blas"):
        start_samples, start = stepper.samples_seen, time.perf_counter()
        stepper.run(should_stop=lambda: time.perf_counter() - start > seconds)
        return stepper.samples_seen - start_samples, time.perf_counter() - start


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def with_window(project_name: str, seconds: float, size: tuple[int, int],
                batch_size: int | None, slices: int = 3, in_thread: bool = False) -> dict:
    """Samples per second, frames and the longest GUI stall, with the window attached.

    The ``seconds`` of windowed training are cut into ``slices`` that alternate with
    slices of the headless stepper (same process, window paused), so that a change in
    the machine's load hits both sides alike: the ratio is of the two sums.
    """
    app = QApplication.instance() or QApplication([])
    from ui.main_window import MainWindow

    # The runner is chosen when the window's session is made: --in-thread says so then.
    saved = os.environ.get("NNVIZ_TRAINING_PROCESS")
    os.environ["NNVIZ_TRAINING_PROCESS"] = "0" if in_thread else "1"
    try:
        win = MainWindow(make_project(project_name, batch_size))
    finally:
        if saved is None:
            os.environ.pop("NNVIZ_TRAINING_PROCESS")
        else:
            os.environ["NNVIZ_TRAINING_PROCESS"] = saved
    win.maybe_save = lambda: True  # no "save changes?" question at the end
    win.resize(*size)
    win.show()
    ctl = win.training
    # Measured "As fast as possible" (the window starts at a pace a class can watch).
    ctl.panel.speed_combo.setCurrentIndex(ctl.panel.speed_combo.findData(0.0))

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    spin(500)
    gaps: list[float] = []
    frame_times: list[float] = []
    last = [0.0]
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    recording = [False]

    def beat():
        # Pure Python (no Qt call inside): each Qt call would hand the GIL to the training
        # thread and back, and the probe itself would slow what it measures.
        now = time.perf_counter()
        gaps.append(1000.0 * (now - last[0]))
        last[0] = now

    def on_frame():
        if recording[0]:
            frame_times.append(time.perf_counter())

    heartbeat.timeout.connect(beat)
    ctl.presenter.sig_frame.connect(on_frame)
    stepper = headless_stepper(make_project(project_name, batch_size))
    ctl.train()
    spin(1500)  # warm up: the first frames build plot caches (and the process starts)
    where = "process" if win.session.trains_in_process() else "thread"
    ctl.pause()
    spin(200)
    base_samples = base_time = all_samples = all_time = samples = frames = elapsed = 0.0
    intervals: list[float] = []
    for _ in range(slices):
        n, t = headless_slice(stepper, seconds / slices)
        base_samples, base_time = base_samples + n, base_time + t
        n, t = headless_slice(stepper, seconds / slices, threads=os.cpu_count() or 1)
        all_samples, all_time = all_samples + n, all_time + t
        ctl.train()
        spin(100)  # the worker is running again
        frame_times.clear()
        s0, f0, t0 = ctl.snapshot.samples_seen, ctl.frames, time.perf_counter()
        last[0] = time.perf_counter()
        recording[0] = True
        heartbeat.start()
        spin(int(1000 * seconds / slices))
        heartbeat.stop()
        recording[0] = False
        beat()  # the gap up to the end of the slice counts too
        s1, f1, t1 = ctl.snapshot.samples_seen, ctl.frames, time.perf_counter()
        samples, frames, elapsed = samples + s1 - s0, frames + f1 - f0, elapsed + t1 - t0
        intervals += [1000.0 * (b - a) for a, b in zip(frame_times, frame_times[1:])]
        ctl.pause()
        spin(200)
    win.close()
    app.processEvents()
    return {"where": where, "headless_per_s": base_samples / base_time,
            "all_cores_per_s": all_samples / all_time,
            "samples_per_s": samples / elapsed, "frames_per_s": frames / elapsed,
            "median_frame_ms": statistics.median(intervals) if intervals else float("nan"),
            "p99_frame_ms": _percentile(intervals, 0.99),
            "longest_stall_ms": max(gaps) if gaps else float("nan"),
            "p99_stall_ms": _percentile(gaps, 0.99)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", choices=["lecture", "tanh", "mlp784"], default="lecture")
    parser.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 4 (lecture), 10 (tanh)")
    parser.add_argument("--slices", type=int, default=3,
                        help="headless and windowed slices alternated within each run")
    parser.add_argument("--busy", type=int, default=0,
                        help="extra processes that only spin while measuring")
    parser.add_argument("--in-thread", action="store_true",
                        help="train on the window's training thread, not in its process")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    what = {"lecture": "2-3-2 relu/softmax (lecture example), circles",
            "tanh": "2-3-1 tanh/linear, MSE, SGD 0.03, plane",
            "mlp784": "784-128-10 relu/softmax, 2000 random samples"}[args.project]
    print(f"network {what}, window {width}x{height}; {args.runs} runs of "
          f"{args.seconds:.0f} s each, {args.slices} slices alternated with headless; "
          f"{args.busy} busy process{'es' if args.busy != 1 else ''}")
    busy = [multiprocessing.get_context("spawn").Process(target=_spin_forever, daemon=True)
            for _ in range(args.busy)]
    for process in busy:
        process.start()
    try:
        return _measure(args, width, height)
    finally:
        for process in busy:
            process.kill()
            process.join()


def _measure(args, width: int, height: int) -> int:
    guis, ratios, all_ratios, loads = [], [], [], []
    for run in range(args.runs):
        gui = with_window(args.project, args.seconds, (width, height), args.batch_size,
                          args.slices, args.in_thread)
        loads.append(os.getloadavg()[0])
        guis.append(gui)
        ratios.append(gui["samples_per_s"] / gui["headless_per_s"])
        all_ratios.append(gui["samples_per_s"] / gui["all_cores_per_s"])
        print(f"  run {run + 1} (trained in the {gui['where']}): headless {gui['headless_per_s']:8.0f}/s "
              f"(every core {gui['all_cores_per_s']:.0f}/s), window "
              f"{gui['samples_per_s']:8.0f}/s ({ratios[-1]:.0%}; {all_ratios[-1]:.0%}), "
              f"{gui['frames_per_s']:.1f} "
              f"frames/s (interval median {gui['median_frame_ms']:.0f} ms, 99th "
              f"{gui['p99_frame_ms']:.0f} ms), longest stall {gui['longest_stall_ms']:.0f} ms"
              f"  [load {loads[-1]:.1f}]", flush=True)
    med = statistics.median
    print(f"headless stepper      : {med(g['headless_per_s'] for g in guis):10.0f} samples/s "
          f"({training_threads()} BLAS thread{'s' if training_threads() != 1 else ''}, as the "
          f"training process)")
    print(f"headless, every core  : {med(g['all_cores_per_s'] for g in guis):10.0f} samples/s "
          f"({os.cpu_count()} BLAS threads, as the command line)")
    print(f"with the window       : {med(g['samples_per_s'] for g in guis):10.0f} samples/s  "
          f"({med(ratios):.0%} of headless, median of the runs' ratios; target >= 85%; "
          f"{med(all_ratios):.0%} of every core)")
    print(f"frames drawn          : {med(g['frames_per_s'] for g in guis):10.1f} per second "
          f"(target >= 55, >= 30 with --busy 1)")
    print(f"frame interval        : median {med(g['median_frame_ms'] for g in guis):.1f} ms, "
          f"99th percentile {med(g['p99_frame_ms'] for g in guis):.1f} ms")
    print(f"longest GUI stall     : {med(g['longest_stall_ms'] for g in guis):10.0f} ms median of "
          f"runs, worst {max(g['longest_stall_ms'] for g in guis):.0f} ms (target < 50 ms, "
          f"< 100 ms with --busy 1); "
          f"99th percentile of event-loop gaps {med(g['p99_stall_ms'] for g in guis):.0f} ms")
    print(f"load average during the runs: {min(loads):.1f}-{max(loads):.1f} "
          f"({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
