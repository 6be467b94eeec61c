"""Issue 19.11: a save target that is not a regular file is refused, never replaced.

The atomic writer renames a temporary file over its target: over a FIFO or a device that
replaced the special file by a regular one (as root, ``/dev/null`` itself). A symlink loop
is refused with a sentence that says so. Nothing is written and no temporary file stays.
"""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.errors import ProjectFileError
from nnviz.files.export_formats import save_weights
from nnviz.files.project import Project
from nnviz.files.weights_io import resolve_target


def _model():
    model = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.predict(np.zeros((1, 2)))
    return model


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("suffix", [".nnviz", ".npz", ".weights.h5", ".json"])
def test_a_fifo_as_save_target_is_refused_and_stays_a_fifo(tmp_path, suffix):
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match="not a regular file"):
        if suffix == ".nnviz":
            Project.lecture_example().save(fifo)
        else:
            save_weights(_model(), fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == [fifo.name]  # no temporary file left


def test_a_device_as_save_target_is_refused(tmp_path):
    """``/dev/null`` (a character device) is refused before anything is written.

    Only the check is called here: a regression must not get the chance to replace the
    real ``/dev/null`` when the tests run as root.
    """
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("no /dev/null character device")
    with pytest.raises(ProjectFileError, match="not a regular file"):
        resolve_target("/dev/null")
    link = tmp_path / "null.nnviz"
    link.symlink_to("/dev/null")  # through a link too
    with pytest.raises(ProjectFileError, match="not a regular file"):
        resolve_target(link)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_loop_as_save_target_is_refused_by_name(tmp_path):
    a, b = tmp_path / "a.nnviz", tmp_path / "b.nnviz"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(ProjectFileError, match="leads back to itself"):
        Project.lecture_example().save(a)
    with pytest.raises(ProjectFileError, match="leads back to itself"):
        resolve_target(b)
    assert a.is_symlink() and b.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.nnviz", "b.nnviz"]
