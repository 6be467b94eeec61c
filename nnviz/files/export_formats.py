"""The files a network can be exported to, picked by the file name's suffix.

**The registry.** Each export format is one :class:`ExportFormat` record in
:data:`FORMATS`: its suffix, the label a file dialog shows, a short description for the
command line's help, the function that writes it and, for the weight files nnviz can load
back, the function that reads it. The command line (``nnviz export``), the window's
File > Export Weights dialog, ``model.save_weights``/``load_weights`` and the tests all take
their list from here, so a new format is one record here (plus its test).

The writers and readers themselves live with their format: the weight files in
:mod:`nnviz.files.weights_io`, ONNX in :mod:`nnviz.files.onnx_export`, Keras code in
:mod:`nnviz.files.keras_code`.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnviz.errors import ProjectFileError
from nnviz.files import keras_code, onnx_export, weights_io

__all__ = ["ExportFormat", "FORMATS", "get", "suffixes", "weight_formats", "for_path",
           "export", "save_weights", "load_weights", "describe"]


@dataclass(frozen=True)
class ExportFormat:
    """One file format a network is exported to, named by its file suffix."""

    #: The suffix that picks this format (lower case, with its dot: ``".weights.h5"``).
    suffix: str
    #: What a file dialog calls it (``"NumPy arrays"``).
    label: str
    #: What it holds, in a few words, for the command line's help.
    summary: str
    #: ``write(model, path)``: write the model's file, atomically (what it returns is unused).
    write: Callable[[Any, str], object]
    #: ``read(model, path)``: load the weights back into ``model``, or None when nnviz
    #: cannot read the format back (ONNX, Keras code).
    read: Callable[[Any, str], None] | None = None
    #: ``companion(path)``: the second file ``write`` puts beside ``path`` (Keras code's
    #: ``.weights.h5``), or None.
    companion: Callable[[str], str] | None = None

    @property
    def filter(self) -> str:
        """The file dialog's filter: ``"NumPy arrays (*.npz)"``."""
        return f"{self.label} (*{self.suffix})"

    @property
    def weights(self) -> bool:
        """True for a weight file nnviz reads back (``model.load_weights`` takes it)."""
        return self.read is not None

    def export(self, model, path: str | os.PathLike) -> list[str]:
        """Write ``model`` to ``path``; return the paths written (``path`` first)."""
        path = os.fspath(path)
        self.write(model, path)
        return [path] if self.companion is None else [path, self.companion(path)]


#: Every export format, by suffix, in the order file dialogs and help texts list them.
FORMATS: dict[str, ExportFormat] = {f.suffix: f for f in (
    ExportFormat(".npz", "NumPy arrays", "NumPy's archive, one array per kernel and bias",
                 weights_io.save_npz, weights_io.load_npz),
    ExportFormat(".json", "JSON", "the weights as nested lists",
                 weights_io.save_json, weights_io.load_json),
    ExportFormat(".weights.h5", "Keras weights", "Keras 3's weights file",
                 weights_io.save_h5, weights_io.load_h5),
    ExportFormat(".onnx", "ONNX model",
                 "an ONNX model, input 'input' of shape (batch, features)",
                 onnx_export.export_onnx),
    ExportFormat(".py", "Keras code",
                 "Keras code that rebuilds the model; its .weights.h5 is written beside it",
                 keras_code.export_keras,
                 companion=keras_code.weights_path_for),
)}


def get(suffix: str) -> ExportFormat:
    """The format of ``suffix`` (``".npz"``; the dot may be left out)."""
    key = str(suffix).lower()
    key = key if key.startswith(".") else "." + key
    if key not in FORMATS:
        raise ValueError(f"Unknown export format {suffix!r}; choose one of: {_listed(FORMATS)}.")
    return FORMATS[key]


def suffixes(weights_only: bool = False) -> list[str]:
    """The suffixes nnviz exports to (``weights_only``: those it also reads back)."""
    return [f.suffix for f in FORMATS.values() if f.weights or not weights_only]


def weight_formats() -> list[ExportFormat]:
    """The formats nnviz writes and reads back: the weight files."""
    return [f for f in FORMATS.values() if f.weights]


def for_path(path: str | os.PathLike, weights_only: bool = False) -> ExportFormat:
    """The format ``path``'s suffix names; ProjectFileError naming the choices if none does.

    A plain ``.h5`` names none: Keras 3 itself insists on ``.weights.h5``.
    """
    name = os.fspath(path)
    lower = name.lower()
    known = [f for f in FORMATS.values() if f.weights or not weights_only]
    matches = [f for f in known if lower.endswith(f.suffix)]
    if not matches:
        what = "a weight file" if weights_only else "an export"
        raise ProjectFileError(
            f"'{os.path.basename(name)}' has no suffix nnviz knows for {what}; the name must "
            f"end in {_listed(f.suffix for f in known)}.", path=name)
    return max(matches, key=lambda f: len(f.suffix))  # ".weights.h5" before any ".h5"


def export(model, path: str | os.PathLike) -> list[str]:
    """Write ``model`` in the format ``path``'s suffix names; return the paths written."""
    return for_path(path).export(model, path)


def save_weights(model, path: str | os.PathLike) -> None:
    """Write ``model``'s weights to ``path``, in the weight format its suffix names."""
    path = os.fspath(path)
    for_path(path, weights_only=True).write(model, path)


def load_weights(model, path: str | os.PathLike) -> None:
    """Read weights from ``path`` (format by suffix) into ``model``, checking every shape.

    The model keeps its old weights if anything is wrong with the file.
    """
    path = os.fspath(path)
    read = for_path(path, weights_only=True).read
    assert read is not None  # weights_only: a format nnviz reads back
    read(model, path)


def describe() -> str:
    """The formats as the command line's help lists them: ``.npz (NumPy's archive, ...), ...``."""
    return _listed(f"{f.suffix} ({f.summary})" for f in FORMATS.values())


def _listed(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
