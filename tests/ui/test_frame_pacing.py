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


def test_training_on_the_windows_thread_waits_for_each_frame_to_be_drawn(
        qtbot, make_window, monkeypatch):
    """The one regime of training on the window's thread (the fallback when the child
    cannot train): a chunk, its frame, and no more training until the window has drawn
    it (while the window draws, no training holds the GIL). No FrameGate, no pacing."""
    monkeypatch.setenv("NNVIZ_TRAINING_PROCESS", "0")
    monkeypatch.setattr(worker_module, "HANDOFF_TIMEOUT", 60.0)  # only a drawn frame frees it
    window = make_window()
    session, worker = window.session, window.training.worker
    session.set_setting(epochs=100_000)
    done, starts = [], []
    frame_done, train_chunk = worker.frame_done, session.train_chunk

    def counted_frame_done():
        done.append(True)
        frame_done()

    def counted_chunk(*args, **kwargs):
        starts.append(len(done))
        return train_chunk(*args, **kwargs)
    monkeypatch.setattr(worker, "frame_done", counted_frame_done)
    monkeypatch.setattr(session, "train_chunk", counted_chunk)
    panel = window.training.panel
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(starts) >= 30, timeout=20000)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not session.training, timeout=5000)
    assert not session.trains_in_process()
    # Chunk i began after the window had drawn (or dropped) i frames.
    assert all(frames >= i for i, frames in enumerate(starts[:30])), starts[:30]
