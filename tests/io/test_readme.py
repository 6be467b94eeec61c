"""The README, read as a newcomer reads it: every code block runs and every claim holds.

The Python blocks are extracted from README.md and run in a temporary folder; the command
lines of the "command line" section run through ``nnviz.cli.main`` in an empty temporary
folder (as from a wheel: they name bundled examples, never a clone's files); the file-format claims (the project JSON, the weight
files' layouts, the examples) are checked against files the README's commands wrote. So a
renamed function, option or key shows up here instead of in a student's terminal.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from nnviz import resources
from nnviz.data import datasets
from nnviz.engine import activations, initializers, losses, optimizers
from nnviz.engine.models import Sequential, load_model
from nnviz.files.project import Project
from ui.launcher import main  # the installed `nnviz` command the README shows

ROOT = Path(__file__).resolve().parents[2]
#: Where a clone has the bundled examples, as the README's command lines name them.
EXAMPLES = "nnviz/resources/examples"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.S | re.M)


def section(title: str) -> str:
    """The README text under the ``## title`` heading, up to the next ``##`` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no section '{title}'"
    return match.group(1)


def command_lines(text: str) -> list[tuple[list[str], str]]:
    """The ``nnviz ...`` lines of the bash blocks in ``text``: (argv, trailing comment)."""
    lines = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M):
        for line in block.splitlines():
            command, _, comment = line.partition("#")
            words = shlex.split(command)
            if words and words[0] == "nnviz":
                lines.append((words[1:], comment.strip()))
    return lines


def run_cli(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main([str(a) for a in argv], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty working directory, as a wheel's user has: the README's command lines name
    the bundled examples, never files of a clone."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def window_calls(monkeypatch):
    """Replace the window with a recorder (the CLI imports ui.app only to open it)."""
    calls = []
    fake = types.ModuleType("ui.app")
    fake.run = lambda argv: calls.append(list(argv)) or 0
    monkeypatch.setitem(sys.modules, "ui.app", fake)
    return calls


# ---------------------------------------------------------------- the Python tour


def test_python_blocks_run_as_written_and_their_comments_hold(tmp_path, monkeypatch):
    blocks = code_blocks("python")
    assert len(blocks) >= 2, "the README lost its Python tour"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__readme__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for k, block in enumerate(blocks):
            exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)

    # "print(history.history["loss"])  # falls epoch by epoch"
    loss = namespace["history"].history["loss"]
    assert len(loss) == 10
    assert all(b < a for a, b in zip(loss, loss[1:])), loss
    assert str(loss) in printed.getvalue()
    # "kernel, bias, kernel_2, bias_2 = model.get_weights()   # Keras's shapes: (2, 3), (3,), ..."
    assert namespace["kernel"].shape == (2, 3) and namespace["bias"].shape == (3,)
    assert namespace["kernel_2"].shape == (3, 2) and namespace["bias_2"].shape == (2,)
    assert "Total params: 17" in printed.getvalue()  # model.summary()
    # The stepper block stepped one whole batch and then an epoch.
    stepper = namespace["stepper"]
    assert stepper.epoch >= 1 and stepper.history.epoch_loss


def test_stepper_comments_name_the_stages_the_stepper_takes():
    """Each ``stepper.step()`` line's comment quotes the label of the stage it runs."""
    block = next(b for b in code_blocks("python") if "Stepper" in b)
    claimed = re.findall(r'stepper\.step\(\)\s*#\s*"([^"]+)"(.*)', block)
    assert len(claimed) == 6, "one comment per stage of a batch of the lecture's net"
    data = datasets.load("two_gaussians", n_samples=200, noise=0.2, seed=0)
    from nnviz.engine.layers import Dense
    from nnviz.engine.training import Stepper

    model = Sequential([Dense(units=3, input_shape=(2,), activation="relu"),
                        Dense(units=2, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    stepper = Stepper(model, data.x_train, data.y_train, batch_size=4)
    for label, rest in claimed:
        trace = stepper.step()
        # The comment quotes the label's beginning ("Loss" for "Loss (categorical ...)");
        # "..." stands for the rest of a parenthesis.
        pattern = re.escape(label).replace(r"\.\.\.", ".*")
        assert re.match(pattern, trace.stage.label), (label, trace.stage.label)
        # The attributes the comment points at are filled at that stage.
        for attr, index in re.findall(r"trace\.(\w+)(?:\[(\d)\])?", rest):
            value = getattr(trace, attr)
            if index:
                value = value[int(index)]
            assert value is not None, f"{label}: trace.{attr} is empty"


def test_engine_inventory_is_what_the_readme_lists():
    text = section("A tour of the Python API")
    listed = re.search(r"What is in the engine: activations (.*?); losses", text, re.S).group(1)
    for name in re.split(r",\s*", listed.replace("\n", " ")):
        assert activations.get(name.strip()) is not None, name
    for name in ("mse", "mae", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy"):
        assert losses.get(name) is not None, name
    assert optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    for name in ("sgd", "adam", "rmsprop"):
        assert optimizers.get(name) is not None
    for name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                 "random_normal", "zeros", "ones"):
        assert initializers.get(name, seed=0)((2, 3), np.float64).shape == (2, 3)
    names = re.search(r"Data sets: (.*?),\s+and your own CSV", text, re.S).group(1)
    for name in re.split(r",\s*", names.replace("\n", " ")):
        assert name.strip() in datasets.DATASETS, name
    assert callable(datasets.load_csv)
    from nnviz.engine.layers import Dense

    model = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(2)],
                       dtype="float32")
    assert model.get_weights()[0].dtype == np.float32


# ---------------------------------------------------------------- install and tests


def test_install_run_and_test_commands_point_at_real_things():
    install = section("Install and run")
    assert "python main.py" in install
    main_py = (ROOT / "main.py").read_text(encoding="utf-8")
    assert "from ui.app import run" in main_py
    # (pyproject.toml read as text: tomllib is Python 3.11+, and 3.10 is supported)
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'nnviz = "ui.launcher:main"' in config
    tests = section("Run the tests")
    assert "'.[test]'" in tests
    # The reference backend the README names is the one the test extra installs (and no
    # torch, whose default wheel from the public index is the CUDA build, several GB).
    extra = re.search(r"^test = \[(.*?)^\]", config, re.S | re.M).group(1)
    assert '"jax' in extra and '"keras' in extra and "torch" not in extra.replace(
        "torch's", "")
    assert "JAX" in tests
    # CI runs the README's command itself, in a virtual environment of its own.
    command = re.search(r"```bash\n(.*?)\n```", tests, re.S).group(1).strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci and "venv" in ci
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / image).is_file(), f"README shows a missing image {image}"
    layout = re.search(r"## Layout\n+```\n(.*?)```", README, re.S).group(1)
    for line in layout.splitlines():
        name = line.split()[0]
        assert (ROOT / name.rstrip("/")).exists(), f"README's layout names a missing {name}"


# ---------------------------------------------------------------- the command line


def test_command_line_examples_run_as_written(workdir, window_calls):
    commands = command_lines(section("The command line"))
    bundled = {path: path.read_bytes() for _, path in resources.examples()}
    assert [argv[:1] for argv, _ in commands][:4] == [[], ["xor"], ["examples"], ["train"]]
    for argv, comment in commands:
        status, out, err = run_cli(argv)
        assert status == 0, (argv, err)
        if argv[:1] == ["train"]:
            output = Path(argv[argv.index("-o") + 1])
            assert output.is_file()
            epochs = int(argv[argv.index("--epochs") + 1])
            trained = Project.load(output)
            assert len(trained.history["epoch_loss"]) == epochs
            assert trained.training.learning_rate == float(
                argv[argv.index("--learning-rate") + 1])
            assert f"Trained {epochs} epochs" in out
        elif argv[:1] == ["info"]:
            # "layers, shapes, parameter counts, training state"
            assert "Total params" in out and "(None, " in out
            trained = Path(argv[1]).is_file()  # a file the README wrote, or an example
            assert ("trained 200 epochs" if trained else "not trained yet") in out
        elif argv[:1] == ["examples"]:
            assert [line.split()[0] for line in out.splitlines()[:-1]] == \
                [p.stem for _, p in resources.examples()]
        elif argv[:1] == ["export"]:
            target = Path(argv[argv.index("-o") + 1])
            assert target.stat().st_size > 0
            # "# or .npz, .json, .weights.h5, .py (Keras code)": each of those works too.
            for suffix in re.findall(r"(\.[a-z0-9.]+[a-z0-9])", comment):
                other = target.with_name("other" + suffix)
                status, _, err = run_cli(["export", argv[1], "-o", other])
                assert status == 0 and other.is_file(), (suffix, err)
    # The two window commands opened the window, the second on the bundled example.
    assert window_calls == [[], [str(resources.example_path("xor"))]]
    # The examples were named, never written.
    assert {path: path.read_bytes() for _, path in resources.examples()} == bundled


def test_command_line_errors_are_one_line_and_help_exists(workdir, capsys):
    status, out, err = run_cli(["info", "missing.nnviz"])
    assert status != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "missing.nnviz" in err
    for command in ("train", "export", "info"):
        assert main([command, "--help"]) == 0
        assert f"usage: nnviz {command}" in capsys.readouterr().out
    assert "from nnviz.cli import main" in (ROOT / "nnviz" / "__main__.py").read_text()


# ---------------------------------------------------------------- files


@pytest.fixture
def trained(workdir):
    """The README's train command, so the file has a history to show."""
    status, _, err = run_cli(["train", "xor", "--epochs", "5",
                              "-o", "xor-trained.nnviz"])
    assert status == 0, err
    return workdir / "xor-trained.nnviz"


def test_project_file_has_the_fields_the_readme_shows(trained):
    sample = re.search(r"^```json\n(.*?)^```", README, re.S | re.M).group(1)
    data = json.loads(trained.read_text(encoding="utf-8"))
    assert data["format"] == "nnviz-project" and f'"format": "{data["format"]}"' in sample
    assert f'"version": {data["version"]}' in sample
    keys_in_sample = set(re.findall(r'"(\w+)":', sample))
    layer = data["design"]["layers"][0]
    connection = data["design"]["connections"][0]
    present = (set(data) | set(data["design"]) | set(layer) | set(connection) | set(data["training"])
               | set(data["dataset"]) | set(data["dataset"]["params"]) | set(data["history"]))
    assert keys_in_sample <= present, keys_in_sample - present
    # The lecture example's first weight, as the README quotes it, round-trips exactly.
    quoted = float(re.search(r'"kernel": \[\[([-0-9.e]+)', sample).group(1))
    lecture = json.loads(resources.example_path("lecture").read_text())
    assert lecture["design"]["connections"][0]["kernel"][0][0] == quoted
    assert Project.load(resources.example_path("lecture")).design.kernel(
        "layer-1", "layer-2")[0, 0] == quoted
    # ... and its data set, as the sample quotes it.
    dataset = json.loads("{" + re.search(r'("dataset": \{.*?\}\})', sample, re.S).group(1) + "}")
    assert dataset["dataset"] == lecture["dataset"]


def test_keras_names_save_and_load_a_project(workdir):
    model = load_model(str(resources.example_path("xor")))
    model.save("net.nnviz")
    again = load_model("net.nnviz")
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_examples_the_readme_lists_exist_and_open():
    for name in ("lecture", "xor", "spiral", "sine", "iris", "digits"):
        project = Project.load(ROOT / EXAMPLES / f"{name}.nnviz")
        data = project.load_dataset()
        model = project.build_model()
        assert model.input_dim == data.n_features and model.output_dim == data.n_targets


def test_weight_files_have_the_layouts_in_the_table(trained, tmp_path):
    import h5py
    import onnxruntime

    model = load_model(str(trained))
    paths = {s: tmp_path / f"w{s}" for s in (".weights.h5", ".npz", ".json")}
    for path in paths.values():
        model.save_weights(str(path))
    with h5py.File(paths[".weights.h5"], "r") as h5:
        np.testing.assert_array_equal(h5["layers/dense/vars/0"][()], model.get_weights()[0])
        np.testing.assert_array_equal(h5["layers/dense_1/vars/1"][()], model.get_weights()[3])
    npz = np.load(paths[".npz"])
    # A model from a project file is named by chain position, as Keras names the first
    # model of a fresh session, whatever was built before: the README's keys.
    names = [layer.name for layer in model.dense_layers]
    assert names == ["dense", "dense_1"]
    assert list(npz.keys()) == [f"{n}.{w}" for n in names for w in ("kernel", "bias")]
    layers = json.loads(paths[".json"].read_text())["layers"]
    assert [(la["name"], la["units"], la["activation"]) for la in layers] == [
        (names[0], 4, "tanh"), (names[1], 2, "softmax")]
    np.testing.assert_array_equal(np.array(layers[0]["kernel"]), model.get_weights()[0])
    onnx_path = tmp_path / "m.onnx"
    model.export(str(onnx_path), format="onnx")
    session = onnxruntime.InferenceSession(str(onnx_path))
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert inp.name == "input" and inp.shape[1] == 2 and out.name == "output"
    x = np.array([[0.1, 0.9], [0.8, 0.2]])
    got = session.run(["output"], {"input": x.astype(inp.type == "tensor(float)" and
                                                     np.float32 or np.float64)})[0]
    np.testing.assert_allclose(got, model.predict(x), atol=1e-6)
    # Weights come back in by suffix too.
    for path in paths.values():
        fresh = load_model(str(trained))
        fresh.set_weights([np.zeros_like(w) for w in fresh.get_weights()])
        fresh.load_weights(str(path))
        for a, b in zip(fresh.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
