"""The issues' "Done when" paths, walked as a newcomer walks them, with real events.

* Issue 5: open the app on the lecture's network, drag a new hidden layer onto the canvas,
  rewire Hidden 1 -> new -> Output, step through the longer chain, save, reopen, compare.
* Issue 6: press Space through one batch and read each stage, train with Ctrl+Space and
  watch the loss fall, close the window mid-run with no thread left behind.
* A student's bad input: a learning rate of 10, a CSV with text in it, no output layer.
"""
from __future__ import annotations

import gc
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from nnviz.document.selection import ConnectionSel
from nnviz.files.project import Project
from nnviz.resources import example_path
from tests.ui.helpers import assert_never, type_into
from ui.palette import LAYER_MIME_TYPE
from ui.training.panel import LOAD_CSV

Btn = QMessageBox.StandardButton
#: Where the walkthrough leaves its window grabs, for a person to look at.
SHOTS = Path(tempfile.gettempdir()) / "nnviz-walkthrough"


# ---------------------------------------------------------------- fixtures and gestures


@pytest.fixture(autouse=True)  # every box of the module's windows is answered
def dialogs(monkeypatch):
    """Answer "save changes?" with Discard and record every error box the window shows."""
    log = {"questions": [], "errors": []}

    def question(parent, title, text, *args, **kwargs):
        log["questions"].append(text)
        return Btn.Discard

    def exec_(box):
        if box.objectName() == "unsavedChangesDialog":
            log["questions"].append(box.text())
            return Btn.Discard
        log["errors"].append(f"{box.text()}\n{box.informativeText()}")
        return Btn.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "exec", exec_)
    for name in ("critical", "warning"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(
            lambda parent, title, text, *a, **k: log["errors"].append(f"{title}\n{text}")
            or Btn.Ok))
    return log


pytestmark = pytest.mark.window(size=(1300, 850), ask_unsaved=True)


def chain_ids(window) -> list[str]:
    return [spec.id for spec in window.design.chain()]


def view_point(window, scene_point: QPointF) -> QPoint:
    return window.canvas.mapFromScene(scene_point)


def mouse_drag(viewport, start: QPoint, end: QPoint, steps: int = 8) -> None:
    """Press, move in steps with the button held, release: a user's drag."""
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        QTest.mouseMove(viewport, QPoint(round(p.x()), round(p.y())))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def drag_palette_item(window, monkeypatch, kind: str, point: QPoint) -> None:
    """Drag the palette's entry for ``kind`` onto the canvas at ``point`` (viewport coords).

    The palette starts a real QDrag; the offscreen platform has no drag session to run it,
    so QDrag.exec hands the drag's own MIME data to the canvas as a windowing system would
    (enter, move, drop), as in tests/ui/test_window.py.
    """
    target = window.canvas.viewport()

    def exec_(drag, *args, **kwargs):
        mime = drag.mimeData()
        buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        action = Qt.DropAction.CopyAction
        enter = QDragEnterEvent(point, action, mime, buttons, mods)
        QApplication.sendEvent(target, enter)
        assert enter.isAccepted(), "the canvas refused the palette's drag"
        QApplication.sendEvent(target, QDragMoveEvent(point, action, mime, buttons, mods))
        drop = QDropEvent(QPointF(point), action, mime, buttons, mods)
        QApplication.sendEvent(target, drop)
        return drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction

    monkeypatch.setattr(QDrag, "exec", exec_)
    palette = window.palette
    item = palette.item_for_kind(kind)
    assert "hidden" in item.text().lower() if kind == "hidden" else True
    viewport = palette.viewport()
    start = palette.visualItemRect(item).center()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for dx in (4, 12, 40):  # past QApplication.startDragDistance()
        pos = QPointF(start + QPoint(dx, 0))
        QApplication.sendEvent(viewport, QMouseEvent(
            QEvent.Type.MouseMove, pos, viewport.mapToGlobal(pos), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 0))
    assert bytes(palette.mimeData([item]).data(LAYER_MIME_TYPE)) == kind.encode()


def wire(window, source_id: str, target_id: str) -> None:
    """Drag from ``source_id``'s output port to ``target_id``'s input port."""
    scene = window.scene
    start = view_point(window, scene.layer_item(source_id).out_port.scenePos())
    end = view_point(window, scene.layer_item(target_id).in_port.scenePos())
    mouse_drag(window.canvas.viewport(), start, end)


def connection_point(window, source_id: str, target_id: str, i: int, j: int) -> QPoint:
    """A point a quarter of the way along the line from neuron i to neuron j."""
    scene = window.scene
    bundle = scene.bundle_item(source_id, target_id)
    r = bundle.boundingRect().adjusted(4, 0, -4, 0)
    src = scene.layer_item(source_id).neuron_scene_y()[i]
    tgt = scene.layer_item(target_id).neuron_scene_y()[j]
    return view_point(window, QPointF(r.left() + 0.25 * r.width(), src + 0.25 * (tgt - src)))


def card_header(window, layer_id: str) -> QPoint:
    """A point on a layer's card between its top edge and its first neuron."""
    item = window.scene.layer_item(layer_id)
    return view_point(window, item.mapToScene(QPointF(-30, -item.height / 2 + 7)))


def press_and_wait(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key on the canvas and wait for the training docks to draw the result."""
    ctl = window.training
    before = ctl.frames
    qtbot.keyClick(window.canvas, key, modifier)
    qtbot.waitUntil(lambda: ctl.frames > before, timeout=5000)


def save_shot(window, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / name
    assert window.grab().save(str(path))
    return path


# ---------------------------------------------------------------- issue 5


def test_newcomer_adds_a_hidden_layer_rewires_saves_and_reopens(
        window, qtbot, monkeypatch, tmp_path, dialogs):
    design, scene, ctl = window.design, window.scene, window.training
    inp, hidden1, out = chain_ids(window)
    assert [design.layer(i).kind for i in (inp, hidden1, out)] == ["input", "hidden", "output"]
    assert "Network OK" in window.validation_label.text()

    # Drop a new hidden layer between Hidden 1 and Output, below their line.
    h, o = design.layer(hidden1), design.layer(out)
    drop_scene = QPointF((h.x + o.x) / 2, h.y + 260)
    drop = view_point(window, drop_scene)
    assert window.canvas.viewport().rect().contains(drop), "the drop point is off screen"
    before = {s.id for s in design.layers}
    drag_palette_item(window, monkeypatch, "hidden", drop)
    (new,) = [s.id for s in design.layers if s.id not in before]
    assert design.layer(new).kind == "hidden"
    # A loose layer is a problem the status bar names (validation runs once edits settle).
    qtbot.waitUntil(lambda: "⚠" in window.validation_label.text(), timeout=3000)
    assert design.layer(new).name in window.validation_label.text()

    # Click a line of Hidden 1 -> Output and press Delete.
    window.canvas.setFocus()
    with qtbot.waitSignal(scene.sig_selection_changed, timeout=2000) as selected:
        QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                         pos=connection_point(window, hidden1, out, 0, 1))
    assert isinstance(selected.args[0], ConnectionSel) and selected.args[0].key == (hidden1, out)
    QTest.keyClick(window.canvas.viewport(), Qt.Key.Key_Delete)
    assert not design.has_connection(hidden1, out)

    # Wire Hidden 1 -> new layer -> Output with drags from output port to input port.
    wire(window, hidden1, new)
    wire(window, new, out)
    assert design.has_connection(hidden1, new) and design.has_connection(new, out)
    assert [s.id for s in design.chain()] == [inp, hidden1, new, out]
    qtbot.waitUntil(lambda: "Network OK" in window.validation_label.text(), timeout=3000)
    assert "4 layers, 3 connections" in window.validation_label.text()
    save_shot(window, "issue5-rewired.png")

    # Step through the longer chain: the new layer is "hidden layer 2".
    seen = []
    for _ in range(8):  # forward x3, loss, backward x3, update
        press_and_wait(qtbot, window, Qt.Key.Key_Space)
        seen.append(ctl.panel.stage_label.text())
    done = [text.split(" · ")[0] for text in seen]
    assert done[:3] == ["Done: Forward: hidden layer 1", "Done: Forward: hidden layer 2",
                        "Done: Forward: output layer"], done
    assert done[4:7] == ["Done: Backward: output layer", "Done: Backward: hidden layer 2",
                         "Done: Backward: hidden layer 1"], done
    assert done[7].startswith("Done: Update weights")
    assert design.kernel(hidden1, new).shape == (3, 3) and design.kernel(new, out).shape == (3, 2)
    save_shot(window, "issue5-stepped.png")

    # Ctrl+S on an untitled document asks where (Save As).
    target = tmp_path / "my-network"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.keyClick(window.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved_path = tmp_path / "my-network.nnviz"
    assert saved_path.is_file()
    assert not window.isWindowModified() and "my-network.nnviz" in window.windowTitle()
    saved = design.to_dict()

    # Reopen: same design, same weights, same training settings.
    assert window.open_file(saved_path)
    assert dialogs["errors"] == []
    assert design.to_dict() == saved
    assert Project.load(saved_path).design.to_dict() == saved
    assert [s.id for s in design.chain()] == [inp, hidden1, new, out]
    qtbot.waitUntil(lambda: "Network OK" in window.validation_label.text(), timeout=3000)
    for layer_id in (inp, hidden1, new, out):
        item = scene.layer_item(layer_id)
        spec = design.layer(layer_id)
        assert (item.pos().x(), item.pos().y()) == (spec.x, spec.y)
    assert {b.key for b in scene.bundle_items()} == {(inp, hidden1), (hidden1, new), (new, out)}
    shot = save_shot(window, "issue5-reopened.png")
    assert shot.stat().st_size > 10_000


# ---------------------------------------------------------------- issue 6


def type_epochs(qtbot, panel, text: str) -> None:
    """Type a number of epochs into the Epochs box and press Return."""
    type_into(panel.epochs, text)


LECTURE_STAGES = ["Forward: hidden layer 1", "Forward: output layer", "Loss",
                  "Backward: output layer", "Backward: hidden layer 1", "Update weights"]


def test_space_narrates_a_batch_then_train_and_close_mid_run(window, qtbot, capfd, dialogs):
    ctl = window.training
    panel = ctl.panel
    # First the student asks for more epochs than will run before the window closes.
    type_epochs(qtbot, panel, "100000")
    assert window.project.training.epochs == 100000
    qtbot.waitUntil(lambda: ctl.session.stepper is not None and ctl.snapshot.global_step == 0, timeout=5000)
    assert panel.stage_label.text().endswith("Next: Forward: hidden layer 1")
    for expected in LECTURE_STAGES:
        press_and_wait(qtbot, window, Qt.Key.Key_Space)
        assert panel.stage_label.text().startswith(f"Done: {expected}"), \
            (expected, panel.stage_label.text())
        # The lecture view has the numbers of that stage to narrate.
        assert ctl.lecture.plain_text().strip()
    assert panel.stage_label.text().endswith("Next: Forward: hidden layer 1")
    assert panel.counters.text().startswith("epoch 1 · step 1 · 4 samples")

    qtbot.keyClick(window.canvas, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ctl.snapshot is not None and ctl.snapshot.running, timeout=5000)
    assert panel.train_button.text() == "Pause"
    qtbot.waitUntil(lambda: ctl.plots.point_count("epoch_loss") >= 3, timeout=20000)
    first_epoch = int(panel.counters.text().split()[1])
    qtbot.waitUntil(lambda: int(panel.counters.text().split()[1]) > first_epoch, timeout=10000)
    losses = ctl.plots.series("epoch_loss")
    assert losses[-1] < losses[0], losses  # the loss falls
    # The boundary is drawn (the plots redraw twice a second while training fast).
    qtbot.waitUntil(lambda: ctl.plots.boundary_image.image is not None, timeout=5000)
    save_shot(window, "issue6-training.png")
    assert ctl.thread.isRunning() and ctl.snapshot.running

    thread = ctl.thread
    window.close()
    assert not window.isVisible()
    assert not thread.isRunning() and thread.isFinished()
    window.deleteLater()
    QApplication.processEvents()
    gc.collect()
    QApplication.processEvents()
    err = capfd.readouterr().err
    assert "Destroyed while thread" not in err
    assert "Traceback" not in err
    assert dialogs["errors"] == []


def test_changing_the_epochs_keeps_the_training_so_far(window, qtbot):
    """A student trains an epoch, then decides on 100 epochs: nothing trained is lost."""
    ctl, panel = window.training, window.training.panel
    qtbot.mouseClick(panel.epoch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.plots.point_count("epoch_loss") == 1, timeout=5000)
    counters = panel.counters.text()
    # The epoch's last batch was just updated (the Lecture view explains it): epoch 1.
    assert counters.startswith("epoch 1 · step 40")
    weights = window.design.to_dict()["connections"]
    type_epochs(qtbot, panel, "100")
    assert window.project.training.epochs == 100
    # A rebuild of the run would change the weights, wipe the plot or reset the counters.
    assert_never(qtbot, lambda: window.design.to_dict()["connections"] != weights
                 or ctl.plots.point_count("epoch_loss") != 1
                 or panel.counters.text() != counters, "the run was rebuilt")
    qtbot.mouseClick(panel.epoch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.plots.point_count("epoch_loss") == 2, timeout=5000)
    assert panel.counters.text().startswith("epoch 2 · step 80")


# ---------------------------------------------------------------- bad input


def _choose(qtbot, combo, data) -> None:
    """Pick the entry with ``data`` by keyboard, as a user does (emits ``activated``)."""
    combo.setFocus()
    index = combo.findData(data)
    assert index >= 0, data
    # Home and End jump straight to the first and last entry (one `activated`), so no
    # entry in between is chosen on the way; a refused choice puts the list back at once.
    if index == 0:
        qtbot.keyClick(combo, Qt.Key.Key_Home)
    elif index == combo.count() - 1:
        qtbot.keyClick(combo, Qt.Key.Key_End)
    else:
        steps = index - combo.currentIndex()
        key = Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up
        for _ in range(abs(steps)):
            qtbot.keyClick(combo, key)


def test_learning_rate_10_pauses_with_an_explanation_and_finite_weights(window, qtbot, dialogs):
    # The lecture's data is too easy to blow up; the sine regression with plain SGD is not.
    assert window.open_file(example_path("sine"))
    ctl = window.training
    panel = ctl.panel
    qtbot.waitUntil(lambda: ctl.snapshot is not None and ctl.session.stepper is not None, timeout=5000)
    _choose(qtbot, panel.optimizer_combo, "sgd")
    assert window.project.training.optimizer == "sgd"
    type_into(panel.learning_rate, "10")
    assert window.project.training.learning_rate == 10.0
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctl.snapshot.diverged is not None, timeout=20000)
    qtbot.waitUntil(lambda: panel.train_button.text() == "Train", timeout=5000)
    message = panel.message.text()
    assert panel.message.isVisible()
    assert "diverged" in message and "learning rate 10" in message
    ids = chain_ids(window)
    for src, tgt in zip(ids[:-1], ids[1:]):
        assert np.all(np.isfinite(window.design.kernel(src, tgt)))
        assert np.all(np.isfinite(window.design.bias(tgt)))
    # Nothing non-finite reached the plots either.
    assert all(math.isfinite(v) for v in ctl.plots.series("batch_loss"))
    save_shot(window, "bad-learning-rate.png")


def test_csv_with_text_is_refused_with_line_and_column_and_nothing_lost(
        window, qtbot, monkeypatch, tmp_path, dialogs):
    bad = tmp_path / "measurements.csv"
    bad.write_text("x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n0.5,0.6,0\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(bad), "")))
    panel = window.training.panel
    dataset_before = (window.project.dataset.name, dict(window.project.dataset.params))
    design_before = window.design.to_dict()
    _choose(qtbot, panel.dataset_combo, LOAD_CSV)
    # The file is parsed on a thread of its own; the error arrives when it is done.
    qtbot.waitUntil(lambda: window.training.binder.csv_job is None, timeout=10000)
    shown = dialogs["errors"] + [panel.message.text()]
    assert any("line 3" in text and "x2" in text and "abc" in text for text in shown), shown
    # Nothing lost: the data set, the combo and the design are as before.
    assert (window.project.dataset.name, dict(window.project.dataset.params)) == dataset_before
    assert panel.dataset_combo.currentData() == dataset_before[0]
    assert window.design.to_dict() == design_before
    # The brief: the student is told in an error dialog (not only a line in a dock).
    assert any("line 3" in text for text in dialogs["errors"]), \
        f"no error dialog; the panel says: {panel.message.text()!r}"


def test_deleting_the_output_layer_explains_and_training_refuses(window, qtbot, dialogs):
    ctl, panel, design = window.training, window.training.panel, window.design
    inp, hidden1, out = chain_ids(window)
    window.canvas.setFocus()
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=card_header(window, out))
    assert window.scene.layer_item(out).isSelected()
    QTest.keyClick(window.canvas.viewport(), Qt.Key.Key_Delete)
    assert not design.has_layer(out)
    qtbot.waitUntil(lambda: "output layer" in window.validation_label.text(), timeout=3000)
    status = window.validation_label.text()
    assert "Ready to train" not in status

    frames = ctl.frames
    assert window.session.stepper is None  # no run can be built without an output
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    assert "output layer" in panel.message.text(), panel.message.text()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert panel.train_button.text() == "Train" and not panel.train_button.isChecked()
    assert "output layer" in panel.message.text()
    # Anything the worker was (wrongly) asked to do would show as a run or a running frame.
    assert_never(qtbot, lambda: window.session.stepper is not None or window.session.training
                 or (ctl.snapshot is not None and ctl.snapshot.running),
                 "a network without an output layer started training")
    assert ctl.frames >= frames
    save_shot(window, "no-output-layer.png")

    # Undo brings the output back and training works again.
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Network OK" in window.validation_label.text(), timeout=3000)
    press_and_wait(qtbot, window, Qt.Key.Key_Space)
    assert panel.stage_label.text().startswith("Done: Forward: hidden layer 1")
