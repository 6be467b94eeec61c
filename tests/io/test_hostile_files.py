"""Hostile weight files (issue 10, points 5, 9 and 12): refused before they cost anything.

Each file is generated here. Loads that once ran out of memory run in a subprocess under
a 2 GB address-space cap (``resource.setrlimit``), so a regression ends in a clear test
failure instead of exhausting the machine.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from nnviz.errors import ProjectFileError
from nnviz.files.export_formats import load_weights, save_weights
from nnviz.files.weights_io import STALE_TEMP_SECONDS, atomic_output
from tests.io.helpers import lecture_model, weights_equal

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 2 * 1024**3


def _load_capped(path: Path) -> str:
    """Load ``path`` into the lecture model in a child process capped at 2 GB; its output."""
    script = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        from nnviz.errors import ProjectFileError
        from tests.io.helpers import lecture_model
        model = lecture_model()
        try:
            model.load_weights({str(path)!r})
        except ProjectFileError as err:
            print("REFUSED:", err)
        else:
            print("LOADED")
    """)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _npy_bytes(shape, dtype="<f8") -> bytes:
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buffer.getvalue()


# --------------------------------------------------------------------------- .npz


def test_npz_header_claiming_10_12_elements_is_refused_under_a_memory_cap(tmp_path):
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("dense.kernel.npy", _npy_bytes((10**6, 10**6)))
        for key, shape in (("dense.bias", (3,)), ("dense_1.kernel", (3, 2)),
                           ("dense_1.bias", (2,))):
            archive.writestr(f"{key}.npy", _npy_bytes(shape) + b"\0" * 8 * int(np.prod(shape)))
    assert path.stat().st_size < 2000
    out = _load_capped(path)
    assert out.startswith("REFUSED:") and "huge.npz" in out
    assert "(1000000, 1000000)" in out and "(2, 3)" in out


def test_npz_zip_bomb_is_refused_without_inflating_it(tmp_path):
    path = tmp_path / "bomb.npz"
    zeros = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("dense.kernel.npy", "w", force_zip64=True) as member:
            member.write(_npy_bytes((50 * (1 << 20) // 8,)))
            for _ in range(50):  # 50 MB of zeros
                member.write(zeros)
    assert path.stat().st_size < 200_000
    with pytest.raises(ProjectFileError, match=r"bomb\.npz.*holds 1 weight arrays"):
        lecture_model().load_weights(path)
    # With the right member count, the declared size itself is refused before inflating.
    full = tmp_path / "bomb_full.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(full, "w",
                                                      compression=zipfile.ZIP_DEFLATED) as dst:
        dst.writestr(src.getinfo("dense.kernel.npy"), src.read("dense.kernel.npy"))
        for key, shape in (("dense.bias", (3,)), ("dense_1.kernel", (3, 2)),
                           ("dense_1.bias", (2,))):
            dst.writestr(f"{key}.npy", _npy_bytes(shape) + b"\0" * 8 * int(np.prod(shape)))
    out = _load_capped(full)
    assert out.startswith("REFUSED:") and "bomb_full.npz" in out and "declares 524" in out


def test_npz_with_an_unexpected_member_is_refused(tmp_path):
    path = tmp_path / "extra.npz"
    save_weights(lecture_model(), path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("notes.txt", b"hello")
    model = lecture_model()
    model.set_weights([w * 0 for w in model.get_weights()])
    before = model.get_weights()
    with pytest.raises(ProjectFileError, match=r"'extra\.npz' holds 'notes\.txt'"):
        model.load_weights(path)
    assert weights_equal(model.get_weights(), before)


def test_npz_with_object_dtype_is_refused_before_reading(tmp_path):
    path = tmp_path / "objects.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, shape in (("dense.kernel", (2, 3)), ("dense.bias", (3,)),
                           ("dense_1.kernel", (3, 2)), ("dense_1.bias", (2,))):
            archive.writestr(f"{key}.npy", _npy_bytes(shape, "|O") + b"\0" * 64)
    with pytest.raises(ProjectFileError, match=r"objects\.npz.*not as an array of numbers"):
        lecture_model().load_weights(path)


def test_npz_round_trip_still_exact(tmp_path):
    model = lecture_model()
    save_weights(model, tmp_path / "w.npz")
    other = lecture_model()
    other.set_weights([w + 1 for w in other.get_weights()])
    load_weights(other, tmp_path / "w.npz")
    assert weights_equal(other.get_weights(), model.get_weights())


# --------------------------------------------------------------------------- .weights.h5


def _h5_with(path: Path, make_kernel) -> None:
    """A Keras-layout file of the lecture model whose first kernel ``make_kernel`` creates."""
    model = lecture_model()
    w = model.get_weights()
    with h5py.File(path, "w") as f:
        make_kernel(f, "layers/dense/vars/0")
        f["layers/dense/vars/1"] = w[1]
        f["layers/dense_1/vars/0"] = w[2]
        f["layers/dense_1/vars/1"] = w[3]
        f.create_group("vars")


def test_h5_external_storage_is_refused_not_loaded(tmp_path):
    secret = tmp_path / "secret.bin"
    known = np.arange(6, dtype="<f8") + 1000.0
    secret.write_bytes(known.tobytes())
    path = tmp_path / "external.weights.h5"

    def kernel(f, name):
        f.create_dataset(name, shape=(2, 3), dtype="<f8", external=[(str(secret), 0, 48)])

    _h5_with(path, kernel)
    with h5py.File(path) as f:  # the file really would read the secret
        assert np.array_equal(f["layers/dense/vars/0"][()].ravel(), known)
    model = lecture_model()
    before = model.get_weights()
    with pytest.raises(ProjectFileError, match=r"external\.weights\.h5.*external file"):
        model.load_weights(path)
    assert weights_equal(model.get_weights(), before)
    assert not any(np.isin(known, w).any() for w in model.get_weights())


def test_h5_soft_link_loop_is_refused(tmp_path):
    path = tmp_path / "loop.weights.h5"

    def kernel(f, name):
        f.require_group("layers/dense/vars")
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense/vars/loop")
        f["layers/dense/vars/loop"] = h5py.SoftLink("/layers/dense/vars/0")

    _h5_with(path, kernel)
    with pytest.raises(ProjectFileError, match=r"loop\.weights\.h5.*link"):
        lecture_model().load_weights(path)


def test_h5_external_link_and_soft_link_are_refused(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["k"] = np.zeros((2, 3))
    for link in (h5py.ExternalLink(str(other), "/k"), h5py.SoftLink("/elsewhere")):
        path = tmp_path / "linked.weights.h5"

        def kernel(f, name, link=link):
            f["elsewhere"] = np.zeros((2, 3))
            f.require_group("layers/dense/vars")
            f[name] = link

        _h5_with(path, kernel)
        with pytest.raises(ProjectFileError, match=r"linked\.weights\.h5.*link"):
            lecture_model().load_weights(path)


def test_h5_virtual_dataset_is_refused(tmp_path):
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f["data"] = np.ones((2, 3))
    path = tmp_path / "virtual.weights.h5"

    def kernel(f, name):
        layout = h5py.VirtualLayout(shape=(2, 3), dtype="f8")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(2, 3))
        f.create_virtual_dataset(name, layout)

    _h5_with(path, kernel)
    with pytest.raises(ProjectFileError, match=r"virtual\.weights\.h5.*virtual dataset"):
        lecture_model().load_weights(path)


def test_h5_huge_chunked_dataset_is_refused_under_a_memory_cap(tmp_path):
    path = tmp_path / "huge.weights.h5"

    def kernel(f, name):
        f.create_dataset(name, shape=(10**6, 10**6), chunks=(100, 100), dtype="<f8")

    _h5_with(path, kernel)
    assert path.stat().st_size < 100_000
    out = _load_capped(path)
    assert out.startswith("REFUSED:") and "huge.weights.h5" in out
    assert "(1000000, 1000000)" in out


def _export_script(target: Path, fsize_limit: int) -> str:
    return textwrap.dedent(f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize_limit}, {fsize_limit}))
        from nnviz.errors import ProjectFileError
        from nnviz.engine.layers import Dense
        from nnviz.engine.models import Sequential
        model = Sequential([Dense(64, input_shape=(64,)), Dense(64)])
        try:
            model.save_weights({str(target)!r})
        except ProjectFileError as err:
            print("REFUSED:", err)
        else:
            print("SAVED")
    """)


def test_failed_h5_export_on_a_full_disk_exits_cleanly(tmp_path):
    """The write fails (file size limit: EFBIG, as ENOSPC on a full disk); exit status 0, not 139."""
    target = tmp_path / "w.weights.h5"
    done = subprocess.run([sys.executable, "-c", _export_script(target, 4096)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.startswith("REFUSED:") and "w.weights.h5" in done.stdout
    assert os.listdir(tmp_path) == []  # neither the target nor a temporary file


# --------------------------------------------------------------------------- .json


def test_json_nested_100000_deep_is_one_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"format": "nnviz-weights", "version": 1, "layers": '
                    + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ProjectFileError, match=r"'deep\.json' nests .* too deeply"):
        lecture_model().load_weights(path)


def test_json_kernel_nested_deeper_than_two_is_refused(tmp_path):
    path = tmp_path / "deep3.json"
    document = {"format": "nnviz-weights", "version": 1,
                "layers": [{"kernel": [[[1.0]]], "bias": [0.0]}]}
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match=r"deep3\.json.*deeper than 2"):
        lecture_model().load_weights(path)


def test_json_5000_digit_integer_is_one_clear_error(tmp_path):
    path = tmp_path / "digits.json"
    path.write_text('{"format": "nnviz-weights", "version": 1, "layers": [{"kernel": [['
                    + "9" * 5000 + "]]}]}")
    with pytest.raises(ProjectFileError, match=r"'digits\.json' holds a value .*digits"):
        lecture_model().load_weights(path)


# --------------------------------------------------------------------------- saving


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "w.npz"
    link = tmp_path / "link.npz"
    save_weights(lecture_model(), target)
    link.symlink_to(target)
    changed = lecture_model()
    changed.set_weights([w + 1 for w in changed.get_weights()])
    save_weights(changed, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    loaded = lecture_model()
    load_weights(loaded, target)
    assert weights_equal(loaded.get_weights(), changed.get_weights())
    assert sorted(os.listdir(real_dir)) == ["w.npz"] and sorted(os.listdir(tmp_path)) == [
        "link.npz", "real"]


def test_a_chain_of_symlinks_and_a_dangling_link_are_followed(tmp_path):
    target = tmp_path / "final.json"
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(target)  # dangling until the save
    save_weights(lecture_model(), tmp_path / "a.json")
    assert target.is_file() and not target.is_symlink()
    assert (tmp_path / "a.json").is_symlink() and (tmp_path / "b.json").is_symlink()


@pytest.mark.parametrize("through_link", [False, True])
def test_read_only_target_is_refused_and_unchanged(tmp_path, through_link):
    target = tmp_path / "w.json"
    save_weights(lecture_model(), target)
    before = target.read_bytes()
    target.chmod(0o444)
    path = target
    if through_link:
        path = tmp_path / "link.json"
        path.symlink_to(target)
    changed = lecture_model()
    changed.set_weights([w + 1 for w in changed.get_weights()])
    with pytest.raises(ProjectFileError, match=r"read-only"):
        save_weights(changed, path)
    assert target.read_bytes() == before
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert sorted(os.listdir(tmp_path)) == sorted({"w.json", path.name})


def test_stale_temp_files_of_ours_are_removed_on_the_next_save(tmp_path):
    target = tmp_path / "w.npz"
    stale = tmp_path / ".w.npz.0123abcd.tmp.npz"  # a save killed an hour ago
    fresh = tmp_path / ".w.npz.89abcdef.tmp.npz"  # maybe another save, still running
    other = tmp_path / ".x.npz.0123abcd.tmp.npz"  # another file's temporary
    unlike = tmp_path / ".w.npz.backup.tmp.npz"  # not our pattern
    for p in (stale, fresh, other, unlike):
        p.write_bytes(b"partial")
    old = time.time() - STALE_TEMP_SECONDS - 60
    for p in (stale, other, unlike):
        os.utime(p, (old, old))
    save_weights(lecture_model(), target)
    assert not stale.exists()
    assert fresh.exists() and other.exists() and unlike.exists()
    assert target.is_file()


def test_project_save_through_a_symlink_keeps_the_link(tmp_path):
    from nnviz.files.project import Project

    target = tmp_path / "real.nnviz"
    link = tmp_path / "link.nnviz"
    Project.lecture_example().save(target)
    link.symlink_to(target)
    project = Project.load(link)
    project.design.set_name(project.design.chain()[1].id, "Renamed")
    project.save(link)
    assert link.is_symlink()
    assert "Renamed" in target.read_text()


def test_atomic_output_refuses_read_only_even_for_root(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(ProjectFileError, match=r"read-only"):
        with atomic_output(target, "w") as handle:
            handle.write("new")
    assert target.read_text() == "old"
