"""Issue 12, point 7: the status bar says what happened (training, paused, diverged and
why, done, exported to FILE, saved), driven by the panel's buttons and typed settings."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from nnviz.resources import example_path
from tests.ui.helpers import type_into


def state(window) -> str:
    label = window.findChild(QLabel, "runStateLabel")
    assert label is not None and label.isVisible()
    QApplication.processEvents()
    return label.text()


def test_training_then_paused_then_exported_and_saved(window, qtbot, tmp_path):
    ctl, panel = window.training, window.training.panel
    window.session.set_setting(epochs=100000)  # long enough to pause by hand
    assert state(window) == "Ready to train"
    assert window.validation_label.text().startswith("✓ Network OK")
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window) == "Training…", timeout=5000)
    # The design check says only that the design is sound: the run's state is the session's.
    assert "Ready to train" not in window.validation_label.text()
    qtbot.waitUntil(lambda: ctl.snapshot is not None and ctl.snapshot.global_step > 0,
                    timeout=10000)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window).startswith("Paused at epoch "), timeout=5000)
    epoch = window.session.stepper.epoch + 1
    assert state(window) == f"Paused at epoch {epoch}"

    path = tmp_path / "weights.npz"
    assert window.export_weights(str(path))
    assert window.statusBar().currentMessage().startswith("Exported weights.npz")
    assert state(window).startswith("Paused")  # the state stays beside the message
    saved = tmp_path / "lesson.nnviz"
    assert window.save_file(str(saved))
    assert window.statusBar().currentMessage() == "Saved lesson.nnviz"

    # Reset starts a new run: ready again.
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: state(window) == "Ready to train", timeout=5000)


def test_divergence_says_so_and_why(window, qtbot):
    ctl, panel = window.training, window.training.panel
    assert window.open_file(example_path("sine"))
    combo = panel.optimizer_combo
    combo.setFocus()
    index = combo.findData("sgd")
    key = Qt.Key.Key_Down if index > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(abs(index - combo.currentIndex())):
        qtbot.keyClick(combo, key)
    assert window.project.training.optimizer == "sgd"
    type_into(panel.learning_rate, "10")
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot is not None and ctl.snapshot.diverged is not None,
                    timeout=20000)
    qtbot.waitUntil(lambda: state(window).startswith("Diverged: "), timeout=5000)
    assert "learning rate" in window.findChild(QLabel, "runStateLabel").toolTip()


def test_finishing_every_epoch_says_done(window, qtbot):
    ctl, panel = window.training, window.training.panel
    window.session.set_setting(epochs=2)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.training and ctl.snapshot is not None
                    and ctl.snapshot.epoch >= 2, timeout=20000)
    qtbot.waitUntil(lambda: state(window) == "Done: 2 epochs trained", timeout=5000)
