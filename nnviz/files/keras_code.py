"""Export a model as Keras code: a ``.py`` file that rebuilds it and loads its weights.

The code is the lecture's own form::

    model = Sequential([
        Dense(units=3, input_shape=(2,), activation='relu'),
        Dense(units=2, activation='softmax'),
    ])
    model.load_weights(WEIGHTS)

and the weights go beside it as a Keras ``.weights.h5`` file (see :mod:`nnviz.files.weights_io`).
The script finds the weights file next to itself, so it runs from any folder.

Every value that comes from the model (layer names, the weights file's name, the loss,
the optimizer's settings) is written with ``repr()``, as a Python literal: a layer named
``"x\\n])\\nimport os ..."`` stays a string in the script and can never become code. How each
activation, loss and optimizer is spelled in Keras comes from its own class
(``keras()``; see :mod:`nnviz.engine.activations`, :mod:`nnviz.engine.losses`, :mod:`nnviz.engine.optimizers`).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from nnviz.data import features as _features
from nnviz.engine import activations as _activations
from nnviz.engine import losses as _losses
from nnviz.engine import optimizers as _optimizers
from nnviz.engine.losses import Loss
from nnviz.engine.optimizers import Optimizer
from nnviz.engine.regularizers import Regularizer
from nnviz.errors import DesignError, ProjectFileError
from nnviz.files.weights_io import atomic_output, save_h5

__all__ = ["keras_code", "export_keras", "weights_path_for", "lecture_code", "LectureCode"]


def weights_path_for(py_path: str | os.PathLike) -> str:
    """The ``.weights.h5`` file that goes with the code file ``py_path``: same folder and stem."""
    py_path = os.fspath(py_path)
    stem = py_path[:-3] if py_path.lower().endswith(".py") else py_path
    return stem + ".weights.h5"


def _compile_line(model) -> tuple[str | None, str | None]:
    """``model.compile(...)`` as Keras code and the optimizer class, when the model was compiled."""
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    if not isinstance(optimizer, Optimizer) or not isinstance(loss, Loss):
        return None, None
    cls = optimizer.keras_class
    if not cls.isidentifier():  # a class attribute, never user text; checked all the same
        return None, None
    metrics = [str(m) for m in getattr(model, "metrics_names", []) if m != "loss"]
    metrics_arg = f", metrics={metrics!r}" if metrics else ""
    return f"model.compile(optimizer={optimizer.keras()}, loss={loss.keras()}{metrics_arg})", cls


def _name_argument(name: str, names: list[str]) -> tuple[str | None, str]:
    """``name=...`` for a layer whose name says something, else None; and a comment.

    Keras refuses a ``/`` in a name (and on its torch backend a ``.``) and two layers of
    one name: such a name goes into a comment instead, ``repr``-quoted so that it cannot end
    the comment's line (``repr`` escapes every line break).
    """
    if re.fullmatch(r"dense(_\d+)?", name):  # Keras's own automatic names: leave them out
        return None, ""
    if not name or "/" in name or "." in name or names.count(name) > 1:
        return None, f"  # name: {name!r} (Keras does not take it)"
    return f"name={name!r}", ""


def keras_code(model, weights_path: str | os.PathLike) -> str:
    """Python source that rebuilds ``model`` in Keras 3 and loads ``weights_path`` into it.

    ``weights_path`` is written as given if absolute; a relative path is taken relative to
    the generated script's own folder.
    """
    weights_path = os.fspath(weights_path)
    dtype = np.asarray(model.get_weights()[0]).dtype if model.get_weights() else np.float64
    lines = []
    names = [str(layer.name) for layer in model.dense_layers]
    for index, layer in enumerate(model.dense_layers):
        args = [f"units={int(layer.units)}"]
        if index == 0:
            args.append(f"input_shape=({int(model.input_dim)},)")
        args.append(f"activation={_activations.get(layer.activation).keras()}")
        if not getattr(layer, "use_bias", True):
            args.append("use_bias=False")
        for key in ("kernel_regularizer", "bias_regularizer"):
            regularizer = getattr(layer, key, None)
            if isinstance(regularizer, Regularizer):
                args.append(f"{key}={regularizer.keras()}")
        name_arg, comment = _name_argument(names[index], names)
        if name_arg:
            args.append(name_arg)
        lines.append(f"    Dense({', '.join(args)}),{comment}")
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
    crosses = _features_code(getattr(model, "input_features", ()))
    if crosses:
        text[text.index("import keras")] = "import keras\nimport numpy as np"
        text += ["", "# The model's inputs are x1, x2 and feature crosses: predict on "
                 "add_features(x)."]
        text += [line for line in crosses if not line.startswith("x = ")][2:]
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
    save_h5(model, weights)
    code = keras_code(model, os.path.basename(weights))
    try:
        with atomic_output(py_path, "w") as handle:
            handle.write(code)
    except OSError as err:
        raise ProjectFileError(f"Cannot write '{py_path}': {err.strerror or err}.", py_path) from err
    return py_path, weights


# ---------------------------------------------------------------------- the lecture's code
#: The kernel initializer Keras's Dense takes when none is given (left out of the code).
_DEFAULT_INITIALIZER = "glorot_uniform"


@dataclass
class LectureCode:
    """The design as the lecture's Keras code: ``text`` and where each layer is in it.

    ``lines`` maps a layer id to its 1-based line number in ``text`` (the input layer to
    the first ``Dense``, whose ``input_shape`` it is); ``compile_line`` and ``fit_line``
    are the lines of ``model.compile(...)`` and ``model.fit(...)``.
    """

    text: str
    lines: dict[str, int] = field(default_factory=dict)
    compile_line: int = 0
    fit_line: int = 0


def _comment(text: str) -> str:
    """``text`` as the end of a comment: as typed if it is all printable on one line,
    else ``repr``-quoted (so that no line break can ever end the comment)."""
    text = str(text)
    return text if text.isprintable() else repr(text)


def _optimizer_expression(training) -> tuple[str, str]:
    """``SGD(learning_rate=0.1)`` (only what differs from the lecture's plain form) and
    the class name, from the training settings; every value ``repr``-quoted."""
    optimizer = training.make_optimizer()
    cls = optimizer.keras_class
    if not cls.isidentifier():  # a class attribute, never user text; checked all the same
        raise ProjectFileError(f"The optimizer {cls!r} has no Keras spelling.")
    args = [f"learning_rate={float(training.learning_rate)!r}"]
    if _optimizers.has_momentum(training.optimizer) and training.momentum:
        args.append(f"momentum={float(training.momentum)!r}")
    for key, value in dict(training.optimizer_options).items():
        if not str(key).isidentifier() or key in ("learning_rate", "momentum"):
            continue  # the settings' checks allow only the optimizer's own keywords
        value = bool(value) if isinstance(value, bool) else float(value)
        args.append(f"{key}={value!r}")
    return f"{cls}({', '.join(args)})", cls


def _features_code(chosen) -> list[str]:
    """The feature crosses as a NumPy function applied to ``x`` before ``fit`` (no lines
    without crosses). Each formula is the registry's own text (never user input)."""
    chosen = _features.ordered(chosen)
    if not chosen:
        return []
    labels = ", ".join(_features.labels(chosen))
    columns = ", ".join(["x"] + [_features.get(name).formula for name in chosen])
    return [
        "",
        "",
        "def add_features(x):",
        f'    """x1, x2 and the feature crosses {labels}: one input neuron each."""',
        f"    return np.column_stack([{columns}])",
        "",
        "",
        "x = add_features(x)",
    ]


def lecture_code(design, training, dataset=None) -> LectureCode:
    """The design and its training settings as the Keras code a lecture writes::

        model = Sequential([
            Dense(units=3, input_shape=(2,), activation='relu'),  # Hidden 1
            Dense(units=2, activation='softmax'),  # Output
        ])
        model.compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy', ...)
        model.fit(x, y, epochs=50, batch_size=4)

    ``training`` is a :class:`nnviz.files.project.TrainingSettings`; ``dataset`` (a
    :class:`nnviz.files.project.DatasetSpec`, optional) names the data in a comment and gives
    ``validation_split``. Every value that comes from the project is a ``repr`` literal,
    and a layer's name goes into a comment only when it is printable on one line (else
    ``repr``-quoted): no text typed in nnviz can become code. Raises DesignError when the
    design is not a chain from an input to an output layer yet.
    """
    chain = design.chain()
    if len(chain) < 2:
        raise DesignError("The network needs an input and an output layer to be written as code.")
    _optimizer, optimizer_cls = _optimizer_expression(training)
    float64 = str(training.dtype) == "float64"
    regularizer = training.make_regularizer()
    text: list[str] = []
    if dataset is not None and getattr(dataset, "features", ()):
        text.append("import numpy as np")
    if float64:
        text.append("import keras")
    text += ["from keras.layers import Dense", "from keras.models import Sequential",
             f"from keras.optimizers import {optimizer_cls}"]
    if regularizer is not None:
        text.append(f"from keras.regularizers import {regularizer.keras_class}")
    text.append("")
    if float64:
        text += ["keras.config.set_floatx('float64')  # nnviz computes in float64", ""]
    text.append("model = Sequential([")
    lines: dict[str, int] = {}
    for index, spec in enumerate(chain[1:]):
        args = [f"units={int(spec.units)}"]
        if index == 0:
            args.append(f"input_shape=({int(chain[0].units)},)")
            lines[chain[0].id] = len(text) + 1
        args.append(f"activation={_activations.get(spec.activation).keras()}")
        if spec.initializer != _DEFAULT_INITIALIZER:
            args.append(f"kernel_initializer={str(spec.initializer)!r}")
        if regularizer is not None:
            args.append(f"kernel_regularizer={regularizer.keras_class}"
                        f"({float(regularizer.rate)!r})")
        text.append(f"    Dense({', '.join(args)}),  # {_comment(spec.name)}")
        lines[spec.id] = len(text)
    text.append("])")
    loss = _losses.get(training.loss).keras()
    metrics = [str(m) for m in training.metrics]
    metrics_arg = f", metrics={metrics!r}" if metrics else ""
    text.append(f"model.compile(optimizer={_optimizer}, loss={loss}{metrics_arg})")
    compile_line = len(text)
    text.append("")
    fit_args = [f"epochs={int(training.epochs)!r}", f"batch_size={int(training.batch_size)!r}"]
    if not training.shuffle:
        fit_args.append("shuffle=False")
    if dataset is not None and getattr(dataset, "name", None):
        where = dataset.csv_path if dataset.is_csv and dataset.csv_path else dataset.name
        text.append(f"# x, y: the data set {_comment(where)}")
        text += _features_code(getattr(dataset, "features", ()))
        split = dict(dataset.params).get("validation_split")
        if isinstance(split, (int, float)) and not isinstance(split, bool) and 0 < split < 1:
            fit_args.append(f"validation_split={float(split)!r}")
    text.append(f"model.fit(x, y, {', '.join(fit_args)})")
    fit_line = len(text)
    return LectureCode("\n".join(text) + "\n", lines, compile_line, fit_line)
