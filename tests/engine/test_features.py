"""Feature crosses (nnviz.data.features): the registry's columns, the data-set spec that owns
them, the session's one undo step, the file, the command line and the exports."""
from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from nnviz.analysis.neuron_maps import neuron_maps
from nnviz.cli import main
from nnviz.data import datasets, features
from nnviz.data.dataset_spec import DatasetSpec
from nnviz.errors import DatasetError, ProjectFileError
from nnviz.files.keras_code import keras_code, lecture_code
from nnviz.files.keras_import import KerasImportError, parse_keras
from nnviz.files.project import Project
from nnviz.files.weights_io import save_json
from nnviz.session.session import Session

CIRCLES = {"n_samples": 40, "noise": 0.1, "seed": 0, "validation_split": 0.2}


def test_each_feature_is_its_formula_by_hand():
    x = np.array([[2.0, 3.0], [-1.0, 0.5]])
    out = features.expand(x, ["sin_x2", "x1_x2", "x2_squared", "x1_squared", "sin_x1"])
    # The crosses follow x1, x2 in the registry's order, whatever order they were chosen in.
    expected = [[2, 3, 4, 9, 6, math.sin(2), math.sin(3)],
                [-1, 0.5, 1, 0.25, -0.5, math.sin(-1), math.sin(0.5)]]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)
    assert features.labels(["sin_x1", "x1_squared"]) == ["x1²", "sin x1"]
    assert features.expand(x, []) is x
    # Each record's formula is the code that computes its function.
    for f in features.FEATURES.values():
        np.testing.assert_array_equal(eval(f.formula, {"np": np, "x": x}), f.function(x))


def test_spec_loads_the_crosses_as_inputs_named_by_them():
    spec = DatasetSpec("circles", dict(CIRCLES), features=("sin_x1", "x1_squared"))
    assert spec.features == ("x1_squared", "sin_x1")
    data = spec.load()
    plain = DatasetSpec("circles", dict(CIRCLES)).load()
    assert data.n_features == 4 and data.n_base_features == 2
    assert data.feature_names == ["x1", "x2", "x1²", "sin x1"]
    np.testing.assert_array_equal(data.x[:, :2], plain.x)
    np.testing.assert_array_equal(data.x[:, 2], plain.x[:, 0] ** 2)
    np.testing.assert_array_equal(data.x_train[:, 3], np.sin(plain.x_train[:, 0]))
    # New inputs of two columns get the same preparation.
    np.testing.assert_array_equal(data.transform(plain.x[:3]), data.x[:3])


def test_only_a_two_input_data_set_takes_crosses():
    spec = DatasetSpec("iris", {"seed": 0}, features=("x1_x2",))
    with pytest.raises(DatasetError, match="made from two inputs, x1 and x2; iris has 4"):
        spec.load()


def test_file_key_is_optional_and_checked():
    spec = DatasetSpec("circles", dict(CIRCLES), features=("x1_x2",))
    data = spec.to_dict()
    assert data["features"] == ["x1_x2"]
    assert DatasetSpec.from_dict(data).features == ("x1_x2",)
    # Without crosses the key is not written, and a file without it reads as before.
    assert "features" not in DatasetSpec("circles", dict(CIRCLES)).to_dict()
    assert DatasetSpec.from_dict({"name": "circles", "params": {}}).features == ()
    for bad, words in (("x1_x2", "must be a list"), (["x3_squared"], "which is no feature"),
                       (["x1_x2", "x1_x2"], "names a feature twice"), ([1], "must be a list")):
        with pytest.raises(ProjectFileError, match=words):
            DatasetSpec.from_dict({"name": "circles", "params": {}, "features": bad})


def test_session_toggle_is_one_undo_step_and_the_input_layer_follows():
    session = Session()
    design = session.design
    inputs = next(s for s in design.layers if s.kind == "input")
    count = session.undo_stack.count
    session.set_features(["x1_squared"])
    assert session.undo_stack.undo_text == "Add feature x1²"
    assert session.undo_stack.count == count + 1
    assert design.layer(inputs.id).units == 3
    assert session.stepper.model.input_dim == 3
    session.step("epoch")
    assert np.isfinite(session.history.epoch_loss[-1])
    session.set_features(["x1_squared", "sin_x2"])
    assert session.undo_stack.undo_text == "Add feature sin x2"
    assert design.layer(inputs.id).units == 4
    session.set_features(["sin_x2"])
    assert session.undo_stack.undo_text == "Remove feature x1²"
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.project.dataset.features == ("x1_squared",)
    assert design.layer(inputs.id).units == 3 and session.stepper.model.input_dim == 3
    session.undo_stack.undo()
    session.undo_stack.undo()  # the epoch, then the toggle
    assert session.project.dataset.features == ()
    assert design.layer(inputs.id).units == 2


def test_session_refuses_crosses_for_other_data_and_changes_nothing():
    project = Project.lecture_example()
    project.set_dataset(DatasetSpec("iris", {"seed": 0, "validation_split": 0.2}))
    session = Session(project)
    count = session.undo_stack.count
    with pytest.raises(DatasetError, match="two inputs"):
        session.set_features(["x1_x2"])
    assert session.undo_stack.count == count and session.project.dataset.features == ()


def test_neuron_maps_over_the_plane_feed_the_crosses():
    session = Session()
    session.set_features(["x1_x2"])
    plane = features.Plane((-1.0, 1.0, -2.0, 2.0), ["x1_x2"])
    maps = neuron_maps(session.stepper.model, plane, grid=3)
    # The hidden layer's map at the plane's corner (-1, -2) is the model's at (-1, -2, 2).
    _zs, acts = session.stepper.model.forward_trace(np.array([[-1.0, -2.0, 2.0]]))
    np.testing.assert_allclose(maps[0][0, 0], acts[0][0], rtol=0, atol=1e-12)


def test_saved_and_reopened(tmp_path):
    session = Session()
    session.set_features(["x2_squared", "x1_x2"])
    path = tmp_path / "crosses.nnviz"
    session.save(path)
    assert json.loads(path.read_text())["dataset"]["features"] == ["x2_squared", "x1_x2"]
    again = Session(Project.load(path))
    assert again.project.dataset.features == ("x2_squared", "x1_x2")
    assert again.dataset().feature_names == ["x1", "x2", "x2²", "x1·x2"]
    assert again.stepper is not None and again.stepper.model.input_dim == 4


def run_cli(argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(list(map(str, argv)), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_command_line_trains_with_crosses_and_describes_them(tmp_path):
    project = Project.lecture_example()
    project.dataset.params["n_samples"] = 40
    path = tmp_path / "lecture.nnviz"
    project.save(path)
    out_file = tmp_path / "trained.nnviz"
    status, out, err = run_cli(["train", path, "--features", "x1_squared,sin_x1",
                                "--epochs", "2", "-o", out_file])
    assert status == 0, err
    trained = Project.load(out_file)
    assert trained.dataset.features == ("x1_squared", "sin_x1")
    assert trained.design.chain()[0].units == 4 and len(trained.history["epoch_loss"]) == 2
    status, out, err = run_cli(["info", out_file])
    assert status == 0 and "features:      x1, x2, x1², sin x1" in out
    status, out, err = run_cli(["train", path, "--features", "x3"])
    assert status != 0 and "'x3' is no feature" in err


def test_exports_name_the_inputs(tmp_path):
    project = Project.lecture_example()
    project.set_dataset(DatasetSpec("circles", dict(CIRCLES), features=("x1_x2",)))
    project.design.set_units(project.design.chain()[0].id, 3)
    model = project.build_model()
    save_json(model, tmp_path / "w.json")
    assert json.loads((tmp_path / "w.json").read_text())["inputs"] == ["x1", "x2", "x1·x2"]
    code = keras_code(model, "w.weights.h5")
    assert "def add_features(x):" in code and "x[:, 0] * x[:, 1]" in code
    # The ONNX model names them on its input and in its metadata.
    from nnviz.files.onnx_export import to_onnx

    proto = to_onnx(model)
    props = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(props["inputs"]) == ["x1", "x2", "x1·x2"]
    assert proto.graph.input[0].doc_string == "columns: x1, x2, x1·x2"
    # Without crosses none says anything new.
    plain = Project.lecture_example().build_model()
    save_json(plain, tmp_path / "p.json")
    assert "inputs" not in json.loads((tmp_path / "p.json").read_text())
    assert "add_features" not in keras_code(plain, "w.weights.h5")
    assert not to_onnx(plain).metadata_props and not to_onnx(plain).graph.input[0].doc_string


def test_lecture_code_shows_the_preprocessing_and_imports_back():
    project = Project.lecture_example()
    project.dataset.features = ("x1_squared", "sin_x2")
    text = lecture_code(project.design, project.training, project.dataset).text
    assert "import numpy as np" in text
    assert "    return np.column_stack([x, x[:, 0] ** 2, np.sin(x[:, 1])])" in text
    assert text.index("x = add_features(x)") < text.index("model.fit(")
    _design, settings = parse_keras(text)
    assert settings["features"] == ("x1_squared", "sin_x2")
    plain = lecture_code(project.design, project.training, DatasetSpec("circles", {})).text
    assert "features" not in parse_keras(plain)[1]
    bad = text.replace("np.sin(x[:, 1])", "np.cos(x[:, 1])")
    with pytest.raises(KerasImportError, match="np.cos") as caught:
        parse_keras(bad)
    assert caught.value.line == bad.splitlines().index(
        next(line for line in bad.splitlines() if "np.cos" in line)) + 1


def test_datasets_with_features_is_the_one_way_in():
    plain = datasets.load("xor", n_samples=20, seed=1)
    assert datasets.with_features(plain, ()) is plain
    crossed = datasets.with_features(plain, ["x1_x2"])
    assert crossed.features == ("x1_x2",) and crossed.params == plain.params


def test_every_input_keeps_its_own_weights_when_a_cross_between_others_comes_or_goes():
    """x1² comes in before x2² in the data's order, and goes from between x2 and x2²: each
    input's row of weights follows it (a cross never inherits another's weights)."""
    session = Session()
    design = session.design
    inp = next(s for s in design.layers if s.kind == "input")
    hidden = design.outgoing(inp.id)[0]
    session.set_features(["x2_squared"])
    rows = {name: design.kernel(inp.id, hidden)[k].copy()
            for k, name in enumerate(["x1", "x2", "x2_squared"])}
    session.set_features(["x1_squared", "x2_squared"])  # x1² goes between x2 and x2²
    kernel = design.kernel(inp.id, hidden)
    assert kernel.shape[0] == 4
    for k, name in ((0, "x1"), (1, "x2"), (3, "x2_squared")):
        np.testing.assert_array_equal(kernel[k], rows[name])
    rows["x1_squared"] = kernel[2].copy()
    session.set_features(["x2_squared"])  # x1² goes again, from the middle
    kernel = design.kernel(inp.id, hidden)
    for k, name in ((0, "x1"), (1, "x2"), (2, "x2_squared")):
        np.testing.assert_array_equal(kernel[k], rows[name])
    session.undo_stack.undo()  # one step: x1² back in its place with its weights
    kernel = design.kernel(inp.id, hidden)
    np.testing.assert_array_equal(kernel[2], rows["x1_squared"])
    np.testing.assert_array_equal(kernel[3], rows["x2_squared"])
    assert session.undo_stack.undo_text == "Add feature x1²"
