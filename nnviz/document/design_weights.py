"""A design's weights: reading, setting and storing its kernels and biases, and counting
them against the size limit (a part of :class:`~nnviz.document.document.Design`).

A connection's kernel has shape ``(source.units, target.units)``; a hidden or output
layer's bias ``(units,)``. They exist once a model was built from the design (or weights
were loaded).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from nnviz.document import commands as _commands
from nnviz.document.arrays import readonly
from nnviz.document.specs import Connection, LayerSpec
from nnviz.document.specs import quote as _quote
from nnviz.errors import DesignError
from nnviz.limits import design_weights, weights_problem

if TYPE_CHECKING:
    from nnviz.document.document import Design, DesignEvents
    from nnviz.document.undo import UndoStack


class DesignWeights:
    """The weights' part of the design: a mixin of :class:`~nnviz.document.document.Design`,
    which holds the layers, connections and arrays it reads. Setting one weight is an undo
    step; storing a model's weights (training results) is not."""

    if TYPE_CHECKING:  # what Design holds and does, named for the type checker
        events: DesignEvents
        undo_stack: UndoStack
        _layers: list[LayerSpec]
        _connections: list[Connection]
        _kernels: dict[Connection, np.ndarray]
        _biases: dict[str, np.ndarray]

        def layer(self, layer_id: str) -> LayerSpec: ...
        def has_connection(self, source_id: str, target_id: str) -> bool: ...
        def chain(self) -> list[LayerSpec]: ...

    # ------------------------------------------------------------------ reading
    def kernel(self, source_id: str, target_id: str) -> np.ndarray | None:
        """The weights of a connection, shape ``(source.units, target.units)``, or None.

        ``kernel[i, j]`` is the weight from neuron ``i`` of the source to neuron ``j`` of
        the target. None until a model was built (or weights loaded). A read-only view.
        """
        array = self._kernels.get(Connection(source_id, target_id))
        return None if array is None else readonly(array)

    def bias(self, layer_id: str) -> np.ndarray | None:
        """The bias of a hidden or output layer, shape ``(units,)``, or None (read-only)."""
        array = self._biases.get(layer_id)
        return None if array is None else readonly(array)

    # ------------------------------------------------------------------ editing
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
        self.undo_stack.push(  # the command takes the design: this mixin is always one
            _commands.SetWeight(cast("Design", self), conn, None, (i, j), float(kernel[i, j]), value,
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
        self.undo_stack.push(  # the command takes the design: this mixin is always one
            _commands.SetWeight(cast("Design", self), None, layer_id, (j,), float(bias[j]), value,
                       f"Set bias b[{j}] of {spec.name} to {value:g}")
        )

    # ------------------------------------------------------------------ the size limit
    def weight_count(self, units: Mapping[str, int] | None = None) -> int:
        """The design's weights by the size model of :mod:`nnviz.limits`: a kernel per
        connection and a bias per hidden and output layer, counted from the layers' sizes
        (``units`` overrides some of them: the count an edit would give)."""
        size = {s.id: s.units for s in self._layers}
        size.update(units or {})
        return design_weights(((size[c.source], size[c.target]) for c in self._connections),
                              (size[s.id] for s in self._layers if s.kind != "input"))

    def _check_size(self, units: Mapping[str, int] | None = None,
                    extra_kernel: tuple[int, int] = (0, 0), extra_bias: int = 0,
                    layer_id: str | None = None) -> None:
        """Refuse (DesignError) an edit that would take the design over MAX_WEIGHTS."""
        total = self.weight_count(units) + extra_kernel[0] * extra_kernel[1] + extra_bias
        problem = weights_problem(total)
        if problem:
            raise DesignError(problem, layer_id)

    # ------------------------------------------------------------------ a model's weights
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


# ---------------------------------------------------------------------- checks
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
