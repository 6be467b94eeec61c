"""Regression tests for the training UI's code review (one test per finding).

GUI paths are driven with real clicks and keys, as in tests/ui/test_walkthrough.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from nnviz.document.selection import ConnectionSel, NeuronSel
from nnviz.resources import example_path
from nnviz.session.lecture_info import LectureInfo
from tests.ui.helpers import type_into


@pytest.fixture(autouse=True)  # every box of the module's windows is answered
def dialogs(monkeypatch):
    """Message boxes answer at once; what they would have said is kept."""
    log = {"questions": [], "errors": []}
    Btn = QMessageBox.StandardButton

    def question(parent, title, text, *args, **kwargs):
        log["questions"].append(text)
        return Btn.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    def exec_(box):
        if box.objectName() == "unsavedChangesDialog":
            log["questions"].append(box.text())
            return Btn.Discard
        log["errors"].append(box.text())
        return Btn.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    for name in ("critical", "warning"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(
            lambda parent, title, text, *a, **k: log["errors"].append(text) or Btn.Ok))
    return log


pytestmark = pytest.mark.window(size=(1300, 850), ask_unsaved=True)


def _choose(qtbot, combo, data) -> None:
    """Pick the combo entry with ``data`` by keyboard."""
    combo.setFocus()
    index = combo.findData(data)
    assert index >= 0, data
    steps = index - combo.currentIndex()
    key = Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up
    for _ in range(abs(steps)):
        qtbot.keyClick(combo, key)


def _click_step(qtbot, ctl, button) -> None:
    frames = ctl.frames
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.frames > frames, timeout=5000)


def _diverge(window, qtbot) -> None:
    """The sine regression with plain SGD at learning rate 10: training blows up."""
    assert window.open_file(example_path("sine"))
    ctl, panel = window.training, window.training.panel
    qtbot.waitUntil(lambda: ctl.snapshot is not None, timeout=5000)
    _choose(qtbot, panel.optimizer_combo, "sgd")
    assert window.project.training.optimizer == "sgd"
    type_into(panel.learning_rate, "10")
    assert window.project.training.learning_rate == 10.0


# ---------------------------------------------------------------- 1: lower rate carries on
def test_a_lower_learning_rate_after_divergence_lets_training_go_on(window, qtbot):
    ctl, panel = window.training, window.training.panel
    _diverge(window, qtbot)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.diverged is not None, timeout=20000)
    qtbot.waitUntil(lambda: panel.train_button.text() == "Train", timeout=5000)
    type_into(panel.learning_rate, "0.01")
    # The update stage is renamed for the new rate (the engine's stage list).
    qtbot.waitUntil(lambda: "learning rate 0.01" in ctl.session.stepper.stages[-1].label,
                    timeout=3000)
    _click_step(qtbot, ctl, panel.step_button)
    # It stepped: the first forward stage of a batch, no "diverged" refusal.
    assert ctl.trace is not None and ctl.trace.stage.kind == "forward"
    assert ctl.snapshot.diverged is None
    assert "diverged" not in panel.message.text(), panel.message.text()
    # The kept weights are huge, so the loss may overflow again: then it says 0.01, not 10.
    for _ in range(len(ctl.session.stepper.stages)):
        _click_step(qtbot, ctl, panel.step_button)
        if ctl.snapshot.diverged:
            assert "learning rate 0.01" in ctl.snapshot.diverged
            break
        if "Next: Update" in panel.stage_label.text():
            assert "learning rate 0.01" in panel.stage_label.text()
            break


# ---------------------------------------------------------------- 9: the trace published
def test_divergence_in_fast_training_publishes_no_old_stepped_trace(window, qtbot):
    ctl, panel = window.training, window.training.panel
    _diverge(window, qtbot)
    _click_step(qtbot, ctl, panel.step_button)  # a trace of batch 0, stage 1
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.diverged is not None, timeout=20000)
    snap = ctl.snapshot
    if snap.trace is not None:
        # Only the batch that diverged, and never the stepper's own (still written) object.
        assert snap.trace.step == snap.global_step, (snap.trace.step, snap.global_step)
        assert snap.trace is not ctl.session.stepper.trace
    assert ctl.snapshot.global_step > 1


# ---------------------------------------------------------------- 2: no duplicated points
# ---------------------------------------------------------------- 5 and 13
def test_a_failed_rebuild_forgets_the_old_trace_and_layer_ids(window, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtTest import QTest

    ctl, panel = window.training, window.training.panel
    _click_step(qtbot, ctl, panel.step_button)
    assert ctl.trace is not None
    ids = ctl.layer_ids
    assert ids == [spec.id for spec in window.design.chain()]
    out = ids[-1]
    item = window.scene.layer_item(out)
    header = window.canvas.mapFromScene(item.mapToScene(QPointF(-30, -item.height / 2 + 7)))
    window.canvas.setFocus()
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=header)
    assert item.isSelected()
    QTest.keyClick(window.canvas.viewport(), Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "output layer" in panel.message.text(), timeout=3000)
    assert ctl.trace is None
    assert ctl.layer_ids == []


# ---------------------------------------------------------------- 6: many classes
def test_the_output_map_colours_more_classes_than_the_palette_has(qtbot):
    from ui.training.plots import CLASS_COLORS, PlotsDock

    dock = PlotsDock()
    qtbot.addWidget(dock)
    k = len(CLASS_COLORS) + 10  # a CSV may have 20 integer classes
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 2))
    y = np.eye(k)[rng.integers(0, k, size=30)]
    dock.set_data(x, y, "classification")
    values = rng.dirichlet(np.ones(k), size=(8, 8))
    dock.set_boundary({"kind": "plane", "rect": (0.0, 1.0, 0.0, 1.0), "values": values})
    image = dock.boundary_image.image
    assert image is not None and image.shape == (8, 8, 3)


# ---------------------------------------------------------------- 7: a diverging softmax
def test_a_softmax_neuron_with_a_huge_z_is_written_not_a_crash(qtbot):
    from nnviz.engine.training import Stage, StageTrace
    from ui.training.lecture_view import LectureView

    view = LectureView()
    qtbot.addWidget(view)
    z = np.array([[800.0, 1.0, 2.0]])
    a = np.array([[1.0, 0.0, 0.0]])
    trace = StageTrace(stage=Stage("forward", 0, "Forward: out"), epoch=0, batch=0, step=0,
                       x=np.array([[1.0, 2.0]]), y=np.array([[1.0, 0.0, 0.0]]), z=[z], a=[a],
                       dA=[None], dZ=[None], dW=[None], db=[None])
    weights = [np.ones((2, 3)), np.zeros(3)]
    info = LectureInfo(ids=("in", "out"), names=("Input", "Output"), activations=("softmax",))
    view.show_state(NeuronSel("out", 0), trace, weights, info)
    text = view.plain_text()
    assert "Neuron y1 of Output" in text and "∞" in text, text


# ---------------------------------------------------------------- 3, 4, 11: history
def test_store_history_mid_training_writes_the_engines_history(window, qtbot):
    ctl, panel = window.training, window.training.panel
    assert not window.is_modified()
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.epoch >= 1, timeout=10000)
    ctl.store_history()  # what MainWindow.closeEvent does before asking to save
    history = window.project.history
    assert len(history["batch_loss"]) >= ctl.snapshot.batches_per_epoch
    assert len(history["epoch_loss"]) >= 1
    assert len(history["batch_accuracy"]) == len(history["batch_loss"])
    assert window.is_modified(), "training mid-run does not count as a change"
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ctl.snapshot.running, timeout=5000)
    ctl.store_history()
    # Once paused, the project holds exactly the engine's history.
    engine = ctl.session.stepper.history.to_dict()
    assert window.project.history == {k: v for k, v in engine.items() if v}


def test_reset_clears_the_projects_history(window, qtbot):
    ctl, panel = window.training, window.training.panel
    _click_step(qtbot, ctl, panel.epoch_button)
    qtbot.waitUntil(lambda: bool(window.project.history.get("epoch_loss")), timeout=5000)
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.global_step == 0, timeout=5000)
    assert window.project.history == {}


# ---------------------------------------------------------------- 10, 11: lecture view
def _update_trace(loss_y, y_pred):
    from nnviz.engine.training import Stage, StageTrace

    W_before, W_after = np.array([[0.5, -0.25, 1.0]]), np.array([[0.375, -0.125, 0.875]])
    return StageTrace(
        stage=Stage("update", None, "Update weights"), epoch=0, batch=0, step=0,
        x=np.array([[2.0]]), y=np.array(loss_y), z=[np.zeros((1, 3))], a=[np.array(y_pred)],
        y_pred=np.array(y_pred), loss=0.5, dA=[np.zeros((1, 3))], dZ=[np.full((1, 3), 0.1)],
        dW=[np.full((1, 3), 0.2)], db=[np.zeros(3)], W_before=[W_before],
        b_before=[np.zeros(3)], W_after=[W_after], b_after=[np.zeros(3)], learning_rate=0.01)


def _lecture(qtbot, loss, optimizer, trace):
    from ui.training.lecture_view import LectureView

    view = LectureView()
    qtbot.addWidget(view)
    info = LectureInfo(ids=("in", "out"), names=("Input", "Output"), activations=("softmax",),
                       loss=loss, optimizer=optimizer, learning_rate=0.01)
    view.show_state(ConnectionSel("in", "out", 0, 0), trace,
                    [trace.W_after[0], np.zeros(3)], info)
    return view.plain_text()


def test_adam_is_not_shown_with_the_sgd_rule(qtbot):
    trace = _update_trace([[0.0, 0.0, 1.0]], [[0.2, 0.3, 0.5]])
    text = _lecture(qtbot, "categorical_crossentropy", "adam", trace)
    assert "Adam" in text and "0.500" in text and "0.375" in text, text
    assert "lr · ∂L/∂w" not in text, text
    sgd = _lecture(qtbot, "categorical_crossentropy", "sgd", trace)
    assert "lr · ∂L/∂w" in sgd, sgd


def test_sparse_labels_get_the_engines_loss_of_the_sample(qtbot):
    trace = _update_trace([[2.0]], [[0.2, 0.3, 0.5]])
    text = _lecture(qtbot, "sparse_categorical_crossentropy", "sgd", trace)
    assert "Loss: sparse categorical crossentropy" in text, text
    from ui.training.lecture_view import fmt

    assert fmt(-np.log(0.5)) in text, text


# ---------------------------------------------------------------- 12, 14: no dead API
def test_the_worker_owns_no_run_only_the_thread_plumbing(qapp):
    from nnviz.session.session import Session
    from ui.training.worker import TrainingWorker

    session = Session()
    worker = TrainingWorker(session)
    assert worker.session is session
    # The run (model, stepper, history) is the session's; the worker keeps none of its own.
    assert not any(hasattr(worker, name) for name in ("stepper", "model", "history"))
