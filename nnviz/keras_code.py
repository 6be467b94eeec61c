"""Export a model as Keras code: a ``.py`` file that rebuilds it and loads its weights.

The code is the lecture's own form::

    model = Sequential([
        Dense(units=3, input_shape=(2,), activation='relu'),
        Dense(units=2, activation='softmax'),
    ])
    model.load_weights(WEIGHTS)

and the weights go beside it as a Keras ``.weights.h5`` file (see :mod:`nnviz.weights_io`).
The script finds the weights file next to itself, so it runs from any folder.
"""
from __future__ import annotations

import os
import re

import numpy as np

from nnviz.errors import ProjectFileError
from nnviz.weights_io import atomic_output, save_weights

__all__ = ["keras_code", "export_keras", "weights_path_for"]

# nnviz's activation names are Keras's, except where Keras spells it differently.
_KERAS_ACTIVATION = {"leaky_relu": "leaky_relu", "linear": "linear"}

_OPTIMIZER_CLASS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}


def weights_path_for(py_path: str | os.PathLike) -> str:
    """The ``.weights.h5`` file that goes with the code file ``py_path``: same folder and stem."""
    py_path = os.fspath(py_path)
    stem = py_path[:-3] if py_path.lower().endswith(".py") else py_path
    return stem + ".weights.h5"


def _compile_line(model) -> tuple[str | None, str | None]:
    """``model.compile(...)`` as Keras code and the optimizer class, when the model was compiled."""
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    if optimizer is None or loss is None:
        return None, None
    loss_name = getattr(loss, "name", loss)
    cls = _OPTIMIZER_CLASS.get(str(getattr(optimizer, "name", "")).lower())
    if cls is None or not isinstance(loss_name, str):
        return None, None
    config = optimizer.get_config() if hasattr(optimizer, "get_config") else {}
    args = ", ".join(f"{key}={value!r}" for key, value in config.items())
    metrics = [m for m in getattr(model, "metrics_names", []) if m not in ("loss",)]
    metrics_arg = f", metrics={metrics!r}" if metrics else ""
    return f"model.compile(optimizer={cls}({args}), loss={loss_name!r}{metrics_arg})", cls


def keras_code(model, weights_path: str | os.PathLike) -> str:
    """Python source that rebuilds ``model`` in Keras 3 and loads ``weights_path`` into it.

    ``weights_path`` is written as given if absolute; a relative path is taken relative to
    the generated script's own folder.
    """
    weights_path = os.fspath(weights_path)
    dtype = np.asarray(model.get_weights()[0]).dtype if model.get_weights() else np.float64
    lines = []
    for index, layer in enumerate(model.dense_layers):
        activation = str(getattr(layer, "activation_name", "linear") or "linear")
        activation = _KERAS_ACTIVATION.get(activation, activation)
        args = [f"units={int(layer.units)}"]
        if index == 0:
            args.append(f"input_shape=({int(model.input_dim)},)")
        args.append(f"activation={activation!r}")
        if not getattr(layer, "use_bias", True):
            args.append("use_bias=False")
        line = f"    Dense({', '.join(args)}),"
        if not re.fullmatch(r"dense(_\d+)?", layer.name):  # name it when it says something
            line += f"  # {layer.name}"
        lines.append(line)
    if not lines:
        raise ProjectFileError("A model without Dense layers cannot be exported as Keras code.")

    if os.path.isabs(weights_path):
        where = f"WEIGHTS = {weights_path!r}"
    else:
        where = (
            "WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "
            f"{weights_path.replace(os.sep, '/')!r})"
        )
    float64 = dtype == np.float64
    compile_line, optimizer_cls = _compile_line(model)
    text = [
        '"""The network built in nnviz, rebuilt in Keras 3 with its trained weights.',
        "",
        "Run it with any Keras 3 backend (e.g. KERAS_BACKEND=torch). The weights are Keras's",
        "own .weights.h5 file, written by nnviz beside this script.",
        '"""',
        "import os",
        "",
        "import keras",
        "from keras.layers import Dense",
        "from keras.models import Sequential",
    ]
    if optimizer_cls:
        text.append(f"from keras.optimizers import {optimizer_cls}")
    text.append("")
    if float64:
        text += [
            "# nnviz computes in float64; so does this model (its inputs and its layers).",
            "keras.config.set_floatx('float64')",
            "keras.config.set_dtype_policy('float64')",
            "",
        ]
    text += [where, "", "model = Sequential(["] + lines + ["])"]
    # Weights first: compiling first would make Keras look for optimizer state in the file.
    text.append("model.load_weights(WEIGHTS)")
    if compile_line:
        text.append(compile_line)
    text.append("")
    text += [
        'if __name__ == "__main__":',
        "    model.summary()",
        "",
    ]
    return "\n".join(text)


def export_keras(model, py_path: str | os.PathLike) -> tuple[str, str]:
    """Write the Keras code to ``py_path`` and the weights beside it; return both paths."""
    py_path = os.fspath(py_path)
    weights = weights_path_for(py_path)
    save_weights(model, weights)
    code = keras_code(model, os.path.basename(weights))
    try:
        with atomic_output(py_path, "w") as handle:
            handle.write(code)
    except OSError as err:
        raise ProjectFileError(f"Cannot write '{py_path}': {err.strerror or err}.", py_path) from err
    return py_path, weights
