"""Weight files (.npz, .json, .weights.h5): exact round trips, readable layouts, clear errors.

Keras's own reading and writing of .weights.h5 is in test_keras_interop.py.
"""
from __future__ import annotations

import json
import os

import h5py
import numpy as np
import pytest

from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.errors import ProjectFileError
from nnviz.files import export_formats
from nnviz.files.export_formats import load_weights, save_weights
from nnviz.files.weights_io import decode_array, encode_array
from tests.io.helpers import deep_model, lecture_model, weights_equal

SUFFIXES = export_formats.suffixes(weights_only=True)  # every weight file format


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_exact(tmp_path, suffix, dtype):
    model = deep_model(dtype)
    # Numbers whose shortest decimal text is long, and tiny/huge magnitudes.
    weights = model.get_weights()
    extremes = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308]
    if dtype == "float32":
        extremes = [0.1 + 0.2, 1 / 3, 1e-45, 3.4028235e38]
    weights[0].flat[:4] = extremes
    model.set_weights(weights)
    path = tmp_path / f"w{suffix}"
    model.save_weights(path)
    other = deep_model(dtype)
    other.set_weights([np.zeros_like(w) for w in other.get_weights()])
    other.load_weights(path)
    assert weights_equal(other.get_weights(), model.get_weights())


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_without_bias(tmp_path, suffix):
    model = deep_model(use_bias_last=False)
    path = tmp_path / f"w{suffix}"
    save_weights(model, path)
    other = deep_model(use_bias_last=False)
    other.set_weights([w + 1 for w in other.get_weights()])
    load_weights(other, path)
    assert weights_equal(other.get_weights(), model.get_weights())


def test_npz_names_say_layer_and_kind(tmp_path):
    model = Sequential([Dense(3, input_shape=(2,), activation="relu", name="hidden"),
                        Dense(2, activation="softmax", name="output")])
    model.save_weights(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as archive:
        assert archive.files == ["hidden.kernel", "hidden.bias", "output.kernel", "output.bias"]
        np.testing.assert_array_equal(archive["hidden.kernel"], model.layers[0].kernel)
        assert archive["output.bias"].shape == (2,)


def test_npz_written_by_hand_loads_by_position(tmp_path):
    model = lecture_model()
    w = [np.full_like(a, i + 1.5) for i, a in enumerate(model.get_weights())]
    np.savez(tmp_path / "mine.npz", W1=w[0], b1=w[1], W2=w[2], b2=w[3])
    model.load_weights(tmp_path / "mine.npz")
    assert weights_equal(model.get_weights(), w)


def test_json_is_readable_with_names_units_activations(tmp_path):
    model = lecture_model()
    model.save_weights(tmp_path / "w.json")
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["format"] == "nnviz-weights" and doc["version"] == 1
    first, second = doc["layers"]
    assert (first["units"], first["activation"], first["inputs"]) == (3, "relu", 2)
    assert (second["units"], second["activation"], second["name"]) == (2, "softmax",
                                                                        model.layers[1].name)
    # kernel[i][j]: from input i to unit j, the same numbers as the model's.
    assert np.array(first["kernel"]).tolist() == model.layers[0].kernel.tolist()
    assert first["bias"] == model.layers[0].bias.tolist()


def test_json_arrays_hold_nan_and_infinity_as_text():
    array = np.array([[1.0, np.nan], [np.inf, -np.inf]])
    encoded = encode_array(array)
    assert encoded == [[1.0, "NaN"], ["Infinity", "-Infinity"]]
    json.dumps(encoded, allow_nan=False)  # standard JSON, any language reads it
    np.testing.assert_array_equal(decode_array(encoded, "x"), array)


def test_h5_has_keras_layout(tmp_path):
    model = lecture_model()
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        names = []
        f.visit(names.append)
        assert sorted(names) == sorted([
            "layers", "layers/dense", "layers/dense/vars", "layers/dense/vars/0",
            "layers/dense/vars/1", "layers/dense_1", "layers/dense_1/vars",
            "layers/dense_1/vars/0", "layers/dense_1/vars/1", "vars"])
        assert f["layers/dense/vars/0"].shape == (2, 3)
        assert f["layers/dense_1/vars/1"].shape == (2,)
        assert f["layers/dense/vars/0"].dtype == np.float64
        # Groups are named by type and counter; the layer's own name is an attribute.
        assert f["layers/dense_1/vars"].attrs["name"] == model.layers[1].name
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], model.layers[0].kernel)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_wrong_architecture_is_refused_and_weights_kept(tmp_path, suffix):
    lecture_model().save_weights(tmp_path / f"w{suffix}")
    model = Sequential([Dense(4, input_shape=(2,), activation="relu"),
                        Dense(2, activation="softmax")])
    before = model.get_weights()
    with pytest.raises(ProjectFileError, match="shape|another network"):
        model.load_weights(tmp_path / f"w{suffix}")
    assert weights_equal(model.get_weights(), before)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_wrong_layer_count_is_refused(tmp_path, suffix):
    deep_model().save_weights(tmp_path / f"w{suffix}")
    with pytest.raises(ProjectFileError, match="another network"):
        lecture_model().load_weights(tmp_path / f"w{suffix}")


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("content", [b"", b"hello, not weights", b"\x00\x01\x02" * 50])
def test_garbage_files_raise_project_file_error(tmp_path, suffix, content):
    path = tmp_path / f"w{suffix}"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError):
        lecture_model().load_weights(path)


@pytest.mark.parametrize("document, words", [
    ({"format": "something else"}, "not an nnviz weights file"),
    ({"format": "nnviz-weights", "version": 99, "layers": []}, "newer nnviz"),
    ({"format": "nnviz-weights", "version": 1, "layers": [{"kernel": [[1, "x"]]}]}, "not a number"),
    ({"format": "nnviz-weights", "version": 1, "layers": [{"kernel": [[1], [1, 2]]}]},
     "different lengths"),
    ({"format": "nnviz-weights", "version": 1, "layers": [{"kernel": [[1.0]]}]}, "no bias"),
])
def test_bad_json_weights_say_what(tmp_path, document, words):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectFileError, match=words):
        lecture_model().load_weights(path)


def test_unknown_suffix_and_missing_file(tmp_path):
    model = lecture_model()
    with pytest.raises(ProjectFileError, match=r"\.npz, \.json or \.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ProjectFileError, match="No weight file"):
        model.load_weights(tmp_path / "absent.npz")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_failed_save_leaves_old_file(tmp_path, suffix, monkeypatch):
    path = tmp_path / f"w{suffix}"
    lecture_model().save_weights(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import nnviz.files.weights_io as wio

    # Break the writer half-way: after the temporary file exists, before the rename.
    monkeypatch.setattr(wio.np, "savez", crash)
    monkeypatch.setattr(wio.os, "fsync", crash)  # the JSON text is written, not yet renamed
    monkeypatch.setattr(h5py.Group, "create_dataset", crash)
    changed = lecture_model()
    changed.set_weights([w + 1 for w in changed.get_weights()])
    with pytest.raises(ProjectFileError, match="No space left"):
        changed.save_weights(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def test_unbuilt_model_says_so(tmp_path):
    model = Sequential([Dense(3, activation="relu")])
    with pytest.raises(ProjectFileError, match="no weights yet"):
        model.save_weights(tmp_path / "w.npz")
