"""How big is a saved project, how long does saving take, and does it open again? (Issue 19.1)

Run it by hand (it is not a test):

    python benchmarks/save_size.py            # 2-1500-1500-2 (2.3 M weights), 40 epochs
    python benchmarks/save_size.py --quick    # 2-500-500-2, 10 epochs

It trains a 2 -> 1500 -> 1500 -> 2 network (2,259,002 weights) for 40 epochs on 200
moons through a :class:`~nnviz.session.session.Session`, so the run holds the time-travel
snapshots the stepper really keeps (bounded by ``nnviz.engine.training.SNAPSHOT_BYTES`` in
memory), then saves the project and opens it again. It prints

1. the snapshots the run holds in memory and how many of them the file keeps;
2. the file's size, against the reader's limit (``MAX_PROJECT_FILE_BYTES``);
3. the time the save takes as a whole, and the part of it the window's GUI thread waits
   for (the copy, ``Session.begin_save``; before issue 19.1 the whole save ran there);
4. the time ``Project.load`` takes, or why it refused the file;
5. the process's peak memory (training included), where the platform tells it.

Before issue 19.1 (same machine, 2 busy cores): 11 snapshots, 573.3 MB file in 42.9 s on
the GUI thread, refused on open; 3.2 GB peak.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nnviz.document import Design  # noqa: E402
from nnviz.errors import ProjectFileError  # noqa: E402
from nnviz.files.project import DatasetSpec, Project, TrainingSettings  # noqa: E402
from nnviz.limits import MAX_PROJECT_FILE_BYTES  # noqa: E402
from nnviz.session.session import Session  # noqa: E402

MB = 2**20


def make_session(hidden: int, epochs: int) -> Session:
    """A 2-hidden-hidden-2 network trained ``epochs`` epochs on 200 moons."""
    design = Design()
    ids = [design.add_layer("input", x=0.0, y=0.0, units=2)]
    for k in range(2):
        ids.append(design.add_layer("hidden", x=300.0 * (k + 1), y=0.0, units=hidden,
                                    activation="relu"))
    ids.append(design.add_layer("output", x=900.0, y=0.0, units=2, activation="softmax"))
    for a, b in zip(ids[:-1], ids[1:]):
        design.connect(a, b)
    design.undo_stack.clear()
    dataset = DatasetSpec("moons", {"n_samples": 200, "noise": 0.1, "seed": 0,
                                    "validation_split": 0.0})
    training = TrainingSettings(learning_rate=0.01, batch_size=32, epochs=epochs)
    session = Session(Project(design, training, dataset))
    session.train(epochs)
    return session


def window_stall(project: Project) -> None:
    """Save ``project`` from a (offscreen) window; print the longest gap between its timer ticks."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["NNVIZ_TRAINING_PROCESS"] = "0"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(project)
    window.show()
    app.processEvents()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        ok = window.save_file(os.path.join(folder, "big.nnviz"))
        took = time.perf_counter() - start
    timer.stop()
    gaps = [b - a for a, b in zip([start, *ticks], [*ticks, start + took])]
    print(f"window save: {'ok' if ok else 'FAILED'} in {took:.1f} s; the GUI thread's 10 ms "
          f"timer ran {len(ticks)} times, longest gap {max(gaps) * 1000:.0f} ms")
    window.shutdown()
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2-500-500-2 net, 10 epochs")
    parser.add_argument("--window", action="store_true",
                        help="also save from a window and print its longest stall")
    args = parser.parse_args()
    hidden, epochs = (500, 10) if args.quick else (1500, 40)

    start = time.perf_counter()
    session = make_session(hidden, epochs)
    weights = sum(w.size for w in session.stepper.model.get_weights())
    held = len(session.stepper.snapshots)
    print(f"2-{hidden}-{hidden}-2: {weights:,} weights, trained {epochs} epochs in "
          f"{time.perf_counter() - start:.1f} s; {held} time-travel snapshots in memory")

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "big.nnviz")
        begin = getattr(session, "begin_save", None)
        start = time.perf_counter()
        if begin is None:  # before issue 19.1: one call, on the window's GUI thread
            session.save(path)
        else:  # the window's way: copy on the GUI thread, write the copy on another one
            copy = begin(path)
            copied = time.perf_counter()
            copy.save()
            session.end_save(copy, True)
            print(f"copy for saving (what the window's GUI thread waits for): "
                  f"{(copied - start) * 1000:.0f} ms")
        save_s = time.perf_counter() - start
        size = os.path.getsize(path)
        print(f"save: {save_s:.1f} s, file {size / MB:.1f} MB "
              f"(the reader accepts up to {MAX_PROJECT_FILE_BYTES // MB} MB)")
        start = time.perf_counter()
        try:
            project = Project.load(path)
        except ProjectFileError as error:
            print(f"open: refused in {time.perf_counter() - start:.1f} s: {error}")
            return
        load_s = time.perf_counter() - start
        kept = len(project.run.get("snapshots", ()))
        print(f"open: {load_s:.1f} s; the file keeps {kept} of the {held} snapshots")
    if args.window:
        window_stall(session.project)
    try:
        import resource
    except ImportError:  # Windows
        return
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"peak memory of the process (training included): {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
