"""Issue 23, point 3 in the window: gradient health. A dead relu is flagged with a mark and
its reason; the "Gradients" plot gets one curve per layer that follows training; the
gradient-mode lines show the running mean of |dL/dW| while training; a layer whose
gradient vanishes is named in the status bar."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from nnviz.engine.gradient_health import GRADIENT_DECAY
from nnviz.files.project import Project
from nnviz.session.run_status import RunStatus
from ui.canvas.health_marks import NeuronFlagItem
from ui.canvas.style import format_value

pytestmark = pytest.mark.window(size=(1400, 900), fit=True)


def _train(qtbot, win):
    qtbot.mouseClick(win.training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.training.snapshot is not None and win.training.snapshot.running,
                    timeout=5000)


def _pause(qtbot, win):
    if win.session.status is RunStatus.TRAINING:
        qtbot.mouseClick(win.training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is not RunStatus.TRAINING, timeout=5000)


def test_a_relu_with_a_bias_of_minus_100_is_flagged_dead_with_its_reason(qtbot, window):
    _inp, hidden, _out = window.training.layer_ids
    health = window.health
    assert health.flags == [] and not health.marks.items  # the lecture's net is healthy
    window.design.set_bias(hidden, 1, -100.0)  # the public API a script uses
    qtbot.waitUntil(lambda: len(health.marks.items) == 1, timeout=5000)
    (flag,) = health.flags
    assert (flag.layer, flag.unit, flag.kind) == (0, 1, "dead")
    mark = health.marks.items[0]
    assert isinstance(mark, NeuronFlagItem) and mark.scene() is window.scene
    card = window.scene.layer_item(hidden)
    assert mark.parentItem() is card
    # On neuron 2's circle (upper right), and it says why.
    assert mark.pos().y() < card.offsets[1] < mark.pos().y() + 2 * card.radius
    n = min(200, len(window.session.stepper.x))
    assert mark.toolTip() == (f"{card.name}, neuron 2: dead: relu output is 0 on all {n} "
                              f"samples — its weights get no gradient")
    # Undo brings the neuron back: the mark goes.
    window.design.undo()
    qtbot.waitUntil(lambda: not health.marks.items, timeout=5000)


def test_the_gradient_plot_follows_training_with_one_curve_per_layer(qtbot, window):
    plot = window.health.plot
    assert plot.point_count() == 0
    window.training.plots.tabs.setCurrentWidget(plot.widget)
    _train(qtbot, window)
    qtbot.waitUntil(lambda: plot.point_count() >= 5, timeout=10000)
    _pause(qtbot, window)
    qtbot.waitUntil(lambda: window.training.snapshot is not None
                    and not window.training.snapshot.running, timeout=5000)
    names = [spec.name for spec in window.design.chain()[1:]]
    assert plot.names == names and len(plot.curves) == 2
    x, ys = plot.series()
    assert np.all(np.diff(x) > 0)  # epochs, growing
    # The last point is the run's running mean of each layer's gradient norm.
    summary = window.session.stepper.gradients.summary()
    assert [y[-1] for y in ys] == pytest.approx(list(summary.norms))
    # Drawn, not only stored (the curve's own data: getData() is what is left after
    # downsampling to the plot's pixels).
    assert len(plot.curves[0].xData) == len(x)
    # Reset starts the curves again.
    qtbot.mouseClick(window.training.panel.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: plot.point_count() == 0, timeout=5000)


def test_gradient_lines_show_the_running_mean_while_training(qtbot, window):
    inp, hidden, out = window.training.layer_ids
    scene, panel = window.scene, window.training.panel
    qtbot.mouseClick(panel.show_gradients, Qt.MouseButton.LeftButton)
    assert panel.show_gradients.isChecked()
    bundle = scene.bundle_item(hidden, out)
    seen = []

    def record():
        frame = window.training.snapshot
        if frame is not None and frame.running and frame.gradients is not None:
            seen.append((frame.gradients.batches, np.array(bundle.values()),
                         frame.gradients.kernels[1].copy(), scene.edge_mode()))
    window.training.sig_frame.connect(record)
    _train(qtbot, window)
    qtbot.waitUntil(lambda: len({b for b, *_ in seen}) >= 3, timeout=10000)
    _pause(qtbot, window)
    window.training.sig_frame.disconnect(record)
    for _batches, drawn, mean, mode in seen:
        assert mode == "gradient_mean"
        assert np.allclose(drawn, mean, rtol=0, atol=0)  # the lines are the frame's running mean
    # It changes as training goes on, and it is a mean of |dL/dW|, not one batch's dL/dW.
    assert not np.array_equal(seen[0][1], seen[-1][1])
    assert all(np.all(drawn >= 0) for _b, drawn, *_ in seen)
    assert 0 < GRADIENT_DECAY < 1
    # Paused, the lines keep the run's mean, and a line's tooltip names what it shows.
    qtbot.waitUntil(lambda: not window.training.snapshot.running, timeout=5000)
    assert scene.edge_mode() == "gradient_mean"
    rect = bundle.boundingRect().adjusted(4, 0, -4, 0)
    y0, y1 = scene.layer_item(hidden).neuron_scene_y()[0], scene.layer_item(out).neuron_scene_y()[1]
    point = QPointF(rect.left() + 0.25 * rect.width(), y0 + 0.25 * (y1 - y0))
    mean = window.session.stepper.gradients.summary().kernels[1][0, 1]
    assert scene.tooltip_at(point).startswith(f"mean |dL/dw|[h1 → y2] = {format_value(mean)}")
    # Off, the lines show the weights again.
    qtbot.mouseClick(panel.show_gradients, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: scene.edge_mode() == "weights", timeout=5000)


def test_a_vanishing_gradient_names_its_layer(qtbot, make_window):
    project = Project.lecture_example()
    win = make_window(project, size=(1400, 900))
    inp, hidden, out = win.training.layer_ids
    design = win.design
    design.set_activation(hidden, "sigmoid")
    # Tiny output weights: the error reaching the hidden layer is 1e-5 of the output's.
    kernel = design.kernel(hidden, out)
    for i in range(kernel.shape[0]):
        for j in range(kernel.shape[1]):
            design.set_weight(hidden, out, i, j, 1e-5 * (1 if (i + j) % 2 else -1))
    health = win.health
    assert health.warning_text() == ""
    qtbot.mouseClick(win.training.panel.batch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: health.warnings != [], timeout=5000)
    name = design.layer(hidden).name
    text = health.warning_text()
    assert text.startswith(f"⚠ Vanishing gradient in {name}:")
    assert "barely learns" in text
    assert health.label.isVisible() and health.label.toolTip()
    assert f"Vanishing gradient in {name}" in health.plot.widget.plotItem.titleLabel.text


def test_a_saturated_sigmoid_gets_an_amber_mark_that_says_why(qtbot, window):
    _inp, hidden, _out = window.training.layer_ids
    window.design.set_activation(hidden, "sigmoid")
    window.design.set_bias(hidden, 0, 50.0)  # sigmoid(z + 50) > 0.99 on every sample
    health = window.health
    qtbot.waitUntil(lambda: [f.kind for f in health.flags] == ["saturated"], timeout=5000)
    (mark,) = health.marks.items
    assert mark.kind == "saturated" and mark.unit == 0
    n = min(200, len(window.session.stepper.x))
    assert f"sigmoid output is beyond 0.01…0.99 on {n} of {n} samples" in mark.toolTip()
