"""Issue 10.3: a save that fails, for any reason, shows why and loses no work.

A layer name holding a lone surrogate ("\\ud800", which a JSON file can spell as an
escape) cannot be written as UTF-8. Saving it is refused with a ProjectFileError; the
window shows the error, stays modified, and a close answered with "Save" stays open.
"""
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from nnviz.errors import ProjectFileError
from nnviz.files.project import Project

Btn = QMessageBox.StandardButton


@pytest.fixture(autouse=True)  # every box of the module's windows is answered
def boxes(monkeypatch):
    """Every message box: the unsaved-changes question gets ``answer``; others are logged."""
    log = {"answer": Btn.Save, "questions": [], "errors": []}

    def exec_(box):
        if box.objectName() == "unsavedChangesDialog":
            log["questions"].append((box.text(), box.textFormat()))
            return log["answer"]
        log["errors"].append(box.informativeText())
        return Btn.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return log


pytestmark = pytest.mark.window(size=(1200, 800), ask_unsaved=True)


def surrogate_project(tmp_path):
    """A project file whose hidden layer is called "Hidden \\ud800" (an ASCII escape)."""
    data = Project.lecture_example().to_dict(str(tmp_path))
    for layer in data["design"]["layers"]:
        if layer["kind"] == "hidden":
            layer["name"] = "Hidden \ud800"
    path = tmp_path / "broken-name.nnviz"
    path.write_text(json.dumps(data, ensure_ascii=True), encoding="ascii")
    return path


def test_project_save_refuses_a_lone_surrogate_clearly(tmp_path):
    project = Project.load(surrogate_project(tmp_path))
    target = tmp_path / "out.nnviz"
    with pytest.raises(ProjectFileError, match=r"\\ud800"):
        project.save(target)
    assert not target.exists()
    assert list(tmp_path.glob(".out.nnviz*")) == []  # no temporary file left behind


def test_failed_save_at_close_keeps_the_window_and_the_work(qtbot, window, boxes, tmp_path):
    path = surrogate_project(tmp_path)
    before = path.read_bytes()
    assert window.open_file(path)
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_PageDown)  # one training step: a change to save
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    design = window.design.to_dict()

    window.close()  # "Save" is the answer; the save fails
    assert window.isVisible()
    assert len(boxes["questions"]) == 1
    assert len(boxes["errors"]) == 1 and "\\ud800" in boxes["errors"][0]
    assert window.isWindowModified()
    assert window.design.to_dict() == design
    assert path.read_bytes() == before

    boxes["answer"] = Btn.Discard
    window.close()
    assert not window.isVisible()


def test_ctrl_s_with_a_failing_save_shows_the_error(qtbot, window, boxes, tmp_path):
    assert window.open_file(surrogate_project(tmp_path))
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    seq = QKeySequence(QKeySequence.StandardKey.Save)[0]
    QTest.keyClick(window, seq.key(), seq.keyboardModifiers())
    assert len(boxes["errors"]) == 1 and "cannot be written" in boxes["errors"][0]
    assert window.isWindowModified()


def test_an_unexpected_save_error_is_shown_not_lost(qtbot, window, boxes, tmp_path,
                                                    monkeypatch, capsys):
    target = tmp_path / "lab.nnviz"
    assert window.save_file(target)
    window.design.add_layer("hidden", x=50.0, y=60.0)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk gremlins")

    with monkeypatch.context() as patch:
        patch.setattr(Project, "save", broken)
        window.close()
    assert window.isVisible() and window.isWindowModified()
    assert len(boxes["errors"]) == 1 and "disk gremlins" in boxes["errors"][0]
    assert "RuntimeError" in capsys.readouterr().err  # the traceback, for a bug report
    boxes["answer"] = Btn.Discard
    window.close()
    assert not window.isVisible()


def test_unsaved_question_shows_the_file_name_as_plain_text(qtbot, window, boxes, tmp_path):
    path = tmp_path / "<b style='color:red'>HACKED<br>.nnviz"
    Project.lecture_example().save(path)
    assert window.open_file(path)
    window.design.add_layer("hidden", x=50.0, y=60.0)
    boxes["answer"] = Btn.Cancel
    window.close()
    assert window.isVisible()
    (text, fmt), = boxes["questions"]
    assert "<b style='color:red'>HACKED<br>.nnviz" in text and "not saved" in text
    assert fmt == Qt.TextFormat.PlainText
    boxes["answer"] = Btn.Discard
    window.close()
    assert not window.isVisible()
