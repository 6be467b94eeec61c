"""Training changes the project: closing or saving must not lose it."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from nnviz.files.project import Project

Btn = QMessageBox.StandardButton


@pytest.fixture(autouse=True)  # every box of the module's windows is answered
def questions(monkeypatch):
    """Every "save changes?" question asked, answered with Discard."""
    asked = []

    def exec_(box):
        assert box.objectName() == "unsavedChangesDialog", box.informativeText()
        asked.append(box.text())
        return Btn.Discard

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return asked


pytestmark = pytest.mark.window(size=(1200, 760), ask_unsaved=True)


def _train_a_little(qtbot, window):
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.training.snapshot is not None
                    and window.training.snapshot.epoch >= 2, timeout=20000)


def test_closing_while_training_asks_to_save(qtbot, window, questions):
    assert not window.is_modified()
    _train_a_little(qtbot, window)
    window.close()
    assert len(questions) == 1 and "not saved" in questions[0]
    assert not window.training.thread.isRunning()


def test_saving_while_training_writes_the_history_so_far(qtbot, window, tmp_path):
    _train_a_little(qtbot, window)
    path = tmp_path / "running.nnviz"
    assert window.save_file(path)
    saved = Project.load(path).history
    assert len(saved["epoch_loss"]) >= 2
    assert len(saved["batch_loss"]) > len(saved["epoch_loss"])
