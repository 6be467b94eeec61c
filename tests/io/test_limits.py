"""Issue 10 point 4: sizes in a project file are checked while it is read, before any allocation.

Each limit of ``nnviz.limits`` gets a file one step over it, and the file must be refused
with a ProjectFileError that names the field, quickly and without the memory the size
asks for (the first test proves it under an address-space cap).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnviz import limits
from nnviz.document import Design
from nnviz.errors import DesignError, ProjectFileError
from nnviz.project import Project

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, data, name="p.nnviz") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def lecture_data() -> dict:
    return Project.lecture_example().to_dict()


def refused(path) -> str:
    with pytest.raises(ProjectFileError) as info:
        Project.load(path)
    return str(info.value)


def test_huge_units_are_refused_before_any_allocation(tmp_path):
    data = lecture_data()
    data["design"]["layers"][1]["units"] = 10**8
    path = write(tmp_path, data)
    assert path.stat().st_size < 2048
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n"
        "from nnviz.errors import ProjectFileError\n"
        "from nnviz.project import Project\n"
        "try:\n"
        "    Project.load(sys.argv[1])\n"
        "except ProjectFileError as err:\n"
        "    print(err)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "layers[1].units is 100000000" in result.stdout
    assert f"at most {limits.MAX_UNITS} neurons" in result.stdout


@pytest.mark.parametrize(("key", "value"), [
    ("seed", 2**31), ("batch_size", limits.MAX_BATCH_SIZE + 1),
    ("epochs", limits.MAX_EPOCHS + 1),
])
def test_training_settings_over_their_limit_are_refused(tmp_path, key, value):
    data = lecture_data()
    data["training"][key] = value
    message = refused(write(tmp_path, data))
    assert f"'training.{key}' is {value}" in message


def test_the_limits_themselves_are_accepted(tmp_path):
    data = lecture_data()
    data["training"].update(seed=limits.MAX_SEED, batch_size=limits.MAX_BATCH_SIZE,
                            epochs=limits.MAX_EPOCHS)
    data["dataset"]["params"]["n_samples"] = limits.MAX_SAMPLES
    project = Project.load(write(tmp_path, data))
    assert project.training.seed == 2**31 - 1
    assert project.dataset.params["n_samples"] == limits.MAX_SAMPLES


@pytest.mark.parametrize(("key", "value"), [("n_samples", 10**9), ("seed", 2**31)])
def test_dataset_sizes_over_their_limit_are_refused(tmp_path, key, value):
    data = lecture_data()
    data["dataset"]["params"][key] = value
    assert f"'dataset.params.{key}' is {value}" in refused(write(tmp_path, data))


def test_a_dataset_option_must_be_a_single_value(tmp_path):
    data = lecture_data()
    data["dataset"]["params"]["noise"] = [[0.1]]
    assert "'dataset.params.noise' must be a number" in refused(write(tmp_path, data))


def test_ten_thousand_layers_are_refused_by_count(tmp_path):
    layers = [{"id": f"l{k}", "kind": "hidden", "name": f"H{k}", "units": 1}
              for k in range(10**4)]
    data = lecture_data()
    data["design"] = {"layers": layers, "connections": []}
    message = refused(write(tmp_path, data))
    assert "'layers' has 10000 layers" in message
    assert f"at most {limits.MAX_LAYERS}" in message


def test_more_connections_than_pairs_of_layers_are_refused(tmp_path):
    data = lecture_data()
    conns = data["design"]["connections"]
    data["design"]["connections"] = conns * 5  # 10 > 3 * 3
    assert "'connections' has 10 connections" in refused(write(tmp_path, data))


def test_weights_over_the_limit_are_refused_before_they_are_read(tmp_path):
    units = 1500  # 2.25 million weights per kernel: the second one is over 4 million
    layers = [{"id": "a", "kind": "input", "name": "In", "units": units},
              {"id": "b", "kind": "hidden", "name": "H", "units": units},
              {"id": "c", "kind": "output", "name": "Out", "units": units,
               "activation": "linear"}]
    # The kernels are announced by their layers' sizes; the lists themselves are not
    # even of that size, so only the count can refuse the second one.
    conns = [{"source": "a", "target": "b", "kernel": [[0.0] * units] * units},
             {"source": "b", "target": "c", "kernel": [[0.0]]}]
    data = lecture_data()
    data["design"] = {"layers": layers, "connections": conns}
    message = refused(write(tmp_path, data))
    assert "connections[1] (1500 x 1500 neurons) brings the design's weights to more than" \
        in message


def test_a_long_layer_name_is_refused(tmp_path):
    data = lecture_data()
    data["design"]["layers"][1]["name"] = "x" * (limits.MAX_LAYER_NAME + 1)
    assert "layers[1].name has" in refused(write(tmp_path, data))


def test_history_nested_950_deep_is_a_project_file_error(tmp_path):
    data = lecture_data()
    text = json.dumps(data).replace('"history": {}', '"history": {"batch_loss": '
                                    + "[" * 950 + "]" * 950 + "}")
    path = tmp_path / "deep.nnviz"
    path.write_text(text)
    message = refused(path)
    assert "levels deep" in message or "deeper than nnviz reads" in message


def test_history_with_a_nested_list_is_refused(tmp_path):
    data = lecture_data()
    data["history"] = {"batch_loss": [0.5, [0.4]]}
    assert "'history.batch_loss' must be a flat list" in refused(write(tmp_path, data))


def test_a_too_long_history_series_is_refused(tmp_path):
    data = lecture_data()
    data["history"] = {"batch_loss": [0.5] * (limits.MAX_HISTORY_POINTS + 1)}
    assert "'history.batch_loss' has 1,000,001 numbers" in refused(write(tmp_path, data))


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.nnviz"
    with open(path, "wb") as handle:  # sparse: no disk space used
        handle.truncate(limits.MAX_PROJECT_FILE_BYTES + 1)
    assert "nnviz opens project files of at most 200 MB" in refused(path)


def test_the_document_refuses_the_same_sizes():
    design = Design()
    with pytest.raises(DesignError, match="at most 4096 neurons"):
        design.add_layer("hidden", units=limits.MAX_UNITS + 1)
    layer = design.add_layer("hidden")
    with pytest.raises(DesignError, match="at most 4096 neurons"):
        design.set_units(layer, limits.MAX_UNITS + 1)
    for _ in range(limits.MAX_LAYERS - 1):
        design.add_layer("hidden")
    with pytest.raises(DesignError, match="at most 64 layers"):
        design.add_layer("hidden")


def test_connecting_more_weights_than_the_limit_is_refused():
    # Issue 19 point 5: the design refuses the connection itself (it would draw 16.8
    # million lines), not only build_model.
    design = Design()
    ids = [design.add_layer("input", units=4096), design.add_layer("hidden", units=4096),
           design.add_layer("output", units=2, activation="linear")]
    with pytest.raises(DesignError, match="16,781,314 weights.*at most 4,000,000"):
        design.connect(ids[0], ids[1])
    assert design.connections == []


def test_a_sixty_layer_chain_validates_and_round_trips():
    design = Design()
    ids = [design.add_layer("input")]
    ids += [design.add_layer("hidden") for _ in range(58)]
    ids.append(design.add_layer("output"))
    for a, b in zip(ids[:-1], ids[1:]):
        design.connect(a, b)
    assert design.validate() == []
    assert [s.id for s in design.chain()] == ids
    design.disconnect(ids[30], ids[31])
    design.undo()  # the connection goes back into its place, and the chain is whole again
    assert design.outgoing(ids[30]) == [ids[31]] and design.incoming(ids[31]) == [ids[30]]
    again = Design.from_dict(design.to_dict())
    assert again == design and again.validate() == []
