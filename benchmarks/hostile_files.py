"""How long nnviz takes to refuse each hostile project file of issue 19 (headless).

Run: ``python benchmarks/hostile_files.py``. Each file is generated in a temporary folder
(the largest is 50 MB), then ``Project.load`` is timed (or, for the batch, building the
run as ``nnviz train`` does); the figure is the median of three tries, with the peak
memory of the process (``ru_maxrss``) after it and the load average beside it (the
machine may be shared). Before the fix: the nested lists cost 32 s and 3.4 GB and were
accepted, the wide design opened and froze the window 73 s, the 1 MB message froze it
277 s, the big batch ended in a MemoryError, the segments in an OverflowError.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnviz import limits  # noqa: E402
from nnviz.errors import NnvizError  # noqa: E402
from nnviz.files.project import Project  # noqa: E402
from nnviz.session.session import Session  # noqa: E402


def _lecture() -> dict:
    return Project.lecture_example().to_dict()


def _trained() -> dict:
    project = Project.lecture_example()
    project.dataset.params["n_samples"] = 40
    session = Session(project)
    session.train(1)
    session.commit()
    return project.to_dict()


def _with_junk(folder: Path, name: str, item: bytes, count: int) -> Path:
    path = folder / name
    with open(path, "wb") as handle:
        handle.write(json.dumps(_lecture())[:-1].encode() + b', "junk": [')
        handle.write(item * count)
        handle.write(b"[]]}")
    return path


def _write(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def bombs(folder: Path) -> list[tuple[str, Path, bool]]:
    """(what, file, whether to build the run as well) for each point of the issue."""
    out = []
    noise = _lecture()
    noise["dataset"]["params"]["noise"] = "lots"
    out.append(("3: noise 'lots'", _write(folder, "noise.nnviz", noise), False))
    wide = _lecture()
    wide["design"]["layers"][0]["units"] = wide["design"]["layers"][1]["units"] = 4096
    for item in wide["design"]["connections"]:
        item["kernel"] = None
    out.append(("5: 4096 x 4096 without kernels", _write(folder, "wide.nnviz", wide), False))
    out.append(("6: 48 MB of nested empty lists",
                _with_junk(folder, "lists.nnviz", b"[[]],", 9_600_000), False))
    out.append(("6: 50 MB of zeros", _with_junk(folder, "zeros.nnviz", b"0,", 25_000_000),
                False))
    message = _trained()
    message["run"]["diverged"] = "x" * 20 * 10**6
    out.append(("7: 20 MB run.diverged (elided, opens)",
                _write(folder, "diverged.nnviz", message), False))
    target = _lecture()
    target["dataset"] = {"name": "csv", "path": "d.csv", "target": "t" * 10**6, "params": {}}
    out.append(("7: 1 MB dataset.target", _write(folder, "target.nnviz", target), False))
    batch = _lecture()
    batch["design"]["layers"][1]["units"] = 4096
    for item in batch["design"]["connections"]:
        item["kernel"] = None
    batch["dataset"]["params"]["n_samples"] = limits.MAX_SAMPLES
    batch["training"]["batch_size"] = limits.MAX_BATCH_SIZE
    out.append(("8: batch of 100,000 through 2-4096-2 (run)",
                _write(folder, "batch.nnviz", batch), True))
    segments = _trained()
    segments["history"]["batch_segments"] = ["Infinity", 3]
    out.append(("9: batch_segments Infinity", _write(folder, "segments.nnviz", segments),
                False))
    return out


def refuse(path: Path, run: bool) -> str:
    """Load (and build the run of) ``path``; what happened, in a few words."""
    try:
        project = Project.load(path, check_data=False)
    except NnvizError as error:
        return "refused: " + str(error)[:70]
    if run:
        session = Session(project)
        return "no run: " + session.problem[:70] if session.stepper is None else "RUN BUILT"
    return "opened"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for what, path, run in bombs(Path(tmp)):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                result = refuse(path, run)
                times.append(time.perf_counter() - start)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            size = path.stat().st_size
            print(f"{what:44s} {size / 1e6:7.2f} MB  {statistics.median(times) * 1000:8.1f} ms"
                  f"  peak {peak:5.0f} MB  load {os.getloadavg()[0]:.1f}  {result}")


if __name__ == "__main__":
    main()
