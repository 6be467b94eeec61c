"""Issue 19.11: numbers that cannot be used are refused by name, not taken in silently.

* Weights files (``.npz``, ``.weights.h5``, ``.json``) holding NaN or infinity: loading
  them made every prediction NaN without a word. Now a ProjectFileError names the layer
  and the array, and the model keeps its weights.
* Keras code with a 400-digit learning rate raised OverflowError; now it is the same
  line-numbered KerasImportError as any other unusable value.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.errors import ProjectFileError
from nnviz.files.export_formats import load_weights, save_weights
from nnviz.files.keras_import import KerasImportError, parse_keras


def _model(dtype="float64"):
    model = Sequential([Dense(3, input_shape=(2,), activation="relu", name="hidden"),
                        Dense(1, name="out")], dtype=dtype)
    model.compile(optimizer="sgd", loss="mse")
    model.predict(np.zeros((1, 2)))
    return model


@pytest.mark.parametrize("suffix", [".npz", ".weights.h5", ".json"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_weights_holding_nan_or_infinity_are_refused_by_name(tmp_path, suffix, bad):
    source = _model()
    weights = source.get_weights()
    weights[2] = weights[2].copy()
    weights[2][1, 0] = bad  # the output layer's kernel
    source.set_weights(weights)
    path = tmp_path / f"w{suffix}"
    save_weights(source, path)  # the writers keep such numbers, for study
    target = _model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ProjectFileError, match=r"the kernel of layer 'out' holds (nan|inf|-inf)"):
        load_weights(target, path)
    for old, now in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, now)  # nothing was set


def test_a_float64_number_too_large_for_float32_is_refused_not_made_infinite(tmp_path):
    source = _model()
    weights = source.get_weights()
    weights[1] = np.full_like(weights[1], 1e300)  # the hidden layer's bias
    source.set_weights(weights)
    path = tmp_path / "w.npz"
    save_weights(source, path)
    with pytest.raises(ProjectFileError, match=r"the bias of layer 'hidden' holds inf"):
        load_weights(_model("float32"), path)


def test_finite_weights_still_load_exactly(tmp_path):
    source = _model()
    path = tmp_path / "w.npz"
    save_weights(source, path)
    target = _model()
    load_weights(target, path)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


KERAS = ("from keras import layers, models, optimizers\n"
         "model = models.Sequential([layers.Dense({units}, input_shape=(2,))])\n"
         "model.compile(optimizer=optimizers.SGD(learning_rate={lr}), loss='mse')\n"
         "model.fit(x, y, epochs={epochs})\n")
HUGE = "1" + "0" * 400


@pytest.mark.parametrize("field, line, what", [
    ({"lr": HUGE}, 3, "the learning rate"),
    ({"lr": "-" + HUGE}, 3, "the learning rate"),
    ({"units": HUGE}, 2, "Dense's units"),
    ({"epochs": HUGE}, 4, "epochs"),
])
def test_a_400_digit_number_in_keras_code_is_a_line_numbered_refusal(field, line, what):
    text = KERAS.format(**{"units": 2, "lr": 0.1, "epochs": 3, **field})
    with pytest.raises(KerasImportError) as caught:
        parse_keras(text)
    assert caught.value.line == line
    message = str(caught.value)
    assert message.startswith(f"Line {line}: {what} is a number of 401 digits")
    assert len(message) < 200  # the number itself is not quoted
