"""Proof of export in the window: each weight export is checked in its runtime and reported."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from nnviz.files import export_formats


@pytest.mark.parametrize("suffix", [".onnx", ".py", ".npz"])
def test_export_from_the_menu_reports_its_check(window, qtbot, tmp_path, monkeypatch, suffix):
    fmt = export_formats.get(suffix)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(tmp_path / "lesson"), fmt.filter)))
    proof = window.files.proof
    with qtbot.waitSignal(proof.checked, timeout=120_000) as blocker:
        window.export_weights_action.trigger()
        assert window.statusBar().currentMessage().startswith(f"Exported lesson{suffix}")
    result = blocker.args[0]
    assert result.checked, result.message
    assert result.max_abs_diff < 1e-12
    message = window.statusBar().currentMessage()
    assert message == result.message
    where = "by loading it back into nnviz" if suffix == ".npz" else \
        f"in {'onnxruntime' if suffix == '.onnx' else 'Keras'}"
    assert message.startswith(f"lesson{suffix} checked {where}: max |Δ| = ")
    # It predicted the window's own data set (the lecture example's samples).
    assert result.samples == min(len(window.session.dataset().x), 1000)


def test_a_trained_network_is_checked_with_its_trained_weights(window, qtbot, tmp_path):
    """After an epoch the exported file holds the trained weights, and predicts as nnviz."""
    panel = window.training.panel
    before = window.project.build_model().get_weights()
    qtbot.mouseClick(panel.epoch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.stepper is not None
                    and window.session.stepper.epoch >= 1, timeout=10_000)
    path = tmp_path / "w.onnx"
    with qtbot.waitSignal(window.files.proof.checked, timeout=120_000) as blocker:
        assert window.export_weights(str(path))
    result = blocker.args[0]
    assert result.checked and result.max_abs_diff < 1e-12
    after = window.project.build_model().get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
    assert window.files.proof.last is result
