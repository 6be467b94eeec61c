"""Training you watch (issue 14): frames paced with the drawing, nothing lost, pause at once."""
from PySide6.QtCore import Qt

from tests.ui.helpers import assert_never
from ui.training import worker as worker_module


def _train_until(qtbot, window, epochs):
    panel = window.training.panel
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.stepper.epoch >= epochs, timeout=20000)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.session.training, timeout=5000)


def test_training_draws_frames_and_every_point_reaches_the_plots(qtbot, window):
    presenter, plots = window.training.presenter, window.training.plots
    frames = presenter.frames
    _train_until(qtbot, window, 30)
    history = window.session.stepper.history
    assert presenter.frames > frames + 2
    # Pause draws the run as it is: every batch's and every epoch's point is on the plots,
    # although while training the loss curves were redrawn only on their turns.
    for key in ("batch_loss", "epoch_loss", "epoch_accuracy", "val_loss"):
        assert plots.point_count(key) == len(getattr(history, key)) > 0
    frame = presenter.frame
    assert frame.global_step == window.session.stepper.global_step
    assert frame.snapshot_epochs == [e for e, _w in window.session.stepper.snapshots]


def test_pause_stops_training_at_once(qtbot, window):
    _train_until(qtbot, window, 2)
    stepper = window.session.stepper
    step = stepper.global_step
    assert_never(qtbot, lambda: stepper.global_step != step, "a batch trained after Pause")
    assert window.training.presenter.frame.running is False


def test_the_chunk_follows_the_drawing_cost_not_a_fixed_length(window):
    worker = window.training.worker
    for _ in range(50):
        worker.frame_done(0.002)     # cheap frames: many of them, within the frame budget
    assert abs(worker.chunk_seconds() - (worker_module.FRAME_SECONDS - worker.draw_seconds)) \
        < 1e-9
    assert worker.chunk_seconds() >= 4 * worker.draw_seconds
    for _ in range(50):
        worker.frame_done(0.012)     # dear frames: training keeps its share of the time
    share = worker.chunk_seconds() / (worker.chunk_seconds() + worker.draw_seconds)
    assert share >= worker_module.TRAIN_SHARE - 1e-9
    for _ in range(50):
        worker.frame_done(1.0)       # a stalled window: chunks stay bounded
    assert worker.chunk_seconds() == worker_module.CHUNK_SECONDS
