"""The standard binary Keras model, imported over the default two-class data, trains at once.

``Dense(1, activation="sigmoid")`` with ``binary_crossentropy`` was "not ready to train"
with the advice "set its units to 2"; now the data set gives it 0/1 targets.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from nnviz.run_status import RunStatus

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
    assert "set its units" not in label and label.startswith("✓ Ready to train")
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
