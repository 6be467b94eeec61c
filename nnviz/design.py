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
yet, and :meth:`Design.build_model` turns a valid one into a ``Sequential`` model.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

import numpy as np
from psygnal import Signal, SignalGroup

from nnviz import activations as _activations
from nnviz import initializers as _initializers
from nnviz.errors import DesignError, ProjectFileError
from nnviz.undo import Command, UndoStack

__all__ = [
    "KINDS",
    "ACTIVATIONS",
    "Connection",
    "Design",
    "DesignEvents",
    "LayerSpec",
    "Problem",
]

KINDS = ("input", "hidden", "output")
"""The kinds of layer a design holds."""

ACTIVATIONS = tuple(_activations.names())
"""Activation names a layer may have (Keras's names: "linear", "relu", "sigmoid", ...)."""

_DEFAULT_UNITS = {"input": 2, "hidden": 3, "output": 2}
_DEFAULT_ACTIVATION = {"input": "linear", "hidden": "relu", "output": "softmax"}
_DEFAULT_NAME = {"input": "Input", "hidden": "Hidden", "output": "Output"}
DEFAULT_INITIALIZER = "glorot_uniform"


@dataclass
class LayerSpec:
    """One layer as drawn: ``units`` neurons in a column centred at ``(x, y)``.

    ``kind`` is ``"input"`` (the data's features; no weights, no activation: ``"linear"``),
    ``"hidden"`` or ``"output"`` (the network's prediction). Two specs are equal when all
    their fields are equal.
    """

    id: str
    kind: str
    name: str
    units: int
    activation: str
    initializer: str = DEFAULT_INITIALIZER
    x: float = 0.0
    y: float = 0.0


class Connection(NamedTuple):
    """A connection from layer ``source`` to layer ``target`` (their ids): fully connected."""

    source: str
    target: str


@dataclass(frozen=True)
class Problem:
    """Why a design cannot be trained, in one sentence, and the layer it concerns."""

    message: str
    layer_id: str | None = None


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


def _fit_block(old: np.ndarray, template: np.ndarray) -> np.ndarray:
    """``template`` (a copy) with the block it shares with ``old`` overwritten by ``old``.

    This is how a layer keeps the weights of the neurons that remain when its units
    change: row ``i``/column ``j`` of the kernel belongs to neuron ``i``/``j``, so the
    overlapping top-left block is kept and the rest comes from ``template``.
    """
    out = np.array(template, dtype=np.float64, copy=True)
    block = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, template.shape, strict=True))
    out[block] = old[block]
    return out


def _copy(array: np.ndarray | None) -> np.ndarray | None:
    return None if array is None else np.array(array, dtype=np.float64, copy=True)


def _arrays_equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _quote(spec: LayerSpec) -> str:
    return f"'{spec.name}'"


def _names(specs: list[LayerSpec]) -> str:
    quoted = [_quote(s) for s in specs]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


class Design:
    """The document the canvas edits: layers, connections and their weights.

    Edits (``add_layer``, ``connect``, ``set_units``, ...) are undoable commands on
    :attr:`undo_stack`; refused edits raise :class:`~nnviz.errors.DesignError` with a
    sentence a student understands. Changes are announced on :attr:`events`.
    """

    def __init__(self) -> None:
        self.events = DesignEvents()
        self.undo_stack = UndoStack()
        self._layers: list[LayerSpec] = []
        self._connections: list[Connection] = []
        self._kernels: dict[Connection, np.ndarray] = {}
        self._biases: dict[str, np.ndarray] = {}
        self._next_id = 1

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
        for spec in self._layers:
            if spec.id == layer_id:
                return spec
        raise DesignError(f"There is no layer with id '{layer_id}' in this design.", layer_id)

    def has_layer(self, layer_id: str) -> bool:
        """True when a layer with id ``layer_id`` exists."""
        return any(spec.id == layer_id for spec in self._layers)

    def has_connection(self, source_id: str, target_id: str) -> bool:
        """True when ``source_id`` is connected to ``target_id``."""
        return Connection(source_id, target_id) in self._connections

    def incoming(self, layer_id: str) -> list[str]:
        """Ids of the layers connected *into* ``layer_id``."""
        return [c.source for c in self._connections if c.target == layer_id]

    def outgoing(self, layer_id: str) -> list[str]:
        """Ids of the layers ``layer_id`` is connected to."""
        return [c.target for c in self._connections if c.source == layer_id]

    def kernel(self, source_id: str, target_id: str) -> np.ndarray | None:
        """The weights of a connection, shape ``(source.units, target.units)``, or None.

        ``kernel[i, j]`` is the weight from neuron ``i`` of the source to neuron ``j`` of
        the target. None until a model was built (or weights loaded). A read-only view.
        """
        array = self._kernels.get(Connection(source_id, target_id))
        return None if array is None else _readonly(array)

    def bias(self, layer_id: str) -> np.ndarray | None:
        """The bias of a hidden or output layer, shape ``(units,)``, or None (read-only)."""
        array = self._biases.get(layer_id)
        return None if array is None else _readonly(array)

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
        return all(_arrays_equal(a, other._biases[k]) for k, a in self._biases.items()) and all(
            _arrays_equal(a, other._kernels[k]) for k, a in self._kernels.items()
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

        Defaults: input 2 units, hidden 3 relu, output 2 softmax; names "Input",
        "Hidden 1", "Hidden 2", ..., "Output" (made unique).
        """
        if kind not in KINDS:
            raise DesignError(
                f"'{kind}' is not a kind of layer; use 'input', 'hidden' or 'output'."
            )
        units = _DEFAULT_UNITS[kind] if units is None else _check_units(units)
        activation = _DEFAULT_ACTIVATION[kind] if activation is None else activation
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
        self.undo_stack.push(_AddLayer(self, spec))
        return spec.id

    def remove_layer(self, layer_id: str) -> None:
        """Remove a layer and every connection to or from it (one undo step)."""
        spec = self.layer(layer_id)
        self.undo_stack.push(_Remove(self, [spec.id], [], f"Delete {spec.name}"))

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
        self.undo_stack.push(_Remove(self, ids, conns, text))

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
        self.undo_stack.push(_Move(self, moves, text))

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
        self.undo_stack.push(
            _Connect(self, Connection(source_id, target_id), f"Connect {source.name} to {target.name}")
        )

    def disconnect(self, source_id: str, target_id: str) -> None:
        """Remove the connection from ``source_id`` to ``target_id`` (and its weights)."""
        source, target = self.layer(source_id), self.layer(target_id)
        if not self.has_connection(source_id, target_id):
            raise DesignError(f"{_quote(source)} is not connected to {_quote(target)}.", target_id)
        self.undo_stack.push(
            _Remove(self, [], [Connection(source_id, target_id)],
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
        self.undo_stack.push(_SetUnits(self, spec, units))

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
        self.undo_stack.push(_SetAttr(self, spec.id, attr, getattr(spec, attr), value, text))

    def set_weight(self, source_id: str, target_id: str, i: int, j: int, value: float) -> None:
        """Set one weight: from neuron ``i`` of ``source_id`` to neuron ``j`` of ``target_id``."""
        conn = Connection(source_id, target_id)
        if not self.has_connection(source_id, target_id):
            raise DesignError(
                f"{_quote(self.layer(source_id))} is not connected to {_quote(self.layer(target_id))}.",
                target_id,
            )
        kernel = self._kernels.get(conn)
        if kernel is None:
            raise DesignError(
                "This connection has no weights yet; build or train the network first.", target_id
            )
        i, j = _check_index(i, kernel.shape[0], "neuron"), _check_index(j, kernel.shape[1], "neuron")
        value = _check_value(value)
        self.undo_stack.push(
            _SetWeight(self, conn, None, (i, j), float(kernel[i, j]), value,
                       f"Set weight w[{i},{j}] to {value:g}")
        )

    def set_bias(self, layer_id: str, j: int, value: float) -> None:
        """Set the bias of neuron ``j`` of a hidden or output layer."""
        spec = self.layer(layer_id)
        bias = self._biases.get(layer_id)
        if bias is None:
            if spec.kind == "input":
                raise DesignError(f"{_quote(spec)} is an input layer and has no bias.", layer_id)
            raise DesignError(
                f"{_quote(spec)} has no bias yet; build or train the network first.", layer_id
            )
        j = _check_index(j, bias.shape[0], "neuron")
        value = _check_value(value)
        self.undo_stack.push(
            _SetWeight(self, None, layer_id, (j,), float(bias[j]), value,
                       f"Set bias b[{j}] of {spec.name} to {value:g}")
        )

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
        base = _DEFAULT_NAME[kind]
        if kind == "hidden":
            n = sum(1 for s in self._layers if s.kind == "hidden") + 1
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
        self._layers.insert(index, replace(spec))
        if bias is not None:
            self._biases[spec.id] = _copy(bias)
        self.events.layer_added.emit(spec.id)

    def _delete_layer(self, layer_id: str) -> tuple[int, LayerSpec, np.ndarray | None]:
        index = self._index_of(layer_id)
        spec = self._layers.pop(index)
        bias = self._biases.pop(layer_id, None)
        self.events.layer_removed.emit(layer_id)
        return index, spec, bias

    def _insert_connection(self, index: int, conn: Connection, kernel: np.ndarray | None) -> None:
        self._connections.insert(index, conn)
        if kernel is not None:
            self._kernels[conn] = _copy(kernel)
        self.events.connection_added.emit(conn.source, conn.target)

    def _delete_connection(self, conn: Connection) -> tuple[int, np.ndarray | None]:
        index = self._connections.index(conn)
        del self._connections[index]
        kernel = self._kernels.pop(conn, None)
        self.events.connection_removed.emit(conn.source, conn.target)
        return index, kernel

    def _set_layer_attr(self, layer_id: str, attr: str, value: Any) -> None:
        setattr(self._layers[self._index_of(layer_id)], attr, value)

    # ------------------------------------------------------------------ weights
    def store_weights(self, weights: list[np.ndarray]) -> None:
        """Keep the weights of a model built from this design (``model.get_weights()``).

        ``weights`` is Keras's order over :meth:`chain`: kernel then bias of each Dense
        layer. Not an undo step (these are training results); emits ``weights_changed``.
        """
        chain = self.chain()
        expected = 2 * (len(chain) - 1)
        if len(weights) != expected:
            raise DesignError(
                f"The design's network needs {expected} weight arrays but {len(weights)} were given."
            )
        new_kernels, new_biases = {}, {}
        for k, (src, tgt) in enumerate(zip(chain[:-1], chain[1:], strict=True)):
            kernel = np.array(weights[2 * k], dtype=np.float64, copy=True)
            bias = np.array(weights[2 * k + 1], dtype=np.float64, copy=True)
            if kernel.shape != (src.units, tgt.units) or bias.shape != (tgt.units,):
                raise DesignError(
                    f"The weights into {_quote(tgt)} have shape {kernel.shape} and {bias.shape} "
                    f"but the layer needs {(src.units, tgt.units)} and {(tgt.units,)}.",
                    tgt.id,
                )
            new_kernels[Connection(src.id, tgt.id)] = kernel
            new_biases[tgt.id] = bias
        self._kernels.update(new_kernels)
        self._biases.update(new_biases)
        self.events.weights_changed.emit()

    def clear_weights(self) -> None:
        """Forget every stored weight (the next build starts from fresh initial weights).

        Not an undo step, like :meth:`store_weights`; emits ``weights_changed``.
        """
        self._kernels.clear()
        self._biases.clear()
        self.events.weights_changed.emit()

    # ------------------------------------------------------------------ validation
    def validate(self, n_features: int | None = None, n_targets: int | None = None) -> list[Problem]:
        """Every reason this design cannot be trained, one sentence each; ``[]`` if it can.

        nnviz trains a chain: exactly one input layer, each layer feeding exactly one next
        layer, ending in exactly one output layer. With ``n_features``/``n_targets`` (the
        data set's), the input and output sizes are checked against the data too.
        """
        problems: list[Problem] = []
        layers = self._layers
        by_id = {s.id: s for s in layers}
        inputs = [s for s in layers if s.kind == "input"]
        outputs = [s for s in layers if s.kind == "output"]
        if not inputs:
            problems.append(Problem(
                "The network has no input layer; drag an Input layer from the palette onto the "
                "canvas."))
        elif len(inputs) > 1:
            problems.append(Problem(
                f"The network has {len(inputs)} input layers ({_names(inputs)}) but nnviz "
                "trains a network with exactly one; delete the extra ones.", inputs[1].id))
        if not outputs:
            problems.append(Problem(
                "The network has no output layer; drag an Output layer onto the canvas and "
                "connect the last layer to it."))
        elif len(outputs) > 1:
            problems.append(Problem(
                f"The network has {len(outputs)} output layers ({_names(outputs)}) but nnviz "
                "trains a network with exactly one; delete the extra ones.", outputs[1].id))

        in_cycle: set[str] = set()
        for cycle in self._cycles():
            in_cycle.update(cycle)
            specs = [by_id[i] for i in cycle]
            problems.append(Problem(
                f"The connections between {_names(specs)} form a loop; data must flow one way, "
                "from the input to the output.", cycle[0]))

        for spec in layers:
            if spec.id in in_cycle:
                continue
            targets = [by_id[t] for t in self.outgoing(spec.id)]
            if len(targets) > 1:
                problems.append(Problem(
                    f"{_quote(spec)} feeds {len(targets)} layers ({_names(targets)}), but nnviz "
                    "trains a chain in which each layer feeds only the next one; remove all but "
                    "one of these connections.", spec.id))
            sources = [by_id[s] for s in self.incoming(spec.id)]
            if len(sources) > 1:
                problems.append(Problem(
                    f"{_quote(spec)} receives connections from {len(sources)} layers "
                    f"({_names(sources)}), but nnviz trains a chain in which each layer gets its "
                    "input from only the one before it; remove all but one of these connections.",
                    spec.id))

        # Layers no path from the input reaches are not connected; a reached layer that
        # feeds nothing and is not the output is where the chain stops too early.
        if inputs:
            reached: set[str] = set()
            todo = [s.id for s in inputs]
            while todo:
                node = todo.pop()
                if node not in reached:
                    reached.add(node)
                    todo.extend(self.outgoing(node))
            for spec in layers:
                if spec.id not in reached or self.outgoing(spec.id) or spec.kind == "output":
                    continue
                if not outputs:
                    break  # "no output layer" says it already
                if spec.kind == "input" and len(inputs) > 1:
                    continue  # "delete the extra ones" says it already
                if spec.kind == "input":
                    message = (f"The input layer {_quote(spec)} is not connected to anything; "
                               "drag a connection from it to the next layer.")
                else:
                    message = (f"The chain stops at {_quote(spec)}, which is not the output "
                               "layer; connect it to the next layer.")
                problems.append(Problem(message, spec.id))
            for spec in layers:
                if spec.id in reached or spec.id in in_cycle or spec.kind == "input":
                    continue  # extra inputs and loops are reported above
                problems.append(Problem(
                    f"{_quote(spec)} is not connected to the chain from the input to the output; "
                    "connect it or delete it.", spec.id))

        if n_features is not None and len(inputs) == 1 and inputs[0].units != n_features:
            spec = inputs[0]
            problems.append(Problem(
                f"The input layer {_quote(spec)} has {spec.units} units but the data set has "
                f"{n_features} features; set its units to {n_features}.", spec.id))
        for spec in outputs:
            if n_targets is not None and spec.units != n_targets:
                problems.append(Problem(
                    f"The output layer {_quote(spec)} has {spec.units} units but the data set has "
                    f"{n_targets} targets; set its units to {n_targets}.", spec.id))
            if spec.activation == "softmax" and spec.units == 1:
                problems.append(Problem(
                    f"Softmax on the 1-unit output {_quote(spec)} always gives 1.0, so the network "
                    "cannot learn; use sigmoid or give the output 2 units.", spec.id))
        return problems

    def _cycles(self) -> list[list[str]]:
        """Each strongly connected group of layers that contains a loop (ids, in layer order)."""
        # Tarjan's algorithm, written iteratively so a long chain cannot hit the recursion limit.
        order = [s.id for s in self._layers]
        succ = {i: self.outgoing(i) for i in order}
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        groups: list[list[str]] = []
        counter = 0
        for root in order:
            if root in index:
                continue
            work = [(root, iter(succ[root]))]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node, it = work[-1]
                advanced = False
                for nxt in it:
                    if nxt not in index:
                        index[nxt] = low[nxt] = counter
                        counter += 1
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, iter(succ[nxt])))
                        advanced = True
                        break
                    if nxt in on_stack:
                        low[node] = min(low[node], index[nxt])
                if advanced:
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    # A group of one is a loop only through a self-connection, which
                    # connect() refuses; keep the test anyway for designs read from files.
                    if len(group) > 1 or node in succ[node]:
                        groups.append(sorted(group, key=order.index))
        groups.sort(key=lambda g: order.index(g[0]))
        return groups

    def chain(self) -> list[LayerSpec]:
        """The layers from input to output, in order; DesignError with the first problem."""
        problems = self.validate()
        if problems:
            raise DesignError(problems[0].message, problems[0].layer_id)
        chain = [next(s for s in self._layers if s.kind == "input")]
        while True:
            nxt = self.outgoing(chain[-1].id)
            if not nxt:
                return chain
            chain.append(self.layer(nxt[0]))

    # ------------------------------------------------------------------ the model
    def build_model(self, dtype: str = "float64", seed: int = 0):
        """A ``Sequential`` of ``Dense`` layers over :meth:`chain`, weights carried over.

        Each layer's weights start from its initializer (seeded by ``seed``); then every
        stored kernel and bias is copied over them where the shapes fit, and where a
        layer's units changed the overlapping block (the neurons that remain) is kept.
        The document then stores what the model holds (``weights_changed``).
        """
        from nnviz.layers import Dense
        from nnviz.models import Sequential
        from nnviz.utils import set_random_seed

        chain = self.chain()
        if len(chain) < 2:
            raise DesignError("The network needs at least one layer after the input.")
        set_random_seed(seed)
        dense = []
        for k, spec in enumerate(chain[1:]):
            kwargs = {"activation": spec.activation, "kernel_initializer": spec.initializer}
            if k == 0:
                kwargs["input_shape"] = (chain[0].units,)
            dense.append(Dense(spec.units, **kwargs))
        model = Sequential(dense, dtype=dtype)
        weights = model.get_weights()
        for k, (src, tgt) in enumerate(zip(chain[:-1], chain[1:], strict=True)):
            kernel = self._kernels.get(Connection(src.id, tgt.id))
            if kernel is not None:
                weights[2 * k] = _fit_block(kernel, weights[2 * k]).astype(weights[2 * k].dtype)
            bias = self._biases.get(tgt.id)
            if bias is not None:
                weights[2 * k + 1] = _fit_block(bias, weights[2 * k + 1]).astype(
                    weights[2 * k + 1].dtype)
        model.set_weights(weights)
        self.store_weights(model.get_weights())
        return model

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        """The design as plain JSON-able data (lists of floats for the weights)."""
        layers = []
        for spec in self._layers:
            d = {f.name: getattr(spec, f.name) for f in fields(LayerSpec)}
            bias = self._biases.get(spec.id)
            d["bias"] = None if bias is None else bias.tolist()
            layers.append(d)
        connections = []
        for conn in self._connections:
            kernel = self._kernels.get(conn)
            connections.append({
                "source": conn.source,
                "target": conn.target,
                "kernel": None if kernel is None else kernel.tolist(),
            })
        return {"layers": layers, "connections": connections}

    @classmethod
    def from_dict(cls, data: Any) -> Design:
        """A design from :meth:`to_dict`'s data; ProjectFileError names the bad field."""
        design = cls()
        design._load(data)
        return design

    def _load(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise ProjectFileError("The design must be a JSON object with 'layers' and 'connections'.")
        layers_data = data.get("layers")
        if not isinstance(layers_data, list):
            raise ProjectFileError("The design's 'layers' is missing or is not a list.")
        conns_data = data.get("connections", [])
        if not isinstance(conns_data, list):
            raise ProjectFileError("The design's 'connections' is not a list.")
        specs: list[LayerSpec] = []
        biases: dict[str, np.ndarray] = {}
        names: set[str] = set()
        for n, item in enumerate(layers_data):
            where = f"layers[{n}]"
            if not isinstance(item, dict):
                raise ProjectFileError(f"{where} must be an object with the layer's fields.")
            layer_id = item.get("id")
            if not isinstance(layer_id, str) or not layer_id:
                raise ProjectFileError(f"{where}.id is missing or is not a text.")
            if any(s.id == layer_id for s in specs):
                raise ProjectFileError(f"{where}.id '{layer_id}' is used by another layer too.")
            kind = item.get("kind")
            if kind not in KINDS:
                raise ProjectFileError(f"{where}.kind must be 'input', 'hidden' or 'output'.")
            units = item.get("units")
            if not isinstance(units, int) or isinstance(units, bool) or units < 1:
                raise ProjectFileError(f"{where}.units must be a positive whole number.")
            activation = item.get("activation", _DEFAULT_ACTIVATION[kind])
            if activation not in _allowed_activations(kind):
                raise ProjectFileError(
                    f"{where}.activation must be one of {', '.join(_allowed_activations(kind))}.")
            initializer = item.get("initializer", DEFAULT_INITIALIZER)
            if initializer not in _initializers.names():
                raise ProjectFileError(
                    f"{where}.initializer must be one of {', '.join(_initializers.names())}.")
            name = item.get("name")
            if name is None:  # a hand-written file may leave names out
                k = n + 1
                while f"{_DEFAULT_NAME[kind]} {k}" in names:
                    k += 1
                name = f"{_DEFAULT_NAME[kind]} {k}"
            if not isinstance(name, str) or not name.strip():
                raise ProjectFileError(f"{where}.name must be a text that is not empty.")
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
            bias = item.get("bias")
            if bias is not None:
                if kind == "input":
                    raise ProjectFileError(f"{where}.bias must be null: an input layer has no bias.")
                biases[layer_id] = _read_array(bias, (units,), f"{where}.bias")
        by_id = {s.id: s for s in specs}
        conns: list[Connection] = []
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
            if conn in conns:
                raise ProjectFileError(f"{where} repeats an earlier connection.")
            if by_id[conn.target].kind == "input":
                raise ProjectFileError(f"{where}.target is an input layer, which takes no connections.")
            if by_id[conn.source].kind == "output":
                raise ProjectFileError(f"{where}.source is an output layer, which feeds no layer.")
            conns.append(conn)
            kernel = item.get("kernel")
            if kernel is not None:
                shape = (by_id[conn.source].units, by_id[conn.target].units)
                kernels[conn] = _read_array(kernel, shape, f"{where}.kernel")
        self._layers, self._connections = specs, conns
        self._kernels, self._biases = kernels, biases
        # New ids continue after the file's, so an id is never reused within a session
        # (an undone deletion may still bring the old layer back).
        numbers = [int(s.id[6:]) for s in specs if s.id.startswith("layer-") and s.id[6:].isdigit()]
        self._next_id = max(numbers, default=0) + 1

    def replace_with(self, other: Design) -> None:
        """Take ``other``'s layers, connections and weights in place; clears undo; ``reset``."""
        self._layers = [replace(s) for s in other._layers]
        self._connections = list(other._connections)
        self._kernels = {c: _copy(k) for c, k in other._kernels.items()}
        self._biases = {i: _copy(b) for i, b in other._biases.items()}
        self._next_id = max(self._next_id, other._next_id)
        self.undo_stack.clear()
        self.events.reset.emit()


# ---------------------------------------------------------------------- checks
def _readonly(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


def _allowed_activations(kind: str) -> tuple[str, ...]:
    return ("linear",) if kind == "input" else ACTIVATIONS


def _check_units(units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise DesignError(f"A layer needs a whole number of units, at least 1 (not {units!r}).")
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


def _check_index(i: Any, n: int, what: str) -> int:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < n:
        raise DesignError(f"There is no {what} number {i!r} here (there are {n}, from 0).")
    return int(i)


def _check_value(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise DesignError(f"A weight must be a number, not {value!r}.") from None
    if not math.isfinite(value):
        raise DesignError("A weight must be a finite number.")
    return value


def _read_array(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    what = "a list of" if len(shape) == 1 else "a list of rows of"
    message = f"{where} must be {what} numbers of shape {shape}."
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


# ---------------------------------------------------------------------- commands
class _DesignCommand(Command):
    def __init__(self, design: Design, text: str):
        super().__init__(text)
        self.design = design


class _AddLayer(_DesignCommand):
    def __init__(self, design: Design, spec: LayerSpec):
        super().__init__(design, f"Add {spec.name}")
        self.spec = spec

    def redo(self) -> None:
        self.design._insert_layer(len(self.design._layers), self.spec, None)

    def undo(self) -> None:
        self.design._delete_layer(self.spec.id)


class _Remove(_DesignCommand):
    """Delete layers (with their connections) and connections; undo puts each back in place."""

    def __init__(self, design: Design, layer_ids: list[str], conns: list[Connection], text: str):
        super().__init__(design, text)
        self.layer_ids = layer_ids
        self.conns = conns
        self._removed_conns: list[tuple[int, Connection, np.ndarray | None]] = []
        self._removed_layers: list[tuple[int, LayerSpec, np.ndarray | None]] = []

    def redo(self) -> None:
        d = self.design
        doomed = set(self.layer_ids)
        conns = [c for c in d._connections
                 if c in self.conns or c.source in doomed or c.target in doomed]
        self._removed_conns = []
        for conn in reversed(conns):
            index, kernel = d._delete_connection(conn)
            self._removed_conns.append((index, conn, kernel))
        self._removed_conns.reverse()
        self._removed_layers = []
        for layer_id in sorted(self.layer_ids, key=d._index_of, reverse=True):
            self._removed_layers.append(d._delete_layer(layer_id))
        self._removed_layers.reverse()

    def undo(self) -> None:
        # Re-inserting in ascending original index puts every item back where it was.
        d = self.design
        for index, spec, bias in self._removed_layers:
            d._insert_layer(index, spec, bias)
        for index, conn, kernel in self._removed_conns:
            d._insert_connection(index, conn, kernel)


class _Move(_DesignCommand):
    def __init__(self, design: Design, moves: dict, text: str):
        super().__init__(design, text)
        self.moves = moves

    def _apply(self, which: int) -> None:
        for layer_id, positions in self.moves.items():
            x, y = positions[which]
            spec = self.design.layer(layer_id)
            spec.x, spec.y = x, y
        for layer_id in self.moves:
            self.design.events.layer_moved.emit(layer_id)

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class _Connect(_DesignCommand):
    def __init__(self, design: Design, conn: Connection, text: str):
        super().__init__(design, text)
        self.conn = conn

    def redo(self) -> None:
        self.design._insert_connection(len(self.design._connections), self.conn, None)

    def undo(self) -> None:
        self.design._delete_connection(self.conn)


class _SetAttr(_DesignCommand):
    def __init__(self, design: Design, layer_id: str, attr: str, old: Any, new: Any, text: str):
        super().__init__(design, text)
        self.layer_id, self.attr, self.old, self.new = layer_id, attr, old, new

    def redo(self) -> None:
        self.design._set_layer_attr(self.layer_id, self.attr, self.new)
        self.design.events.layer_changed.emit(self.layer_id)

    def undo(self) -> None:
        self.design._set_layer_attr(self.layer_id, self.attr, self.old)
        self.design.events.layer_changed.emit(self.layer_id)


class _SetWeight(_DesignCommand):
    def __init__(self, design: Design, conn: Connection | None, layer_id: str | None,
                 index: tuple[int, ...], old: float, new: float, text: str):
        super().__init__(design, text)
        self.conn, self.layer_id, self.index, self.old, self.new = conn, layer_id, index, old, new

    def _set(self, value: float) -> None:
        d = self.design
        array = d._kernels[self.conn] if self.conn is not None else d._biases[self.layer_id]
        array[self.index] = value
        d.events.weights_changed.emit()

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


class _SetUnits(_DesignCommand):
    """Change a layer's units; each weight array keeps the block of the remaining neurons.

    Before leaving a size, the command keeps the arrays it had at that size; coming back,
    the current arrays are laid over those kept ones. So a plain undo gives back exactly
    the old arrays (the removed neurons' weights included), a redo gives back exactly the
    new ones, and the remaining neurons keep whatever training did in between.
    New neurons (no kept arrays yet) get fresh kernel columns/rows and a zero bias.
    """

    def __init__(self, design: Design, spec: LayerSpec, units: int):
        super().__init__(design, f"Set {spec.name} units to {units}")
        self.layer_id = spec.id
        self.old_units, self.new_units = spec.units, units
        self._kept: dict[int, dict[Any, np.ndarray]] = {}

    def _arrays(self) -> dict[Any, np.ndarray]:
        d = self.design
        arrays: dict[Any, np.ndarray] = {
            conn: kernel for conn, kernel in d._kernels.items() if self.layer_id in conn
        }
        bias = d._biases.get(self.layer_id)
        if bias is not None:
            arrays["bias"] = bias
        return arrays

    def _apply(self, units: int) -> None:
        d = self.design
        spec = d.layer(self.layer_id)
        current = self._arrays()
        self._kept[spec.units] = {key: _copy(a) for key, a in current.items()}
        kept = self._kept.get(units, {})
        spec.units = units
        for key, now in current.items():
            if key == "bias":
                shape: tuple[int, ...] = (units,)
            else:
                shape = (units if key.source == self.layer_id else now.shape[0],
                         units if key.target == self.layer_id else now.shape[1])
            template = kept.get(key)
            if template is None or template.shape != shape:
                if key == "bias":
                    template = np.zeros(shape)
                else:
                    template = _fresh_kernel(d.layer(key.target).initializer, shape,
                                              _seed_for(key.source + key.target, units))
            if key == "bias":
                d._biases[self.layer_id] = _fit_block(now, template)
            else:
                d._kernels[key] = _fit_block(now, template)
        d.events.layer_changed.emit(self.layer_id)
        if current:
            d.events.weights_changed.emit()

    def redo(self) -> None:
        self._apply(self.new_units)

    def undo(self) -> None:
        self._apply(self.old_units)


def _seed_for(text: str, units: int) -> int:
    """A seed that depends only on the connection and the new size (reproducible weights)."""
    return sum(ord(c) * (k + 1) for k, c in enumerate(text)) * 7919 + units


def _fresh_kernel(initializer: str, shape: tuple[int, int], seed: int) -> np.ndarray:
    """Initial weights of ``shape`` from the layer's initializer (as a new layer would get)."""
    return np.asarray(_initializers.get(initializer, seed=seed)(shape), dtype=np.float64)
