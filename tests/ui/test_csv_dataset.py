"""Issue 10.2 and 10.6 (window part): a CSV data set in the training panel.

The CSV file is picked with "Load CSV..." (the file dialog answers a temporary file),
parsed on a thread with a progress dialog and Cancel, and handed to the session without
a second parse. Fields that do not apply to a CSV file (Size, Noise) are disabled, so the
project can always be trained, saved and opened again.
"""
import random
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QPushButton

from nnviz.data import datasets
from nnviz.files.project import DatasetSpec, Project
from ui.training.panel import LOAD_CSV


def write_csv(path, n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    lines = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{c}" for (a, b), c in zip(x, y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def dialogs(monkeypatch, tmp_path):
    """The file dialog answers ``log["csv"]``; error boxes are recorded, not shown."""
    log = {"csv": str(write_csv(tmp_path / "points.csv")), "errors": []}
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (log["csv"], "CSV files (*.csv)")))

    def exec_(box):
        log["errors"].append((box.text(), box.informativeText()))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return log


def choose(qtbot, combo, data):
    """Pick the item whose data is ``data`` the way a user does: open the list, click it."""
    index = combo.findData(data)
    assert index >= 0, data
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=3000)
    rect = view.visualRect(view.model().index(index, 0))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def load_csv_by_menu(qtbot, window):
    choose(qtbot, window.training.panel.dataset_combo, LOAD_CSV)
    qtbot.waitUntil(lambda: window.training.binder.csv_job is None, timeout=10000)


def type_into(qtbot, spin, text):
    """Select the spin box's text and type ``text``, then Enter (as a user does)."""
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def test_a_csv_data_set_disables_size_and_noise_and_saves_a_loadable_file(
        qtbot, window, dialogs, tmp_path):
    panel = window.training.panel
    assert panel.size.isEnabled() and panel.noise.isEnabled()  # the lecture's xor
    load_csv_by_menu(qtbot, window)
    assert window.project.dataset.is_csv
    assert dialogs["errors"] == []
    assert not panel.size.isEnabled() and not panel.noise.isEnabled()
    assert panel.split.isEnabled()
    # A disabled box takes no typing: the CSV spec never gets n_samples or noise.
    QTest.mouseClick(panel.size, Qt.MouseButton.LeftButton)
    QTest.keyClicks(panel.size, "9")
    QTest.keyClick(panel.size, Qt.Key.Key_Return)
    assert set(window.project.dataset.params) <= {"seed", "validation_split"}

    window.canvas.setFocus()
    step = window.session.stepper.global_step
    QTest.mouseClick(panel.batch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.stepper.global_step == step + 1, timeout=5000)
    QTest.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.stepper.global_step > step + 3, timeout=10000)
    QTest.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)  # Pause
    qtbot.waitUntil(lambda: not window.session.training, timeout=5000)

    target = tmp_path / "with-csv.nnviz"
    assert window.save_file(target)
    loaded = Project.load(target)
    assert loaded.dataset.is_csv and loaded.dataset.csv_path == dialogs["csv"]
    assert loaded.dataset.load().n_samples == 60
    assert dialogs["errors"] == []


def test_switching_back_to_a_generated_set_enables_size_and_noise(qtbot, window, dialogs):
    panel = window.training.panel
    load_csv_by_menu(qtbot, window)
    choose(qtbot, panel.dataset_combo, "circles")
    qtbot.waitUntil(lambda: window.project.dataset.name == "circles", timeout=3000)
    assert panel.size.isEnabled() and panel.noise.isEnabled()
    type_into(qtbot, panel.size, "300")
    assert window.project.dataset.params["n_samples"] == 300


def test_a_slow_csv_shows_progress_and_cancel_drops_it(qtbot, window, dialogs, monkeypatch):
    release, started = threading.Event(), threading.Event()
    real = DatasetSpec.load

    def slow(spec):
        if spec.is_csv:
            started.set()
            assert release.wait(20)
        return real(spec)

    monkeypatch.setattr(DatasetSpec, "load", slow)
    before = window.project.dataset.name
    binder = window.training.binder
    try:
        choose(qtbot, window.training.panel.dataset_combo, LOAD_CSV)
        assert started.wait(5)
        job = binder.csv_job
        # The GUI thread stays free while the file is read: the dialog shows after a moment.
        qtbot.waitUntil(lambda: binder.csv_progress is not None
                        and binder.csv_progress.isVisible(), timeout=5000)
        dialog = window.findChild(QProgressDialog, "csvProgressDialog")
        assert dialog is binder.csv_progress
        cancel = dialog.findChild(QPushButton)
        assert cancel.text() == "Cancel"
        QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
        assert binder.csv_job is None
        assert not dialog.isVisible()
        release.set()
        assert job.wait(10000)  # the parse ends on its thread; its result is dropped
    finally:
        release.set()
    qtbot.wait(50)  # the finished signal reaches the binder on the GUI thread
    assert window.project.dataset.name == before
    assert window.training.panel.dataset_combo.currentData() == before
    assert dialogs["errors"] == []


def test_a_bad_csv_shows_line_and_column_and_keeps_the_data_set(qtbot, window, dialogs,
                                                                tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0.5,1.0,1\n0.25,oops,0\n", encoding="utf-8")
    dialogs["csv"] = str(bad)
    before = window.project.dataset.name
    load_csv_by_menu(qtbot, window)
    assert len(dialogs["errors"]) == 1
    message = dialogs["errors"][0][1]
    assert "line 3" in message and "column 'x2'" in message
    assert window.project.dataset.name == before
    assert not window.project.dataset.is_csv


def test_settings_changes_never_parse_the_csv_again(qtbot, window, dialogs, monkeypatch):
    parses = []
    real = datasets.load_csv

    def counting(*args, **kwargs):
        parses.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(datasets, "load_csv", counting)
    load_csv_by_menu(qtbot, window)
    assert len(parses) == 1  # once, on the loading thread
    panel = window.training.panel
    type_into(qtbot, panel.learning_rate, "0.05")
    type_into(qtbot, panel.batch_size, "8")
    type_into(qtbot, panel.epochs, "7")
    type_into(qtbot, panel.seed, "3")
    t = window.project.training
    assert (t.learning_rate, t.batch_size, t.epochs, t.seed) == (0.05, 8, 7, 3)
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_PageDown)
    assert len(parses) == 1


ACTIONS = ("lr", "batch", "size", "noise", "split", "dataset", "csv", "step", "units",
           "undo")


@pytest.mark.parametrize("seed", range(4))
def test_whatever_the_window_saves_loads_back(qtbot, window, dialogs, tmp_path, seed):
    rng = random.Random(seed)
    panel = window.training.panel
    hidden = [s for s in window.design.layers if s.kind == "hidden"][0].id
    for _ in range(8):
        action = rng.choice(ACTIONS)
        if action == "lr":
            type_into(qtbot, panel.learning_rate, rng.choice(["0.5", "0.01", "1e-3"]))
        elif action == "batch":
            type_into(qtbot, panel.batch_size, str(rng.randint(1, 64)))
        elif action == "size" and panel.size.isEnabled():
            type_into(qtbot, panel.size, str(rng.randint(20, 400)))
        elif action == "noise" and panel.noise.isEnabled():
            type_into(qtbot, panel.noise, str(rng.choice([0, 0.1, 0.3])))
        elif action == "split":
            type_into(qtbot, panel.split, rng.choice(["0", "0.25", "0.5"]))
        elif action == "dataset":
            choose(qtbot, panel.dataset_combo, rng.choice(["xor", "circles", "iris", "moons"]))
        elif action == "csv":
            load_csv_by_menu(qtbot, window)
        elif action == "step":
            window.canvas.setFocus()
            QTest.keyClick(window, Qt.Key.Key_PageDown)
        elif action == "units" and window.design.has_layer(hidden):
            window.design.set_units(hidden, rng.randint(1, 6))
        elif action == "undo":
            window.canvas.setFocus()
            QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        target = tmp_path / f"random-{seed}.nnviz"
        assert window.save_file(target), dialogs["errors"]
        loaded = Project.load(target)  # a file the window writes always loads back
        assert loaded.dataset.to_dict(str(tmp_path)) == \
            window.project.dataset.to_dict(str(tmp_path))
        assert loaded.training.to_dict() == window.project.training.to_dict()
        assert loaded.design.to_dict() == window.design.to_dict()
        loaded.dataset.load()  # and its data set can be built
    assert dialogs["errors"] == []
