"""One registry per concept: every activation, loss and optimizer is complete everywhere.

Each concept is defined once, as a class in nnviz.engine.activations / losses / optimizers that
carries its label, formulas, default learning rate and Keras/ONNX emitters. These tests
walk the registries, so a concept added without one of its parts fails here: no label or
formula, an emitter Keras or onnxruntime does not take, a project file that loses it on the
way (the user's lost sparse categorical cross-entropy), a test list that forgot it.

Issue 10 point 8 lives here too: a hostile layer name stays data in the Keras script.
"""
from __future__ import annotations

import ast
import io
import os
import runpy
import tokenize

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import keras  # noqa: E402
import onnxruntime as ort  # noqa: E402

from nnviz.document import ACTIVATIONS as DESIGN_ACTIVATIONS  # noqa: E402
from nnviz.engine import activations, losses, optimizers  # noqa: E402
from nnviz.engine.layers import Dense  # noqa: E402
from nnviz.engine.models import Sequential, load_model  # noqa: E402
from nnviz.files.keras_code import export_keras, keras_code  # noqa: E402
from nnviz.files.onnx_export import export_onnx  # noqa: E402
from nnviz.files.project import Project, TrainingSettings  # noqa: E402
from tests.io.helpers import deep_model  # noqa: E402

ACTIVATION_NAMES = activations.names()
LOSS_NAMES = losses.names()
OPTIMIZER_NAMES = optimizers.names()
#: Every placeholder an activation's HTML templates may use.
FILL = {"z": "Z", "zp": "ZP", "neg_z": "NZ", "a": "A"}

HOSTILE = "h\n])\nimport os; os.system('echo PWNED')\nmodel = Sequential([\n#"


def _literal(expression: str):
    """The value of a Python expression that must be a plain literal (a quoted name)."""
    return ast.literal_eval(ast.parse(expression, mode="eval").body)


def _compiled_model(activation="relu", loss="categorical_crossentropy", optimizer="sgd"):
    model = Sequential([Dense(3, input_shape=(2,), activation=activation),
                        Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


# ---------------------------------------------------------------------------- activations


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_each_activation_has_label_formulas_and_emitters(name):
    cls = activations.ACTIVATIONS[name]
    assert cls.name == name
    assert cls.label and cls.label != activations.Activation.label
    assert (name, cls.label) in activations.choices("hidden")
    assert activations.label(name) == cls.label
    assert cls.formula and cls.formula != activations.Activation.formula
    assert cls.derivative_formula and \
        cls.derivative_formula != activations.Activation.derivative_formula
    # The lecture view fills these templates; each must format with its placeholders.
    assert cls.formula_html != activations.Activation.formula_html
    assert cls.formula_html.format(**FILL)
    assert cls.derivative_html != activations.Activation.derivative_html
    assert cls.derivative_html.format(**FILL)
    # Emitters: Keras gets its own name for the default instance, ONNX has its own nodes.
    assert _literal(cls().keras()) == name
    assert callable(keras.activations.get(name)), f"Keras does not know {name!r}"
    assert cls.onnx is not activations.Activation.onnx, f"{name} has no ONNX emitter"
    # The document and the window offer it.
    assert name in DESIGN_ACTIVATIONS


def test_the_format_tests_cover_every_activation():
    # tests/io/helpers.py's deep model drives the h5, Keras code, ONNX and weights format
    # tests: one layer of each activation in the registry, softmax as the output.
    model = deep_model()
    names = [layer.activation_name for layer in model.dense_layers]
    assert sorted(names) == sorted(ACTIVATION_NAMES) and names[-1] == "softmax"


def test_input_layers_offer_linear_only():
    assert activations.choices("input") == [("linear", "Linear")]
    assert [n for n, _ in activations.choices()] == ACTIVATION_NAMES


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_each_activation_round_trips_through_the_project_file_and_keras_code(tmp_path, name):
    model = _compiled_model(activation=name)
    model.save(tmp_path / "m.nnviz")
    again = load_model(tmp_path / "m.nnviz")
    assert [layer.activation_name for layer in again.dense_layers] == [name, "softmax"]
    tree = ast.parse(keras_code(model, "m.weights.h5"))
    dense = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Dense"]
    first = {kw.arg: kw.value for kw in dense[0].keywords}
    assert ast.literal_eval(first["activation"]) == name


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
def test_non_default_activation_parameters_reach_keras_and_onnx(tmp_path, name):
    # A leaky ReLU with slope 0.1 is not Keras's "leaky_relu" (0.2): the emitter says so.
    instance = activations.LeakyReLU(0.1) if name == "leaky_relu" else activations.ELU(0.5)
    model = Sequential([Dense(4, input_shape=(3,), activation=instance)])
    rng = np.random.default_rng(4)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    x = rng.normal(scale=3.0, size=(12, 3))
    export_keras(model, tmp_path / "m.py")
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    try:
        rebuilt = runpy.run_path(str(tmp_path / "m.py"), run_name="generated")["model"]
    finally:
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rebuilt(x)), model.predict(x),
                               atol=1e-6)
    export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x),
                               atol=1e-12)


# ---------------------------------------------------------------------------- losses


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_each_loss_has_label_formulas_and_emitter(name):
    cls = losses.LOSSES[name]
    assert cls.name == name
    assert cls.label and cls.label != losses.Loss.label
    assert (name, cls.label) in losses.choices()
    assert cls.formula != losses.Loss.formula and cls.formula_html != losses.Loss.formula_html
    terms = cls.term_html.format(y="Y", p="P")
    assert "Y" in terms and "P" in terms
    assert "TERMS" in cls.combine_html.format(terms="TERMS", k=3)
    assert _literal(cls().keras()) == name
    assert keras.losses.get(name) is not None, f"Keras does not know {name!r}"


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_each_loss_round_trips_through_model_save(tmp_path, name):
    # The user's bug: model.save() with sparse CE reloaded as categorical CE.
    model = _compiled_model(loss=name)
    model.save(tmp_path / "m.nnviz")
    assert load_model(tmp_path / "m.nnviz").loss.name == name
    project = Project.lecture_example()
    project.update_training(loss=name)
    project.save(tmp_path / "p.nnviz")
    assert Project.load(tmp_path / "p.nnviz", check_data=False).training.loss == name


def test_loss_aliases_resolve_through_the_registry():
    assert losses.canonical("MSE") == "mean_squared_error"
    assert losses.label("mae") == "Mean absolute error"
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.canonical("hinge")


# ---------------------------------------------------------------------------- optimizers


def _non_default_options(name: str) -> dict:
    """Every option of optimizer ``name`` set to a value other than its default."""
    out = {}
    for key, default in optimizers.options(name).items():
        out[key] = (not default) if isinstance(default, bool) else round(default / 2 + 0.25, 4)
    return out


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_each_optimizer_has_label_rate_formula_options_and_emitter(name):
    cls = optimizers.OPTIMIZERS[name]
    assert cls.name == name
    assert cls.label and (name, cls.label) in optimizers.choices()
    rate = optimizers.default_learning_rate(name)
    assert isinstance(rate, float) and 0 < rate <= 1
    assert cls.formula and cls.formula != optimizers.Optimizer.formula
    assert optimizers.title(name) == cls.label
    if optimizers.has_momentum(name):
        assert cls.formula_momentum, f"{name} takes momentum but shows no momentum rule"
    # Every option the constructor takes is in get_config, so files and Keras code keep it.
    opts = _non_default_options(name)
    instance = cls(learning_rate=rate, **opts)
    assert instance.get_config() == {"learning_rate": rate, **opts}
    # The Keras emitter builds the same optimizer in Keras, with every setting.
    expression = ast.parse(instance.keras(), mode="eval").body
    assert isinstance(expression, ast.Call) and expression.func.id == cls.keras_class
    kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in expression.keywords}
    assert kwargs == instance.get_config()
    theirs = getattr(keras.optimizers, cls.keras_class)(**kwargs)
    for key, value in kwargs.items():
        assert np.isclose(float(keras.ops.convert_to_numpy(getattr(theirs, key))), float(value))


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_each_optimizer_round_trips_through_project_and_model_save(tmp_path, name):
    opts = _non_default_options(name)
    momentum = opts.pop("momentum", 0.0)
    project = Project.lecture_example()
    project.update_training(optimizer=name, learning_rate=optimizers.default_learning_rate(name),
                            momentum=momentum, optimizer_options=opts)
    project.save(tmp_path / "p.nnviz")
    loaded = Project.load(tmp_path / "p.nnviz", check_data=False)
    assert loaded.training == project.training
    built = loaded.build_model().optimizer
    assert built.name == name
    assert built.get_config() == project.training.make_optimizer().get_config()
    # And a model compiled in code keeps it through model.save().
    model = _compiled_model(optimizer=optimizers.get(name, learning_rate=0.05,
                                                     **_non_default_options(name)))
    model.save(tmp_path / "m.nnviz")
    assert load_model(tmp_path / "m.nnviz").optimizer.get_config() == \
        model.optimizer.get_config()


def test_optimizer_presets_are_the_window_menu():
    keys = [key for key, *_ in optimizers.presets()]
    assert keys == ["sgd", "momentum", "adam", "rmsprop"]
    assert optimizers.resolve("momentum") == ("sgd", {"momentum": 0.9})
    assert optimizers.resolve("adam") == ("adam", {"momentum": 0.0})
    assert optimizers.title("sgd", 0.9) == "SGD with momentum"
    assert optimizers.title("adam", 0.9) == "Adam"  # no momentum form
    with pytest.raises(ValueError, match="sgd, adam, rmsprop"):
        optimizers.resolve("adagrad")


def test_project_validation_takes_the_registry_tables():
    # The settings' validation lives in nnviz.document.settings (re-exported by nnviz.files.project).
    from nnviz.document import settings as project_module

    assert project_module._LOSSES == tuple(LOSS_NAMES)
    assert project_module._OPTIMIZERS == tuple(OPTIMIZER_NAMES)
    assert project_module._HAS_MOMENTUM == ("sgd", "rmsprop")
    assert project_module._OPTIMIZER_OPTIONS["adam"] == ("beta_1", "beta_2", "epsilon")
    settings = TrainingSettings.from_dict({"loss": "sparse_categorical_crossentropy"})
    assert settings.loss == "sparse_categorical_crossentropy"


# ---------------------------------------------------------------------------- hostile names


def _calls(tree: ast.AST) -> list[str]:
    """Every called function in ``tree`` as dotted text (``os.system``, ``Dense``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            out.append(ast.unparse(node.func))
    return out


def _comments(code: str) -> list[str]:
    """The text of every comment in ``code`` (without the ``#``)."""
    return [tok.string[1:].strip() for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type == tokenize.COMMENT]


def _check_script_shape(tree: ast.Module) -> None:
    """Only the statements the generator writes: docstring, imports, assignments, calls, main."""
    kinds = [type(node).__name__ for node in tree.body]
    assert set(kinds) <= {"Expr", "Import", "ImportFrom", "Assign", "If"}, kinds
    assert [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))] \
        == ["import os", "import keras", "from keras.layers import Dense",
            "from keras.models import Sequential", "from keras.optimizers import SGD"]
    assert [ast.unparse(n.targets[0]) for n in tree.body if isinstance(n, ast.Assign)] \
        == ["WEIGHTS", "model"]
    for node in tree.body:
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            assert ast.unparse(node.value.func) in (
                "keras.config.set_floatx", "keras.config.set_dtype_policy",
                "model.load_weights", "model.compile")
        if isinstance(node, ast.If):
            assert ast.unparse(node) == "if __name__ == '__main__':\n    model.summary()"
    calls = _calls(tree)
    assert not any(c.endswith("system") or c in ("exec", "eval", "__import__") for c in calls), \
        calls


def _run_script(py_path):
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    try:
        return runpy.run_path(str(py_path), run_name="generated")["model"]
    finally:
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)


#: A hostile name without "." or "/", so Keras takes it as the layer's name.
HOSTILE_NAME_ARG = "h'),\n])\nexec(chr(112) + chr(119))\nmodel = Sequential([\n#\\"


@pytest.mark.parametrize("hostile", [HOSTILE, HOSTILE_NAME_ARG])
def test_a_hostile_layer_name_stays_data_in_the_keras_script(tmp_path, capfd, hostile):
    model = Sequential([Dense(3, input_shape=(2,), activation="relu", name=hostile),
                        Dense(2, activation="softmax")], name=hostile)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    py_path, _weights = export_keras(model, tmp_path / "hostile.py")
    code = open(py_path, encoding="utf-8").read()
    tree = ast.parse(code)
    _check_script_shape(tree)
    # The name is a string literal equal to the original: Dense's name= where Keras takes
    # it; else (a "." breaks Keras on torch) a repr()-quoted literal in a comment.
    names = [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
             for kw in node.keywords if kw.arg == "name"]
    commented = [ast.literal_eval(c.removeprefix("name: ").removesuffix(
        " (Keras does not take it)")) for c in _comments(code) if c.startswith("name: ")]
    assert names + commented == [hostile]
    assert names == ([] if "." in hostile else [hostile])
    # Running the script builds the model (with that name where Keras takes it), and
    # nothing of the name runs (had exec("pw") run, the script would raise NameError).
    rebuilt = _run_script(py_path)
    assert "PWNED" not in capfd.readouterr().out
    if names:
        assert rebuilt.layers[0].name == hostile


@pytest.mark.parametrize("names", [["a/b", "ok"], ["twin", "twin"], ["\ud800", "x'\"\r\x0c\u2028"],
                                   ["", "v1.2"]])
def test_names_keras_refuses_or_cannot_encode_still_give_a_valid_script(tmp_path, names):
    model = Sequential([Dense(3, input_shape=(2,), activation="relu", name=names[0]),
                        Dense(2, activation="softmax", name=names[1])])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    # The weights from a twin with plain names (nnviz's .weights.h5 writer cannot store a
    # lone surrogate, issue 10 point 3; Keras's file layout does not depend on the names).
    twin = _compiled_model()
    twin.set_weights(model.get_weights())
    twin.save_weights(tmp_path / "m.weights.h5")
    py_path = tmp_path / "m.py"
    py_path.write_text(keras_code(model, "m.weights.h5"), encoding="utf-8")
    code = py_path.read_text(encoding="utf-8")
    _check_script_shape(ast.parse(code))
    plain = _compiled_model()
    assert len(code.splitlines()) == len(keras_code(plain, "m.weights.h5").splitlines())
    given = [layer.name for layer in model.dense_layers]  # "" became an automatic name
    keras_ok = [n for n in given if "/" not in n and "." not in n and given.count(n) == 1
                and not n.startswith("dense")]
    literal = [kw.value.value for node in ast.walk(ast.parse(code))
               if isinstance(node, ast.Call) for kw in node.keywords if kw.arg == "name"]
    assert literal == keras_ok
    commented = [c for c in _comments(code) if c.startswith("name: ")]
    assert len(commented) == len([n for n in given if n not in keras_ok
                                  and not n.startswith("dense")])
    rebuilt = _run_script(py_path)
    assert [layer.name for layer in rebuilt.layers if layer.name in keras_ok] == keras_ok


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_onnx_export_with_hostile_names_runs(tmp_path, dtype):
    layers = [Dense(3, input_shape=(2,), activation="elu", name=HOSTILE),
              Dense(3, activation="leaky_relu", name="\ud800"),
              Dense(2, activation="softmax", name="a/b \"'")]
    model = Sequential(layers, dtype=dtype, name=HOSTILE + "\ud800")
    rng = np.random.default_rng(9)
    model.set_weights([rng.normal(size=w.shape).astype(dtype) for w in model.get_weights()])
    export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = rng.normal(size=(6, 2)).astype(dtype)
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x),
                               rtol=tol, atol=tol)
