"""Issue 9 point 7: the weight files of a model built from a design have stable names.

The keys are ``dense.kernel``, ``dense.bias``, ``dense_1.kernel``, ... (what the README
shows) however many models the process built before, so a script written against the
README reads the window's export, the command line's and its own alike.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import h5py
import numpy as np

from nnviz.document import Design
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.files.project import Project

ROOT = Path(__file__).resolve().parents[2]


def _three_layer_design() -> Design:
    design = Design()
    a = design.add_layer("input", units=2)
    b = design.add_layer("hidden", units=4)
    c = design.add_layer("hidden", units=3)
    d = design.add_layer("output", units=2)
    design.connect(a, b)
    design.connect(b, c)
    design.connect(c, d)
    return design


def test_thirty_builds_export_the_same_names(tmp_path):
    design = _three_layer_design()
    expected = ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias",
                "dense_2.kernel", "dense_2.bias"]
    for n in range(30):
        # Models built in between draw on Keras's session-wide counter (dense_7, ...);
        # they must not shift the names of the next model built from the design.
        Sequential([Dense(2, input_shape=(2,)), Dense(1)])
        model = design.build_model(seed=n)
        assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]
        model.save_weights(tmp_path / f"w{n}.npz")
        with np.load(tmp_path / f"w{n}.npz") as npz:
            assert list(npz.keys()) == expected
        model.save_weights(tmp_path / f"w{n}.json")
        layers = json.loads((tmp_path / f"w{n}.json").read_text())["layers"]
        assert [layer["name"] for layer in layers] == ["dense", "dense_1", "dense_2"]
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as h5:
        assert sorted(h5["layers"]) == ["dense", "dense_1", "dense_2"]
        assert [h5[f"layers/{g}/vars"].attrs["name"] for g in sorted(h5["layers"])] == [
            "dense", "dense_1", "dense_2"]


def test_the_names_are_the_readmes(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"`(dense(?:_\d+)?\.(?:kernel|bias))`", readme)
    assert "dense.kernel" in shown and "dense_1.kernel" in shown
    project = Project.lecture_example()
    for _ in range(5):
        project.build_model()
    project.build_model().save_weights(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as npz:
        keys = list(npz.keys())
    assert set(shown) <= set(keys)
    assert keys == ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"]
