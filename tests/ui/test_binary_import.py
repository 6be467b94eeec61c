"""The standard binary Keras model, imported over the default two-class data, trains at once.

``Dense(1, activation="sigmoid")`` with ``binary_crossentropy`` was "not ready to train"
with the advice "set its units to 2"; now the data set gives it 0/1 targets.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from nnviz.session.run_status import RunStatus

BINARY_NET = """import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(8, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=6, batch_size=16)
"""


def test_file_import_of_the_binary_model_trains_at_once(make_window, qtbot, tmp_path,
                                                         monkeypatch):
    win = make_window()
    assert win.session.dataset().n_classes == 2  # the default data: two classes
    path = tmp_path / "binary.py"
    path.write_text(BINARY_NET)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (str(path), "Python / Keras code (*.py *.txt)"))
    win.findChild(QAction, "actionImportKeras").trigger()
    chain = win.design.chain()
    assert [(s.units, s.activation) for s in chain[1:]] == [(8, "relu"), (1, "sigmoid")]
    assert win.project.training.loss == "binary_crossentropy"
    assert win.session.problem == ""
    label = win.validation_label.text()
    assert "set its units" not in label and label.startswith("✓ Network OK")
    ctl = win.training
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.session.status is RunStatus.FINISHED, timeout=30000)
    qtbot.waitUntil(lambda: ctl.plots.point_count("epoch_loss") == 6, timeout=5000)
    loss = ctl.plots.series("epoch_loss")
    assert loss[-1] < loss[0]
    assert ctl.plots.point_count("epoch_accuracy") == 6
    stepper = win.session.stepper
    assert set(stepper.y[:, 0]) == {0.0, 1.0}
    assert stepper.threshold == 0.5


def test_the_lecture_derives_binary_cross_entropy(make_window, qtbot):
    """One sigmoid unit with BCE: the loss's formula with sample 1's numbers, and the
    output's delta ŷ − y (÷B) that sigmoid and the logarithms cancel to."""
    import numpy as np

    from tests.ui.test_lecture_view import click_neuron, click_step
    from ui.training.lecture_view import fmt

    win = make_window(fit=True)
    out = win.design.chain()[-1]
    win.design.set_units(out.id, 1)
    win.design.set_activation(out.id, "sigmoid")
    win.session.set_setting(loss="binary_crossentropy")
    click_neuron(qtbot, win, win.training.layer_ids[-1], 0)
    for _ in range(4):  # forward x2, loss, backward through the output layer
        click_step(qtbot, win)
    trace = win.training.trace
    y, p = float(trace.y[0, 0]), float(trace.y_pred[0, 0])
    assert y in (0.0, 1.0)
    text = " ".join(win.training.lecture.plain_text().split())
    assert "Loss: binary crossentropy" in text
    sample = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert f"−([{fmt(y, 0)}·ln {fmt(p)} + (1 − {fmt(y, 0)})·ln(1 − {fmt(p)})]) / 1 = " \
           f"{fmt(sample)}" in text
    assert "Sigmoid with binary cross-entropy: the same as (ŷ1 − y1) / (k·B) = " \
           f"({fmt(p)} − {fmt(y, 0)}) / (1·4) = {fmt(trace.dZ[1][0, 0])}" in text
    np.testing.assert_allclose(trace.dZ[1][0, 0], (p - y) / 4)


def test_the_output_map_colours_a_tanh_unit_by_its_sign(qtbot):
    """A tanh unit's −1 is class 0 and +1 class 1 (clipping to 0..1 made every negative
    output class 0 at full confidence, and 0, the boundary, too)."""
    import numpy as np

    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential
    from ui.training.plots import PlotsDock
    from ui.training.worker import output_map

    dock = PlotsDock()
    qtbot.addWidget(dock)
    x = np.array([[-1.0, 0.0], [1.0, 0.0]])
    dock.set_data(x, np.eye(2), "classification")
    model = Sequential([Dense(1, input_shape=(2,), activation="tanh")])
    model.set_weights([np.array([[5.0], [0.0]]), np.array([0.0])])
    boundary = output_map(model, (-1.0, 1.0, -1.0, 1.0))
    assert boundary["targets"] == (-1.0, 1.0)
    dock.set_boundary(boundary)
    image = dock.boundary_image.image.astype(float)
    colors = dock._class_colors
    left, middle, right = image[0, 32], image[32, 32], image[-1, 32]
    # Left (tanh ≈ −1) is nearest class 0's colour, right (≈ +1) class 1's.
    assert np.linalg.norm(left - colors[0]) < np.linalg.norm(left - colors[1])
    assert np.linalg.norm(right - colors[1]) < np.linalg.norm(right - colors[0])
    # At the boundary (tanh = 0) the map is pale: nearer the background than either end.
    bg = dock._bg_rgb
    ends = min(np.linalg.norm(left - bg), np.linalg.norm(right - bg))
    assert np.linalg.norm(middle - bg) < 0.5 * ends


def test_the_lecture_writes_a_tanh_units_target_as_plus_or_minus_one(make_window, qtbot):
    """Playground's classifier in the Lecture view: MSE against −1 or +1, written as such."""
    from tests.ui.test_lecture_view import click_neuron, click_step
    from ui.training.lecture_view import fmt

    win = make_window(fit=True)
    out = win.design.chain()[-1]
    win.design.set_units(out.id, 1)
    win.design.set_activation(out.id, "tanh")
    win.session.set_setting(loss="mean_squared_error")
    click_neuron(qtbot, win, win.training.layer_ids[-1], 0)
    for _ in range(3):  # forward x2, loss
        click_step(qtbot, win)
    trace = win.training.trace
    y, p = float(trace.y[0, 0]), float(trace.y_pred[0, 0])
    assert y == -1.0  # sample 1 of the lecture's data: the target once written "−1.000"
    text = " ".join(win.training.lecture.plain_text().split())
    assert f"(({fmt(y, 0)} − {fmt(p)})²) / 1 = {fmt((y - p) ** 2)}" in text


def test_the_status_bar_says_why_one_unit_with_categorical_loss_cannot_learn(make_window, qtbot):
    """A sound design the run refuses is not "Ready to train": the bar says why."""
    win = make_window()
    out = win.design.chain()[-1]
    win.design.set_units(out.id, 1)
    win.design.set_activation(out.id, "sigmoid")  # the loss is still categorical
    label = win.validation_label
    qtbot.waitUntil(lambda: label.text().startswith(
        "⚠ Categorical cross-entropy on a 1-unit output is always 0"), timeout=3000)
    assert "use binary cross-entropy" in label.text()
    win.session.set_setting(loss="binary_crossentropy")
    qtbot.waitUntil(lambda: label.text().startswith("✓ Network OK"), timeout=3000)


def test_a_one_unit_output_says_which_value_is_which_class(make_window, qtbot):
    """One sigmoid (or tanh) unit for two classes had no class name beside it: the class
    could not tell what y1 = 0.40 meant."""
    win = make_window()
    out = win.design.chain()[-1]
    neurons = win.scene.layer_item(out.id).neurons
    assert neurons.class_names() == ["outer", "inner"]  # the lecture's softmax pair
    win.design.set_units(out.id, 1)
    win.design.set_activation(out.id, "sigmoid")
    win.session.set_setting(loss="binary_crossentropy")
    qtbot.waitUntil(lambda: win.scene.layer_item(out.id).neurons.class_names() ==
                    ["1 = inner, 0 = outer"], timeout=3000)
    win.design.set_activation(out.id, "tanh")
    win.session.set_setting(loss="mean_squared_error")
    qtbot.waitUntil(lambda: win.scene.layer_item(out.id).neurons.class_names() ==
                    ["1 = inner, \u22121 = outer"], timeout=3000)
    win.design.set_activation(out.id, "linear")  # no two targets: no line
    qtbot.waitUntil(lambda: win.scene.layer_item(out.id).neurons.class_names() is None,
                    timeout=3000)
