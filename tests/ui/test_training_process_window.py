"""The window trains in a process of its own (issue 14): it draws while the network trains
on another core, Pause takes the whole run back at once, and the process ends with the
window."""
import os
import signal
import sys

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.files.project import Project
from nnviz.session.session import Session
from tests.ui.helpers import assert_never, type_into


def _press(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _train_in_process(qtbot, window):
    """Press Train; wait until the process trains (the first chunks train here)."""
    session = window.session
    _press(qtbot, window.training.panel.train_button)
    qtbot.waitUntil(lambda: session.trains_in_process() and session.process.running,
                    timeout=30000)
    return session


def _long_run(window):
    """The lecture example trains 50 epochs in well under a second: ask for many more."""
    window.session.set_setting(epochs=100_000)
    return window


def test_the_window_trains_in_its_process_and_pause_takes_the_run_back(qtbot, window):
    _long_run(window)
    session, ctl = window.session, window.training
    panel, presenter = ctl.panel, ctl.presenter
    before = [w.copy() for w in session.model.get_weights()]
    _train_in_process(qtbot, window)
    frames = presenter.frames
    step = session.stepper.global_step
    qtbot.waitUntil(lambda: presenter.frames > frames + 5
                    and session.stepper.global_step > step + 100, timeout=10000)
    # The canvas follows the process's weights while it trains.
    assert any(not np.array_equal(a, b) for a, b in zip(before, presenter.frame.weights))
    _press(qtbot, panel.train_button)  # Pause
    qtbot.waitUntil(lambda: not session.training, timeout=5000)
    assert not session.process.running
    step = session.stepper.global_step
    assert_never(qtbot, lambda: session.stepper.global_step != step,
                 "a batch trained after Pause (here or in the process)")
    assert panel.counters.text().split(" · ")[1] == f"step {step}"
    assert ctl.plots.point_count("batch_loss") == len(session.history.batch_loss) == step
    # Trained partly here (while the process started), then there: the same run as the
    # same number of batches trained without a window.
    alone = Session(Project.lecture_example())
    alone.project.update_training(epochs=100_000)
    assert alone.start_training() == ""
    alone.train_chunk(lambda: alone.stepper.global_step >= step)
    alone.pause()
    assert all(np.array_equal(a, b)
               for a, b in zip(alone.model.get_weights(), session.model.get_weights()))
    assert alone.history.to_dict() == session.history.to_dict()
    # One undo step for the whole run, here and in the process: Ctrl+Z puts back the start.
    assert window.undo_action.text().startswith("&Undo Train (")
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert session.stepper.global_step == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, session.model.get_weights()))
    assert ctl.plots.point_count("batch_loss") == 0


def test_a_setting_changed_while_the_process_trains_patches_the_run(qtbot, window):
    _long_run(window)
    session, panel = window.session, window.training.panel
    _train_in_process(qtbot, window)
    type_into(panel.learning_rate, "0.05")
    assert session.project.training.learning_rate == 0.05
    assert session.training  # the run goes on, in the process again
    step = session.stepper.global_step
    qtbot.waitUntil(lambda: session.process.running and session.stepper.global_step > step,
                    timeout=10000)
    _press(qtbot, panel.train_button)
    qtbot.waitUntil(lambda: not session.training, timeout=5000)
    assert session.model.optimizer.learning_rate == 0.05
    assert len(session.history.batch_loss) == session.stepper.global_step


def test_closing_the_window_ends_its_training_process(qtbot, make_window):
    window = _long_run(make_window())
    session = _train_in_process(qtbot, window)
    child = session.process._proc
    window.maybe_save = lambda: True
    window.close()
    assert child.wait(5) is not None
    assert session.process is None and not session.training


def test_when_the_process_dies_training_goes_on_in_the_window_and_says_so(qtbot, window):
    _long_run(window)
    session, panel = window.session, window.training.panel
    _train_in_process(qtbot, window)
    session.process._proc.kill()
    qtbot.waitUntil(lambda: "window's thread" in window.statusBar().currentMessage(),
                    timeout=10000)
    assert session.training and not session.trains_in_process()
    step = session.stepper.global_step
    qtbot.waitUntil(lambda: session.stepper.global_step > step + 100, timeout=10000)
    _press(qtbot, panel.train_button)
    qtbot.waitUntil(lambda: not session.training, timeout=5000)
    assert len(session.history.batch_loss) == session.stepper.global_step


def test_the_training_process_can_be_turned_off(qtbot, make_window, monkeypatch):
    monkeypatch.setenv("NNVIZ_TRAINING_PROCESS", "0")
    window = _long_run(make_window())
    assert window.session.process is None
    _press(qtbot, window.training.panel.train_button)
    qtbot.waitUntil(lambda: window.session.stepper.global_step > 100, timeout=10000)
    _press(qtbot, window.training.panel.train_button)
    qtbot.waitUntil(lambda: not window.session.training, timeout=5000)


def test_a_window_whose_process_cannot_start_trains_in_its_thread_and_says_so(
        qtbot, window, monkeypatch):
    # No Python to start the child with (a packaged app, a deleted interpreter).
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    _long_run(window)
    session, panel = window.session, window.training.panel
    _press(qtbot, panel.train_button)
    qtbot.waitUntil(lambda: "could not start" in window.statusBar().currentMessage(),
                    timeout=10000)
    assert window.statusBar().currentMessage().startswith(
        "Training continues in the window's thread: The training process could not start: ")
    step = session.stepper.global_step
    qtbot.waitUntil(lambda: session.stepper.global_step > step + 100, timeout=10000)
    assert not session.trains_in_process()
    _press(qtbot, panel.train_button)
    qtbot.waitUntil(lambda: not session.training, timeout=5000)
    assert len(session.history.batch_loss) == session.stepper.global_step


def test_a_stopped_process_is_said_and_replaced_and_never_holds_the_window(qtbot, window):
    _long_run(window)
    session, panel = window.session, window.training.panel
    _train_in_process(qtbot, window)
    child = session.process._proc
    os.kill(child.pid, signal.SIGSTOP)  # a debugger, a frozen machine
    qtbot.waitUntil(lambda: "stopped answering" in window.statusBar().currentMessage(),
                    timeout=10000)
    assert window.statusBar().currentMessage() == (
        "Training continues in the window's thread: The training process stopped answering "
        "(nothing for 1 s) and was ended. A new training process is starting.")
    assert child.wait(5) == -signal.SIGKILL
    # A new process takes the run over where the old one left it.
    qtbot.waitUntil(lambda: session.trains_in_process() and session.process.running
                    and session.process.pid != child.pid, timeout=30000)
    step = session.stepper.global_step
    qtbot.waitUntil(lambda: session.stepper.global_step > step + 100, timeout=10000)
    # Stopped again, then Pause at once: the click returns with the run as last sent.
    child = session.process._proc
    os.kill(child.pid, signal.SIGSTOP)
    _press(qtbot, panel.train_button)
    assert not session.training and not session.process.running
    step = session.stepper.global_step
    assert panel.counters.text().split(" · ")[1] == f"step {step}"
    assert len(session.history.batch_loss) == step
    assert window.undo_action.text().startswith("&Undo Train (")


def test_a_window_deleted_without_close_ends_its_training_process(qtbot):
    # Not make_window: its teardown closes the window, and this one is never closed.
    from ui.main_window import MainWindow

    window = _long_run(MainWindow(Project.lecture_example()))
    window.show()
    qtbot.waitExposed(window)
    speed = window.training.panel.speed_combo  # as fast as possible: the process trains
    speed.setCurrentIndex(speed.findData(0.0))
    session = _train_in_process(qtbot, window)
    child = session.process._proc
    thread = window.training.thread
    window.deleteLater()  # never closed: no closeEvent, no shutdown
    qtbot.waitUntil(lambda: child.poll() is not None, timeout=10000)
    assert child.returncode == 0  # asked to quit, not killed
    assert session.process is None and not session.training
    assert not thread.isRunning()  # a running QThread destroyed would abort the app
