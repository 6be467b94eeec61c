"""The lecture staged for a class (issue 21): numbers that add up on screen (three
significant digits, a per-sample table one click from every batch sum), and an update
stage that never mixes old and new (the lines say old → new, the neurons say their
numbers are from before the update)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest

from tests.ui.helpers import reference_stepper as reference
from ui.canvas.connections import label_number
from ui.canvas.scene import BEFORE_UPDATE_NOTE
from ui.training.lecture_view import fmt

pytestmark = pytest.mark.window(size=(1600, 1000), fit=True)


def step(qtbot, win, times: int = 1) -> None:
    ctl = win.training
    for _ in range(times):
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda before=before: ctl.frames > before and not ctl.snapshot.running,
                        timeout=5000)


@pytest.mark.parametrize(("value", "text"), [
    (0.0012, "0.00120"), (-0.0012, "\u22120.00120"), (0.00999, "0.00999"),
    (0.0294, "0.0294"), (-0.0911, "\u22120.0911"), (0.5, "0.500"), (1.2678, "1.268"),
    (2.5e-05, "2.50e\u221205"), (0.0, "0.000")])
def test_a_number_below_0_1_keeps_three_significant_digits(value, text):
    # −0.0012 printed as −0.001 made a written-out sum 16 % off.
    assert fmt(value) == text


def test_a_printed_sum_adds_up_from_its_printed_terms(qtbot, window):
    step(qtbot, window, 5)  # forward x2, loss, backward x2
    trace = reference(window.project)
    for _ in range(5):
        t = trace.step()
    dz = t.dZ[0][:, 0]
    shown = [float(fmt(v).replace("\u2212", "-")) for v in dz]
    total = float(fmt(t.db[0][0]).replace("\u2212", "-"))
    # Each term to 3 significant digits: the written terms give the written total to
    # within its last digit.
    assert abs(sum(shown) - total) <= 10 ** np.floor(np.log10(abs(total))) * 0.02


def test_the_per_sample_link_opens_the_batch_table_under_the_sum(qtbot, window):
    ref = reference(window.project)
    step(qtbot, window, 5)  # up to "Backward: hidden layer 1": neuron h1 explained
    for _ in range(5):
        trace = ref.step()
    lecture = window.training.lecture
    browser = lecture.browser
    assert not lecture.samples_open()
    flags = QTextDocument.FindFlag.FindCaseSensitively
    cursor = browser.document().find("per sample", 0, flags)
    while not cursor.isNull():  # the link (the note above names it too)
        cursor.setPosition(cursor.selectionStart() + 3)
        if cursor.charFormat().isAnchor():
            break
        cursor = browser.document().find("per sample", cursor.position(), flags)
    assert not cursor.isNull()
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    point = browser.cursorRect(cursor).center()
    QTest.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lecture.samples_open, timeout=2000)
    text = " ".join(lecture.plain_text().split())
    assert "The batch, sample by sample" in text
    dz, x = trace.dZ[0][:, 0], trace.x
    for s in range(len(dz)):  # each sample's row: inputs, ..., ∂L/∂z, the product
        row = f"{s + 1} {fmt(x[s, 0])}, {fmt(x[s, 1])}"
        assert row in text, (row, text)
        assert f"{fmt(dz[s])} {fmt(dz[s] * x[s, 0])}" in text
    assert f"Σ {fmt(trace.db[0][0])} {fmt(trace.dW[0][0, 0])}" in text
    # The table is what the view shows now: scrolled to it.
    top = lecture.anchor_top("samples")
    bar = browser.verticalScrollBar()
    assert top is not None and (abs(top - 4 - bar.value()) <= 2 or bar.value() == bar.maximum())


def test_the_update_stage_labels_lines_old_to_new_and_neurons_before_the_update(qtbot,
                                                                               window):
    ref = reference(window.project)
    window.show_weights_action.trigger()
    step(qtbot, window, 6)  # ... the update
    for _ in range(6):
        trace = ref.step()
    assert trace.stage.kind == "update"
    scene, ids = window.scene, window.training.layer_ids
    bundle = scene.bundle_item(ids[1], ids[2])
    scale = window.canvas.transform().m11()
    expected = {f"{label_number(o)}→{label_number(n)}"
                for o, n in zip(trace.W_before[1].ravel(), trace.W_after[1].ravel())
                if label_number(o) != label_number(n)}
    assert expected  # the lecture example's update changes some labels
    qtbot.waitUntil(lambda: expected <= set(bundle.weight_labels(scale).texts), timeout=3000)
    # The neurons still show the forward pass made with the old weights, and say so.
    for layer_id in ids[1:]:
        assert scene.layer_item(layer_id).label.note() == BEFORE_UPDATE_NOTE
    assert scene.layer_item(ids[0]).label.note() == ""
    # The next forward stage recomputes the hidden layer: its note goes, the lines are
    # plain again; the output shows no old numbers without the note.
    step(qtbot, window)
    assert scene.layer_item(ids[1]).label.note() == ""
    output = scene.layer_item(ids[2])
    assert output.neurons.values() is None or output.label.note() == BEFORE_UPDATE_NOTE
    assert not any("→" in t for t in bundle.weight_labels(scale).texts)
    step(qtbot, window)
    assert scene.layer_item(ids[2]).label.note() == ""
