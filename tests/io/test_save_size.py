"""Issue 19.1: what nnviz saves, it reopens.

A 2-1500-1500-2 network (2.3 million weights) trained 40 epochs holds 11 time-travel
snapshots; saved as JSON text they made a 573 MB file, which the reader refuses (200 MB).
Now snapshots are packed (base64 of their bytes, exact) and a save keeps those that fit
``SAVED_SNAPSHOT_BYTES``, evenly spread over the run; the current weights, the history
and the counters are saved whole. The run's state is built directly (as the stepper keeps
it) instead of training for half a minute.
"""
import json
import math

import numpy as np
import pytest

from nnviz.document import Design
from nnviz.errors import ProjectFileError
from nnviz.files import run_file
from nnviz.files.project import FORMAT_VERSION, DatasetSpec, Project
from nnviz.files.run_file import decode_packed, encode_packed, thin_snapshots
from nnviz.limits import MAX_PROJECT_FILE_BYTES, MAX_WEIGHTS, SAVED_SNAPSHOT_BYTES
from nnviz.session.session import Session

MB = 2**20


def wide_design(hidden: int) -> Design:
    design = Design()
    ids = [design.add_layer("input", x=0.0, y=0.0, units=2)]
    for k in range(2):
        ids.append(design.add_layer("hidden", x=300.0 * (k + 1), y=0.0, units=hidden))
    ids.append(design.add_layer("output", x=900.0, y=0.0, units=2, activation="softmax"))
    for a, b in zip(ids[:-1], ids[1:]):
        design.connect(a, b)
    return design


def trained_project(hidden: int, epochs: int, every: int, batches: int = 7) -> Project:
    """A 2-hidden-hidden-2 project as a run of ``epochs`` epochs leaves it.

    Snapshots after every ``every``-th epoch (what the stepper keeps of a long run of a big
    network); each has its own first kernel and biases (marked with its epoch) and shares
    the big middle kernel, so the test holds one copy of it.
    """
    rng = np.random.default_rng(0)
    design = wide_design(hidden)
    shapes = [(2, hidden), (hidden,), (hidden, hidden), (hidden,), (hidden, 2), (2,)]
    now = [rng.normal(0.0, 0.05, shape) for shape in shapes]
    design.store_weights(now)
    snapshots = []
    for epoch in range(0, epochs + 1, every):
        weights = [now[2] if k == 2 else w + epoch * 1e-3 for k, w in enumerate(now)]
        snapshots.append((epoch, weights))
    history = {"epoch_loss": list(rng.random(epochs)),
               "batch_loss": list(rng.random(epochs * batches))}
    project = Project(design, dataset=DatasetSpec("moons", {"n_samples": 200}),
                      history=history)
    project.run = {"counters": [epochs, epochs * batches, epochs * 200],
                   "snapshots": snapshots, "diverged": None}
    return project


def same(a, b) -> bool:
    return len(a) == len(b) and all(x.dtype == y.dtype and x.shape == y.shape
                                    and x.tobytes() == y.tobytes() for x, y in zip(a, b))


def test_a_trained_big_network_saves_under_the_limit_and_reopens_exactly(tmp_path):
    project = trained_project(hidden=1500, epochs=40, every=4)
    assert sum(w.size for w in project.run["snapshots"][0][1]) == 2_259_002
    path = tmp_path / "big.nnviz"
    project.save(path)
    size = path.stat().st_size
    assert size < MAX_PROJECT_FILE_BYTES / 2, f"{size / MB:.0f} MB"  # was 573 MB, refused

    loaded = Project.load(path)
    assert loaded.design == project.design  # every current weight, bit for bit
    assert loaded.history == project.history
    assert loaded.run["counters"] == project.run["counters"]
    # 11 snapshots of 23 MB do not fit 48 MB: the first and the latest do.
    kept = loaded.run["snapshots"]
    assert [e for e, _w in kept] == [0, 40]
    by_epoch = dict(project.run["snapshots"])
    assert all(same(w, by_epoch[e]) for e, w in kept)
    # The project in memory still holds all of them: only the file is thinned.
    assert len(project.run["snapshots"]) == 11


def test_the_largest_design_allowed_saves_well_under_what_nnviz_opens(tmp_path):
    # 2-1990-1990-2: 3,972,042 weights, just under MAX_WEIGHTS (4,000,000), with a full
    # per-batch history (200,000 points a series, the cap) and 9 snapshots in memory.
    project = trained_project(hidden=1990, epochs=200, every=25, batches=1000)
    n = sum(w.size for w in project.run["snapshots"][0][1])
    assert 0.99 * MAX_WEIGHTS < n <= MAX_WEIGHTS
    path = tmp_path / "largest.nnviz"
    project.save(path)
    size = path.stat().st_size
    assert size < 0.75 * MAX_PROJECT_FILE_BYTES, f"{size / MB:.0f} MB"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [s["epoch"] for s in data["run"]["snapshots"]] == [0]  # one fits: the start


def test_one_snapshot_of_the_largest_design_fits_the_budget():
    # Otherwise a save of such a design would keep no snapshot at all.
    assert 4 * math.ceil(MAX_WEIGHTS * 8 / 3) < SAVED_SNAPSHOT_BYTES


def test_thinning_keeps_an_even_spread_with_the_first_and_the_latest():
    weights = [np.zeros((10, 10))]  # about 1.1 KB packed
    snaps = [(e, weights) for e in range(0, 101, 10)]  # 11 snapshots
    per = sum(run_file.packed_size(w) for w in weights)
    assert thin_snapshots(snaps, budget=11 * per) == snaps
    assert [e for e, _ in thin_snapshots(snaps, budget=5 * per + 1)] == [0, 20, 50, 80, 100]
    assert [e for e, _ in thin_snapshots(snaps, budget=2 * per)] == [0, 100]
    assert [e for e, _ in thin_snapshots(snaps, budget=per)] == [0]
    assert thin_snapshots(snaps, budget=per - 1) == []
    assert thin_snapshots([], budget=0) == []


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_packed_arrays_round_trip_exactly_and_are_compact(dtype):
    array = np.array([[0.1, -0.0, np.nan], [np.inf, -np.inf, 5e-324]], dtype=dtype)
    packed = encode_packed(array)
    assert packed["dtype"] == np.dtype(dtype).name and packed["shape"] == [2, 3]
    back = decode_packed(json.loads(json.dumps(packed)), "w", (2, 3))
    assert back.dtype == dtype and back.tobytes() == array.tobytes()
    big = np.random.default_rng(0).normal(size=(100, 100))
    text = len(json.dumps(encode_packed(big)))
    assert text < 11 * big.size < len(json.dumps(big.tolist())) / 1.8


@pytest.mark.parametrize("change, message", [
    (lambda p: p.update(dtype="int8"), r"'w\.dtype' must be 'float64' or 'float32'"),
    (lambda p: p.update(shape=[3, 2]), r"'w' has shape \(3, 2\); the design needs \(2, 3\)"),
    (lambda p: p.update(shape="2x3"), r"'w\.shape' must be a list"),
    (lambda p: p.update(base64=p["base64"] + "AAAA"), r"'w\.base64' has 68 characters; .* needs 64"),
    (lambda p: p.update(base64="!" * 64), r"'w\.base64' is not base64"),
    (lambda p: p.update(base64=None), r"'w\.base64' must be a text"),
    (lambda p: p.update(extra=1), r"'w\.extra' is not part of a packed array"),
])
def test_a_bad_packed_array_is_refused_naming_it(change, message):
    packed = encode_packed(np.ones((2, 3)))
    change(packed)
    with pytest.raises(ProjectFileError, match=message):
        decode_packed(packed, "w", (2, 3))


def test_a_file_whose_snapshot_is_damaged_is_refused_naming_the_field(tmp_path):
    project = trained_project(hidden=3, epochs=4, every=1)
    data = project.to_dict(str(tmp_path))
    data["run"]["snapshots"][2]["weights"][1]["base64"] = "AAAA"
    path = tmp_path / "bad.nnviz"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"'run\.snapshots\[2\]\.weights\[1\]\.base64'"):
        Project.load(path)


def test_version_one_files_with_snapshots_as_lists_still_open(tmp_path):
    session = Session()
    session.train(3)
    path = tmp_path / "new.nnviz"
    session.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == FORMAT_VERSION == 2
    assert all(isinstance(w, dict) for s in data["run"]["snapshots"] for w in s["weights"])
    # The same file as nnviz wrote it before: version 1, snapshot arrays as lists.
    for snapshot in data["run"]["snapshots"]:
        snapshot["weights"] = [decode_packed(w, "w", tuple(w["shape"])).tolist()
                               for w in snapshot["weights"]]
    data["version"] = 1
    old = tmp_path / "old.nnviz"
    old.write_text(json.dumps(data), encoding="utf-8")
    before, after = Project.load(old), Project.load(path)
    assert before == after
    assert [e for e, _ in before.run["snapshots"]] == [e for e, _ in after.run["snapshots"]]
    assert all(same(a, b) for (_e, a), (_f, b) in zip(before.run["snapshots"],
                                                      after.run["snapshots"]))
    # and continues where it stood
    reopened = Session(before)
    assert reopened.stepper.epoch == session.stepper.epoch == 3
    assert len(reopened.stepper.snapshots) == len(session.stepper.snapshots) == 4


def test_a_float32_run_saves_its_snapshots_as_float32(tmp_path):
    project = trained_project(hidden=3, epochs=2, every=1)
    project.run["snapshots"] = [(e, [w.astype(np.float32) for w in ws])
                                for e, ws in project.run["snapshots"]]
    data = project.to_dict(str(tmp_path))
    assert {w["dtype"] for s in data["run"]["snapshots"] for w in s["weights"]} == {"float32"}
    path = tmp_path / "f32.nnviz"
    project.save(path)
    loaded = Project.load(path)
    assert all(same(a, b) for (_e, a), (_f, b) in zip(loaded.run["snapshots"],
                                                      project.run["snapshots"]))


def test_the_copy_for_saving_is_not_touched_by_later_edits(tmp_path):
    project = trained_project(hidden=3, epochs=2, every=1)
    copy = project.copy_for_save(tmp_path / "c.nnviz")
    before = copy.to_dict(str(tmp_path))
    project.design.set_weight("layer-1", "layer-2", 0, 0, 42.0)
    project.update_training(learning_rate=0.5)
    project.set_history({"epoch_loss": [9.0]})
    project.dataset.params["n_samples"] = 7
    assert copy.to_dict(str(tmp_path)) == before
    assert project.path is None  # the project takes the path when the copy is written
    copy.save()
    project.saved_to(copy.path)
    assert project.path == str(tmp_path / "c.nnviz")


def test_a_failed_write_puts_the_saved_state_back(tmp_path):
    session = Session()
    first = tmp_path / "first.nnviz"
    session.save(first)
    session.design.add_layer("hidden", x=0.0, y=0.0)
    copy = session.begin_save(tmp_path / "second.nnviz")
    assert session.undo_stack.is_clean  # the copy is the state now
    session.end_save(copy, False)  # its write failed
    assert not session.undo_stack.is_clean and session.project.path == str(first)
    session.undo_stack.undo()
    assert session.undo_stack.is_clean  # first.nnviz's state is still the saved one


def test_a_failed_write_after_changes_meanwhile_leaves_no_state_saved(tmp_path):
    session = Session()
    session.save(tmp_path / "first.nnviz")
    copy = session.begin_save()
    session.design.add_layer("hidden", x=0.0, y=0.0)  # while the copy is written
    session.end_save(copy, False)
    assert session.undo_stack.clean_index is None  # the window will ask before closing
    with pytest.raises(RuntimeError, match="without its begin_save"):
        session.end_save(copy, True)
