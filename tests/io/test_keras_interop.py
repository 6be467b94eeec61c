"""The exports, read by the real readers: Keras 3 (JAX CPU backend, x64) and onnxruntime.

- Keras loads nnviz's .weights.h5 into the same architecture and predicts what nnviz does;
  nnviz loads a .weights.h5 Keras wrote and predicts what Keras does.
- The generated Keras code runs, rebuilds the model and loads the weights.
- onnxruntime runs the ONNX export and predicts what nnviz does, for every activation.
"""
from __future__ import annotations

import os
import runpy

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import keras  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

from nnviz.engine import activations, optimizers  # noqa: E402
from nnviz.engine.layers import Dense  # noqa: E402
from nnviz.engine.models import Sequential  # noqa: E402
from nnviz.files.keras_code import export_keras, keras_code  # noqa: E402
from nnviz.files.onnx_export import INPUT_NAME, OUTPUT_NAME, export_onnx  # noqa: E402
from tests.io.helpers import ALL_ACTIVATIONS, deep_model, lecture_model, sample_inputs  # noqa: E402

# nnviz's Dense(..., activation="leaky_relu") has Keras's default negative slope, 0.2.
_KERAS_ACTIVATION = {"leaky_relu": keras.activations.leaky_relu}


def keras_twin(model, dtype="float64") -> keras.Sequential:
    """A Keras Sequential with the architecture of the nnviz ``model`` (fresh weights)."""
    layers = [keras.Input((model.input_dim,), dtype=dtype)]
    for layer in model.dense_layers:
        activation = _KERAS_ACTIVATION.get(layer.activation_name, layer.activation_name)
        layers.append(keras.layers.Dense(layer.units, activation=activation,
                                         use_bias=layer.use_bias, dtype=dtype))
    return keras.Sequential(layers)


def keras_predict(model: keras.Sequential, x: np.ndarray) -> np.ndarray:
    """Call the Keras model directly: ``predict`` would cast float64 inputs to float32."""
    return keras.ops.convert_to_numpy(model(x))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_keras_loads_nnviz_h5(tmp_path, dtype):
    model = deep_model(dtype)
    model.save_weights(tmp_path / "m.weights.h5")
    twin = keras_twin(model, dtype)
    twin.load_weights(str(tmp_path / "m.weights.h5"))
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    x = sample_inputs(dtype)
    # Keras on JAX (x64) agrees to ~1e-7 in float64 (its own kernels); 1e-6 as the engine tests.
    tol = 1e-6 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(keras_predict(twin, x), model.predict(x), rtol=0, atol=tol)


def test_keras_loads_h5_of_model_without_bias(tmp_path):
    model = deep_model(use_bias_last=False)
    model.save_weights(tmp_path / "m.weights.h5")
    twin = keras_twin(model)
    twin.load_weights(str(tmp_path / "m.weights.h5"))
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_nnviz_loads_h5_keras_wrote(tmp_path):
    keras.utils.set_random_seed(5)
    twin = keras.Sequential([keras.Input((2,), dtype="float64"),
                             keras.layers.Dense(3, activation="relu", dtype="float64"),
                             keras.layers.Dense(2, activation="softmax", dtype="float64")])
    # Non-zero biases, so a bias lost or swapped would show.
    twin.set_weights([w + 0.25 for w in twin.get_weights()])
    twin.save_weights(str(tmp_path / "k.weights.h5"))
    model = lecture_model()
    model.load_weights(tmp_path / "k.weights.h5")
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    x = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_allclose(model.predict(x), keras_predict(twin, x), rtol=0, atol=1e-6)


def test_nnviz_h5_has_the_groups_keras_writes(tmp_path):
    import h5py

    model = lecture_model()
    model.save_weights(tmp_path / "n.weights.h5")
    twin = keras_twin(model)
    twin.save_weights(str(tmp_path / "k.weights.h5"))

    def layout(path):
        items = {}
        with h5py.File(path, "r") as f:
            f.visititems(lambda name, obj: items.setdefault(
                name, getattr(obj, "shape", "group")))
        return items

    assert layout(tmp_path / "n.weights.h5") == layout(tmp_path / "k.weights.h5")


def test_keras_code_is_the_lecture_form_and_runs(tmp_path):
    model = lecture_model()
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    py_path, weights_path = export_keras(model, tmp_path / "lecture.py")
    code = open(py_path).read()
    assert "Dense(units=3, input_shape=(2,), activation='relu')" in code
    assert "Dense(units=2, activation='softmax')" in code
    assert "model = Sequential([" in code
    assert weights_path == str(tmp_path / "lecture.weights.h5")
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    try:
        namespace = runpy.run_path(py_path, run_name="generated")  # not "__main__": no summary
    finally:
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)
    rebuilt = namespace["model"]
    for ours, theirs in zip(model.get_weights(), rebuilt.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    x = np.random.default_rng(2).normal(size=(8, 2))
    np.testing.assert_allclose(keras_predict(rebuilt, x), model.predict(x), rtol=0, atol=1e-6)
    assert rebuilt.optimizer.__class__.__name__ == "SGD"


def test_keras_code_for_float32_model_sets_no_floatx():
    model = deep_model("float32")
    code = keras_code(model, "m.weights.h5")
    assert "set_floatx" not in code
    for activation in ALL_ACTIVATIONS:
        assert f"activation={activation!r}" in code


# ---------------------------------------------------------------------------- ONNX


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_onnxruntime_predicts_what_nnviz_predicts(tmp_path, dtype):
    model = deep_model(dtype)
    model.export(tmp_path / "m.onnx", format="onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    assert inp.name == INPUT_NAME == "input"
    assert inp.shape == ["batch", 3]
    assert inp.type == ("tensor(double)" if dtype == "float64" else "tensor(float)")
    assert [o.name for o in session.get_outputs()] == [OUTPUT_NAME]
    x = sample_inputs(dtype)
    (y,) = session.run([OUTPUT_NAME], {INPUT_NAME: x})
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(y, model.predict(x), rtol=tol, atol=tol)
    assert y.dtype == np.dtype(dtype)


@pytest.mark.parametrize("activation", activations.names())  # the registry: every one
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_onnx_each_activation(tmp_path, activation, dtype):
    model = Sequential([Dense(4, input_shape=(3,), activation=activation)], dtype=dtype)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype(dtype) for w in model.get_weights()])
    export_onnx(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = sample_inputs(dtype) * 10  # far into both tails of every activation
    (y,) = session.run(None, {"input": x})
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(y, model.predict(x), rtol=tol, atol=tol)


def test_onnx_graph_uses_gemm_and_softmax_on_last_axis(tmp_path):
    model = lecture_model()
    model.export(tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    ops = [node.op_type for node in proto.graph.node]
    assert ops == ["Gemm", "Relu", "Gemm", "Softmax"]
    softmax = proto.graph.node[-1]
    assert [(a.name, a.i) for a in softmax.attribute] == [("axis", -1)]


def test_onnx_layer_without_bias_is_matmul(tmp_path):
    model = deep_model("float32", use_bias_last=False)
    model.export(tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert [n.op_type for n in proto.graph.node][-2:] == ["MatMul", "Softmax"]
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    x = sample_inputs("float32")
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x), atol=2e-6)


@pytest.mark.parametrize("name", optimizers.names())
def test_each_optimizers_defaults_are_keras_own(name):
    """The Keras import reads its defaults from our constructors: they must be Keras's."""
    config = keras.optimizers.get(name).get_config()
    assert optimizers.keras_learning_rate(name) == pytest.approx(config["learning_rate"])
    for option, default in optimizers.options(name).items():
        assert config[option] == pytest.approx(default), option
