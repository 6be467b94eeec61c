"""Issue 20 point 1 / issue 21 point 6: every view renders the session's one run status.

"Training is running" stayed in the Lecture view after training ended and under a
divergence message; the panel said epoch 50 while the Lecture view said Epoch 51; the
loss readout said "Loss: –" at the very stage that computes L.
"""
from __future__ import annotations

import re

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from nnviz import resources
from nnviz.files.project import Project
from nnviz.session.run_status import RunStatus

RUNNING = "Training is running"


def state(window) -> str:
    QApplication.processEvents()
    return window.findChild(QLabel, "runStateLabel").text()


def test_a_finished_run_leaves_no_running_text_anywhere(make_window, qtbot):
    project = Project.lecture_example()
    project.update_training(epochs=300)
    win = make_window(project)
    ctl = win.training
    said = []
    ctl.presenter.sig_frame.connect(lambda: said.append(RUNNING in ctl.lecture.plain_text()))
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is RunStatus.FINISHED, timeout=30000)
    qtbot.waitUntil(lambda: state(win) == "Done: 300 epochs trained", timeout=5000)
    assert any(said)  # it did say so while training
    assert RUNNING not in ctl.lecture.plain_text()
    assert ctl.panel.train_button.text() == "Train" and not ctl.panel.train_button.isChecked()
    assert ctl.panel.counters.text().startswith("epoch 300 ·")
    assert win.session.undo_stack.undo_text == "Train (300 epochs)"
    # Beside "Done", the design check says only that the design is sound.
    assert win.validation_label.text().startswith("✓ Network OK")


def test_divergence_shows_no_running_text(make_window, qtbot):
    session_project = Project.load(resources.example_path("sine"))
    session_project.update_training(optimizer="sgd", learning_rate=10.0, epochs=500)
    win = make_window(session_project)
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is RunStatus.DIVERGED, timeout=20000)
    qtbot.waitUntil(lambda: state(win).startswith("Diverged: "), timeout=5000)
    text = ctl.lecture.plain_text()
    assert win.session.stepper.diverged.split(". ")[0] in text
    assert RUNNING not in text
    assert ctl.panel.train_button.text() == "Train"


def test_one_epoch_count_past_the_last_epoch(make_window, qtbot):
    project = Project.lecture_example()
    project.update_training(epochs=1)
    win = make_window(project)
    ctl = win.training
    qtbot.mouseClick(ctl.panel.epoch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is RunStatus.FINISHED or
                    ctl.panel.counters.text().startswith("epoch 1 ·"), timeout=5000)
    assert ctl.panel.counters.text().startswith("epoch 1 ·")
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)  # into epoch 2
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=5000)
    lecture = re.search(r"Epoch (\d+), batch (\d+)", ctl.lecture.plain_text())
    assert lecture is not None
    assert ctl.panel.counters.text().startswith(f"epoch {lecture.group(1)} ·")
    assert state(win) == f"Stepping: epoch {lecture.group(1)}, batch {lecture.group(2)}"


def test_the_loss_stage_fills_the_loss_readout(window, qtbot):
    ctl = window.training
    assert ctl.plots.readout_text().startswith("Loss: –")
    while window.session.stepper.next_stage.kind != "loss":
        qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)  # the loss stage
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=5000)
    loss = ctl.trace.loss
    assert loss is not None
    assert ctl.plots.readout_text().startswith(f"Loss: this batch {loss:.4g}")


def test_after_a_batchs_update_the_status_names_that_batch_as_the_lecture_does(window, qtbot):
    """The update stage is the last of batch 1: the status says batch 1, not the next one."""
    ctl = window.training
    while True:
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=before: ctl.frames > b, timeout=5000)
        if ctl.presenter.trace is not None and ctl.presenter.trace.stage.kind == "update":
            break
    lecture = re.search(r"Epoch (\d+), batch (\d+)", ctl.lecture.plain_text())
    assert lecture is not None and lecture.groups() == ("1", "1")
    assert state(window) == "Stepping: epoch 1, batch 1"
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)  # batch 2 begins
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=5000)
    assert state(window) == "Stepping: epoch 1, batch 2"
    # The rest of the epoch: its last batch's update is shown, and named, in both places.
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.epoch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.frames > before and window.session.stepper.epoch == 1,
                    timeout=10000)
    lecture = re.search(r"Epoch (\d+), batch (\d+)", ctl.lecture.plain_text())
    assert lecture is not None
    assert state(window) == f"Stepping: epoch {lecture.group(1)}, batch {lecture.group(2)}"


def test_the_epoch_bar_names_the_batch_the_status_and_the_lecture_name(window, qtbot):
    """It said "batch 0 of 40" beside "Stepping: epoch 1, batch 1" (it counted the batches
    done; the others name the batch being computed)."""
    ctl = window.training
    bar = ctl.panel.progress
    for _ in range(12):  # through batch 1 (forward, loss, backward, update) into batch 3
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=before: ctl.frames > b, timeout=5000)
        shown = re.fullmatch(r"Stepping: epoch (\d+), batch (\d+)", state(window))
        assert shown is not None
        lecture = re.search(r"Epoch (\d+), batch (\d+)", ctl.lecture.plain_text())
        assert lecture is not None and lecture.groups() == shown.groups()
        assert bar.text() == f"batch {shown.group(2)} of {bar.maximum()}"
    assert shown.group(2) != "1"  # it did move on


def test_a_step_right_after_an_update_is_not_drawn_over_by_its_animation(window, qtbot):
    """Epoch, then Step quickly to the backward pass: the update's 0.45 s animation kept
    drawing its weights over the new stage, and at its end put the design's weights back
    where the backward stage showed dL/dw. (The animation is made long here, so that the
    steps surely fall within it on a loaded machine.)"""
    ctl, scene = window.training, window.scene
    before = ctl.frames
    qtbot.mouseClick(ctl.panel.epoch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=5000)
    trace = ctl.presenter.trace
    assert trace.stage.kind == "update"  # the epoch's last batch, whose update animates
    animation = scene.animate_update(trace.W_before, trace.W_after, duration_ms=60_000)
    while ctl.presenter.trace.stage.kind != "backward":
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=before: ctl.frames > b, timeout=5000)
    assert scene.edge_mode() == "gradients"
    qtbot.wait(300)  # the animation's timer would have drawn many frames by now
    assert scene.edge_mode() == "gradients"
    # Stopped (and let go) when the first stage after it was drawn.
    assert not shiboken6.isValid(animation) or \
        animation.state() != animation.State.Running
