"""The design document: the network as the student draws it on the canvas.

A design is a set of **layers** (an input layer, hidden layers, an output layer; each
with a number of units, an activation function, a weight initializer, a name and a
position on the canvas) and **connections** between them. A connection from layer A to
layer B means every neuron of A feeds every neuron of B (a Keras ``Dense`` layer):

    z_B = a_A @ W + b_B,     a_B = activation(z_B)

with the kernel ``W`` of shape ``(A.units, B.units)`` stored on the connection and the
bias ``b_B`` of shape ``(B.units,)`` stored on the layer B.

Every edit is a command on :attr:`Design.undo_stack`, so it can be undone and redone, and
every change is announced on ``design.events`` (psygnal signals) for the canvas to redraw.

nnviz trains a *chain*: one input layer, then each layer feeding exactly one next layer,
ending in one output layer. A student may draw anything while rewiring;
:meth:`Design.validate` explains, one sentence per problem, why a drawing cannot be trained
yet, and :meth:`Design.build_model` turns a valid one into a ``Sequential`` model. Those
live in their own modules (:mod:`~nnviz.document.validation`,
:mod:`~nnviz.document.compile`, :mod:`~nnviz.document.serialization`); the methods here
delegate to them. The weights' methods are the mixin :mod:`~nnviz.document.design_weights`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
from psygnal import Signal, SignalGroup

from nnviz.document import commands as _commands
from nnviz.document import compile as _compile
from nnviz.document import serialization as _serialization
from nnviz.document import validation as _validation
from nnviz.document.arrays import arrays_equal, copy_array
from nnviz.document.design_weights import DesignWeights
from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.document.layer_kinds import listed as _listed_kinds
from nnviz.document.specs import (
    ACTIVATIONS,
    DEFAULT_INITIALIZER,
    KINDS,
    Connection,
    LayerSpec,
)
from nnviz.document.specs import quote as _quote
from nnviz.document.undo import UndoStack
from nnviz.document.validation import Problem
from nnviz.engine import initializers as _initializers
from nnviz.errors import DesignError
from nnviz.limits import MAX_LAYER_NAME, MAX_LAYERS, MAX_UNITS

__all__ = ["Design", "DesignEvents"]


class DesignEvents(SignalGroup):
    """The signals a :class:`Design` emits (``design.events.<name>``)."""

    layer_added = Signal(str)
    layer_removed = Signal(str)
    layer_changed = Signal(str)  # units, activation, initializer or name
    layer_moved = Signal(str)
    connection_added = Signal(str, str)
    connection_removed = Signal(str, str)
    weights_changed = Signal()
    reset = Signal()


class Design(DesignWeights):
    """The document the canvas edits: layers, connections and their weights.

    Edits (``add_layer``, ``connect``, ``set_units``, ...) are undoable commands on
    :attr:`undo_stack`; refused edits raise :class:`~nnviz.errors.DesignError` with a
    sentence a student understands. Changes are announced on :attr:`events`. The weights'
    methods (``kernel``, ``set_weight``, ``store_weights``, ...) are in
    :mod:`~nnviz.document.design_weights`.
    """

    def __init__(self, undo_stack: UndoStack | None = None) -> None:
        """An empty design; its edits go on ``undo_stack`` (default: a new stack of its own).

        Pass a project's stack to share one undo history between the design's edits and
        other commands (training settings, runs) pushed to the same stack.
        """
        self.events = DesignEvents()
        self.undo_stack = undo_stack if undo_stack is not None else UndoStack()
        self._layers: list[LayerSpec] = []
        self._connections: list[Connection] = []
        self._kernels: dict[Connection, np.ndarray] = {}
        self._biases: dict[str, np.ndarray] = {}
        self._next_id = 1
        # Indexes kept with every primitive edit, so lookups and validation stay linear.
        self._by_id: dict[str, LayerSpec] = {}
        self._out: dict[str, list[str]] = {}
        self._in: dict[str, list[str]] = {}

    # ------------------------------------------------------------------ examples
    @classmethod
    def lecture_example(cls) -> Design:
        """The lecture's network: 2 inputs -> 3 relu neurons -> 2 softmax outputs, wired.

        The Keras model it stands for::

            Sequential([Dense(units=3, input_shape=(2,), activation='relu'),
                        Dense(units=2, activation='softmax')])
        """
        design = cls()
        a = design.add_layer("input", x=-300.0, y=0.0)
        b = design.add_layer("hidden", x=0.0, y=0.0)
        c = design.add_layer("output", x=300.0, y=0.0)
        design.connect(a, b)
        design.connect(b, c)
        design.undo_stack.clear()
        return design

    # ------------------------------------------------------------------ reading
    @property
    def layers(self) -> list[LayerSpec]:
        """The layers in the order they were added (a new list; edit through commands)."""
        return list(self._layers)

    @property
    def connections(self) -> list[Connection]:
        """The connections in the order they were made (a new list)."""
        return list(self._connections)

    def layer(self, layer_id: str) -> LayerSpec:
        """The layer with id ``layer_id``; raises DesignError if there is none."""
        spec = self._by_id.get(layer_id)
        if spec is None:
            raise DesignError(f"There is no layer with id '{layer_id}' in this design.", layer_id)
        return spec

    def has_layer(self, layer_id: str) -> bool:
        """True when a layer with id ``layer_id`` exists."""
        return layer_id in self._by_id

    def has_connection(self, source_id: str, target_id: str) -> bool:
        """True when ``source_id`` is connected to ``target_id``."""
        return target_id in self._out.get(source_id, ())

    def incoming(self, layer_id: str) -> list[str]:
        """Ids of the layers connected *into* ``layer_id``."""
        return list(self._in.get(layer_id, ()))

    def outgoing(self, layer_id: str) -> list[str]:
        """Ids of the layers ``layer_id`` is connected to."""
        return list(self._out.get(layer_id, ()))

    def __repr__(self) -> str:
        parts = [f"{s.name}({s.units}, {s.activation})" for s in self._layers]
        return f"<Design {len(self._layers)} layers, {len(self._connections)} connections: {', '.join(parts)}>"

    def __eq__(self, other: object) -> bool:
        """Equal when layers, connections and all weights are equal (not the undo history)."""
        if not isinstance(other, Design):
            return NotImplemented
        if self._layers != other._layers or self._connections != other._connections:
            return False
        if set(self._biases) != set(other._biases) or set(self._kernels) != set(other._kernels):
            return False
        return all(arrays_equal(a, other._biases[k]) for k, a in self._biases.items()) and all(
            arrays_equal(a, other._kernels[k]) for k, a in self._kernels.items()
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    # ------------------------------------------------------------------ commands
    def add_layer(
        self,
        kind: str,
        x: float = 0.0,
        y: float = 0.0,
        units: int | None = None,
        activation: str | None = None,
        name: str | None = None,
        initializer: str | None = None,
    ) -> str:
        """Add a layer of ``kind`` centred at ``(x, y)`` and return its id.

        The units, activation and name default to the kind's record in
        :mod:`nnviz.document.layer_kinds` ("Input", "Hidden 1", "Hidden 2", ..., "Output", made unique).
        """
        if kind not in KINDS:
            raise DesignError(f"'{kind}' is not a kind of layer; use {_listed_kinds()}.")
        if len(self._layers) >= MAX_LAYERS:
            raise DesignError(f"A design holds at most {MAX_LAYERS} layers in nnviz.")
        units = LAYER_KINDS[kind].units if units is None else _check_units(units)
        if kind != "input":
            self._check_size(extra_bias=units)
        activation = LAYER_KINDS[kind].activation if activation is None else activation
        _check_activation(kind, activation)
        initializer = DEFAULT_INITIALIZER if initializer is None else _check_initializer(initializer)
        if name is None:
            name = self._default_name(kind)
        else:
            name = self._check_name(name, None)
        spec = LayerSpec(
            id=self._new_id(), kind=kind, name=name, units=units, activation=activation,
            initializer=initializer, x=float(x), y=float(y),
        )
        self.undo_stack.push(_commands.AddLayer(self, spec))
        return spec.id

    def remove_layer(self, layer_id: str) -> None:
        """Remove a layer and every connection to or from it (one undo step)."""
        spec = self.layer(layer_id)
        self.undo_stack.push(_commands.Remove(self, [spec.id], [], f"Delete {spec.name}"))

    def remove(
        self, layer_ids: Iterable[str] = (), connections: Iterable[tuple[str, str]] = ()
    ) -> None:
        """Remove several layers and connections as one undo step (a selection's Delete)."""
        ids = list(dict.fromkeys(layer_ids))
        for layer_id in ids:
            self.layer(layer_id)
        conns = []
        for source, target in dict.fromkeys(tuple(c) for c in connections):
            if not self.has_connection(source, target):
                raise DesignError(
                    f"There is no connection from '{source}' to '{target}' to delete."
                )
            conns.append(Connection(source, target))
        if not ids and not conns:
            return
        if len(ids) == 1 and not conns:
            text = f"Delete {self.layer(ids[0]).name}"
        elif not ids and len(conns) == 1:
            text = "Delete connection"
        else:
            text = f"Delete {len(ids) + len(conns)} items"
        self.undo_stack.push(_commands.Remove(self, ids, conns, text))

    def move_layer(self, layer_id: str, x: float, y: float) -> None:
        """Move a layer's centre to ``(x, y)`` (scene coordinates)."""
        self.move_layers({layer_id: (x, y)})

    def move_layers(self, positions: Mapping[str, tuple[float, float]]) -> None:
        """Move several layers as one undo step (``{layer_id: (x, y)}``)."""
        moves = {}
        for layer_id, (x, y) in positions.items():
            spec = self.layer(layer_id)
            x, y = float(x), float(y)
            if not (math.isfinite(x) and math.isfinite(y)):
                raise DesignError("A layer's position must be a finite number.", layer_id)
            if (spec.x, spec.y) != (x, y):
                moves[layer_id] = ((spec.x, spec.y), (x, y))
        if not moves:
            return
        if len(moves) == 1:
            text = f"Move {self.layer(next(iter(moves))).name}"
        else:
            text = f"Move {len(moves)} layers"
        self.undo_stack.push(_commands.Move(self, moves, text))

    def connect(self, source_id: str, target_id: str) -> None:
        """Connect every neuron of ``source_id`` to every neuron of ``target_id``.

        Refused (DesignError) into itself, twice, into an input layer or out of an output
        layer. Loops and branches may be drawn; :meth:`validate` reports them.
        """
        source, target = self.layer(source_id), self.layer(target_id)
        if source_id == target_id:
            raise DesignError(f"{_quote(source)} cannot be connected to itself.", source_id)
        if target.kind == "input":
            raise DesignError(
                f"{_quote(target)} is an input layer: it receives the data, not connections "
                "from other layers.",
                target_id,
            )
        if source.kind == "output":
            raise DesignError(
                f"{_quote(source)} is the output layer: it gives the prediction and cannot feed "
                "another layer.",
                source_id,
            )
        if self.has_connection(source_id, target_id):
            raise DesignError(
                f"{_quote(source)} is already connected to {_quote(target)}.", target_id
            )
        self._check_size(extra_kernel=(source.units, target.units), layer_id=target_id)
        self.undo_stack.push(
            _commands.Connect(self, Connection(source_id, target_id), f"Connect {source.name} to {target.name}")
        )

    def disconnect(self, source_id: str, target_id: str) -> None:
        """Remove the connection from ``source_id`` to ``target_id`` (and its weights)."""
        source, target = self.layer(source_id), self.layer(target_id)
        if not self.has_connection(source_id, target_id):
            raise DesignError(f"{_quote(source)} is not connected to {_quote(target)}.", target_id)
        self.undo_stack.push(
            _commands.Remove(self, [], [Connection(source_id, target_id)],
                    f"Disconnect {source.name} from {target.name}")
        )

    def set_units(self, layer_id: str, units: int) -> None:
        """Give a layer ``units`` neurons, keeping the weights of the neurons that remain.

        Neuron ``j`` keeps its incoming weights (column ``j`` of each incoming kernel), its
        outgoing weights (row ``j`` of each outgoing kernel) and its bias ``b[j]``. New
        neurons get fresh weights from the layer's initializer and a zero bias.
        """
        spec = self.layer(layer_id)
        units = _check_units(units)
        if units == spec.units:
            return
        self._check_size(units={layer_id: units}, layer_id=layer_id)
        self.undo_stack.push(_commands.SetUnits(self, spec, units))

    def set_activation(self, layer_id: str, name: str) -> None:
        """Give a hidden or output layer the activation function ``name`` (Keras's names)."""
        spec = self.layer(layer_id)
        _check_activation(spec.kind, name)
        self._push_attr(spec, "activation", name, f"Set {spec.name} activation to {name}")

    def set_initializer(self, layer_id: str, name: str) -> None:
        """Choose how a layer's kernel is initialised when it is (re)built."""
        spec = self.layer(layer_id)
        name = _check_initializer(name)
        if spec.kind == "input":
            raise DesignError(
                f"{_quote(spec)} is an input layer and has no weights to initialise.", layer_id
            )
        self._push_attr(spec, "initializer", name, f"Set {spec.name} initializer to {name}")

    def set_name(self, layer_id: str, name: str) -> None:
        """Rename a layer (names are unique within a design)."""
        spec = self.layer(layer_id)
        name = self._check_name(name, layer_id)
        self._push_attr(spec, "name", name, f"Rename {spec.name} to {name}")

    def _push_attr(self, spec: LayerSpec, attr: str, value: Any, text: str) -> None:
        if getattr(spec, attr) == value:
            return
        self.undo_stack.push(_commands.SetAttr(self, spec.id, attr, getattr(spec, attr), value, text))

    def undo(self) -> None:
        """Take back the last edit."""
        self.undo_stack.undo()

    def redo(self) -> None:
        """Do the last undone edit again."""
        self.undo_stack.redo()

    # ------------------------------------------------------------------ names and ids
    def _new_id(self) -> str:
        existing = {s.id for s in self._layers}
        while f"layer-{self._next_id}" in existing:
            self._next_id += 1
        layer_id = f"layer-{self._next_id}"
        self._next_id += 1
        return layer_id

    def _default_name(self, kind: str) -> str:
        taken = {s.name for s in self._layers}
        base = LAYER_KINDS[kind].stem
        if LAYER_KINDS[kind].numbered:
            n = sum(1 for s in self._layers if s.kind == kind) + 1
            while f"{base} {n}" in taken:
                n += 1
            return f"{base} {n}"
        if base not in taken:
            return base
        n = 2
        while f"{base} {n}" in taken:
            n += 1
        return f"{base} {n}"

    def _check_name(self, name: Any, layer_id: str | None) -> str:
        if not isinstance(name, str) or not name.strip():
            raise DesignError("A layer needs a name that is not empty.", layer_id)
        name = name.strip()
        if len(name) > MAX_LAYER_NAME:
            raise DesignError(
                f"A layer's name has at most {MAX_LAYER_NAME} characters.", layer_id)
        for spec in self._layers:
            if spec.name == name and spec.id != layer_id:
                raise DesignError(f"Another layer is already called '{name}'.", layer_id)
        return name

    # ------------------------------------------------------------------ primitive edits
    # These change the content and emit events, without undo; commands call them.
    def _index_of(self, layer_id: str) -> int:
        for index, spec in enumerate(self._layers):
            if spec.id == layer_id:
                return index
        raise DesignError(f"There is no layer with id '{layer_id}' in this design.", layer_id)

    def _insert_layer(self, index: int, spec: LayerSpec, bias: np.ndarray | None) -> None:
        spec = replace(spec)
        self._layers.insert(index, spec)
        self._by_id[spec.id] = spec
        self._out[spec.id] = []
        self._in[spec.id] = []
        if bias is not None:
            self._biases[spec.id] = copy_array(bias)
        self.events.layer_added.emit(spec.id)

    def _delete_layer(self, layer_id: str) -> tuple[int, LayerSpec, np.ndarray | None]:
        index = self._index_of(layer_id)
        spec = self._layers.pop(index)
        del self._by_id[layer_id]
        self._out.pop(layer_id, None)
        self._in.pop(layer_id, None)
        bias = self._biases.pop(layer_id, None)
        self.events.layer_removed.emit(layer_id)
        return index, spec, bias

    def _insert_connection(self, index: int, conn: Connection, kernel: np.ndarray | None) -> None:
        self._connections.insert(index, conn)
        if index == len(self._connections) - 1:
            self._out[conn.source].append(conn.target)
            self._in[conn.target].append(conn.source)
        else:  # an undo putting a connection back in its place: keep the lists' order
            self._reindex_connections()
        if kernel is not None:
            self._kernels[conn] = copy_array(kernel)
        self.events.connection_added.emit(conn.source, conn.target)

    def _delete_connection(self, conn: Connection) -> tuple[int, np.ndarray | None]:
        index = self._connections.index(conn)
        del self._connections[index]
        self._out[conn.source].remove(conn.target)
        self._in[conn.target].remove(conn.source)
        kernel = self._kernels.pop(conn, None)
        self.events.connection_removed.emit(conn.source, conn.target)
        return index, kernel

    def _set_layer_attr(self, layer_id: str, attr: str, value: Any) -> None:
        setattr(self.layer(layer_id), attr, value)

    def _reindex_connections(self) -> None:
        """Rebuild the adjacency lists from the layers and connections (in their order)."""
        self._by_id = {spec.id: spec for spec in self._layers}
        self._out = {spec.id: [] for spec in self._layers}
        self._in = {spec.id: [] for spec in self._layers}
        for conn in self._connections:
            self._out[conn.source].append(conn.target)
            self._in[conn.target].append(conn.source)

    # ------------------------------------------------------------------ validation
    def validate(self, n_features: int | None = None, n_targets: int | None = None) -> list[Problem]:
        """Every reason this design cannot be trained, one sentence each; ``[]`` if it can.

        See :func:`nnviz.document.validation.validate`.
        """
        return _validation.validate(self, n_features, n_targets)

    def chain(self) -> list[LayerSpec]:
        """The layers from input to output, in order; DesignError with the first problem."""
        return _validation.chain(self)

    # ------------------------------------------------------------------ the model
    def build_model(self, dtype: str = "float64", seed: int = 0):
        """A ``Sequential`` of ``Dense`` layers over :meth:`chain`, weights carried over.

        See :func:`nnviz.document.compile.build_model`.
        """
        return _compile.build_model(self, dtype=dtype, seed=seed)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        """The design as plain JSON-able data (lists of floats for the weights)."""
        return _serialization.to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Design:
        """A design from :meth:`to_dict`'s data; ProjectFileError names the bad field."""
        design = cls()
        _serialization.load_into(design, data)
        return design

    def _set_content(self, layers: list[LayerSpec], connections: list[Connection],
                     kernels: dict[Connection, np.ndarray], biases: dict[str, np.ndarray],
                     next_id: int) -> None:
        """Take these layers, connections and weights as they are (no events, no undo)."""
        self._layers, self._connections = layers, connections
        self._kernels, self._biases = kernels, biases
        self._next_id = next_id
        self._reindex_connections()

    def replace_with(self, other: Design) -> None:
        """Take ``other``'s layers, connections and weights in place; clears undo; ``reset``."""
        self._layers = [replace(s) for s in other._layers]
        self._connections = list(other._connections)
        self._kernels = {c: copy_array(k) for c, k in other._kernels.items()}
        self._biases = {i: copy_array(b) for i, b in other._biases.items()}
        self._next_id = max(self._next_id, other._next_id)
        self._reindex_connections()
        self.undo_stack.clear()
        self.events.reset.emit()


# ---------------------------------------------------------------------- checks
def _check_units(units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise DesignError(f"A layer needs a whole number of units, at least 1 (not {units!r}).")
    if units > MAX_UNITS:
        raise DesignError(f"A layer has at most {MAX_UNITS} neurons in nnviz (not {units}).")
    return int(units)


def _check_activation(kind: str, name: Any) -> None:
    if kind == "input" and name != "linear":
        raise DesignError(
            "An input layer passes the data on unchanged, so it has no activation function.")
    if name not in ACTIVATIONS:
        raise DesignError(
            f"'{name}' is not an activation nnviz knows; choose one of {', '.join(ACTIVATIONS)}.")


def _check_initializer(name: Any) -> str:
    known = _initializers.names()
    if name not in known:
        raise DesignError(
            f"'{name}' is not an initializer nnviz knows; choose one of {', '.join(known)}.")
    return name
