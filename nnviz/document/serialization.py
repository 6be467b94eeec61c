"""A design as plain JSON-able data and back: :func:`to_dict`, :func:`load_into`.

Reading checks every field and raises :class:`~nnviz.errors.ProjectFileError` with a
sentence naming it (``layers[1].units must be ...``); the design is changed only when the
whole of ``data`` was read.
"""
from __future__ import annotations

import math
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.document.layer_kinds import listed as _listed_kinds
from nnviz.document.specs import (
    DEFAULT_INITIALIZER,
    KINDS,
    Connection,
    LayerSpec,
    allowed_activations,
)
from nnviz.engine import initializers as _initializers
from nnviz.errors import ProjectFileError
from nnviz.limits import MAX_LAYER_NAME, MAX_LAYERS, MAX_UNITS, MAX_WEIGHTS

if TYPE_CHECKING:
    from nnviz.document.document import Design

__all__ = ["load_into", "read_array", "to_dict"]


def to_dict(design: Design) -> dict:
    """The design as plain JSON-able data (lists of floats for the weights)."""
    layers = []
    for spec in design._layers:
        d = {f.name: getattr(spec, f.name) for f in fields(LayerSpec)}
        bias = design._biases.get(spec.id)
        d["bias"] = None if bias is None else bias.tolist()
        layers.append(d)
    connections = []
    for conn in design._connections:
        kernel = design._kernels.get(conn)
        connections.append({
            "source": conn.source,
            "target": conn.target,
            "kernel": None if kernel is None else kernel.tolist(),
        })
    return {"layers": layers, "connections": connections}


def load_into(design: Design, data: Any) -> None:
    """Replace ``design``'s content by :func:`to_dict`'s ``data`` (no events, no undo).

    Raises ProjectFileError naming the bad field; ``design`` is unchanged then.
    """
    if not isinstance(data, dict):
        raise ProjectFileError("The design must be a JSON object with 'layers' and 'connections'.")
    layers_data = data.get("layers")
    if not isinstance(layers_data, list):
        raise ProjectFileError("The design's 'layers' is missing or is not a list.")
    conns_data = data.get("connections", [])
    if not isinstance(conns_data, list):
        raise ProjectFileError("The design's 'connections' is not a list.")
    if len(layers_data) > MAX_LAYERS:
        raise ProjectFileError(
            f"'layers' has {len(layers_data)} layers; nnviz allows at most {MAX_LAYERS} "
            "layers in a design.")
    if len(conns_data) > len(layers_data) ** 2:
        raise ProjectFileError(
            f"'connections' has {len(conns_data)} connections; {len(layers_data)} layers "
            f"can have at most {len(layers_data) ** 2}.")
    specs: list[LayerSpec] = []
    biases: dict[str, np.ndarray] = {}
    names: set[str] = set()
    seen_ids: set[str] = set()
    n_weights = 0

    def count_weights(n: int, where: str) -> None:
        nonlocal n_weights
        n_weights += n
        if n_weights > MAX_WEIGHTS:
            raise ProjectFileError(
                f"{where} brings the design's weights to more than {MAX_WEIGHTS:,}; nnviz "
                f"allows at most {MAX_WEIGHTS:,} weights in a design.")
    for n, item in enumerate(layers_data):
        where = f"layers[{n}]"
        if not isinstance(item, dict):
            raise ProjectFileError(f"{where} must be an object with the layer's fields.")
        layer_id = item.get("id")
        if not isinstance(layer_id, str) or not layer_id:
            raise ProjectFileError(f"{where}.id is missing or is not a text.")
        if layer_id in seen_ids:
            raise ProjectFileError(f"{where}.id '{layer_id}' is used by another layer too.")
        if len(layer_id) > MAX_LAYER_NAME:
            raise ProjectFileError(
                f"{where}.id has {len(layer_id)} characters; nnviz allows at most "
                f"{MAX_LAYER_NAME}.")
        seen_ids.add(layer_id)
        kind = item.get("kind")
        if kind not in KINDS:
            raise ProjectFileError(f"{where}.kind must be {_listed_kinds()}.")
        units = item.get("units")
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ProjectFileError(f"{where}.units must be a positive whole number.")
        if units > MAX_UNITS:
            raise ProjectFileError(
                f"{where}.units is {units}; nnviz allows at most {MAX_UNITS} neurons in a layer.")
        activation = item.get("activation", LAYER_KINDS[kind].activation)
        if activation not in allowed_activations(kind):
            raise ProjectFileError(
                f"{where}.activation must be one of {', '.join(allowed_activations(kind))}.")
        initializer = item.get("initializer", DEFAULT_INITIALIZER)
        if initializer not in _initializers.names():
            raise ProjectFileError(
                f"{where}.initializer must be one of {', '.join(_initializers.names())}.")
        name = item.get("name")
        if name is None:  # a hand-written file may leave names out
            k = n + 1
            while f"{LAYER_KINDS[kind].stem} {k}" in names:
                k += 1
            name = f"{LAYER_KINDS[kind].stem} {k}"
        if not isinstance(name, str) or not name.strip():
            raise ProjectFileError(f"{where}.name must be a text that is not empty.")
        if len(name) > MAX_LAYER_NAME:
            raise ProjectFileError(
                f"{where}.name has {len(name)} characters; nnviz allows at most "
                f"{MAX_LAYER_NAME} in a layer's name.")
        if name in names:
            raise ProjectFileError(f"{where}.name '{name}' is used by another layer too.")
        names.add(name)
        pos = []
        for axis in ("x", "y"):
            value = item.get(axis, 0.0)
            if (not isinstance(value, (int, float)) or isinstance(value, bool)
                    or not math.isfinite(value)):
                raise ProjectFileError(f"{where}.{axis} must be a number.")
            pos.append(float(value))
        specs.append(LayerSpec(layer_id, kind, name, units, activation, initializer, *pos))
        if kind != "input":  # its bias, counted whether the file holds it or not
            count_weights(units, f"{where}.units")
        bias = item.get("bias")
        if bias is not None:
            if kind == "input":
                raise ProjectFileError(f"{where}.bias must be null: an input layer has no bias.")
            biases[layer_id] = read_array(bias, (units,), f"{where}.bias")
    by_id = {s.id: s for s in specs}
    conns: list[Connection] = []
    seen_conns: set[Connection] = set()
    kernels: dict[Connection, np.ndarray] = {}
    for n, item in enumerate(conns_data):
        where = f"connections[{n}]"
        if not isinstance(item, dict):
            raise ProjectFileError(f"{where} must be an object with 'source' and 'target'.")
        ends = []
        for key in ("source", "target"):
            value = item.get(key)
            if not isinstance(value, str) or value not in by_id:
                raise ProjectFileError(f"{where}.{key} must be the id of a layer of the design.")
            ends.append(value)
        conn = Connection(*ends)
        if conn.source == conn.target:
            raise ProjectFileError(f"{where} connects a layer to itself.")
        if conn in seen_conns:
            raise ProjectFileError(f"{where} repeats an earlier connection.")
        if by_id[conn.target].kind == "input":
            raise ProjectFileError(f"{where}.target is an input layer, which takes no connections.")
        if by_id[conn.source].kind == "output":
            raise ProjectFileError(f"{where}.source is an output layer, which feeds no layer.")
        conns.append(conn)
        seen_conns.add(conn)
        # Counted from the layers' sizes, kernel or not: a connection without weights
        # still draws a line per weight and builds them all.
        shape = (by_id[conn.source].units, by_id[conn.target].units)
        count_weights(shape[0] * shape[1], f"{where} ({shape[0]} x {shape[1]} neurons)")
        kernel = item.get("kernel")
        if kernel is not None:
            kernels[conn] = read_array(kernel, shape, f"{where}.kernel")
    # New ids continue after the file's, so an id is never reused within a session
    # (an undone deletion may still bring the old layer back).
    numbers = [int(s.id[6:]) for s in specs if s.id.startswith("layer-") and s.id[6:].isdigit()]
    design._set_content(specs, conns, kernels, biases, max(numbers, default=0) + 1)


def read_array(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """``value`` (nested lists) as a float64 array of ``shape``; ProjectFileError if not."""
    what = "a list of" if len(shape) == 1 else "a list of rows of"
    message = f"{where} must be {what} numbers of shape {shape}."
    # The lengths first, so nothing is allocated for a list of the wrong size.
    if not isinstance(value, list) or len(value) != shape[0]:
        raise ProjectFileError(message)
    if len(shape) == 2 and not all(isinstance(row, list) and len(row) == shape[1]
                                   for row in value):
        raise ProjectFileError(message)
    try:
        array = np.array(value)
    except ValueError:  # ragged rows
        raise ProjectFileError(message) from None
    if array.dtype.kind not in "iuf" or array.shape != shape:
        raise ProjectFileError(message)
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ProjectFileError(f"{where} holds a number that is not finite.")
    return array
