"""The ``nnviz`` command: train, export, info, the window hand-off, errors and --help."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import types

import numpy as np
import pytest

from nnviz.cli import TextProgressBar, main
from nnviz.files import export_formats
from nnviz.files.project import Project


@pytest.fixture
def project_file(tmp_path):
    """The lecture example saved to a file, with fewer samples so training is quick."""
    project = Project.lecture_example()
    project.dataset.params["n_samples"] = 40
    path = tmp_path / "lecture.nnviz"
    project.save(path)
    return path


def run(argv):
    """Run ``nnviz argv`` in-process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(map(str, argv)), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_train_prints_loss_and_accuracy_and_saves(project_file, tmp_path):
    out_file = tmp_path / "trained.nnviz"
    status, out, err = run(["train", project_file, "--epochs", "3", "--learning-rate", "0.2",
                            "--batch-size", "8", "--seed", "4", "-o", out_file])
    assert status == 0, err
    assert "Trained 3 epochs: loss " in out and "accuracy" in out and "val_loss" in out
    assert "100%" in err and "epoch 3/3" in err  # the progress bar went to stderr
    trained = Project.load(out_file)
    assert len(trained.history["epoch_loss"]) == 3
    assert len(trained.history["batch_loss"]) == 3 * 4  # 32 training samples / 8
    t = trained.training
    assert (t.epochs, t.learning_rate, t.batch_size, t.seed) == (3, 0.2, 8, 4)
    # The printed loss is the saved history's last epoch loss.
    assert f"loss {trained.history['epoch_loss'][-1]:.4f}" in out
    # The input file is untouched with -o, and the weights changed.
    original = Project.load(project_file)
    assert original.history == {}
    assert not np.array_equal(trained.build_model().get_weights()[0],
                              original.build_model().get_weights()[0])


def test_train_again_continues_history_in_place(project_file):
    assert run(["train", project_file, "--epochs", "2"])[0] == 0
    assert run(["train", project_file, "--epochs", "1"])[0] == 0
    assert len(Project.load(project_file).history["epoch_loss"]) == 3


def test_train_diverging_says_so_and_saves_nothing(project_file):
    project = Project.load(project_file)
    project.update_training(loss="mse", metrics=[])
    project.design.set_activation(project.design.layers[-1].id, "linear")
    project.save(project_file)
    before = project_file.read_bytes()
    status, out, err = run(["train", project_file, "--epochs", "5", "--learning-rate", "1e6"])
    assert status == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("nnviz train: error: ") and "diverged" in last
    assert "Nothing was saved" in last
    assert project_file.read_bytes() == before


@pytest.mark.parametrize("suffix", export_formats.suffixes())
def test_export_each_format(project_file, tmp_path, suffix):
    target = tmp_path / f"out{suffix}"
    status, out, err = run(["export", project_file, "-o", target])
    assert status == 0, err
    assert target.exists() and f"Wrote {target}" in out
    model = Project.load(project_file).build_model()
    if suffix == ".npz":
        with np.load(target) as archive:
            assert [a.shape for a in archive.values()] == [w.shape for w in model.get_weights()]
    elif suffix == ".json":
        assert json.loads(target.read_text())["layers"][0]["units"] == 3
    elif suffix == ".py":
        assert (tmp_path / "out.weights.h5").exists()
        assert "Sequential([" in target.read_text()
    elif suffix == ".onnx":
        import onnxruntime as ort

        session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
        x = np.array([[0.5, -1.0], [2.0, 0.1]])
        np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x),
                                   rtol=1e-12)


@pytest.mark.parametrize("suffix", [".onnx", ".weights.h5"])
def test_export_check_loads_the_file_in_its_runtime(project_file, tmp_path, suffix):
    target = tmp_path / f"out{suffix}"
    status, out, err = run(["export", project_file, "-o", target, "--check"])
    assert status == 0, err
    runtime = "onnxruntime" if suffix == ".onnx" else "Keras"
    line = out.strip().splitlines()[-1]
    assert line.startswith(f"out{suffix} checked in {runtime}: max |Δ| = "), out


def test_export_check_fails_for_a_file_its_runtime_cannot_load(project_file, tmp_path,
                                                               monkeypatch):
    from nnviz.files import export_check

    def broken(path, model, x):
        raise ValueError("cannot read it")

    monkeypatch.setitem(export_check.RUNTIMES, ".onnx", export_check.Runtime(
        "onnxruntime", "onnxruntime", broken, ""))
    status, out, err = run(["export", project_file, "-o", tmp_path / "out.onnx", "--check"])
    assert status == 1
    assert "could not be checked in onnxruntime: ValueError: cannot read it" in out


def test_info_shows_summary_and_training_state(project_file):
    status, out, err = run(["info", project_file])
    assert status == 0, err
    assert 'Model: "sequential"' in out and "Total params: 17" in out
    assert "(None, 3)" in out and "(None, 2)" in out
    assert "circles" in out and "categorical_crossentropy" in out
    assert "sgd (learning rate 0.1)" in out and "not trained yet" in out
    run(["train", project_file, "--epochs", "2"])
    assert "trained 2 epochs; loss " in run(["info", project_file])[1]


@pytest.mark.parametrize("argv, words", [
    (["info", "missing.nnviz"], "There is no file"),
    (["export", "{file}", "-o", "out.txt"], "must end in .npz"),
    (["train", "{file}", "--batch-size", "0"], "--batch-size must be a whole number"),
    (["train", "{file}", "--learning-rate", "-1"], "--learning-rate must be a positive"),
    (["train", "{file}", "--epochs", "many"], "invalid int value"),
    (["train"], "required: FILE.nnviz"),
    (["export", "{file}"], "required: -o/--output"),
    (["info", "{bad}"], "not valid JSON"),
    (["missing.nnviz"], "There is no file"),
])
def test_errors_are_one_line_without_traceback(project_file, tmp_path, capsys, argv, words):
    bad = tmp_path / "bad.nnviz"
    bad.write_text("{ not json")
    argv = [a.format(file=project_file, bad=bad) for a in argv]
    status, out, err = run(argv)
    err += capsys.readouterr().err  # argparse writes its own errors to sys.stderr
    assert status != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0] and lines[0].startswith("nnviz")
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["export", "--help"],
                                  ["info", "--help"], ["-h"]])
def test_help_everywhere(capsys, argv):
    status, _, _ = run(argv)
    out = capsys.readouterr().out
    assert status == 0 and out.startswith("usage: nnviz")


def test_top_help_lists_the_commands(capsys):
    run(["--help"])
    out = capsys.readouterr().out
    for command in ("train FILE.nnviz", "export FILE.nnviz -o OUT", "info FILE.nnviz"):
        assert command in out


def test_default_command_opens_the_window(monkeypatch, project_file):
    """The installed command (ui.launcher) opens the window without a subcommand."""
    from ui.launcher import main as nnviz_command

    calls = []
    fake = types.ModuleType("ui.app")
    fake.run = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "ui.app", fake)
    assert nnviz_command([]) == 0
    assert nnviz_command([str(project_file)]) == 0
    assert calls == [[], [str(project_file)]]


def test_engine_command_line_alone_says_where_the_window_is():
    """nnviz.cli knows no window (the engine never imports the view): it says so."""
    status, out, err = run([])
    assert status == 1
    assert "window opens with the installed `nnviz` command" in err


def test_python_dash_m_and_no_qt_for_headless_commands(project_file):
    code = (
        "import sys; from nnviz.cli import main; "
        f"status = main(['info', {str(project_file)!r}]); "
        "assert not any(m.startswith(('PySide6', 'ui')) for m in sys.modules), 'Qt imported'; "
        "sys.exit(status)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([sys.executable, "-m", "nnviz", "info", str(project_file)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Total params: 17" in result.stdout
    result = subprocess.run([sys.executable, "-m", "nnviz", "info", "nope.nnviz"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == "nnviz info: error: There is no file 'nope.nnviz'."


def test_progress_bar_into_a_file_writes_a_line_per_tenth():
    stream = io.StringIO()
    bar = TextProgressBar(200, stream, width=10)
    for done in range(201):
        bar.update(done, f"step {done}")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[0] == "[----------]   0% step 0"
    assert lines[-1] == "[##########] 100% step 200"


def test_progress_bar_on_a_terminal_redraws_one_line():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = TextProgressBar(4, stream, width=4)
    for done in range(5):
        bar.update(done)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 5 and text.endswith("[####] 100%\n")


# ---------------------------------------------------------------- bundled examples by name


def test_examples_lists_every_bundled_example_by_name():
    from nnviz import resources

    status, out, err = run(["examples"])
    assert status == 0, err
    rows = out.splitlines()
    names = [p.stem for _, p in resources.examples()]
    assert [row.split()[0] for row in rows[: len(names)]] == names
    assert "2-3-2 network on circles" in rows[names.index("lecture")]
    assert "nnviz train NAME" in rows[-1]


def test_a_command_takes_an_examples_name_and_never_writes_the_example(tmp_path, monkeypatch):
    from nnviz import resources

    monkeypatch.chdir(tmp_path)
    bundled = resources.example_path("xor").read_bytes()
    status, out, err = run(["info", "lecture"])
    assert status == 0 and "Total params: 17" in out, err
    status, out, err = run(["train", "xor", "--epochs", "2"])
    assert status == 0, err
    assert "Saved xor.nnviz" in out
    assert len(Project.load(tmp_path / "xor.nnviz").history["epoch_loss"]) == 2
    assert resources.example_path("xor").read_bytes() == bundled
    # Again: the copy here is not overwritten by a run from the example.
    status, out, err = run(["train", "xor", "--epochs", "1"])
    assert status == 1 and "-o OUT.nnviz" in err and out == ""
    assert len(Project.load(tmp_path / "xor.nnviz").history["epoch_loss"]) == 2
    assert resources.example_path("xor").read_bytes() == bundled


def test_a_path_wins_over_an_examples_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = Project.lecture_example()
    mine.update_training(epochs=7)
    mine.save(tmp_path / "xor")  # a file called like an example, in the current folder
    status, out, _ = run(["info", "xor"])
    assert status == 0 and "7 per run" in out
    status, _, err = run(["info", "nothing-of-that-name"])
    assert status == 1 and "examples: lecture, xor" in err


def test_a_reader_that_stops_early_is_no_traceback():
    """`nnviz examples | head -1`: the pipe closes under the command; it ends quietly."""

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    assert main(["examples"], stdout=ClosedPipe(), stderr=err) == 0
    assert err.getvalue() == ""
