"""Feature crosses in the window: a toggle beside the data set adds an input neuron named
by its feature, the network trains on it, and the project reopens with it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from nnviz.files.project import Project
from nnviz.session.run_status import RunStatus


def input_item(window):
    spec = next(s for s in window.design.layers if s.kind == "input")
    return spec, window.scene.layer_item(spec.id)


def test_toggle_adds_a_named_input_neuron_that_trains(window, qtbot, tmp_path):
    toggles = window.training.panel.features
    assert toggles.isEnabled()  # circles has x1 and x2
    button = toggles.buttons["x1_squared"]
    assert button.text() == "x1²" and not button.isChecked()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    spec, item = input_item(window)
    assert spec.units == 3 and item.units == 3
    assert [item.neurons.name(k) for k in range(3)] == ["x1", "x2", "x1²"]
    assert window.undo_stack.undo_text == "Add feature x1²"
    assert window.session.stepper.model.input_dim == 3
    qtbot.waitUntil(lambda: "x = add_features(x)" in window.code_dock.plain_text(), timeout=3000)
    qtbot.mouseClick(toggles.buttons["sin_x1"], Qt.MouseButton.LeftButton)
    spec, item = input_item(window)
    assert [item.neurons.name(k) for k in range(4)] == ["x1", "x2", "x1²", "sin x1"]
    # Train: the run uses the four inputs and ends.
    window.project.update_training(epochs=3)
    qtbot.mouseClick(window.training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.status is RunStatus.FINISHED, timeout=20000)
    losses = window.session.history.epoch_loss
    assert len(losses) == 3 and np.all(np.isfinite(losses))
    # The output map is still drawn over x1 and x2.
    assert window.training.plots.boundary_note.text() == ""
    path = tmp_path / "crosses.nnviz"
    assert window.save_file(path)
    # Undo the toggle: the neuron goes again.
    while window.undo_stack.undo_text != "Add feature sin x1":  # training, epochs
        window.undo_stack.undo()
    window.undo_stack.undo()
    assert input_item(window)[0].units == 3 and not toggles.buttons["sin_x1"].isChecked()


def test_reopened_file_shows_its_crosses(make_window, qtbot, tmp_path):
    first = make_window()
    qtbot.mouseClick(first.training.panel.features.buttons["x1_x2"], Qt.MouseButton.LeftButton)
    path = tmp_path / "crosses.nnviz"
    assert first.save_file(path)
    second = make_window(Project.load(path))
    buttons = second.training.panel.features.buttons
    assert buttons["x1_x2"].isChecked() and not buttons["x1_squared"].isChecked()
    spec, item = input_item(second)
    assert spec.units == 3 and item.neurons.name(2) == "x1·x2"
    assert second.session.stepper is not None


def test_toggles_are_off_for_data_without_two_inputs(window, qtbot):
    combo = window.training.panel.dataset_combo
    combo.setCurrentIndex(combo.findData("iris"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: window.project.dataset.name == "iris", timeout=5000)
    assert not window.training.panel.features.isEnabled()
