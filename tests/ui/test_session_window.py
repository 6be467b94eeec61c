"""Editing and training meet in one session: what a user does in the window (issue 9).

Every test drives the window with real clicks, keys and wheel turns.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnviz import resources
from nnviz.files.project import Project
from tests.ui.helpers import type_into


def _view_point(window, scene_point: QPointF) -> QPoint:
    return window.canvas.mapFromScene(scene_point)


def _connection_point(window, source_id, target_id, i, j) -> QPoint:
    scene = window.scene
    r = scene.bundle_item(source_id, target_id).boundingRect().adjusted(4, 0, -4, 0)
    src = scene.layer_item(source_id).neuron_scene_y()[i]
    tgt = scene.layer_item(target_id).neuron_scene_y()[j]
    return _view_point(window, QPointF(r.left() + 0.25 * r.width(), src + 0.25 * (tgt - src)))


def _lecture(epochs: int = 2) -> Project:
    """The lecture's example, set to train ``epochs`` epochs (Train stops there by itself)."""
    project = Project.lecture_example()
    project.update_training(epochs=epochs)
    return project


def _train_epochs(qtbot, window, n: int) -> None:
    """Click Train and let it run to the project's last epoch (``n`` of them)."""
    ctl = window.training
    assert window.project.training.epochs == window.session.stepper.epoch + n
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    # The session ends the run on the training thread; the window then makes it an undo
    # step and draws it (the run is closed).
    qtbot.waitUntil(lambda: not window.session.training and not window.session.run_open(),
                    timeout=15000)
    assert window.session.stepper.epoch == window.project.training.epochs


def _weights(window):
    return [w.copy() for w in window.session.model.get_weights()]


def _key(window, key, modifier=Qt.KeyboardModifier.ControlModifier) -> None:
    QTest.keyClick(window, key, modifier)


def test_a_project_trained_on_the_command_line_opens_with_its_curves(make_window, qtbot,
                                                                     tmp_path):
    path = tmp_path / "lab.nnviz"
    Project.lecture_example().save(path)
    done = subprocess.run([sys.executable, "-m", "nnviz", "train", str(path), "--epochs", "7"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    window = make_window()
    window.open_file(path)
    ctl = window.training
    assert ctl.plots.point_count("epoch_loss") == 7
    assert ctl.plots.point_count("batch_loss") == 7 * window.session.stepper.batches_per_epoch
    steps = 7 * window.session.stepper.batches_per_epoch
    assert ctl.panel.counters.text().startswith(f"epoch 7 · step {steps} ·")
    assert ctl.panel.time_slider.maximum() == len(window.session.stepper.snapshots)
    assert not window.isWindowModified()


def test_undo_after_training_puts_back_the_weights_before_it(make_window, qtbot):
    window = make_window(_lecture())
    ctl = window.training
    ids = ctl.layer_ids
    # A typed weight first: select a connection by clicking it, type into the inspector.
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=_connection_point(window, ids[0], ids[1], 0, 0))
    qtbot.waitUntil(lambda: window.inspector.weight_spin.isVisible(), timeout=3000)
    type_into(window.inspector.weight_spin, "0.75")
    assert window.design.kernel(ids[0], ids[1])[0, 0] == 0.75
    edited = _weights(window)
    _train_epochs(qtbot, window, 2)
    trained = _weights(window)
    assert window.undo_action.text().startswith("&Undo Train (")
    _key(window, Qt.Key.Key_Z)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(window), edited))
    assert window.session.stepper.epoch == 0 and ctl.plots.point_count("batch_loss") == 0
    assert window.undo_action.text().startswith("&Undo Set weight") or \
        "weight" in window.undo_action.text().lower()
    # Redo with Ctrl+Shift+Z (the menu's key), then Ctrl+Y after another undo.
    _key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
         | Qt.KeyboardModifier.ShiftModifier)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(window), trained))
    assert ctl.plots.point_count("epoch_loss") == window.session.stepper.epoch
    _key(window, Qt.Key.Key_Z)
    _key(window, Qt.Key.Key_Y)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(window), trained))


def test_redo_keys_are_not_ambiguous(make_window, qtbot):
    window = make_window()
    sequences = [s.toString() for s in window.redo_action.shortcuts()]
    assert len(sequences) == len(set(sequences))
    assert "Ctrl+Shift+Z" in sequences and "Ctrl+Y" in sequences


def test_typing_a_weight_after_training_keeps_the_loss_curve(make_window, qtbot):
    window = make_window(_lecture())
    ctl = window.training
    _train_epochs(qtbot, window, 2)
    points = ctl.plots.point_count("batch_loss")
    assert points > 0
    ids = ctl.layer_ids
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=_connection_point(window, ids[1], ids[2], 1, 0))
    qtbot.waitUntil(lambda: window.inspector.weight_spin.isVisible(), timeout=3000)
    type_into(window.inspector.weight_spin, "-0.5")
    assert window.session.model.get_weights()[2][1, 0] == -0.5
    assert ctl.plots.point_count("batch_loss") == points
    assert window.session.stepper.epoch == 2


def test_reset_and_settings_are_undoable(make_window, qtbot):
    window = make_window(_lecture())
    ctl, panel = window.training, window.training.panel
    _train_epochs(qtbot, window, 2)
    trained = _weights(window)
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert window.session.stepper.epoch == 0 and ctl.plots.point_count("epoch_loss") == 0
    assert window.undo_action.text() == "&Undo Reset training"
    _key(window, Qt.Key.Key_Z)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(window), trained))
    assert ctl.plots.point_count("epoch_loss") == 2
    type_into(panel.learning_rate, "0.5")
    assert window.project.training.learning_rate == 0.5
    assert window.undo_action.text() == "&Undo Set learning rate to 0.5"
    assert ctl.plots.point_count("epoch_loss") == 2  # the run goes on
    _key(window, Qt.Key.Key_Z)
    assert panel.learning_rate.value() == pytest.approx(0.1)
    assert window.session.model.optimizer.learning_rate == pytest.approx(0.1)
    # A new seed draws new weights, and says so; undo brings the old ones back.
    type_into(panel.seed, "3")
    assert "seed" in window.statusBar().currentMessage()
    assert not all(np.array_equal(a, b) for a, b in zip(_weights(window), trained))
    _key(window, Qt.Key.Key_Z)
    assert panel.seed.value() == 0
    assert all(np.array_equal(a, b) for a, b in zip(_weights(window), trained))


def test_file_new_replaces_the_whole_session_and_has_nothing_to_save(make_window, qtbot,
                                                                     monkeypatch):
    window = make_window(_lecture())
    ctl = window.training
    _train_epochs(qtbot, window, 2)
    asked = []
    monkeypatch.setattr(window, "maybe_save", lambda: asked.append(1) or True)
    window.new_action.trigger()
    assert ctl.plots.point_count("batch_loss") == 0
    assert ctl.panel.counters.text().startswith("epoch 0") or \
        ctl.panel.counters.text().startswith("epoch 1 · step 0")
    assert ctl.trace is None and "Done" not in ctl.panel.message.text()
    assert not window.isWindowModified() and not window.undo_stack.can_undo
    monkeypatch.undo()  # the real question again: an untouched project asks nothing
    questions = []
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: questions.append(a) or QMessageBox.StandardButton.Cancel)
    assert window.new_file()
    assert questions == []


def test_the_wheel_over_an_unfocused_field_scrolls_instead_of_changing_it(make_window, qtbot):
    window = make_window(size=(1300, 700))
    panel = window.training.panel
    combo, noise = panel.dataset_combo, panel.noise
    window.canvas.setFocus()
    before = (combo.currentIndex(), noise.value(), window.project.dataset.name)
    for widget in (combo, noise, panel.learning_rate, panel.batch_size):
        center = QPointF(widget.rect().center())
        event = QWheelEvent(center, QPointF(widget.mapToGlobal(center.toPoint())), QPoint(0, 0),
                            QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)
    assert (combo.currentIndex(), noise.value(), window.project.dataset.name) == before
    assert window.project.training.learning_rate == 0.1 and not window.undo_stack.can_undo
    # Focused (clicked into), the wheel changes the field as usual.
    noise.setFocus()
    center = QPointF(noise.rect().center())
    QApplication.sendEvent(noise, QWheelEvent(
        center, QPointF(noise.mapToGlobal(center.toPoint())), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False))
    assert noise.value() != before[1]


def test_exported_weight_names_are_stable_however_many_windows_opened(make_window, qtbot,
                                                                      tmp_path):
    for _ in range(3):
        make_window()
    window = make_window()
    path = tmp_path / "w.npz"
    assert window.export_weights(str(path))
    with np.load(path) as data:
        names = sorted(data.files)
    assert names == ["dense.bias", "dense.kernel", "dense_1.bias", "dense_1.kernel"]


def test_saving_an_opened_example_never_writes_the_bundled_file(make_window, qtbot,
                                                               monkeypatch, tmp_path):
    bundled = resources.example_path("sine")
    original = open(bundled, "rb").read()
    window = make_window()
    window.open_file(bundled)
    qtbot.mouseClick(window.training.panel.batch_button, Qt.MouseButton.LeftButton)
    from PySide6.QtWidgets import QFileDialog
    target = tmp_path / "mine.nnviz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    _key(window, Qt.Key.Key_S)
    assert target.exists()
    assert open(bundled, "rb").read() == original
    reopened = Project.load(target)
    assert len(reopened.history.get("batch_loss", [])) == 1
