"""The regularizers' registry: each one complete everywhere (label, Keras class and code,
lecture formulas, the window's menu, project files), walked from
:data:`nnviz.engine.regularizers.REGULARIZERS` so a new one is checked without editing this file."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_ENABLE_X64", "1")

import keras  # noqa: E402

from nnviz.document.settings import TrainingSettings  # noqa: E402
from nnviz.engine import regularizers  # noqa: E402
from nnviz.engine.layers import Dense  # noqa: E402
from nnviz.engine.models import Sequential, load_model  # noqa: E402

NAMES = regularizers.names()


def test_the_registry_holds_keras_three():
    assert NAMES == ["l1", "l2", "l1_l2"]
    assert regularizers.window_choices() == [("none", "None"), ("l1", "L1"), ("l2", "L2")]


@pytest.mark.parametrize("name", NAMES)
def test_each_has_label_keras_spelling_and_formulas(name):
    cls = regularizers.REGULARIZERS[name]
    reg = cls(**{k: 0.25 for k in cls().get_config()})
    assert cls.label and cls.penalty_html and cls.gradient_html
    assert cls.keras_class == type(getattr(keras.regularizers, cls.keras_class)()).__name__
    # The emitted code builds Keras's own, with the same factors.
    expression = reg.keras()
    assert expression.startswith(f"keras.regularizers.{cls.keras_class}(")
    built = eval(expression, {"keras": keras})  # noqa: S307 - our own emitter's literal text
    assert built.get_config() == pytest.approx(reg.get_config())
    filled = reg.fill(cls.gradient_html, "w", "λ")
    assert "{" not in filled and "λ" in filled and "w" in filled
    assert "0.25" in reg.fill(cls.penalty_html, "w")
    assert regularizers.get({"class_name": cls.keras_class,
                             "config": reg.get_config()}) == reg


@pytest.mark.parametrize("name", [n for n, _label in regularizers.window_choices()])
def test_each_window_choice_is_a_setting_that_round_trips(tmp_path, name):
    t = TrainingSettings(regularization=name, regularization_rate=0.02)
    again = TrainingSettings.from_dict(t.to_file_dict())
    assert (again.regularization, again.regularization_rate) == (name, 0.02)
    reg = t.make_regularizer()
    assert (reg is None) == (name == "none")
    model = Sequential([Dense(2, input_shape=(2,), kernel_regularizer=reg),
                        Dense(1, kernel_regularizer=reg)])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.nnviz")
    loaded = load_model(tmp_path / "m.nnviz")
    assert [layer.kernel_regularizer for layer in loaded.dense_layers] == [reg, reg]
