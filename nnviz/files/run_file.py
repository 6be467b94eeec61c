"""The ``"run"`` part of a ``.nnviz`` file: where a saved run stands, beyond its history.

::

    "run": {"counters": [epoch, global_step, samples_seen],
            "snapshots": [{"epoch": 0, "weights": [kernel, bias, ...]}, ...],
            "diverged": null}

With it, opening a trained project shows its counters and its time-travel range as they
were when it was saved. A file without it (format 1 as first written) still opens: the
counters follow from the history, and time travel starts at the saved weights.

Each snapshot array is written compactly (format 2)::

    {"dtype": "float64", "shape": [2, 1500], "base64": "AAAAAAAA..."}

the array's bytes, little-endian, row after row, in base64: 10.7 characters a float64
weight instead of about 22 as text, and exact (a float32 run's snapshots are float32, so
5.3 characters). Format 1 wrote nested lists of numbers, which are still read. A save
keeps the snapshots that fit :data:`~nnviz.limits.SAVED_SNAPSHOT_BYTES`, evenly spread
over the run (:func:`thin_snapshots`); the run in memory keeps all of its own.
"""
from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np

from nnviz.errors import ProjectFileError
from nnviz.files.weights_io import decode_array
from nnviz.limits import SAVED_SNAPSHOT_BYTES

__all__ = ["run_to_dict", "run_from_dict", "thin_snapshots", "encode_packed",
           "decode_packed", "packed_size"]

#: The dtypes a snapshot array may be written in (a run's own: float64 or float32).
_PACKED_DTYPES = {"float64": np.dtype("<f8"), "float32": np.dtype("<f4")}


def _packed_dtype(array: np.ndarray) -> str:
    return "float32" if array.dtype == np.float32 else "float64"


def packed_size(array: np.ndarray) -> int:
    """The characters :func:`encode_packed` writes for ``array`` (base64 and its keys)."""
    array = np.asarray(array)
    nbytes = array.size * _PACKED_DTYPES[_packed_dtype(array)].itemsize
    return 4 * math.ceil(nbytes / 3) + 48 + 8 * array.ndim


def encode_packed(array: np.ndarray) -> dict:
    """``{"dtype", "shape", "base64"}``: the array's little-endian bytes, exactly."""
    array = np.asarray(array)
    name = _packed_dtype(array)
    raw = np.ascontiguousarray(array, dtype=_PACKED_DTYPES[name]).tobytes()
    return {"dtype": name, "shape": [int(n) for n in array.shape],
            "base64": base64.b64encode(raw).decode("ascii")}


def decode_packed(value: Any, what: str, shape: tuple) -> np.ndarray:
    """An array from :func:`encode_packed` data that must have ``shape``.

    The shape and the text's length are checked before anything is decoded, so a
    wrong or oversized entry is refused without allocating it. ProjectFileError names
    ``what``.
    """
    for key in value:
        if key not in ("dtype", "shape", "base64"):
            raise ProjectFileError(f"'{what}.{key}' is not part of a packed array.")
    dtype = _PACKED_DTYPES.get(value.get("dtype"))  # type: ignore[arg-type]
    if dtype is None:
        raise ProjectFileError(f"'{what}.dtype' must be 'float64' or 'float32'.")
    stored = value.get("shape")
    if not isinstance(stored, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in stored):
        raise ProjectFileError(f"'{what}.shape' must be a list of whole numbers.")
    if tuple(stored) != tuple(shape):
        raise ProjectFileError(f"'{what}' has shape {tuple(stored)}; the design needs {tuple(shape)}.")
    text = value.get("base64")
    if not isinstance(text, str):
        raise ProjectFileError(f"'{what}.base64' must be a text (the array's bytes in base64).")
    nbytes = math.prod(shape) * dtype.itemsize
    if len(text) != 4 * math.ceil(nbytes / 3):
        raise ProjectFileError(
            f"'{what}.base64' has {len(text):,} characters; an array of shape {tuple(shape)} "
            f"in {value['dtype']} needs {4 * math.ceil(nbytes / 3):,}.")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ProjectFileError(f"'{what}.base64' is not base64 ({err}).") from err
    if len(raw) != nbytes:
        raise ProjectFileError(f"'{what}.base64' holds {len(raw):,} bytes, not {nbytes:,}.")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def thin_snapshots(snapshots: list, budget: int = SAVED_SNAPSHOT_BYTES) -> list:
    """The ``(epoch, weights)`` snapshots a file keeps: as many as fit ``budget`` characters.

    All of them if they fit; else as many as fit, evenly spread over the run: the first
    (where training started) when only one fits, the first and the latest when two fit,
    and so on. The list is not changed; the kept pairs are the same objects.
    """
    snapshots = list(snapshots)
    if not snapshots:
        return []
    sizes = [sum(packed_size(w) for w in weights) for _epoch, weights in snapshots]
    if sum(sizes) <= budget:
        return snapshots
    fit = int(budget // max(max(sizes), 1))
    if fit <= 0:
        return []
    if fit == 1:
        return snapshots[:1]
    last = len(snapshots) - 1
    picks = sorted({round(k * last / (fit - 1)) for k in range(fit)})
    return [snapshots[i] for i in picks]


def run_to_dict(run: dict, snapshot_budget: int = SAVED_SNAPSHOT_BYTES) -> dict:
    """JSON-able data of a project's ``run`` (see the module's text).

    The snapshots are thinned to ``snapshot_budget`` characters (:func:`thin_snapshots`)
    and written packed (:func:`encode_packed`).
    """
    if not run:
        return {}
    kept = thin_snapshots(run.get("snapshots", ()), snapshot_budget)
    return {
        "counters": [int(c) for c in run.get("counters", ())],
        "snapshots": [{"epoch": int(epoch), "weights": [encode_packed(w) for w in weights]}
                      for epoch, weights in kept],
        "diverged": run.get("diverged"),
    }


def run_from_dict(data: Any, shapes: list[tuple] | None) -> dict:
    """A project's ``run`` from file data; ``shapes`` are the design's weight shapes.

    ProjectFileError names the bad field. Snapshots whose shapes do not fit the design
    cannot be a run of it: the file is refused.
    """
    if data is None or data == {}:
        return {}
    if not isinstance(data, dict):
        raise ProjectFileError("'run' must be an object (counters, snapshots, diverged).")
    for key in data:
        if key not in ("counters", "snapshots", "diverged"):
            raise ProjectFileError(f"'run.{key}' is not part of a saved run.")
    counters = data.get("counters", [])
    if not isinstance(counters, list) or len(counters) != 3 or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c < 2 ** 53
            for c in counters):
        raise ProjectFileError("'run.counters' must be three whole numbers "
                               "[epoch, global step, samples seen].")
    diverged = data.get("diverged")
    if diverged is not None and not isinstance(diverged, str):
        raise ProjectFileError("'run.diverged' must be a text or null.")
    snapshots_data = data.get("snapshots", [])
    if not isinstance(snapshots_data, list):
        raise ProjectFileError("'run.snapshots' must be a list.")
    snapshots = []
    for i, item in enumerate(snapshots_data):
        where = f"run.snapshots[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("epoch"), int) or \
                isinstance(item.get("epoch"), bool) or not isinstance(item.get("weights"), list):
            raise ProjectFileError(f"'{where}' must be an object with 'epoch' and 'weights'.")
        weights = item["weights"]
        if shapes is None or len(weights) != len(shapes):
            raise ProjectFileError(f"'{where}.weights' does not fit the design's network.")
        arrays = []
        for k, (value, shape) in enumerate(zip(weights, shapes)):
            if isinstance(value, dict):  # format 2: packed bytes
                arrays.append(decode_packed(value, f"{where}.weights[{k}]", tuple(shape)))
                continue
            array = decode_array(value, f"'{where}.weights[{k}]'", ndim=len(shape))
            if array.shape != tuple(shape):
                raise ProjectFileError(
                    f"'{where}.weights[{k}]' has shape {array.shape}; the design needs {shape}.")
            arrays.append(array)
        snapshots.append((item["epoch"], arrays))
    return {"counters": counters, "snapshots": snapshots, "diverged": diverged}
