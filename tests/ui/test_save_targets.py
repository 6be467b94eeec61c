"""Issue 19.11: Save neither trips over a strange target nor silently overwrites news.

* A symlink loop as the save target is refused with a dialog (it raised RuntimeError out
  of ``save_file``: ``Path.resolve`` on Python < 3.13), and the links stay as they were.
* A file changed on disk by another program since it was opened or saved is not
  overwritten without a word: the window asks Overwrite / Save As / Cancel.
"""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnviz.files.project import Project
from ui import disk_guard


@pytest.fixture
def boxes(monkeypatch):
    """Every message box: the changed-on-disk question clicks ``log["answer"]``; errors are logged."""
    log = {"answer": "Cancel", "questions": [], "errors": []}

    def exec_(box):
        if box.objectName() == disk_guard.DIALOG_OBJECT_NAME:
            log["questions"].append(box.text())
            button = [b for b in box.buttons() if b.text() == log["answer"]][0]
            button.click()  # as the user would: the box records the clicked button
            return 0
        log["errors"].append(box.informativeText())
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return log


def _step(qtbot, win):
    """One training step (PageDown on the canvas): a change to save."""
    frames = win.training.frames
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.training.frames > frames, timeout=5000)
    qtbot.waitUntil(win.isWindowModified, timeout=5000)


def _change_on_disk(path):
    """Another program rewrites the file: other bytes and a later modification time."""
    other = Project.lecture_example()
    other.design.set_name(other.design.layers[1].id, "Changed elsewhere")
    other.save(path)
    info = os.stat(path)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))
    return path.read_bytes()


def test_symlink_loop_as_save_target_is_a_dialog_not_an_exception(make_window, boxes, tmp_path):
    win = make_window()
    a, b = tmp_path / "a.nnviz", tmp_path / "b.nnviz"
    a.symlink_to(b)
    b.symlink_to(a)
    assert win.save_file(a) is False
    assert len(boxes["errors"]) == 1 and "leads back to itself" in boxes["errors"][0]
    assert os.readlink(a) == str(b) and os.readlink(b) == str(a)  # both links untouched
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "settings") == ["a.nnviz", "b.nnviz"]


def test_save_over_a_file_changed_on_disk_asks_first(make_window, boxes, qtbot, tmp_path):
    path = tmp_path / "net.nnviz"
    Project.lecture_example().save(path)
    win = make_window()
    assert win.open_file(path)
    _step(qtbot, win)
    theirs = _change_on_disk(path)

    boxes["answer"] = "Cancel"
    assert win.save_file(path) is False
    assert len(boxes["questions"]) == 1 and "net.nnviz" in boxes["questions"][0]
    assert path.read_bytes() == theirs  # the other program's version is kept
    assert win.isWindowModified()

    boxes["answer"] = "Overwrite"
    assert win.save_file(path) is True
    assert len(boxes["questions"]) == 2
    assert b"Changed elsewhere" not in path.read_bytes()
    assert not win.isWindowModified()

    _step(qtbot, win)
    assert win.save_file(path) is True  # unchanged on disk since our save: no question
    assert len(boxes["questions"]) == 2


def test_changed_on_disk_answered_save_as_writes_elsewhere(make_window, boxes, qtbot, tmp_path,
                                                          monkeypatch):
    path, other = tmp_path / "net.nnviz", tmp_path / "mine.nnviz"
    Project.lecture_example().save(path)
    win = make_window()
    assert win.open_file(path)
    _step(qtbot, win)
    theirs = _change_on_disk(path)
    boxes["answer"] = "Save As…"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(other), ""))
    assert win.save_file(path) is True
    assert path.read_bytes() == theirs
    assert other.is_file() and win.project.path == str(other)
    assert not win.isWindowModified()
