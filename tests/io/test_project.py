"""The .nnviz project file: exact round trips, atomic saves, and a clear error for every bad file."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnviz.files.project as project_module
from nnviz.data.datasets import load_csv
from nnviz.engine.models import load_model
from nnviz.engine.training import Stepper
from nnviz.errors import NnvizError, ProjectFileError
from nnviz.files.project import FORMAT_VERSION, DatasetSpec, Project, TrainingSettings
from tests.io.helpers import lecture_model, weights_equal


def trained_project() -> Project:
    """The lecture example after a few SGD steps: weights, history and all settings set."""
    project = Project.lecture_example()
    project.update_training(learning_rate=0.05, momentum=0.5, batch_size=8, seed=3,
                            optimizer_options={"nesterov": True})
    data = project.load_dataset()
    model = project.build_model()
    stepper = Stepper(model, data.x_train, data.y_train, batch_size=8, x_val=data.x_val,
                      y_val=data.y_val)
    stepper.run(max_epochs=2)
    project.design.store_weights(model.get_weights())
    project.set_history(stepper.history.to_dict())
    return project


def test_round_trip_equals(tmp_path):
    project = trained_project()
    project.save(tmp_path / "p.nnviz")
    loaded = Project.load(tmp_path / "p.nnviz")
    assert loaded == project
    assert loaded.path == str(tmp_path / "p.nnviz")
    assert loaded.training.optimizer_options == {"nesterov": True}
    assert loaded.history["epoch_loss"] == project.history["epoch_loss"]
    assert len(loaded.history["batch_loss"]) == 2 * 20  # 160 samples / 8, two epochs
    # Saving the loaded project writes the same text again.
    loaded.save(tmp_path / "q.nnviz")
    assert (tmp_path / "q.nnviz").read_text() == (tmp_path / "p.nnviz").read_text()


def test_float64_weights_round_trip_bit_for_bit(tmp_path):
    project = trained_project()
    model = project.build_model()
    awkward = [w + np.float64(0.1) / 3 for w in model.get_weights()]
    awkward[0].flat[0] = np.nextafter(1.0, 2.0)  # 1 + 2**-52
    awkward[1].flat[0] = 5e-324  # the smallest subnormal
    project.design.store_weights(awkward)
    project.save(tmp_path / "p.nnviz")
    model = Project.load(tmp_path / "p.nnviz").build_model()
    assert weights_equal(model.get_weights(), awkward)


def test_file_is_readable_json_with_format_and_version(tmp_path):
    project = trained_project()
    project.save(tmp_path / "p.nnviz")
    data = json.loads((tmp_path / "p.nnviz").read_text())
    assert data["format"] == "nnviz-project" and data["version"] == FORMAT_VERSION
    assert set(data) >= {"design", "training", "dataset", "history"}
    assert data["training"]["optimizer"] == "sgd" and data["training"]["learning_rate"] == 0.05
    assert data["dataset"]["name"] == "circles"
    positions = [(layer["x"], layer["y"]) for layer in data["design"]["layers"]]
    assert positions == [(s.x, s.y) for s in project.design.layers]
    # A kernel row is one line of the file (readable, not one number per line).
    assert (tmp_path / "p.nnviz").read_text().count("\n") < 200


def test_plain_model_save_and_load_model(tmp_path):
    model = lecture_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "m.nnviz")
    again = load_model(tmp_path / "m.nnviz")
    assert weights_equal(again.get_weights(), model.get_weights())
    assert [layer.activation_name for layer in again.layers] == ["relu", "softmax"]
    assert again.optimizer.name == "adam" and again.loss.name == "categorical_crossentropy"
    assert again.metrics_names == ["loss", "accuracy"]
    x = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_model_save_needs_nnviz_suffix(tmp_path):
    with pytest.raises(ProjectFileError, match=r"\.nnviz"):
        lecture_model().save(tmp_path / "m.keras")


def test_csv_path_is_relative_to_the_project(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    csv = data_dir / "points.csv"
    rows = ["x1,x2,label"] + [f"{i % 7},{(i * 3) % 5},{'ab'[i % 2]}" for i in range(30)]
    csv.write_text("\n".join(rows) + "\n")
    project = Project.lecture_example()
    project.set_dataset(DatasetSpec("csv", {"header": True}, csv_path=str(csv), target="label"))
    project.save(tmp_path / "p.nnviz")
    stored = json.loads((tmp_path / "p.nnviz").read_text())["dataset"]
    assert stored["path"] == "data/points.csv" and stored["target"] == "label"

    # Move the folder as a whole: the project still finds its data.
    shutil.move(str(tmp_path), str(tmp_path.parent / (tmp_path.name + "_moved")))
    moved = tmp_path.parent / (tmp_path.name + "_moved")
    loaded = Project.load(moved / "p.nnviz")
    assert loaded.dataset.csv_path == str(moved / "data" / "points.csv")
    data = loaded.load_dataset()
    expected = load_csv(moved / "data" / "points.csv", target="label", header=True)
    np.testing.assert_array_equal(data.x, expected.x)

    # The CSV moved away on its own: one clear message naming the file and where it looked.
    os.remove(moved / "data" / "points.csv")
    with pytest.raises(ProjectFileError, match=r"data file was not found at .*points\.csv"):
        Project.load(moved / "p.nnviz")
    assert Project.load(moved / "p.nnviz", check_data=False).dataset.is_csv


def valid_text() -> str:
    """The text of a valid, trained project file."""
    project = trained_project()
    return json.dumps(project.to_dict(), indent=1)


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(version=FORMAT_VERSION + 1), "newer nnviz"),
    (lambda d: d.update(format="something-else"), "not an nnviz project"),
    (lambda d: d.update(format="nnviz-weights"), "weights file, not a project"),
    (lambda d: d.pop("design"), "'design' is missing"),
    (lambda d: d.pop("version"), "'version' is missing"),
    (lambda d: d["design"]["connections"][0].update(kernel=[[1.0, 2.0]]),
     r"connections\[0\]\.kernel"),
    (lambda d: d["design"]["layers"][1].update(bias=[1.0]), r"layers\[1\]\.bias"),
    (lambda d: d["design"]["layers"][1].pop("units"), r"layers\[1\]\.units"),
    (lambda d: d["training"].update(batch_size=0), r"training\.batch_size"),
    (lambda d: d["training"].update(optimizer="magic"), r"training\.optimizer"),
    (lambda d: d["training"].update(learning_rate="fast"), r"training\.learning_rate"),
    (lambda d: d["dataset"].update(name="nonsense"), r"dataset\.name"),
    (lambda d: d["history"].update(epoch_loss=["x"]), r"history\.epoch_loss"),
])
def test_each_bad_field_is_named(tmp_path, mutate, words):
    data = json.loads(valid_text())
    mutate(data)
    path = tmp_path / "bad.nnviz"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match=words) as info:
        Project.load(path)
    message = str(info.value)
    assert message.startswith("Cannot open 'bad.nnviz'") or "bad.nnviz" in message
    assert "\n" not in message
    assert info.value.path == str(path)


@pytest.mark.parametrize("content, words", [
    (b"", "not valid JSON"),
    (b"{\"format\": \"nnviz-project\", ", "not valid JSON .line 1"),
    (b"[1, 2, 3]", "not hold a JSON object"),
    (b"\x89HDF\r\n\x1a\n\x00\x00", "HDF5"),
    (b"PK\x03\x04rest", "ZIP"),
    (b"\xff\xfe\x00garbage", "not a text file"),
    (b'{"version": NaN}', "not valid JSON"),
])
def test_not_a_project(tmp_path, content, words):
    path = tmp_path / "x.nnviz"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError, match=words):
        Project.load(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ProjectFileError, match="no file"):
        Project.load(tmp_path / "absent.nnviz")
    with pytest.raises(ProjectFileError, match="folder"):
        Project.load(tmp_path)


def test_missing_optional_sections_take_defaults(tmp_path):
    data = json.loads(valid_text())
    for key in ("training", "dataset", "history"):
        del data[key]
    (tmp_path / "p.nnviz").write_text(json.dumps(data))
    loaded = Project.load(tmp_path / "p.nnviz")
    assert loaded.training == TrainingSettings()
    assert loaded.dataset.name is None and loaded.history == {}


def test_older_versions_are_migrated(tmp_path, monkeypatch):
    # Pretend the format is at version 2, which renamed "training" to "fit"; a version-1
    # file must still open, upgraded by the registered step.
    def one_to_two(data):
        data["fit"] = data.pop("training")
        return data

    text = valid_text()
    (tmp_path / "old.nnviz").write_text(text)
    monkeypatch.setattr(project_module, "FORMAT_VERSION", 2)
    monkeypatch.setitem(project_module._MIGRATIONS, 1, one_to_two)
    migrated = project_module.migrate(json.loads(text), 1)
    assert migrated["version"] == 2 and "fit" in migrated and "training" not in migrated
    monkeypatch.delitem(project_module._MIGRATIONS, 1)
    with pytest.raises(ProjectFileError, match="version 1 can no longer be read"):
        project_module.migrate(json.loads(text), 1)


def test_version_one_file_loads_today(tmp_path):
    data = json.loads(valid_text())
    data["version"] = 1
    (tmp_path / "v1.nnviz").write_text(json.dumps(data))
    assert Project.load(tmp_path / "v1.nnviz") == Project.from_dict(json.loads(valid_text()))


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "p.nnviz"
    Project.lecture_example().save(path)
    before = path.read_bytes()

    def crash(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)  # after the text is written, before the rename
    with pytest.raises(ProjectFileError, match="Input/output error"):
        trained_project().save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.nnviz"]


def test_nan_weights_are_not_saved(tmp_path):
    project = trained_project()
    project.save(tmp_path / "p.nnviz")
    before = (tmp_path / "p.nnviz").read_bytes()
    project.design._kernels[project.design.connections[0]][0, 0] = np.nan
    with pytest.raises(ProjectFileError, match="NaN"):
        project.save(tmp_path / "p.nnviz")
    assert (tmp_path / "p.nnviz").read_bytes() == before


def test_nan_in_history_round_trips(tmp_path):
    project = Project.lecture_example()
    project.set_history({"epoch_loss": [0.5, float("nan")], "batch_loss": [float("inf")]})
    project.save(tmp_path / "p.nnviz")
    text = (tmp_path / "p.nnviz").read_text()
    assert '"NaN"' in text and "Infinity" in text
    assert Project.load(tmp_path / "p.nnviz") == project


def test_replace_with_keeps_the_project_object():
    target = Project.lecture_example()
    design = target.design
    seen = []
    target.events.settings_changed.connect(lambda: seen.append("settings"))
    design.events.reset.connect(lambda: seen.append("reset"))
    source = trained_project()
    target.replace_with(source)
    assert target.design is design and target == source
    # The design comes last, so a listener rebuilding from it sees the new settings.
    assert "settings" in seen and seen[-1] == "reset"


def test_build_model_compiles_with_the_settings():
    project = Project.lecture_example()
    project.update_training(optimizer="rmsprop", learning_rate=0.01, momentum=0.2,
                            loss="mse", metrics=[])
    model = project.build_model()
    assert model.optimizer.name == "rmsprop"
    assert model.optimizer.learning_rate == 0.01 and model.optimizer.momentum == 0.2
    assert model.loss.name == "mean_squared_error" and model.metrics_names == ["loss"]


def test_update_training_refuses_bad_values():
    project = Project.lecture_example()
    with pytest.raises(ProjectFileError, match="learning_rate"):
        project.update_training(learning_rate=-1.0)
    assert project.training.learning_rate == 0.1


# ------------------------------------------------------------------ corruptions, generated

_JSON_LEAF = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=8)
_JSON = st.recursive(_JSON_LEAF, lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(st.text(max_size=6), children, max_size=4), max_leaves=12)
_VALID = None


def _valid() -> dict:
    global _VALID
    if _VALID is None:
        _VALID = json.loads(valid_text())
    return json.loads(json.dumps(_VALID))


def _paths(value, prefix=()):
    """Every path (tuple of keys/indices) to a value inside ``value``."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, prefix + (i,))


@st.composite
def corrupted_documents(draw):
    """A valid file with one to three random edits: a value replaced, a key dropped, a list cut."""
    data = _valid()
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "truncate"]))
        if action == "delete":
            if isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        elif action == "truncate" and isinstance(parent[path[-1]], list):
            del parent[path[-1]][draw(st.integers(0, 3)):]
        else:
            parent[path[-1]] = draw(_JSON)
    return data


def _load_or_refuse(path) -> None:
    """Loading either works (then the model builds or refuses with nnviz's error) or says why."""
    before = path.read_bytes()
    try:
        project = Project.load(path, check_data=False)
    except ProjectFileError as err:
        assert str(err) and "\n" not in str(err) and "Traceback" not in str(err)
    else:
        try:
            project.build_model()
        except NnvizError:
            pass  # e.g. a design without an output layer: DesignError, said in a sentence
    assert path.read_bytes() == before  # loading never writes


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=corrupted_documents())
def test_corrupted_documents_load_or_raise_project_file_error(tmp_path, document):
    path = tmp_path / "c.nnviz"
    path.write_text(json.dumps(document))
    _load_or_refuse(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_bytes_load_or_raise_project_file_error(tmp_path, data):
    raw = bytearray(valid_text().encode())
    kind = data.draw(st.sampled_from(["cut", "flip", "insert"]))
    at = data.draw(st.integers(0, len(raw) - 1))
    if kind == "cut":
        raw = raw[:at]
    elif kind == "flip":
        raw[at] = data.draw(st.integers(0, 255))
    else:
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    path = tmp_path / "b.nnviz"
    path.write_bytes(bytes(raw))
    _load_or_refuse(path)
