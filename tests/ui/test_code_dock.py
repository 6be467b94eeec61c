"""The Code dock: live lecture code, the selected layer's line, Copy, and import back.

Driven as a user does: edits through the window, clicks on the canvas and on the dock's
buttons, Edit > Undo, File > Import Keras Code with the file dialog answered.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFileDialog, QPushButton
from pytestqt.qtbot import QtBot

from tests.io.test_keras_import import RUNNER

NEW_NET = """from keras.layers import Dense
from keras.models import Sequential
from keras.optimizers import Adam

model = Sequential([
    Dense(units=5, input_shape=(2,), activation='tanh'),
    Dense(units=4, activation='sigmoid'),
    Dense(units=2, activation='softmax'),
])
model.compile(optimizer=Adam(learning_rate=0.02), loss='categorical_crossentropy')
model.fit(x, y, epochs=9, batch_size=8)
"""


def structure(window) -> list[tuple]:
    return [(s.kind, s.units, s.activation, s.name) for s in window.design.chain()]


def click_layer(qtbot: QtBot, window, layer_id: str) -> None:
    item = window.scene.layer_item(layer_id)
    pos = window.canvas.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_dock_shows_the_lecture_code_and_follows_edits(window, qtbot):
    dock = window.findChild(QDockWidget, "codeDock")
    assert dock is window.code_dock
    text = dock.plain_text()
    assert "Dense(units=3, input_shape=(2,), activation='relu')" in text
    assert "model.compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy'" \
        in text
    assert "model.fit(x, y, epochs=50, batch_size=4" in text
    # Monospace as a reader sees it, whatever font the system resolves (Qt reports Noto
    # Sans Mono as not fixed-pitch although every letter is equally wide).
    metrics = QFontMetrics(dock.text.font())
    assert metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("WWWW") > 0
    hidden = window.design.chain()[1].id
    window.design.set_units(hidden, 6)
    qtbot.waitUntil(lambda: "Dense(units=6, input_shape=(2,)" in dock.plain_text())
    window.session.set_setting(learning_rate=0.5)
    qtbot.waitUntil(lambda: "SGD(learning_rate=0.5)" in dock.plain_text())
    window.session.set_setting(epochs=12, batch_size=16)
    qtbot.waitUntil(lambda: "epochs=12, batch_size=16" in dock.plain_text())
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: "epochs=50, batch_size=4" in dock.plain_text())


def test_selected_layer_line_is_highlighted(window, qtbot):
    dock = window.code_dock
    chain = window.design.chain()
    click_layer(qtbot, window, chain[2].id)
    qtbot.waitUntil(lambda: dock.highlighted_line == dock.code.lines[chain[2].id])
    assert "Dense(units=2, activation='softmax')" in marked_line(dock)
    click_layer(qtbot, window, chain[1].id)
    qtbot.waitUntil(lambda: "Dense(units=3, input_shape=(2,)" in marked_line(dock))


def marked_line(dock) -> str:
    """The text of the one line the code box marks (its extra selection)."""
    selections = dock.text.extraSelections()
    assert len(selections) == 1
    number = selections[0].cursor.blockNumber()
    return dock.text.document().findBlockByNumber(number).text()


def test_copy_button_puts_the_code_on_the_clipboard(window, qtbot):
    QGuiApplication.clipboard().clear()
    button = window.findChild(QPushButton, "copyCodeButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == window.code_dock.plain_text()
    assert "model = Sequential([" in QGuiApplication.clipboard().text()


def test_paste_and_import_is_one_undo_step(window, qtbot):
    before = structure(window)
    settings_before = window.project.training.to_dict()
    dock = window.code_dock
    dock.paste.setFocus()
    dock.paste.setPlainText(NEW_NET)
    qtbot.mouseClick(dock.import_button, Qt.MouseButton.LeftButton)
    assert [(k, u, a) for k, u, a, _ in structure(window)] == [
        ("input", 2, "linear"), ("hidden", 5, "tanh"), ("hidden", 4, "sigmoid"),
        ("output", 2, "softmax")]
    t = window.project.training
    assert (t.optimizer, t.learning_rate, t.epochs, t.batch_size) == ("adam", 0.02, 9, 8)
    assert not dock.error_label.isVisible()
    qtbot.waitUntil(lambda: "Dense(units=5, input_shape=(2,), activation='tanh')"
                    in dock.plain_text())
    assert window.undo_stack.undo_text == "Import Keras code"
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert structure(window) == before
    assert window.project.training.to_dict() == settings_before
    window.redo_action.trigger()
    assert len(window.design.chain()) == 4


def test_hostile_paste_is_refused_with_its_line_and_nothing_runs(window, qtbot, tmp_path):
    marker = tmp_path / "ran.txt"
    before = structure(window)
    count = window.undo_stack.count
    dock = window.code_dock
    dock.paste.setPlainText("from keras.layers import Dense\n"
                            f"model = Sequential([Dense(units=__import__('os').system("
                            f"'touch {marker}'), input_shape=(2,))])\n")
    qtbot.mouseClick(dock.import_button, Qt.MouseButton.LeftButton)
    assert dock.error_label.isVisible()
    assert dock.error_label.text().startswith("Line 2: ")
    assert "literal" in dock.error_label.text()
    assert dock.paste.textCursor().blockNumber() == 1  # the cursor is on the line
    assert not marker.exists()
    assert structure(window) == before and window.undo_stack.count == count


def test_file_import_keras_code(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "net.py"
    path.write_text(NEW_NET)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (str(path), "Python / Keras code (*.py *.txt)"))
    action = window.findChild(QAction, "actionImportKeras")
    assert action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    assert [s.units for s in window.design.chain()] == [2, 5, 4, 2]
    # A refused file says why in a dialog and changes nothing.
    path.write_text("model = Sequential([Dense(3, input_shape=(2,)), Conv2D(3, 3)])\n")
    errors = []
    monkeypatch.setattr("ui.file_actions.show_error",
                        lambda parent, title, error: errors.append(str(error)))
    action.trigger()
    assert errors and errors[0].startswith("Line 1: 'Conv2D' is not a layer nnviz has")
    assert [s.units for s in window.design.chain()] == [2, 5, 4, 2]


def test_dock_code_run_in_keras_predicts_as_nnviz(window, tmp_path):
    """The code as the dock shows it, run by Keras (JAX CPU) in a subprocess with the
    window's exported .weights.h5, predicts what nnviz predicts."""
    weights = tmp_path / "lecture.weights.h5"
    assert window.export_weights(str(weights))
    code = window.code_dock.plain_text()
    body = "\n".join(line for line in code.splitlines() if not line.startswith("model.fit("))
    script = tmp_path / "dock_code.py"
    script.write_text(RUNNER.format(code=body))
    x = np.random.default_rng(0).normal(size=(10, 2))
    np.save(tmp_path / "x.npy", x)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_ENABLE_X64="1")
    result = subprocess.run([sys.executable, str(script), str(weights), str(tmp_path / "x.npy"),
                             str(tmp_path / "y.npy")], env=env, capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    ours = window.project.build_model().predict(x)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), ours, rtol=0, atol=1e-6)
