"""What a training frame shows on the canvas (a part of :class:`~ui.canvas.scene.CanvasScene`).

:class:`SceneFrames` takes the engine's state in whole arrays, one call per frame: the
neurons' values and numbers, the connections' weights or gradients (or an update
animated from the old weights to the new), a stage of the walkthrough with its "before
the update" notes, the layer that glows, and each neuron's map of what it sees. It is a
mixin, as :class:`~ui.canvas.gestures.SceneGestures` and
:class:`~ui.canvas.hiding.SceneHiding` are: the scene holds the state it reads.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QVariantAnimation

from nnviz.errors import DesignError
from ui.canvas import style
from ui.canvas.neuron_maps import NeuronMapItem, layer_image

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsScene

    from nnviz.document import Design
    from ui.canvas.connections import ConnectionBundleItem
    from ui.canvas.items import LayerItem

    # For the type checker the mixin is the scene it is part of; at run time CanvasScene
    # puts QGraphicsScene after it.
    _Scene = QGraphicsScene
else:
    _Scene = object

__all__ = ["SceneFrames", "BEFORE_UPDATE_NOTE"]

#: Over each layer at the update stage: its numbers are the forward pass's, old weights.
BEFORE_UPDATE_NOTE = "numbers: before the update"


class SceneFrames(_Scene):
    """CanvasScene's training frames (see the module): a mixin of
    :class:`~ui.canvas.scene.CanvasScene`, which holds the state it reads."""

    if TYPE_CHECKING:  # what CanvasScene holds and does, named for the type checker
        _design: Design
        _layers: dict[str, LayerItem]
        _bundles: dict[tuple[str, str], ConnectionBundleItem]
        _neuron_values: dict[str, np.ndarray]
        _edge_override: dict[tuple[str, str], np.ndarray] | None
        _edge_mode: str
        _highlighted: str | None
        _animation: QVariantAnimation | None
        _maps_view: dict | None
        _maps_hidden: bool
        _maps_on: bool
        _map_items: dict[str, NeuronMapItem]
        colors: style.CanvasColors
        hidden_edges: frozenset

        def shows_bias(self, item) -> bool: ...

    # ------------------------------------------------------------ showing numbers
    def set_neuron_values(self, values: Mapping[str, np.ndarray] | None) -> None:
        """Fill neurons by their values: ``{layer_id: a}`` with ``a`` of shape ``(units,)``.

        A ``(batch, units)`` array shows its first sample. ``None`` clears every layer;
        layers missing from the mapping keep what they show.
        """
        if values is None:
            self._neuron_values.clear()
            for item in self._layers.values():
                item.neurons.set_values(None)
            return
        for layer_id, array in values.items():
            item = self._layers.get(layer_id)
            if item is None:
                continue
            if array is None:
                self._neuron_values.pop(layer_id, None)
            else:
                self._neuron_values[layer_id] = np.array(array, dtype=np.float64)
            item.neurons.set_values(self._neuron_values.get(layer_id))

    def set_neuron_numbers(self, numbers: Mapping[str, tuple] | None) -> None:
        """What to write on each layer's neurons: ``{layer_id: (main, sub, sub_label)}``.

        ``main`` (shape ``(units,)``) is written inside each circle, ``sub`` under it as
        ``"{sub_label} {value}"`` (e.g. ``z``, or ``target`` on the output at the loss
        stage); either may be None. ``None`` or a missing layer writes the fill values
        (:meth:`set_neuron_values`) inside and nothing under. Shown only when the neurons
        are large enough on screen and :meth:`set_show_numbers` is on (the default).
        """
        numbers = numbers or {}
        for layer_id, item in self._layers.items():
            main, sub, label = numbers.get(layer_id, (None, None, ""))
            item.neurons.set_numbers(main, sub, label)

    def set_edge_values(self, values: Mapping[tuple[str, str], np.ndarray] | None,
                        mode: str = "weights") -> None:
        """Draw connections from these matrices instead of the design's weights.

        ``values`` maps ``(source_id, target_id)`` to an array of shape
        ``(source units, target units)``; ``mode`` one of ``style.EDGE_MODES`` (see there).
        ``None`` goes back to the design's weights (``design.kernel``), which is also
        what happens on the design's next ``weights_changed`` in "weights" mode.

        A running update animation (:meth:`animate_update`) stops: what is drawn now is a
        newer stage's, and the animation's later frames (and its return to the design's
        weights at its end) would draw over it.
        """
        if self._animation is not None:
            animation, self._animation = self._animation, None
            animation.stop()
            animation.deleteLater()
        self._show_edge_values(values, mode)

    def _show_edge_values(self, values, mode: str) -> None:
        if mode not in style.EDGE_MODES:
            raise ValueError(f"mode must be one of {', '.join(style.EDGE_MODES)}, not {mode!r}")
        if values is None:
            self._edge_override = None
            self._edge_mode = "weights"
        else:
            self._edge_override = {(k[0], k[1]): np.asarray(v, dtype=np.float64)
                                   for k, v in values.items()}
            self._edge_mode = mode
        self._refresh_edges()

    def edge_mode(self) -> str:
        """"weights", "gradients" or "gradient_mean": what the connection lines show now."""
        return self._edge_mode

    def _refresh_values(self) -> None:
        for layer_id, item in self._layers.items():
            item.neurons.set_bias(self._design.bias(layer_id) if self.shows_bias(item) else None)
            if layer_id in self._neuron_values:
                item.neurons.set_values(self._neuron_values[layer_id])
        self._refresh_edges()

    def _refresh_edges(self) -> None:
        override = self._edge_override
        for key, bundle in self._bundles.items():
            if override is not None and key in override:
                values = override[key]
            else:
                values = self._design.kernel(*key) if self._edge_mode == "weights" else None
            bundle.set_values(None if key in self.hidden_edges else values, self._edge_mode,
                              repaint=False)
        peak = max((b.max_abs() for b in self._bundles.values()), default=0.0)
        for bundle in self._bundles.values():  # a training frame often moves no line's pen
            bundle.repaint_if_changed(scale=peak)

    def show_stage(self, trace, ids: list[str]) -> None:
        """Write a stage's numbers on the neurons and highlight the layer it computed.

        ``trace`` is a :class:`~nnviz.engine.training.StageTrace`, ``ids`` the chain's layer ids
        (input first). The first sample of the batch is shown: inside each circle the
        value its fill shows, under it ``z`` (forward), the target (output, from the loss
        stage on) or ``a`` (backward, where the fill is ``dL/dz``). The connections are the
        caller's: weights, gradients or an animated update.
        """
        kind, layer = trace.stage.kind, trace.stage.layer
        values = {ids[0]: trace.x[0]}
        numbers = {ids[0]: (trace.x[0], None, "")}
        for m, a in enumerate(trace.a):
            if a is not None:
                z = trace.z[m] if m < len(trace.z) else None
                values[ids[m + 1]] = a[0]
                numbers[ids[m + 1]] = (a[0], None if z is None else z[0], "z")
        if kind in ("loss", "backward", "update") and trace.a and trace.a[-1] is not None:
            numbers[ids[-1]] = (trace.a[-1][0], trace.y[0], "target")
        if kind == "backward":
            for m, dz in enumerate(trace.dZ):
                if dz is not None:
                    values[ids[m + 1]] = dz[0]
                    numbers[ids[m + 1]] = (dz[0], trace.a[m][0], "a")
        self.set_neuron_values(values)
        self.set_neuron_numbers(numbers)
        # The update changes the weights, not the neurons: their numbers are still the
        # forward pass with the old weights, and say so until a forward stage redoes them.
        for m, layer_id in enumerate(ids[1:]):
            item = self._layers.get(layer_id)
            if item is None:
                continue
            if kind == "update":
                item.label.set_note(BEFORE_UPDATE_NOTE)
            elif kind != "forward" or trace.a[m] is not None:
                item.label.set_note("")
        if kind != "update":
            self.set_edge_previous(None)
        if kind in ("forward", "backward"):
            self.highlight_layer(ids[layer + 1])
        elif kind == "loss":
            self.highlight_layer(ids[-1])
        else:
            self.highlight_layer(None)

    def set_edge_previous(self, before) -> None:
        """Label each changed line ``old → new`` (``before``: the weights before the update,
        as :meth:`animate_update` takes them), or plainly again (None)."""
        start = self._as_kernel_map(before) if before is not None else {}
        for key, bundle in self._bundles.items():
            bundle.set_previous(start.get(key))

    def clear_stage_marks(self) -> None:
        """No "before the update" notes, no ``old → new`` labels (no stage shown)."""
        for item in self._layers.values():
            item.label.set_note("")
        self.set_edge_previous(None)

    def highlight_layer(self, layer_id: str | None) -> None:
        """Make one layer glow (the layer the current training stage works on), or none."""
        self._highlighted = layer_id
        for lid, item in self._layers.items():
            item.set_highlight(lid == layer_id)

    # ------------------------------------------------------------ what every neuron sees
    def set_neuron_maps(self, view: dict | None, hidden: bool = False) -> None:
        """Draw each neuron's map (or strip) inside it: ``view`` from ``neuron_views``.

        ``view["layers"]`` holds one array per Dense layer of the design's chain (input
        side first); each becomes one image (:func:`~ui.canvas.neuron_maps.layer_image`).
        ``hidden`` keeps the view but draws nothing (a stage's numbers are on the neurons).
        The same ``view`` object again costs nothing.
        """
        if view is self._maps_view and hidden == self._maps_hidden:
            return
        self._maps_view, self._maps_hidden = view, bool(hidden)
        self._render_maps()

    def set_neuron_maps_visible(self, on: bool) -> None:
        """Show (the default) or hide the neurons' maps (View > Show Neuron Maps)."""
        self._maps_on = bool(on)
        self._render_maps()

    def neuron_maps_visible(self) -> bool:
        """Whether the maps are switched on (they show when a view is also given)."""
        return self._maps_on

    def neuron_map_items(self) -> dict[str, NeuronMapItem]:
        """The map item of each layer that has one ({layer_id: item})."""
        return {k: v for k, v in self._map_items.items()
                if self._layers.get(k) is v.parentItem()}

    def neuron_map(self, layer_id: str, k: int):
        """``(values, view)`` of neuron ``k`` of a layer: its map ``(grid, grid)`` (plane) or
        its activations ``(n,)`` (batch), and the view they come from; None if none."""
        view = self._maps_view
        ids = self._map_layer_ids()
        if view is None or layer_id not in ids:
            return None
        values = view["layers"][ids.index(layer_id)]
        if k >= values.shape[-1]:
            return None
        return values[..., k], view

    def _map_layer_ids(self) -> list[str]:
        try:
            return [spec.id for spec in self._design.chain()[1:]]
        except DesignError:
            return []

    def _render_maps(self) -> None:
        view = self._maps_view
        show = self._maps_on and not self._maps_hidden and view is not None
        ids = self._map_layer_ids() if show else []
        images = {}
        if show and view is not None and len(ids) == len(view["layers"]):
            for layer_id, values in zip(ids, view["layers"]):
                layer = self._layers.get(layer_id)
                if layer is not None and values.shape[-1] == layer.units:
                    images[layer_id] = layer_image(view["kind"], values, self.colors)
        for layer_id, layer in self._layers.items():
            item = self._map_items.get(layer_id)
            if item is None or item.parentItem() is not layer:
                if layer_id not in images:
                    continue
                item = self._map_items[layer_id] = NeuronMapItem(layer)
            item.set_image(images.get(layer_id), view["kind"] if view else "plane")

    # ------------------------------------------------------------ the update, animated
    def animate_update(self, before, after, duration_ms: int = 450) -> QVariantAnimation:
        """Let the lines grow or shrink from ``before`` to ``after`` weights over a moment.

        Both are ``{(source_id, target_id): kernel}`` mappings or lists in the chain's order
        (kernels, or Keras's ``[kernel, bias, kernel, bias, ...]`` as ``model.get_weights()``
        and ``StageTrace.W_before``/``W_after`` give). Each frame shows
        ``W(t) = W_before + t * (W_after - W_before)``, ``t`` from 0 to 1; then the design's
        weights are shown again. Returns the running animation.
        """
        start, end = self._as_kernel_map(before), self._as_kernel_map(after)
        self.set_edge_previous(start)
        keys = [k for k in end if k in start and np.shape(start[k]) == np.shape(end[k])]
        if self._animation is not None:
            self._animation.stop()
            self._animation.deleteLater()
        animation = QVariantAnimation(self)
        animation.setStartValue(0.0)
        animation.setEndValue(1.0)
        animation.setDuration(int(duration_ms))

        def frame(t) -> None:
            t = float(t)
            self._show_edge_values({k: start[k] + t * (end[k] - start[k]) for k in keys},
                                   "weights")

        animation.valueChanged.connect(frame)
        animation.finished.connect(lambda: self.set_edge_values(None))
        self._animation = animation
        frame(0.0)
        animation.start()
        return animation

    def _as_kernel_map(self, weights) -> dict[tuple[str, str], np.ndarray]:
        if isinstance(weights, Mapping):
            return {tuple(k): np.asarray(v, dtype=np.float64) for k, v in weights.items()}
        arrays = [np.asarray(w, dtype=np.float64) for w in weights]
        try:
            chain = self._design.chain()
        except DesignError:
            # The design was just edited into something that is no chain (its problems are
            # on the canvas already): chain-ordered weights have no connections to go to.
            return {}
        pairs = [(a.id, b.id) for a, b in zip(chain[:-1], chain[1:])]
        if len(arrays) == 2 * len(pairs) and all(a.ndim == 1 for a in arrays[1::2]):
            arrays = arrays[0::2]  # Keras order: kernel, bias, kernel, bias, ...
        return dict(zip(pairs, arrays))
