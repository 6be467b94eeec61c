"""Proof of export: each written file, loaded in its runtime, predicts what nnviz predicts."""
import importlib.util

import numpy as np
import pytest

from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.files import export_check, export_formats
from nnviz.files.export_check import check_export


def _model(seed: int = 0) -> Sequential:
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(3, input_shape=(2,), activation="relu"),
                        Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    return model


X = np.random.default_rng(1).normal(size=(50, 2))


def test_every_export_format_has_a_runtime_that_checks_it():
    assert set(export_check.RUNTIMES) == set(export_formats.FORMATS)


@pytest.mark.parametrize("suffix", sorted(export_formats.FORMATS))
def test_a_written_file_predicts_as_nnviz_in_its_runtime(tmp_path, suffix):
    model = _model()
    path = tmp_path / f"model{suffix}"
    export_formats.get(suffix).export(model, path)
    result = check_export(path, suffix, model, X)
    assert result.checked, result.message
    assert result.samples == len(X)
    assert result.max_abs_diff < 1e-12
    assert f"max |Δ| = {result.max_abs_diff:.1g} over 50 samples" in result.message
    runtime = export_check.RUNTIMES[suffix]
    if runtime.module is not None:
        assert f"checked in {runtime.name}" in result.message


@pytest.mark.parametrize("suffix", sorted(export_formats.FORMATS))
def test_a_file_that_computes_something_else_shows_the_difference(tmp_path, suffix):
    """The check compares against the model, not against itself: other weights show up."""
    path = tmp_path / f"model{suffix}"
    export_formats.get(suffix).export(_model(seed=5), path)
    result = check_export(path, suffix, _model(seed=0), X)
    assert result.checked, result.message
    assert result.max_abs_diff > 1e-3


def test_without_the_runtime_it_says_how_to_check(tmp_path, monkeypatch):
    model = _model()
    path = tmp_path / "model.onnx"
    export_formats.get(".onnx").export(model, path)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    result = check_export(path, ".onnx", model, X)
    assert not result.checked and result.max_abs_diff is None
    assert "onnxruntime is not installed" in result.message
    assert "pip install onnxruntime" in result.message
    assert str(path) in result.how_to_check


def test_a_broken_file_is_reported_not_raised(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"not an onnx model")
    result = check_export(path, ".onnx", _model(), X)
    assert not result.checked
    assert result.message.startswith("model.onnx could not be checked in onnxruntime: ")


def test_at_most_the_limit_of_samples_is_predicted(tmp_path, monkeypatch):
    monkeypatch.setattr(export_check, "MAX_EXPORT_CHECK_SAMPLES", 7)
    model = _model()
    path = tmp_path / "model.npz"
    export_formats.get(".npz").export(model, path)
    assert check_export(path, ".npz", model, X).samples == 7
