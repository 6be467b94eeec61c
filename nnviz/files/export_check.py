"""Proof of export: load a written file in the runtime it is for and compare its predictions.

After nnviz writes a network to a file, :func:`check_export` loads that file the way its
users will (an ``.onnx`` file in onnxruntime, a ``.weights.h5`` or ``.py`` in Keras, a
``.npz``/``.json`` back into a fresh copy of the network), predicts the same samples and
reports the largest difference from nnviz's own predictions: "checked in onnxruntime:
max |Δ| = 3e-16 over 200 samples". When the runtime is not installed it says so, with the
lines that run the check by hand, and reports no number.

Each format names its runtime and its loader in :data:`RUNTIMES` (by suffix), so the
registry of formats (:mod:`nnviz.files.export_formats`) stays the one list of formats.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.files import keras_code
from nnviz.limits import MAX_EXPORT_CHECK_SAMPLES

__all__ = ["ExportCheck", "Runtime", "RUNTIMES", "check_export", "runtime_for"]


@dataclass(frozen=True)
class ExportCheck:
    """What checking one written file found."""

    #: The file that was checked.
    path: str
    #: The runtime that loaded it ("onnxruntime", "Keras", "nnviz").
    runtime: str
    #: The largest |runtime's prediction − nnviz's prediction|, or None when not checked.
    max_abs_diff: float | None
    #: How many samples were predicted (0 when not checked).
    samples: int
    #: One line for the status bar.
    message: str
    #: When not checked: the lines that check the file by hand.
    how_to_check: str = ""
    #: False when the runtime is not installed (then nothing was tried).
    installed: bool = True

    @property
    def checked(self) -> bool:
        """Whether the runtime loaded the file and predicted."""
        return self.max_abs_diff is not None


@dataclass(frozen=True)
class Runtime:
    """How to load one kind of written file and predict with it."""

    #: Its name in messages ("onnxruntime").
    name: str
    #: The module that must be importable for the check (None: nnviz itself).
    module: str | None
    #: ``predict(path, model, x) -> y``: load the file written for ``model`` and predict ``x``.
    predict: Callable[[str, object, np.ndarray], np.ndarray]
    #: The lines that check the file by hand; ``{path}`` is filled in.
    by_hand: str


def _predict_onnx(path: str, model, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    from nnviz.files.onnx_export import INPUT_NAME, OUTPUT_NAME

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    dtype = np.float32 if str(model.dtype) == "float32" else np.float64
    return np.asarray(session.run([OUTPUT_NAME], {INPUT_NAME: x.astype(dtype)})[0])


def _keras_model_from_code(code: str, script_path: str):
    """Run nnviz's Keras code (not as ``__main__``) and return the ``model`` it builds."""
    namespace: dict[str, Any] = {"__file__": script_path, "__name__": "nnviz_export_check"}
    exec(compile(code, script_path, "exec"), namespace)  # noqa: S102 (nnviz's own code)
    return namespace["model"]


def _predict_keras_weights(path: str, model, x: np.ndarray) -> np.ndarray:
    # The same Keras code the .py export writes, pointed at this weights file; the script's
    # path is only used for its folder and is never written.
    code = keras_code.keras_code(model, os.path.basename(path))
    script = os.path.join(os.path.dirname(os.path.abspath(path)), "nnviz_export_check.py")
    return np.asarray(_keras_model_from_code(code, script).predict(x, verbose=0))


def _predict_keras_script(path: str, model, x: np.ndarray) -> np.ndarray:
    with open(path, encoding="utf-8") as handle:
        code = handle.read()
    return np.asarray(_keras_model_from_code(code, os.path.abspath(path)).predict(x, verbose=0))


def _predict_reloaded(path: str, model, x: np.ndarray) -> np.ndarray:
    # A copy whose weights are zeroed first, so every number predicted came from the file.
    copy = deepcopy(model)
    copy.set_weights([np.zeros_like(w) for w in model.get_weights()])
    copy.load_weights(path)
    return copy.predict(x)


_ONNX_BY_HAND = ("pip install onnxruntime, then in Python:\n"
                 "import onnxruntime as ort\n"
                 "y = ort.InferenceSession(r'{path}').run(['output'], {{'input': x}})[0]")
_KERAS_BY_HAND = ("pip install keras jax, then run the exported .py with KERAS_BACKEND=jax "
                  "and call model.predict(x)")

#: The runtime that checks each export format, by the format's suffix.
RUNTIMES: dict[str, Runtime] = {
    ".npz": Runtime("nnviz", None, _predict_reloaded, ""),
    ".json": Runtime("nnviz", None, _predict_reloaded, ""),
    ".weights.h5": Runtime("Keras", "keras", _predict_keras_weights, _KERAS_BY_HAND),
    ".onnx": Runtime("onnxruntime", "onnxruntime", _predict_onnx, _ONNX_BY_HAND),
    ".py": Runtime("Keras", "keras", _predict_keras_script, _KERAS_BY_HAND),
}


def runtime_for(suffix: str) -> Runtime:
    """The runtime that checks files of ``suffix`` (KeyError for a format with none)."""
    return RUNTIMES[suffix]


def check_export(path: str | os.PathLike, suffix: str, model, x: np.ndarray) -> ExportCheck:
    """Load ``path`` (written for ``model`` in the format of ``suffix``) and compare.

    Predicts at most :data:`~nnviz.limits.MAX_EXPORT_CHECK_SAMPLES` rows of ``x`` both in
    the runtime and in nnviz. Never raises for a missing or failing runtime: the result
    says what happened.
    """
    path = os.fspath(path)
    runtime = runtime_for(suffix)
    name = os.path.basename(path)
    if runtime.module is not None and importlib.util.find_spec(runtime.module) is None:
        return ExportCheck(path, runtime.name, None, 0,
                           f"{name} not checked: {runtime.module} is not installed "
                           f"(pip install {runtime.module} to check it)",
                           runtime.by_hand.format(path=path), installed=False)
    x = np.asarray(x)[:MAX_EXPORT_CHECK_SAMPLES]
    expected = model.predict(x)
    try:
        got = runtime.predict(path, model, x)
    except Exception as error:  # noqa: BLE001 (any runtime failure is the check's answer)
        reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        return ExportCheck(path, runtime.name, None, 0,
                           f"{name} could not be checked in {runtime.name}: {reason}",
                           runtime.by_hand.format(path=path))
    if got.shape != expected.shape:
        return ExportCheck(path, runtime.name, None, 0,
                           f"{name} gives outputs of shape {got.shape} in {runtime.name}, "
                           f"nnviz {expected.shape}")
    diff = float(np.max(np.abs(got.astype(np.float64) - expected))) if len(x) else 0.0
    where = "by loading it back into nnviz" if runtime.module is None else f"in {runtime.name}"
    return ExportCheck(path, runtime.name, diff, len(x),
                       f"{name} checked {where}: max |Δ| = {diff:.1g} over {len(x)} samples")
