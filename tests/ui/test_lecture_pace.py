"""The window starts at a pace a class can follow (issue 21, "Defaults that teach").

"Still training after 3 s of wall time" is a timing claim, so it is tested through the
pace setting: at the default speed every frame of Train is one batch, and the speed caps
the batches per second, so the lecture's epochs take at least that many seconds.
"""
from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from ui.training.panel import DEFAULT_SPEED

pytestmark = pytest.mark.window(fast=False)


def test_train_starts_at_a_pace_whose_batch_budget_takes_seconds(window, qtbot):
    panel = window.training.panel
    speed = panel.speed_combo.currentData()
    assert speed == DEFAULT_SPEED > 0  # not "As fast as possible" ...
    assert panel.speed_combo.findData(0.0) >= 0  # ... which stays a choice
    assert window.training.worker.speed == speed
    # The lecture's run at most `speed` batches a second: far more than 3 s of it.
    training = window.project.training
    data = window.session.dataset()
    batches = training.epochs * math.ceil(data.n_train / training.batch_size)
    assert batches / speed >= 3.0

    # Each frame of Train brings one batch: the loss readout changes batch by batch.
    steps = []
    window.training.sig_frame.connect(
        lambda: steps.append(window.training.snapshot.global_step))
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(steps) >= 6, timeout=10000)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)  # Pause
    qtbot.waitUntil(lambda: not window.session.training, timeout=5000)
    moves = [b - a for a, b in zip(steps, steps[1:6])]
    assert moves and all(m <= 1 for m in moves), steps
    assert sum(moves) >= 3, steps
    assert window.session.stepper.epoch < training.epochs
