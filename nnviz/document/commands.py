"""The undoable edits of a design: one :class:`~nnviz.document.undo.Command` per kind of edit.

Each command calls the design's primitive edits (``_insert_layer``, ``_delete_layer``,
``_insert_connection``, ``_delete_connection``, ``_set_layer_attr``), which change the
content and emit the design's events without touching the undo stack; the edit methods
of :class:`~nnviz.document.Design` check their arguments and push these commands.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nnviz.document.arrays import copy_array, fit_block, fresh_kernel, seed_for
from nnviz.document.undo import Command, array_bytes

if TYPE_CHECKING:
    from nnviz.document.document import Design
    from nnviz.document.specs import Connection, LayerSpec

__all__ = ["AddLayer", "Connect", "DesignCommand", "Move", "Remove", "SetAttr", "SetUnits",
           "SetWeight", "SetWeightBlock"]


class DesignCommand(Command):
    """A command on a design; ``text`` is what Edit > Undo shows."""

    def __init__(self, design: Design, text: str):
        super().__init__(text)
        self.design = design


class AddLayer(DesignCommand):
    """Add a layer at the end of the design's list (undo removes it)."""

    def __init__(self, design: Design, spec: LayerSpec):
        super().__init__(design, f"Add {spec.name}")
        self.spec = spec

    def redo(self) -> None:
        self.design._insert_layer(len(self.design._layers), self.spec, None)

    def undo(self) -> None:
        self.design._delete_layer(self.spec.id)


class Remove(DesignCommand):
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

    def nbytes(self) -> int:
        """The removed kernels and biases kept to put back."""
        return array_bytes(self._removed_conns, self._removed_layers)


class Move(DesignCommand):
    """Move layers: ``moves`` is ``{layer_id: ((old_x, old_y), (new_x, new_y))}``."""

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


class Connect(DesignCommand):
    """Connect two layers (no weights until the model is built)."""

    def __init__(self, design: Design, conn: Connection, text: str):
        super().__init__(design, text)
        self.conn = conn

    def redo(self) -> None:
        self.design._insert_connection(len(self.design._connections), self.conn, None)

    def undo(self) -> None:
        self.design._delete_connection(self.conn)


class SetAttr(DesignCommand):
    """Set one field of a layer (activation, initializer or name)."""

    def __init__(self, design: Design, layer_id: str, attr: str, old: Any, new: Any, text: str):
        super().__init__(design, text)
        self.layer_id, self.attr, self.old, self.new = layer_id, attr, old, new

    def redo(self) -> None:
        self.design._set_layer_attr(self.layer_id, self.attr, self.new)
        self.design.events.layer_changed.emit(self.layer_id)

    def undo(self) -> None:
        self.design._set_layer_attr(self.layer_id, self.attr, self.old)
        self.design.events.layer_changed.emit(self.layer_id)


class SetWeight(DesignCommand):
    """Set one kernel entry (``conn``) or one bias entry (``layer_id``)."""

    def __init__(self, design: Design, conn: Connection | None, layer_id: str | None,
                 index: tuple[int, ...], old: float, new: float, text: str):
        super().__init__(design, text)
        self.conn, self.layer_id, self.index, self.old, self.new = conn, layer_id, index, old, new

    def _set(self, value: float) -> None:
        d = self.design
        if self.conn is not None:
            array = d._kernels[self.conn]
        else:
            assert self.layer_id is not None  # a bias is named by its layer
            array = d._biases[self.layer_id]
        array[self.index] = value
        d.events.weights_changed.emit()

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


class SetUnits(DesignCommand):
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
        self._kept[spec.units] = {key: copy_array(a) for key, a in current.items()}
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
                    template = fresh_kernel(d.layer(key.target).initializer, shape,
                                              seed_for(key.source + key.target, units))
            if key == "bias":
                d._biases[self.layer_id] = fit_block(now, template)
            else:
                d._kernels[key] = fit_block(now, template)
        d.events.layer_changed.emit(self.layer_id)
        if current:
            d.events.weights_changed.emit()

    def redo(self) -> None:
        self._apply(self.new_units)

    def undo(self) -> None:
        self._apply(self.old_units)

    def nbytes(self) -> int:
        """The arrays kept at each size (a 784 x 128 kernel is 800 KB per size)."""
        return array_bytes(self._kept)



class SetWeightBlock(DesignCommand):
    """Set a block of a layer's weight matrix (its kernel's rows, then its bias as the last
    row) as one undo step, with one ``weights_changed``: a pasted table of any size.

    The values before are read when the command is first done (after the undo stack has
    closed a training run, which moves the weights).
    """

    def __init__(self, design: Design, conn: Connection, row: int, col: int,
                 values: np.ndarray, text: str):
        super().__init__(design, text)
        self.conn, self.row, self.col = conn, row, col
        self.new = np.array(values, dtype=np.float64, copy=True)
        self.old: np.ndarray | None = None

    def _matrix_parts(self):
        d = self.design
        return d._kernels[self.conn], d._biases[self.conn.target]

    def _get(self) -> np.ndarray:
        kernel, bias = self._matrix_parts()
        full = np.vstack([kernel, bias[None, :]])
        rows, cols = self.new.shape
        return full[self.row:self.row + rows, self.col:self.col + cols].copy()

    def _set(self, block: np.ndarray) -> None:
        kernel, bias = self._matrix_parts()
        n_in = kernel.shape[0]
        rows, cols = block.shape
        c = slice(self.col, self.col + cols)
        k_rows = max(0, min(n_in, self.row + rows) - self.row)
        if k_rows:
            kernel[self.row:self.row + k_rows, c] = block[:k_rows]
        if self.row + rows > n_in:  # the block reaches the bias row
            bias[c] = block[rows - 1]
        self.design.events.weights_changed.emit()

    def redo(self) -> None:
        if self.old is None:
            self.old = self._get()
        self._set(self.new)

    def undo(self) -> None:
        assert self.old is not None  # undone only after its redo
        self._set(self.old)

    def nbytes(self) -> int:
        return array_bytes(self.old, self.new)
