"""The bundled example projects (nnviz/resources/examples): each opens, fits its data set and trains."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from nnviz import resources
from nnviz.engine.training import Stepper
from nnviz.files.project import Project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = resources.EXAMPLES_DIR
EXPECTED = {
    # stem: (data set, layer units input..output, hidden activations, output activation)
    "lecture": ("circles", [2, 3, 2], ["relu"], "softmax"),
    "xor": ("xor", [2, 4, 2], ["tanh"], "softmax"),
    "spiral": ("spiral", [2, 16, 16, 2], ["tanh", "tanh"], "softmax"),
    "sine": ("sine", [1, 16, 1], ["tanh"], "linear"),
    "iris": ("iris", [4, 8, 3], ["relu"], "softmax"),
    "digits": ("digits", [64, 32, 10], ["relu"], "softmax"),
}


def test_every_example_is_there():
    assert sorted(p.stem for p in EXAMPLES.glob("*.nnviz")) == sorted(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_example_opens_and_fits_its_data(stem):
    project = Project.load(EXAMPLES / f"{stem}.nnviz")
    dataset_name, units, hidden, output = EXPECTED[stem]
    assert project.dataset.name == dataset_name
    chain = project.design.chain()
    assert [spec.units for spec in chain] == units
    assert [spec.activation for spec in chain[1:-1]] == hidden
    assert chain[-1].activation == output
    data = project.load_dataset()
    assert project.design.validate(n_features=data.n_features, n_targets=data.n_targets) == []
    # The weights are stored (the window draws them before any training) ...
    assert all(project.design.kernel(c.source, c.target) is not None
               for c in project.design.connections)
    # ... and one batch of training runs and gives a finite loss.
    model = project.build_model()
    stepper = Stepper(model, data.x_train, data.y_train, batch_size=project.training.batch_size)
    stepper.step_batch()
    assert np.isfinite(stepper.history.batch_loss[-1])


def test_lecture_file_is_the_lecture_example():
    on_disk = Project.load(EXAMPLES / "lecture.nnviz")
    fresh = Project.lecture_example()
    assert on_disk.training == fresh.training
    assert on_disk.dataset == fresh.dataset
    assert [(s.kind, s.units, s.activation) for s in on_disk.design.layers] == \
        [(s.kind, s.units, s.activation) for s in fresh.design.layers]


def test_make_examples_regenerates_the_same_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_examples", ROOT / "tools" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "EXAMPLES_DIR", tmp_path)
    monkeypatch.setattr(module, "ROOT", tmp_path.parent)
    module.main()
    for stem in EXPECTED:
        assert (tmp_path / f"{stem}.nnviz").read_text() == \
            (EXAMPLES / f"{stem}.nnviz").read_text(), stem
