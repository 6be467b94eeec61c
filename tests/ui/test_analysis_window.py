"""The network analysis in the window: "17 parameters" for the lecture's network, each card's
size line, and each design warning shown for a network built to trigger it and gone when
the mistake is fixed."""
from __future__ import annotations

from PySide6.QtCore import Qt

from nnviz.data.dataset_spec import DatasetSpec
from nnviz.files.project import Project
from tests.engine.test_analysis import chain_design


def shown_codes(window) -> list[str]:
    return [label.property("code") for label in window.analysis.panel.warning_labels]


def hidden_id(window) -> str:
    return next(s.id for s in window.design.layers if s.kind == "hidden")


def choose(qtbot, combo, data) -> None:
    """Pick the entry ``data`` of ``combo`` as a user does (keyboard, so it emits)."""
    combo.setFocus()
    while combo.currentData() != data:
        before = combo.currentIndex()
        key = Qt.Key.Key_Down if combo.findData(data) > before else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
        assert combo.currentIndex() != before


def test_lecture_network_shows_17_parameters(window, qtbot):
    panel = window.analysis.panel
    assert panel.summary.text() == "17 parameters · 12 multiply-adds per sample"
    assert panel.isVisible() and panel.warning_labels == []
    cards = {s.kind: window.scene.layer_item(s.id).stats.text() for s in window.design.layers}
    assert cards == {"input": "0 params · out (None, 2)", "hidden": "9 params · out (None, 3)",
                     "output": "8 params · out (None, 2)"}
    # Five hidden units: 2·5+5 + 5·2+2 = 27.
    window.design.set_units(hidden_id(window), 5)
    qtbot.waitUntil(lambda: panel.summary.text().startswith("27 parameters"), timeout=3000)
    assert window.scene.layer_item(hidden_id(window)).stats.text() == "15 params · out (None, 5)"


def test_softmax_with_mse_warns_until_the_loss_is_fixed(window, qtbot):
    combo = window.training.panel.loss_combo
    choose(qtbot, combo, "mean_squared_error")
    qtbot.waitUntil(lambda: shown_codes(window) == ["softmax_mse"], timeout=3000)
    text = window.analysis.panel.warning_texts()[0]
    assert text.startswith("⚠ Softmax output with mean squared error")
    choose(qtbot, combo, "categorical_crossentropy")
    qtbot.waitUntil(lambda: shown_codes(window) == [], timeout=3000)


def test_linear_hidden_layer_warns_until_it_has_an_activation(window, qtbot):
    window.design.set_activation(hidden_id(window), "linear")
    qtbot.waitUntil(lambda: shown_codes(window) == ["linear_net"], timeout=3000)
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: shown_codes(window) == [], timeout=3000)


def test_relu_output_on_a_regression_warns_until_it_is_linear(make_window, qtbot):
    project = Project.lecture_example()
    project.design.replace_with(chain_design([1, 8, 1], ["tanh", "relu"]))
    project.set_dataset(DatasetSpec("sine", {"n_samples": 60, "noise": 0.1, "seed": 0,
                                             "validation_split": 0.2}))
    project.update_training(loss="mean_squared_error", metrics=[])
    window = make_window(project)
    qtbot.waitUntil(lambda: shown_codes(window) == ["regression_output"], timeout=3000)
    output = next(s.id for s in window.design.layers if s.kind == "output")
    window.design.set_activation(output, "linear")
    qtbot.waitUntil(lambda: shown_codes(window) == [], timeout=3000)


def test_relus_all_zero_warn_until_they_live_again(window, qtbot):
    layer = hidden_id(window)
    with window.undo_stack.macro("Kill the relus"):
        for j in range(3):
            window.design.set_bias(layer, j, -100.0)
    qtbot.waitUntil(lambda: shown_codes(window) == ["dead_relus"], timeout=3000)
    assert "3 relus of Hidden 1 output 0" in window.analysis.panel.warning_texts()[0]
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: shown_codes(window) == [], timeout=3000)


def test_diverging_learning_rate_warns_until_it_is_smaller(window, qtbot):
    box = window.training.panel.learning_rate
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "10")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert window.project.training.learning_rate == 10.0
    qtbot.waitUntil(lambda: shown_codes(window) == ["diverges"], timeout=3000)
    assert "Learning rate 10 diverges" in window.analysis.panel.warning_texts()[0]
    box.selectAll()
    qtbot.keyClicks(box, "0.1")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown_codes(window) == [], timeout=3000)
