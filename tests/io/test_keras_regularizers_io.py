"""Regularizers through the Keras code (both ways) and the weight exports.

The exported script rebuilds Keras's own regularizers (Keras reports the same penalty);
the lecture's code and its import round-trip the Regularization setting; code the setting
cannot hold is refused with its line and the reason; the .weights.h5 and ONNX files are
those of the same model without regularizers (a penalty is no weight).
"""
from __future__ import annotations

import os
import runpy

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import keras  # noqa: E402

from nnviz.engine import regularizers  # noqa: E402
from nnviz.engine.layers import Dense  # noqa: E402
from nnviz.engine.models import Sequential  # noqa: E402
from nnviz.files.keras_code import export_keras, lecture_code  # noqa: E402
from nnviz.files.keras_import import KerasImportError, parse_keras  # noqa: E402
from nnviz.session.session import Session  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _regularized_model(regularized: bool = True):
    def reg(r):
        return r if regularized else None
    model = Sequential([
        Dense(3, input_shape=(2,), activation="relu", seed=1, name="hidden",
              kernel_regularizer=reg(regularizers.L2(0.03)),
              bias_regularizer=reg(regularizers.L1(0.02))),
        Dense(1, activation="sigmoid", seed=2, name="out",
              kernel_regularizer=reg(regularizers.L1L2(l1=0.01, l2=0.04))),
    ])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    model.layers[0].bias[...] = [0.1, -0.2, 0.3]
    return model


def test_exported_script_rebuilds_keras_regularizers(tmp_path):
    model = _regularized_model()
    py_path, _weights = export_keras(model, tmp_path / "reg.py")
    code = open(py_path).read()
    assert "kernel_regularizer=keras.regularizers.L2(l2=0.03)" in code
    assert "bias_regularizer=keras.regularizers.L1(l1=0.02)" in code
    assert "kernel_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.04)" in code
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    try:
        rebuilt = runpy.run_path(py_path, run_name="generated")["model"]
        penalty = float(sum(keras.ops.convert_to_numpy(loss) for loss in rebuilt.losses))
    finally:
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)
    assert model.regularization_loss() > 0.01
    assert penalty == pytest.approx(model.regularization_loss(), abs=1e-9)


def test_weight_files_are_those_of_the_plain_model(tmp_path):
    """A regularizer is no weight: the .weights.h5 and ONNX files do not change."""
    model, plain = _regularized_model(), _regularized_model(regularized=False)
    assert model.regularized and not plain.regularized
    for stem, m in (("reg", model), ("plain", plain)):
        m.save_weights(tmp_path / f"{stem}.weights.h5")
        m.export(tmp_path / f"{stem}.onnx")
    assert (tmp_path / "reg.onnx").read_bytes() == (tmp_path / "plain.onnx").read_bytes()
    import h5py

    def contents(path):
        found = {}
        with h5py.File(path) as f:
            f.visititems(lambda name, obj: found.__setitem__(
                name, obj[()].tobytes() if isinstance(obj, h5py.Dataset) else None))
        return found
    assert contents(tmp_path / "reg.weights.h5") == contents(tmp_path / "plain.weights.h5")


@pytest.mark.parametrize("name, rate", [("l1", 0.003), ("l2", 0.1)])
def test_lecture_code_round_trips_the_setting(name, rate):
    session = Session()
    session.set_setting(regularization=name, regularization_rate=rate)
    code = lecture_code(session.design, session.project.training).text
    cls = regularizers.REGULARIZERS[name].keras_class
    assert f"from keras.regularizers import {cls}" in code
    assert code.count(f"kernel_regularizer={cls}({rate!r})") == 2
    _design, settings = parse_keras(code)
    assert (settings["regularization"], settings["regularization_rate"]) == (name, rate)


def test_lecture_code_without_regularization_names_none():
    code = lecture_code(Session().design, Session().project.training).text
    assert "regularizer" not in code


HEAD = "from keras.layers import Dense\nfrom keras.models import Sequential\n"


def _net(first: str, second: str) -> str:
    return (HEAD + "import keras\nfrom keras import regularizers\n"
            "from keras.regularizers import L1, L2, L1L2\n"
            f"model = Sequential([\n    Dense(3, input_shape=(2,), activation='relu'{first}),\n"
            f"    Dense(1, activation='sigmoid'{second}),\n])\n")


@pytest.mark.parametrize("spelling, expected", [
    ("'l2'", ("l2", 0.01)),
    ("'l1'", ("l1", 0.01)),
    ("L2(0.5)", ("l2", 0.5)),
    ("L1(l1=0.2)", ("l1", 0.2)),
    ("keras.regularizers.L2(l2=0.07)", ("l2", 0.07)),
    ("regularizers.l1(0.004)", ("l1", 0.004)),
    ("L1L2(l2=0.3)", ("l2", 0.3)),  # one factor 0: that one
])
def test_import_reads_each_spelling(spelling, expected):
    arg = f", kernel_regularizer={spelling}"
    _design, settings = parse_keras(_net(arg, arg))
    assert (settings["regularization"], settings["regularization_rate"]) == expected


@pytest.mark.parametrize("first, second, line, reason", [
    (", kernel_regularizer=L2(0.1)", "", 8, "layer 2 has no kernel_regularizer"),
    (", kernel_regularizer=L2(0.1)", ", kernel_regularizer=L2(0.2)", 8, "layer 2's L2(l2=0.2) differs from layer 1's L2(l2=0.1)"),
    (", kernel_regularizer=L1L2(0.1, 0.2)", ", kernel_regularizer=L1L2(0.1, 0.2)", 7,
     "one L1 or L2 penalty"),
    (", bias_regularizer='l2'", "", 7, "not the biases"),
    (", kernel_regularizer='l3'", "", 7, "'l3' is not one nnviz has"),
    (", kernel_regularizer=L2(rate)", "", 7, "must be a literal value"),
    (", kernel_regularizer=L2(-1.0)", "", 7, "must be a number >= 0"),
    (", kernel_regularizer=L2(l3=1.0)", "", 7, "L2(l3=...) is not an argument"),
])
def test_import_refuses_what_the_setting_cannot_hold(first, second, line, reason):
    with pytest.raises(KerasImportError) as error:
        parse_keras(_net(first, second))
    assert error.value.line == line
    assert reason in str(error.value)
