"""A layer's weight matrix as a table: its rows, columns, CSV text and block edits (no Qt).

The weight matrix of a layer B fed by layer A has one **row per input** (a neuron of A,
``x1, x2, ...``) and one **column per unit** of B (``h1, h2, h3``), as Keras's kernel of
shape ``(inputs, units)``; the layer's **bias** is the last row::

              h1      h2      h3
    x1      w11     w12     w13        z_hj = sum_i x_i * w_ij + b_j
    x2      w21     w22     w23
    bias     b1      b2      b3

:func:`parse_block` reads pasted CSV (commas, or the tabs a spreadsheet copies) and says
exactly what is wrong ("row 2, column 3: 'abc' is not a number") before anything changes;
:func:`set_block` puts a block into the design as one undo step
(:class:`~nnviz.document.commands.SetWeightBlock`); :func:`format_block` writes CSV with
each number's shortest exact text, so a copied matrix pastes back bit for bit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.document import Design
from nnviz.document.commands import SetWeightBlock
from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.document.specs import Connection
from nnviz.errors import DesignError

__all__ = ["MatrixShape", "format_block", "incoming_source", "matrix", "matrix_shape",
           "parse_block", "set_block"]

#: The vertical header of the bias row.
BIAS_ROW = "bias"


def _prefix(kind: str) -> str:
    record = LAYER_KINDS.get(kind)
    return record.prefix if record else "n"


@dataclass(frozen=True)
class MatrixShape:
    """What the rows and columns of a layer's matrix are: neuron names and layer names."""

    source: str        #: the id of the layer whose neurons are the rows (the inputs)
    target: str        #: the id of the layer whose neurons are the columns (its units)
    source_name: str
    target_name: str
    rows: tuple[str, ...]     #: "x1", "x2", ..., then "bias"
    columns: tuple[str, ...]  #: "h1", "h2", ...

    @property
    def size(self) -> tuple[int, int]:
        """``(inputs + 1, units)``: the bias row included."""
        return len(self.rows), len(self.columns)


def incoming_source(design: Design, layer_id: str) -> str:
    """The layer feeding ``layer_id`` (DesignError saying why there is no one matrix)."""
    spec = design.layer(layer_id)
    if spec.kind == "input":
        raise DesignError(f"'{spec.name}' is an input layer: it has no weights. Choose a hidden "
                          "or output layer.", layer_id)
    sources = design.incoming(layer_id)
    if not sources:
        raise DesignError(f"'{spec.name}' has no incoming connection, so no weights yet; wire "
                          "a layer into it.", layer_id)
    if len(sources) > 1:
        raise DesignError(f"'{spec.name}' is fed by {len(sources)} layers; nnviz trains a "
                          "chain, so wire only one into it.", layer_id)
    return sources[0]


def matrix_shape(design: Design, layer_id: str) -> MatrixShape:
    """The rows (inputs, then the bias) and columns (units) of ``layer_id``'s matrix."""
    source = design.layer(incoming_source(design, layer_id))
    target = design.layer(layer_id)
    a, b = _prefix(source.kind), _prefix(target.kind)
    rows = tuple(f"{a}{i + 1}" for i in range(source.units)) + (BIAS_ROW,)
    columns = tuple(f"{b}{j + 1}" for j in range(target.units))
    return MatrixShape(source.id, target.id, source.name, target.name, rows, columns)


def matrix(design: Design, layer_id: str) -> np.ndarray | None:
    """``layer_id``'s kernel with its bias as the last row (a copy), or None before the
    network has weights."""
    source = incoming_source(design, layer_id)
    kernel, bias = design.kernel(source, layer_id), design.bias(layer_id)
    if kernel is None or bias is None:
        return None
    return np.vstack([kernel, bias[None, :]])


def format_block(block: np.ndarray) -> str:
    """``block`` as CSV: one line per row, each number's shortest exact text (``repr``)."""
    return "\n".join(",".join(repr(float(x)) for x in row) for row in np.atleast_2d(block)) + "\n"


def parse_block(text: str, room: tuple[int, int]) -> np.ndarray:
    """The numbers of pasted CSV ``text`` as a 2-D block that fits in ``room`` (rows, cols).

    Cells are separated by tabs if the text has any (a spreadsheet's copy), else by commas
    (or semicolons, if it has neither); blank lines around the table are ignored. Raises
    DesignError with the first problem: "row 2, column 3: 'abc' is not a number", a ragged
    row, or a block larger than the room from the chosen cell.
    """
    lines = text.strip("\r\n").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not any(line.strip() for line in lines):
        raise DesignError("The clipboard holds no numbers to paste.")
    rows_room, cols_room = room
    if len(lines) > rows_room:
        raise DesignError(f"The pasted table has {len(lines)} rows; from the chosen cell "
                          f"there is room for {rows_room}.")
    sep = "\t" if "\t" in text else "," if "," in text else ";"
    cells = [line.split(sep) for line in lines]
    width = len(cells[0])
    for r, row in enumerate(cells, start=1):
        if len(row) != width:
            raise DesignError(f"Row {r} has {len(row)} values and row 1 has {width}: every "
                              "row of the table needs as many.")
    if width > cols_room:
        raise DesignError(f"The pasted table has {width} columns; from the chosen cell there "
                          f"is room for {cols_room}.")
    out = np.empty((len(cells), width), dtype=np.float64)
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            out[r, c] = _number(cell, r + 1, c + 1)
    return out


def _number(cell: str, row: int, col: int) -> float:
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        shown = text if len(text) <= 20 else text[:19] + "…"
        raise DesignError(f"Row {row}, column {col}: '{shown}' is not a number.") from None
    if not math.isfinite(value):
        raise DesignError(f"Row {row}, column {col}: '{text}' is not a finite number.")
    return value


def set_block(design: Design, layer_id: str, row: int, col: int, values: np.ndarray,
              text: str | None = None) -> None:
    """Put ``values`` into ``layer_id``'s matrix from ``(row, col)`` on, as one undo step.

    Rows past the inputs are the bias row. DesignError if the layer has no weights yet or
    the block does not fit; nothing changes then.
    """
    shape = matrix_shape(design, layer_id)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise DesignError("A block of weights is a table of at least one number.")
    if not np.all(np.isfinite(values)):
        raise DesignError("A weight must be a finite number.")
    rows, cols = shape.size
    if not (0 <= row and 0 <= col and row + values.shape[0] <= rows
            and col + values.shape[1] <= cols):
        raise DesignError(f"A {values.shape[0]} × {values.shape[1]} block from row {row + 1}, "
                          f"column {col + 1} does not fit the {rows} × {cols} matrix.")
    if matrix(design, layer_id) is None:
        raise DesignError("The weights appear once the network is built (Next step or Reset).",
                          layer_id)
    if text is None:
        text = f"Paste {values.size} weight{'s' if values.size != 1 else ''} into {shape.target_name}"
    design.undo_stack.push(SetWeightBlock(design, Connection(shape.source, layer_id), row, col,
                                          values, text))
