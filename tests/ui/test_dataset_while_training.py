"""Choosing another data set while a network of another input size trains (found by the
monkey): the views are never asked to draw the old network on the new data."""
from PySide6.QtCore import Qt

from nnviz import resources
from nnviz.files.project import Project
from nnviz.session.run_status import RunStatus


def test_a_two_input_data_set_chosen_while_the_iris_net_trains(qtbot, make_window):
    project = Project.load(resources.example_path("iris"))
    project.training.epochs = 100_000
    window = make_window(project)
    qtbot.mouseClick(window.training.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.stepper.epoch >= 2, timeout=20000)
    seen = []
    window.session.events.status_changed.connect(
        lambda status, _why: seen.append((status, window.session.model)))
    combo = window.training.panel.dataset_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # iris -> the data set above it (2 inputs)
    assert window.session.project.dataset.name != "iris"
    assert window.session.dataset().n_features == 2
    assert not window.session.training
    # The one status heard is the new run's, told once its network fits the new data.
    assert [status for status, _m in seen] == [window.session.status]
    assert all(model is None or model.input_dim == 2 for _s, model in seen)
    assert window.session.status is not RunStatus.TRAINING
