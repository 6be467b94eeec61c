"""The ``"run"`` part of a ``.nnviz`` file: where a saved run stands, beyond its history.

::

    "run": {"counters": [epoch, global_step, samples_seen],
            "snapshots": [{"epoch": 0, "weights": [kernel, bias, ...]}, ...],
            "diverged": null}

With it, opening a trained project shows its counters and its time-travel range as they
were when it was saved. A file without it (format 1 as first written) still opens: the
counters follow from the history, and time travel starts at the saved weights.
"""
from __future__ import annotations

from typing import Any

from nnviz.errors import ProjectFileError
from nnviz.weights_io import decode_array, encode_array

__all__ = ["run_to_dict", "run_from_dict"]


def run_to_dict(run: dict) -> dict:
    """JSON-able data of a project's ``run`` (see the module's text)."""
    if not run:
        return {}
    return {
        "counters": [int(c) for c in run.get("counters", ())],
        "snapshots": [{"epoch": int(epoch), "weights": [encode_array(w) for w in weights]}
                      for epoch, weights in run.get("snapshots", ())],
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
            array = decode_array(value, f"'{where}.weights[{k}]'", ndim=len(shape))
            if array.shape != tuple(shape):
                raise ProjectFileError(
                    f"'{where}.weights[{k}]' has shape {array.shape}; the design needs {shape}.")
            arrays.append(array)
        snapshots.append((item["epoch"], arrays))
    return {"counters": counters, "snapshots": snapshots, "diverged": diverged}
