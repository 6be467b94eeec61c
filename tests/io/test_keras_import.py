"""The lecture's Keras code: written from a design, read back without running it.

- ``lecture_code`` -> ``parse_keras`` -> ``lecture_code`` gives the same text (round trip).
- ``parse_keras`` reads the usual spellings (aliases, ``Input``, ``Activation`` layers,
  optimizer names with Keras's default learning rates).
- Hostile or unmappable code is refused with its line and the reason, and nothing in it
  runs (each text would create a file if it ran; the file never appears).
- With Keras as the reference: the generated code, run in a subprocess with Keras 3 on
  JAX, loads nnviz's ``.weights.h5`` and predicts what nnviz predicts.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nnviz.document import Design
from nnviz.engine import optimizers
from nnviz.files.export_formats import save_weights
from nnviz.files.keras_code import lecture_code
from nnviz.files.keras_import import KerasImportError, parse_keras
from nnviz.files.project import DatasetSpec, Project, TrainingSettings


def deep_project(dtype: str = "float64") -> Project:
    """4 inputs -> 5 tanh -> 4 leaky relu (he_normal) -> 3 elu -> 2 sigmoid, trained with Adam."""
    design = Design()
    ids = [design.add_layer("input", x=0, units=4)]
    for k, (units, act) in enumerate([(5, "tanh"), (4, "leaky_relu"), (3, "elu")]):
        ids.append(design.add_layer("hidden", x=200 * (k + 1), units=units, activation=act))
        design.connect(ids[-2], ids[-1])
    design.set_initializer(ids[2], "he_normal")
    ids.append(design.add_layer("output", x=900, units=2, activation="sigmoid"))
    design.connect(ids[-2], ids[-1])
    training = TrainingSettings(loss="binary_crossentropy", optimizer="adam",
                                learning_rate=0.005, optimizer_options={"beta_1": 0.8},
                                batch_size=8, epochs=7, shuffle=False, dtype=dtype, metrics=[])
    return Project(design, training, DatasetSpec("moons", {"n_samples": 40, "seed": 1}))


def settings_of(project: Project, changes: dict) -> TrainingSettings:
    return TrainingSettings.from_dict({**project.training.to_dict(), **changes})


@pytest.mark.parametrize("make", [Project.lecture_example, deep_project,
                                  lambda: deep_project("float32")])
def test_round_trip_code_design_code_is_stable(make):
    project = make()
    code = lecture_code(project.design, project.training, project.dataset)
    design, settings = parse_keras(code.text)
    again = lecture_code(design, settings_of(project, settings), project.dataset)
    assert again.text == code.text
    assert [(s.kind, s.units, s.activation, s.initializer) for s in design.chain()] == \
        [(s.kind, s.units, s.activation, s.initializer) for s in project.design.chain()]
    assert [s.name for s in design.chain()[1:]] == [s.name for s in project.design.chain()[1:]] \
        or "name=" not in code.text  # names are comments unless given as name=
    for key in ("loss", "optimizer", "learning_rate", "batch_size", "epochs"):
        assert settings[key] == getattr(project.training, key)


def test_lecture_code_form_and_line_map():
    project = Project.lecture_example()
    code = lecture_code(project.design, project.training, project.dataset)
    lines = code.text.splitlines()
    chain = project.design.chain()
    assert lines[code.lines[chain[1].id] - 1].strip().startswith(
        "Dense(units=3, input_shape=(2,), activation='relu')")
    assert lines[code.lines[chain[2].id] - 1].strip().startswith(
        "Dense(units=2, activation='softmax')")
    assert code.lines[chain[0].id] == code.lines[chain[1].id]  # input_shape lives there
    assert lines[code.compile_line - 1] == (
        "model.compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy', "
        "metrics=['accuracy'])")
    assert lines[code.fit_line - 1] == \
        "model.fit(x, y, epochs=50, batch_size=4, validation_split=0.2)"


def test_hostile_layer_name_stays_a_comment():
    project = Project.lecture_example()
    hidden = project.design.chain()[1].id
    project.design.set_name(hidden, "h\nimport os; os.system('x')  # ")
    text = lecture_code(project.design, project.training).text
    compile(text, "<generated>", "exec")  # still valid Python (a syntax check, not a run)
    assert "\nimport os" not in text
    design, _ = parse_keras(text)  # and it reads back as the same network
    assert [s.units for s in design.chain()] == [2, 3, 2]


def test_reads_the_usual_spellings():
    text = textwrap.dedent("""\
        import keras
        from keras import layers
        from tensorflow.keras.optimizers import RMSprop as R

        model = keras.Sequential([
            keras.Input(shape=(4,)),
            layers.Dense(8, activation="tanh", name="first"),
            layers.Dense(1),
            keras.layers.Activation("sigmoid"),
        ])
        model.compile(optimizer=R(0.02, momentum=0.5, rho=0.8), loss="binary_crossentropy",
                      metrics=["accuracy"])
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        model.summary()
    """)
    design, settings = parse_keras(text)
    chain = design.chain()
    assert [(s.kind, s.units, s.activation) for s in chain] == [
        ("input", 4, "linear"), ("hidden", 8, "tanh"), ("output", 1, "sigmoid")]
    assert chain[1].name == "first"
    assert settings["optimizer"] == "rmsprop"
    assert settings["learning_rate"] == 0.02 and settings["momentum"] == 0.5
    assert settings["optimizer_options"] == {"rho": 0.8}
    assert (settings["epochs"], settings["batch_size"]) == (3, 16)
    assert design.undo_stack.count == 0


def test_optimizer_by_name_takes_keras_default_learning_rate():
    text = "model = Sequential([Dense(2, input_dim=3, activation='softmax')])\n" \
           "model.compile(optimizer='adam', loss='categorical_crossentropy')\n"
    design, settings = parse_keras(text)
    assert settings["learning_rate"] == 0.001 and settings["optimizer"] == "adam"
    assert design.chain()[0].units == 3


@pytest.mark.parametrize("name", optimizers.names())
def test_every_optimizer_by_name_or_bare_class_takes_its_constructors_defaults(name):
    cls = optimizers.OPTIMIZERS[name]
    model = "model = Sequential([Dense(2, input_dim=3, activation='softmax')])\n"
    for spelling in (repr(name), f"{cls.keras_class}()"):
        text = model + f"model.compile(optimizer={spelling}, loss='categorical_crossentropy')\n"
        _design, settings = parse_keras(text)
        assert settings["optimizer"] == name, spelling
        assert settings["learning_rate"] == cls().learning_rate, spelling
        assert settings["momentum"] == getattr(cls(), "momentum", 0.0), spelling


def test_model_add_form():
    text = ("model = Sequential()\nmodel.add(Dense(units=4, input_shape=(2,), activation='relu'))"
            "\nmodel.add(Dense(units=1, activation='sigmoid'))\n")
    design, settings = parse_keras(text)
    assert [s.units for s in design.chain()] == [2, 4, 1]
    assert settings == {"regularization": "none"}  # the layers have no kernel_regularizer


HEAD = "from keras.layers import Dense\nfrom keras.models import Sequential\n"


def hostile_cases(marker: str) -> list[tuple[str, int, str]]:
    """(code, the line refused, a word of the reason); each would write ``marker`` if run."""
    touch = f"open({marker!r}, 'w').write('ran')"
    model = "model = Sequential([Dense(3, input_shape=(2,), activation='relu')])\n"
    return [
        (f"__import__('os').system('touch ' + {marker!r})\n", 1, "not part of"),
        (HEAD + f"import os\nos.system('touch ' + {marker!r})\n", 3, "only Keras"),
        (HEAD + f"model = Sequential([Dense(3, input_shape=(2,), activation={touch})])\n", 3,
         "literal"),
        (HEAD + f"model = Sequential([Dense(units={touch}, input_shape=(2,))])\n", 3, "literal"),
        (HEAD + model + f"model.compile(optimizer=SGD(learning_rate={touch}), loss='mse')\n", 4,
         "literal"),
        (HEAD + model + f"model.compile(optimizer=SGD(learning_rate=lr), loss='mse')\n{touch}\n",
         4, "literal"),
        (HEAD + "model = Sequential([Conv2D(8, 3), Dense(2)])\n" + touch + "\n", 3,
         "not a layer nnviz has"),
        (HEAD + f"model = Sequential([keras.layers.Dense.__globals__['os'].system({marker!r})])\n",
         3, "not a layer nnviz has"),
        (HEAD + f"model = Sequential([Dense(3, input_shape=(2,)).__class__({touch})])\n", 3,
         "not a layer"),
        (HEAD + f"x = {touch}\n" + model, 3, "not a model"),
        (HEAD + model + f"model.save({marker!r})\n", 4, "not something nnviz reads"),
        (HEAD + model + f"def f():\n    {touch}\nf()\n", 4, "function"),
        (HEAD + model + f"model.fit(x, y, epochs={touch})\n", 4, "literal"),
        (HEAD + f"from os import system\nsystem({marker!r})\n", 3, "only Keras"),
        (HEAD + model + f"model.compile(optimizer=getattr(keras.optimizers, 'SGD')(), "
                        f"loss={touch})\n", 4, "not a Keras name"),
    ]


@pytest.mark.parametrize("index", range(15))
def test_hostile_code_is_refused_with_line_and_reason_and_nothing_runs(tmp_path, index):
    marker = tmp_path / "ran.txt"
    text, line, reason = hostile_cases(str(marker))[index]
    with pytest.raises(KerasImportError) as caught:
        parse_keras(text)
    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"Line {line}: ")
    assert reason in str(caught.value)
    assert not marker.exists()


@pytest.mark.parametrize("call, callee", [
    ("Dense(3, input_shape=(2,), kernel_regularizer=keras.regularizers.L2(**{'l2': 0.01}))",
     "keras.regularizers.L2"),
    ("Dense(*[3], input_shape=(2,))", "Dense"),
    ("Dense(3, **{'input_shape': (2,)})", "Dense"),
])
def test_packed_arguments_are_refused_by_name(call, callee):
    """``L2(**opts)`` was refused as "L2(None=...) is not an argument nnviz reads"."""
    with pytest.raises(KerasImportError) as caught:
        parse_keras(HEAD + f"model = Sequential([{call}])\n")
    text = str(caught.value)
    assert text.startswith(f"Line 3: {callee}(...) takes its arguments from * or **")
    assert "None" not in text and "write each one out" in text


def test_unmappable_values_say_their_line():
    text = HEAD + "model = Sequential([Dense(3, input_shape=(2,))])\n" \
                  "model.compile(optimizer='sgd', loss='hinge')\n"
    with pytest.raises(KerasImportError, match="Line 4: the loss 'hinge'"):
        parse_keras(text)
    with pytest.raises(KerasImportError, match="Line 1: this is not valid Python"):
        parse_keras("model = Sequential([")
    with pytest.raises(KerasImportError, match="Line 1: .*at most 4096"):
        parse_keras("model = Sequential([Dense(5000, input_shape=(2,))])")
    with pytest.raises(KerasImportError, match="input_shape"):
        parse_keras("model = Sequential([Dense(5)])")


RUNNER = """
import sys
import numpy as np
{code}
model.load_weights(sys.argv[1])
x = np.load(sys.argv[2])
import keras
np.save(sys.argv[3], keras.ops.convert_to_numpy(model(x)))
"""


def run_in_keras(code: str, weights: str, x: np.ndarray, tmp_path) -> np.ndarray:
    """Run the generated code (our own text, test-only) with Keras in a subprocess."""
    lines = code.splitlines()
    fit = [line for line in lines if line.startswith("model.fit(")]
    assert len(fit) == 1
    body = "\n".join(line for line in lines if not line.startswith("model.fit("))
    script = tmp_path / "run_generated.py"
    script.write_text(RUNNER.format(code=body))
    np.save(tmp_path / "x.npy", x)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_ENABLE_X64="1")
    result = subprocess.run([sys.executable, str(script), weights, str(tmp_path / "x.npy"),
                             str(tmp_path / "y.npy")], env=env, capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    return np.load(tmp_path / "y.npy")


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-6), ("float32", 1e-5)])
def test_generated_code_predicts_as_nnviz_in_keras(tmp_path, dtype, tol):
    project = deep_project(dtype)
    model = project.build_model()
    weights = str(tmp_path / "net.weights.h5")
    save_weights(model, weights)
    code = lecture_code(project.design, project.training, project.dataset).text
    x = np.random.default_rng(3).normal(size=(12, 4)).astype(dtype)
    predicted = run_in_keras(code, weights, x, tmp_path)
    assert predicted.dtype == np.dtype(dtype)
    np.testing.assert_allclose(predicted, model.predict(x), rtol=0, atol=tol)
