"""What one training frame costs the window: the update (counters, canvas, plots, lecture
view) and the paint, in milliseconds per frame, with no training competing for the cores.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/frame_draw.py \
        [--project lecture|tanh|mlp784] [--frames 300] [--size 1400x900] [--profile N]
        [--select neuron|connection]

The window is made as a user's is (offscreen), its session trains inline on this thread
*between* frames (untimed: a few batches, as the training process would have sent), and
each frame is drawn the way the window draws a training frame (``FramePresenter.draw``:
the update, then the posted paints). ``gui_training.py`` measures frames per second with
the real training process beside the window; on a machine shared with other work its
figures move with the load. This one measures what the window does per frame: the wall
time and the GUI thread's CPU time (``time.thread_time``: without the time spent waiting
for a core), median, 90th percentile and worst over ``--frames`` frames, split into

- *update*: ``FramePresenter._draw_frame`` (the Python side: new numbers into the
  canvas items, the plots' curves, the lecture page);
- *paint*: the rest of ``draw``: the posted events, i.e. the canvas and the plots
  painting themselves.

``--profile N`` prints the N most expensive functions (cProfile over the GUI thread's CPU
time, by own time) over the frames. Frames follow the window's own pacing: the plots take turns, one part a frame,
about 10 times a second each (the benchmark advances a clock of 1/60 s per frame).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gui_training import make_project  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

#: Seconds of (simulated) time between two frames: the training process's delta rate.
FRAME_PERIOD = 1 / 60
#: Batches trained between two frames (the network moves as it would while training).
BATCHES_PER_FRAME = {"lecture": 40, "tanh": 20, "mlp784": 2}


def _spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return (f"median {statistics.median(ordered):6.2f}  p90 {p90:6.2f}  "
            f"max {ordered[-1]:6.2f}")


def measure(project_name: str, frames: int, size: tuple[int, int], profile: int = 0,
            select: str = "") -> dict:
    """Draw ``frames`` training frames of ``project_name``; per-frame milliseconds.

    ``select``: "neuron" (the first hidden neuron) or "connection" (its first incoming
    line) is selected, so that the Lecture view writes its formulas every frame.
    """
    app = QApplication.instance() or QApplication([])
    saved = os.environ.get("NNVIZ_TRAINING_PROCESS")
    os.environ["NNVIZ_TRAINING_PROCESS"] = "0"  # inline: trained here, between frames
    try:
        from ui.main_window import MainWindow
        from ui.training import presenter as presenter_module
        from ui.training.worker import input_plane, neuron_maps_of, output_map, take_frame
        win = MainWindow(make_project(project_name))
    finally:
        if saved is None:
            os.environ.pop("NNVIZ_TRAINING_PROCESS")
        else:
            os.environ["NNVIZ_TRAINING_PROCESS"] = saved
    win.maybe_save = lambda: True
    win.resize(*size)
    win.show()
    _spin(300)
    session, pres = win.session, win.training.presenter
    if session.start_training():
        raise RuntimeError("the benchmark's project cannot train")
    _spin(100)
    plane = input_plane(session.dataset())
    if select:
        from nnviz.document.selection import ConnectionSel, NeuronSel
        ids = [spec.id for spec in session.design.chain()]
        pres.set_selection(NeuronSel(ids[1], 0) if select == "neuron"
                           else ConnectionSel(ids[0], ids[1], 0, 0))
    batches = BATCHES_PER_FRAME.get(project_name, 5)

    # The presenter's clock: frames 1/60 s apart, whatever the drawing costs here.
    clock = [time.perf_counter()]
    real_perf = presenter_module.time.perf_counter

    class _Clock:
        @staticmethod
        def perf_counter() -> float:
            return clock[0]
    presenter_module.time = _Clock

    update_ms: list[float] = []
    update_cpu: list[float] = []
    original = pres._draw_frame

    def timed_draw_frame(frame, full):
        t, c = real_perf(), time.thread_time()
        original(frame, full)
        update_ms.append(1e3 * (real_perf() - t))
        update_cpu.append(1e3 * (time.thread_time() - c))
    pres._draw_frame = timed_draw_frame

    total_ms: list[float] = []
    total_cpu: list[float] = []
    # CPU time, not wall time: on a shared machine the wall clock counts the waits for a core.
    profiler = cProfile.Profile(time.thread_time) if profile else None
    last_maps = -1.0
    maps = boundary = None
    try:
        for k in range(frames + 30):  # the first 30 build caches: not counted
            left = [batches]

            def should_stop(left=left) -> bool:
                left[0] -= 1
                return left[0] < 0
            session.train_chunk(should_stop)
            clock[0] += FRAME_PERIOD
            if clock[0] - last_maps >= 0.09:  # the worker's output-map interval
                boundary = output_map(session.stepper.model, plane)
                maps = neuron_maps_of(session, plane)
                last_maps = clock[0]
            frame = take_frame(session, boundary=boundary, running=True, neuron_maps=maps)
            if profiler is not None and k >= 30:
                profiler.enable()
            t, c = real_perf(), time.thread_time()
            pres.draw(frame)
            wall, cpu = 1e3 * (real_perf() - t), 1e3 * (time.thread_time() - c)
            if profiler is not None:
                profiler.disable()
            if k >= 30:
                total_ms.append(wall)
                total_cpu.append(cpu)
            app.processEvents()  # anything the frame left (not timed)
    finally:
        presenter_module.time = time
        pres._draw_frame = original
        session.pause()
        win.close()
        app.processEvents()
    update_ms, update_cpu = update_ms[-frames:], update_cpu[-frames:]
    paint_ms = [a - b for a, b in zip(total_ms, update_ms)]
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
    return {"update": update_ms, "paint": paint_ms, "total": total_ms,
            "update_cpu": update_cpu, "total_cpu": total_cpu}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", choices=["lecture", "tanh", "mlp784"], default="mlp784")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1400x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--profile", type=int, default=0,
                        help="print the N most expensive functions (cProfile)")
    parser.add_argument("--select", choices=["neuron", "connection"], default="",
                        help="select a hidden neuron or a line: the Lecture view explains it")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    load_before = os.getloadavg()[0]
    r = measure(args.project, args.frames, (width, height), args.profile, args.select)
    selected = f", a {args.select} selected" if args.select else ""
    print(f"{args.project}: {args.frames} training frames{selected}, window {width}x{height} "
          f"[load {load_before:.1f}-{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores]")
    print(f"  update + paint  ms  {_stats(r['total'])}")
    print(f"    update        ms  {_stats(r['update'])}")
    print(f"    paint         ms  {_stats(r['paint'])}")
    print(f"  GUI thread CPU  ms  {_stats(r['total_cpu'])}  (update {_stats(r['update_cpu'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
