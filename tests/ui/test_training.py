"""Training you can watch: stepping, training, pausing, reset, divergence and closing.

Each test drives the training docks with real clicks and keys and compares what the
window shows with a headless reference stepper run on an identical copy of the project.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.document import Design
from nnviz.document.selection import ConnectionSel, NeuronSel
from nnviz.files.project import DatasetSpec, Project
from nnviz.session.run_status import RunStatus
from tests.ui.helpers import assert_never, type_into
from tests.ui.helpers import reference_stepper as _reference
from ui.training.lecture_view import fmt


def _click_and_wait(qtbot, ctl, button):
    before = ctl.frames
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.frames > before and ctl.snapshot is not None
                    and not ctl.snapshot.running, timeout=5000)


def test_step_goes_through_every_stage_and_shows_the_engines_numbers(make_window, qtbot):
    win = make_window()
    ctl, scene = win.training, win.scene
    ref = _reference(win.project)
    shown = []
    orig = scene.set_neuron_values
    scene.set_neuron_values = lambda values: (shown.append(values), orig(values))[1]
    hidden, output = ctl.layer_ids[1], ctl.layer_ids[2]
    scene.sig_selection_changed.emit(NeuronSel(hidden, 1))
    labels = [s.label for s in ref.stages]
    assert len(labels) == 6  # forward x2, loss, backward x2, update
    for expected_label in labels:
        _click_and_wait(qtbot, ctl, ctl.panel.step_button)
        trace = ref.step()
        assert trace.stage.label == expected_label
        assert ctl.panel.stage_label.text().startswith(f"Done: {expected_label}")
        values = shown[-1]
        np.testing.assert_allclose(values[ctl.layer_ids[0]], trace.x[0])
        kind = trace.stage.kind
        text = ctl.lecture.plain_text()
        if kind == "forward" and trace.stage.layer == 0:
            np.testing.assert_allclose(values[hidden], trace.a[0][0])
            z = trace.z[0][0, 1]
            assert f"= {fmt(z)}" in text
            assert f"max(0, {fmt(z)}) = {fmt(trace.a[0][0, 1])}" in text
        if kind == "loss":
            assert fmt(trace.loss) in text
            np.testing.assert_allclose(values[output], trace.a[1][0])
        if kind == "backward":
            np.testing.assert_allclose(values[ctl.layer_ids[trace.stage.layer + 1]],
                                       trace.dZ[trace.stage.layer][0])
        if kind == "update":
            for k, (w_after, b_after) in enumerate(zip(trace.W_after, trace.b_after)):
                src, tgt = ctl.layer_ids[k], ctl.layer_ids[k + 1]
                np.testing.assert_allclose(win.project.design.kernel(src, tgt), w_after)
                np.testing.assert_allclose(win.project.design.bias(tgt), b_after)
    # A connection's gradient and its SGD update, as the engine computed them.
    scene.sig_selection_changed.emit(ConnectionSel(hidden, output, 2, 0))
    text = ctl.lecture.plain_text()
    assert f"= {fmt(trace.dW[1][2, 0])}" in text
    assert f"= {fmt(trace.W_after[1][2, 0])}" in text
    assert ctl.panel.counters.text().startswith("epoch 1 · step 1 · 4 samples")


def test_keyboard_space_steps_and_ctrl_space_trains(make_window, qtbot):
    win = make_window()
    ctl = win.training
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=3000)
    before = ctl.frames
    qtbot.keyClick(win.canvas, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=3000)
    assert "Done: Forward: hidden layer 1" in ctl.panel.stage_label.text()
    qtbot.keyClick(win.canvas, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: "Done: Forward: output layer" in ctl.panel.stage_label.text(),
                    timeout=3000)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ctl.snapshot.running, timeout=3000)
    assert ctl.panel.train_button.text() == "Pause"
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not ctl.snapshot.running, timeout=3000)
    assert ctl.panel.train_button.text() == "Train"


def test_train_then_pause_stops_new_plot_points(make_window, qtbot):
    project = Project.lecture_example()
    project.update_training(epochs=100000)
    win = make_window(project)
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    assert ctl.panel.train_button.text() == "Pause"
    qtbot.waitUntil(lambda: ctl.plots.point_count("batch_loss") > 200, timeout=10000)
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    assert ctl.panel.train_button.text() == "Train"
    qtbot.waitUntil(lambda: not ctl.snapshot.running, timeout=5000)
    count = ctl.plots.point_count("batch_loss")
    assert count == ctl.snapshot.global_step
    # A straggling frame or a batch trained after Pause would show here.
    assert_never(qtbot, lambda: ctl.plots.point_count("batch_loss") != count
                 or ctl.session.stepper.global_step != count, "training went on after Pause")


def test_loss_plot_gains_points_and_falls_on_an_easy_set(make_window, qtbot):
    project = Project.lecture_example()
    # Two Gaussian clouds: linearly separable (the lecture's circles take longer).
    project.set_dataset(DatasetSpec("two_gaussians", {"n_samples": 200, "noise": 0.2, "seed": 0,
                                                      "validation_split": 0.2}))
    project.update_training(epochs=8)
    win = make_window(project)
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is RunStatus.FINISHED, timeout=15000)
    qtbot.waitUntil(lambda: ctl.plots.point_count("epoch_loss") == 8, timeout=5000)
    epoch_loss = ctl.plots.series("epoch_loss")
    assert epoch_loss[-1] < 0.5 * epoch_loss[0]
    assert ctl.plots.point_count("batch_loss") == 8 * ctl.snapshot.batches_per_epoch
    assert ctl.plots.point_count("val_loss") == 8
    x, y = ctl.plots.curve_epoch_loss.getData()
    assert len(x) == 8
    assert ctl.panel.train_button.text() == "Train"
    assert "Done: 8 epochs" in ctl.panel.message.text()
    # The boundary plot got an image of the network's output over the input plane.
    assert ctl.plots.boundary_image.image is not None
    assert ctl.plots.boundary_image.image.shape[:2] == (64, 64)


def test_reset_restores_the_seeded_weights(make_window, qtbot):
    win = make_window()
    ctl, design = win.training, win.project.design
    ids = ctl.layer_ids
    initial = [design.kernel(ids[0], ids[1]).copy(), design.kernel(ids[1], ids[2]).copy()]
    _click_and_wait(qtbot, ctl, ctl.panel.epoch_button)
    assert not np.allclose(design.kernel(ids[0], ids[1]), initial[0])
    assert ctl.plots.point_count("epoch_loss") == 1
    _click_and_wait(qtbot, ctl, ctl.panel.reset_button)
    np.testing.assert_array_equal(design.kernel(ids[0], ids[1]), initial[0])
    np.testing.assert_array_equal(design.kernel(ids[1], ids[2]), initial[1])
    assert ctl.plots.point_count("batch_loss") == 0
    assert ctl.panel.counters.text().startswith("epoch 1 · step 0 ")


def test_closing_mid_training_stops_the_thread_cleanly(make_window, qtbot):
    project = Project.lecture_example()
    project.update_training(epochs=100000)
    win = make_window(project)
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.plots.point_count("batch_loss") > 50, timeout=10000)
    assert ctl.thread.isRunning()
    win.close()
    assert ctl.thread.isFinished()
    assert ctl.worker.thread() is qtbot_app_thread()


def qtbot_app_thread():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance().thread()


def _regression_project(lr: float) -> Project:
    design = Design()
    a = design.add_layer("input", x=-300.0, units=2)
    b = design.add_layer("hidden", x=0.0, units=4, activation="relu")
    c = design.add_layer("output", x=300.0, units=1, activation="linear")
    design.connect(a, b)
    design.connect(b, c)
    project = Project(design)
    project.set_dataset(DatasetSpec("plane", {"n_samples": 100, "noise": 0.1, "seed": 0,
                                              "validation_split": 0.2}))
    project.update_training(loss="mean_squared_error", optimizer="sgd", learning_rate=lr,
                            batch_size=4, epochs=200, metrics=[])
    return project


def test_a_learning_rate_that_blows_up_pauses_with_an_explanation(make_window, qtbot):
    win = make_window(_regression_project(0.1))
    ctl = win.training
    # The student types a learning rate of 10 into the box.
    type_into(ctl.panel.learning_rate, "10")
    assert win.project.training.learning_rate == 10.0
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.diverged is not None, timeout=10000)
    message = ctl.panel.message.text()
    assert "diverged" in message and "epoch" in message and "step" in message
    assert "learning rate 10" in message
    assert ctl.panel.train_button.text() == "Train"
    # The last finite weights are what the design (and so the canvas) keeps.
    ids = ctl.layer_ids
    for src, tgt in zip(ids[:-1], ids[1:]):
        assert np.all(np.isfinite(win.project.design.kernel(src, tgt)))
    assert "diverged" in ctl.lecture.plain_text()


def test_editing_the_design_while_training_pauses_and_keeps_the_weights_that_fit(
        make_window, qtbot):
    project = Project.lecture_example()
    project.update_training(epochs=100000)
    win = make_window(project)
    ctl, design = win.training, win.project.design
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.plots.point_count("batch_loss") > 50, timeout=10000)
    hidden, output = ctl.layer_ids[1], ctl.layer_ids[2]
    design.set_units(hidden, 4)
    assert ctl.panel.train_button.text() == "Train"
    # A shape change starts a new run and says so; the training so far is one undo step.
    assert "New run" in win.statusBar().currentMessage()
    assert "4 neurons" in win.statusBar().currentMessage()
    kept = design.kernel(ctl.layer_ids[0], hidden)[:, :3].copy()
    qtbot.waitUntil(lambda: ctl.snapshot.weights[0].shape == (2, 4), timeout=5000)
    np.testing.assert_array_equal(ctl.snapshot.weights[0][:, :3], kept)
    assert ctl.snapshot.weights[2].shape == (4, 2)
    assert design.kernel(hidden, output).shape == (4, 2)


def test_time_travel_shows_an_old_epoch_and_returns_to_now(make_window, qtbot):
    win = make_window()
    ctl, design = win.training, win.project.design
    ids = ctl.layer_ids
    start = design.kernel(ids[0], ids[1]).copy()
    for _ in range(3):
        _click_and_wait(qtbot, ctl, ctl.panel.epoch_button)
    now = design.kernel(ids[0], ids[1]).copy()
    slider = ctl.panel.time_slider
    assert slider.maximum() == 4 and slider.value() == 4  # epochs 0..3, then "now"
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: ctl.snapshot.travel_index == 0, timeout=5000)
    # Time travel is a view: the picture shows epoch 0, the document keeps "now".
    np.testing.assert_array_equal(ctl.snapshot.weights[0], start)
    np.testing.assert_array_equal(design.kernel(ids[0], ids[1]), now)
    assert ctl.panel.time_label.text() == "after epoch 0"
    assert ctl.plots.loss_marker.isVisible()
    qtbot.mouseClick(ctl.panel.now_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.travel_index is None, timeout=5000)
    np.testing.assert_array_equal(ctl.snapshot.weights[0], now)
    assert ctl.plots.point_count("epoch_loss") == 3


def test_frames_coalesce_and_every_history_point_reaches_the_plots_once(make_window, qtbot):
    """Frames overwrite each other in the worker's slot; the plots still get every point."""
    win = make_window()
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.plots.point_count("batch_loss") > 200, timeout=10000)
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)  # Pause
    history = win.session.stepper.history
    assert ctl.frames < len(history.batch_loss)  # far fewer frames than batches
    for key in ("batch_loss", "batch_accuracy", "epoch_loss", "val_loss"):
        np.testing.assert_array_equal(ctl.plots.series(key), getattr(history, key))
    assert win.training.worker.take_frame() is None or not win.session.training


def test_series_range_ignores_non_finite_values_and_forgets_on_clear():
    from ui.training.plots import GrowingSeries

    s = GrowingSeries(capacity=2)  # grows past its capacity on the way
    s.extend([np.nan, -1.0, 3.0])
    s.extend([0.5, np.inf])
    assert s.finite_range() == (-1.0, 3.0)
    assert s.finite_range(positive=True) == (0.5, 3.0)  # what a log axis can show
    s.clear()
    assert s.finite_range() is None
    s.extend([2.0])
    assert s.finite_range() == (2.0, 2.0)


@pytest.mark.parametrize("x, ceiling", [(0.3, 0.5), (1.0, 1.0), (1.01, 2.0), (3.0, 5.0),
                                        (7.0, 10.0), (123.0, 200.0), (0.0, 1.0)])
def test_plot_x_axis_ends_at_a_one_two_five_step(x, ceiling):
    from ui.training.plots import nice_ceiling

    assert nice_ceiling(x) == pytest.approx(ceiling)


def test_loss_plot_range_covers_the_history_after_training(make_window, qtbot):
    project = Project.lecture_example()
    project.update_training(epochs=6)
    win = make_window(project)
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is RunStatus.FINISHED, timeout=15000)
    qtbot.waitUntil(lambda: ctl.plots.point_count("epoch_loss") == 6, timeout=5000)
    (x0, x1), (y0, y1) = ctl.plots.loss_plot.getViewBox().viewRange()
    assert x0 <= 0 and 6 <= x1 <= 11  # the 1-2-5 step above 6 epochs, plus padding
    losses = ctl.plots.series("batch_loss")
    assert y0 <= losses.min() and losses.max() <= y1
    # Every point of the run is drawn: nothing was lost between coalesced snapshots.
    assert ctl.plots.point_count("batch_loss") == ctl.snapshot.global_step
