"""``nnviz compare``: the window's Training > Compare… on the command line."""
from __future__ import annotations

import pytest

from nnviz.files.project import Project
from nnviz.session.session import Session
from tests.engine.test_compare import diverging_lecture_project
from tests.io.test_cli import run


def test_compare_prints_one_line_per_rate_with_the_x1_copy_s_loss(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["compare", "lecture", "--epochs", "4"])
    assert status == 0, err
    lines = out.splitlines()
    assert [line.split("  ")[0].strip() for line in lines[:3]] == ["lr 0.01", "lr 0.1", "lr 1"]
    normal = Session(Project.lecture_example())
    normal.train(4)
    assert f"loss {normal.history.epoch_loss[-1]:.4f}" in lines[1]
    assert lines[3] == "3 copies, 4 epochs each, from the same start on the same batches."
    assert list(tmp_path.iterdir()) == []  # nothing saved


def test_compare_says_where_a_copy_diverged(tmp_path):
    path = tmp_path / "fast.nnviz"
    diverging_lecture_project().save(path)
    status, out, err = run(["compare", path, "--factors", "10"])
    assert status == 0, err
    assert out.splitlines()[0] == "lr 3  diverged at epoch 13: the loss became infinite"


@pytest.mark.parametrize("argv, words", [
    (["--factors", "-1"], "must be a positive number"),
    (["--optimizers", "nadam"], "Unknown optimizer 'nadam'"),
    (["--epochs", "0"], "--epochs must be from 1"),
    (["--factors", "1", "2", "3", "4", "5", "6", "7", "8", "9"], "at most 8"),
])
def test_bad_options_are_one_line(argv, words):
    status, out, err = run(["compare", "lecture", *argv])
    assert status == 1 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1
