"""The canvas's scene: the design document drawn as layer cards and connection bundles.

:class:`CanvasScene` follows the design (``design.events``): a layer added, moved or
changed there appears, moves or changes here; it never edits its items by hand after a
gesture. Gestures become design commands (one undo step each): a drag of layer cards is
recorded on mouse release (``move_layer``/``move_layers``), a drag from an output port to an
input port is ``connect``, Delete is ``remove``.

Engine state is shown through whole-array calls, one per frame (see docs/internals.md):
:meth:`CanvasScene.set_neuron_values`, :meth:`CanvasScene.set_edge_values`,
:meth:`CanvasScene.highlight_layer`, :meth:`CanvasScene.animate_update`,
:meth:`CanvasScene.set_neuron_maps` (what every neuron sees: one image per layer).
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from nnviz.document import Design, Problem
from nnviz.document.selection import ConnectionSel, Selection, touches
from nnviz.errors import DesignError
from ui.canvas import style
from ui.canvas.callouts import ProblemItem, layout_bubbles
from ui.canvas.connections import ConnectionBundleItem
from ui.canvas.gestures import REFUSAL_MS, SceneGestures
from ui.canvas.hiding import SceneHiding
from ui.canvas.items import (
    SHADOW_MARGINS,
    LayerItem,
)
from ui.canvas.neuron_maps import NeuronMapItem, layer_image
from ui.errors import guarded
from ui.theme import class_color

#: Over each layer at the update stage: its numbers are the forward pass's, old weights.
BEFORE_UPDATE_NOTE = "numbers: before the update"


class CanvasScene(SceneHiding, SceneGestures, QGraphicsScene):
    """The design drawn as a graph: layers, their neurons, and every connection.

    ``sig_selection_changed(object)`` says what the user clicked, a
    :data:`nnviz.document.selection.Selection`: ``None``, ``LayerSel(layer)``,
    ``NeuronSel(layer, index)`` or ``ConnectionSel(source, target, i, j)``.
    ``sig_problems_changed(list)`` gives :meth:`Design.validate`'s problems after every
    change of the design (the window shows them in its status bar); ``sig_message(str)``
    a one-off message such as why a connection was refused.
    """

    sig_selection_changed = Signal(object)
    sig_problems_changed = Signal(list)
    sig_message = Signal(str)

    def __init__(self, design: Design, parent=None, dark: bool = False):
        super().__init__(parent)
        self._design = design
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.colors = style.colors_for(dark)
        self._layers: dict[str, LayerItem] = {}
        self._bundles: dict[tuple[str, str], ConnectionBundleItem] = {}
        self._neuron_values: dict[str, np.ndarray] = {}
        self._edge_override: dict[tuple[str, str], np.ndarray] | None = None
        self._edge_mode = "weights"
        self._highlighted: str | None = None
        # Numbers on neurons are on: they appear only where a neuron is large on screen
        # (a lecture-size net at fit), so big nets stay uncluttered.
        self._show_numbers = True
        self._label_scale = 1.0
        self._selection: Selection = None
        self._problems: list[Problem] = []
        self._problem_items: list[ProblemItem] = []
        self._wire: dict | None = None
        self._animation: QVariantAnimation | None = None
        self._hit_tolerance = style.HIT_TOLERANCE_PX
        self._output_labels: list[str] | None = None
        self._input_labels: list[str] | None = None
        self._output_classes = 0  # the data set's class count (0: not a classification)
        self._show_weight_labels = False
        self._view_scale = 1.0
        self._bubble_depth = 0.0
        self.last_message: str | None = None
        self._maps_view: dict | None = None
        self._maps_hidden = False
        self._maps_on = True
        self._map_items: dict[str, NeuronMapItem] = {}
        ev = design.events
        ev.layer_added.connect(self._on_design_layer_added)
        ev.layer_removed.connect(self._on_design_layer_removed)
        ev.layer_changed.connect(self._on_design_layer_changed)
        ev.layer_moved.connect(self._on_design_layer_moved)
        ev.connection_added.connect(self._on_design_connection_added)
        ev.connection_removed.connect(self._on_design_connection_removed)
        ev.weights_changed.connect(self._on_design_weights_changed)
        ev.reset.connect(self._on_design_reset)
        self._rebuild()

    def detach(self) -> None:
        """Stop following the design (call before dropping the scene while the design lives)."""
        ev = self._design.events
        for signal, slot in (
            (ev.layer_added, self._on_design_layer_added),
            (ev.layer_removed, self._on_design_layer_removed),
            (ev.layer_changed, self._on_design_layer_changed),
            (ev.layer_moved, self._on_design_layer_moved),
            (ev.connection_added, self._on_design_connection_added),
            (ev.connection_removed, self._on_design_connection_removed),
            (ev.weights_changed, self._on_design_weights_changed),
            (ev.reset, self._on_design_reset),
        ):
            signal.disconnect(slot)

    # ------------------------------------------------------------ reading
    @property
    def design(self) -> Design:
        """The design document this scene draws."""
        return self._design

    def layer_item(self, layer_id: str) -> LayerItem:
        """The card of a layer."""
        return self._layers[layer_id]

    def layer_items(self) -> list[LayerItem]:
        """Every layer card, in the design's order."""
        return list(self._layers.values())

    def bundle_item(self, source_id: str, target_id: str) -> ConnectionBundleItem:
        """The item drawing the connection from ``source_id`` to ``target_id``."""
        return self._bundles[(source_id, target_id)]

    def bundle_items(self) -> list[ConnectionBundleItem]:
        """Every connection item."""
        return list(self._bundles.values())

    def problems(self) -> list[Problem]:
        """The design's current validation problems (as shown on the canvas)."""
        return list(self._problems)

    def selection(self) -> Selection:
        """What was last clicked, as emitted by ``sig_selection_changed``."""
        return self._selection

    def content_rect(self) -> QRectF:
        """The scene rectangle holding every layer card and connection (empty if none)."""
        rect = QRectF()
        for item in self._layers.values():
            card = item.sceneBoundingRect()
            extent = item.neurons.names_extent()
            before = item.neurons.left_extent()  # an input layer's feature names
            if extent or before:
                # The class names reach ``extent`` past the card's edge (not past its
                # shadow's margin, which the bounding rect adds).
                # The card itself is its (guarded) bounding rect less the shadow's margin.
                left, top, right, bottom = SHADOW_MARGINS
                edge = card.adjusted(-left, -top, -right, -bottom)
                card = card.united(edge.adjusted(-before, 0, extent, 0))
            rect = rect.united(card)
        for bundle in self._bundles.values():
            rect = rect.united(bundle.sceneBoundingRect())
        return rect

    # ------------------------------------------------------------ building from the design
    def _rebuild(self) -> None:
        self._cancel_wire()
        for bundle in list(self._bundles.values()):
            self.removeItem(bundle)
        for item in list(self._layers.values()):
            self.removeItem(item)
        self._bundles.clear()
        self._layers.clear()
        self._neuron_values.clear()
        for spec in self._design.layers:
            self._add_layer_item(spec)
        for conn in self._design.connections:
            self._add_bundle(conn.source, conn.target)
        self._refresh_values()
        self._refresh_problems()
        self._set_selection(None)

    def _add_layer_item(self, spec) -> LayerItem:
        item = LayerItem(spec, self.colors, on_moved=self._on_item_moved)
        self._layers[spec.id] = item
        self.addItem(item)
        item.neurons.set_show_numbers(self._show_numbers)
        self._label_output(item)
        if self._label_scale != 1.0:
            item.label.set_text_scale(self._label_scale)
            item.neurons.set_condensed(self._label_scale > 1.0)
        return item

    def _add_bundle(self, source_id: str, target_id: str) -> ConnectionBundleItem:
        bundle = ConnectionBundleItem(source_id, target_id, self.colors)
        bundle.set_hit_tolerance(self._hit_tolerance)
        bundle.set_show_labels(self._show_weight_labels)
        bundle.set_label_scale(self._label_scale)
        self._bundles[(source_id, target_id)] = bundle
        self.addItem(bundle)
        self._place_bundle(bundle)
        return bundle

    def _place_bundle(self, bundle: ConnectionBundleItem) -> None:
        src = self._layers.get(bundle.source_id)
        tgt = self._layers.get(bundle.target_id)
        if src is None or tgt is None:
            return
        half = style.CARD_WIDTH / 2
        if tgt.pos().x() >= src.pos().x():
            x0, x1 = src.pos().x() + half, tgt.pos().x() - half
        else:  # wired backwards: leave from the source's left edge
            x0, x1 = src.pos().x() - half, tgt.pos().x() + half
        bundle.set_geometry(x0, src.neuron_scene_y(), x1, tgt.neuron_scene_y())

    def _bundles_of(self, layer_id: str) -> list[ConnectionBundleItem]:
        return [b for k, b in self._bundles.items() if layer_id in k]

    # ------------------------------------------------------------ design events
    def _on_design_layer_added(self, layer_id: str) -> None:
        self._add_layer_item(self._design.layer(layer_id))
        self._refresh_values()
        self._refresh_problems()

    def _on_design_layer_removed(self, layer_id: str) -> None:
        for bundle in self._bundles_of(layer_id):
            self._remove_bundle(bundle.key)
        item = self._layers.pop(layer_id, None)
        if item is not None:
            self.removeItem(item)
        self._neuron_values.pop(layer_id, None)
        self._map_items.pop(layer_id, None)
        if self._highlighted == layer_id:
            self._highlighted = None
        if touches(self._selection, layer_id):
            self._set_selection(None)
        self._refresh_problems()

    def _on_design_layer_changed(self, layer_id: str) -> None:
        item = self._layers[layer_id]
        item.sync(self._design.layer(layer_id))
        if layer_id in self._map_items:
            self._map_items[layer_id].set_image(None)  # drawn for the old unit count
        self._label_output(item)
        for bundle in self._bundles_of(layer_id):
            self._place_bundle(bundle)
        self._refresh_values()
        self._refresh_problems()

    def _on_design_layer_moved(self, layer_id: str) -> None:
        spec = self._design.layer(layer_id)
        self._layers[layer_id].set_design_pos(spec.x, spec.y)

    def _on_design_connection_added(self, source_id: str, target_id: str) -> None:
        self._add_bundle(source_id, target_id)
        self._refresh_values()
        self._refresh_problems()

    def _on_design_connection_removed(self, source_id: str, target_id: str) -> None:
        self._remove_bundle((source_id, target_id))
        self._refresh_problems()

    def _remove_bundle(self, key: tuple[str, str]) -> None:
        bundle = self._bundles.pop(key, None)
        if bundle is not None:
            self.removeItem(bundle)
            sel = self._selection
            if isinstance(sel, ConnectionSel) and sel.key == key:
                self._set_selection(None)

    def _on_design_weights_changed(self) -> None:
        if self._edge_mode == "weights":
            self._edge_override = None  # fresh weights in the document win over a preview
        self._refresh_values()

    def _on_design_reset(self) -> None:
        self._edge_override = None
        self._edge_mode = "weights"
        self._rebuild()

    def _on_item_moved(self, item: LayerItem) -> None:
        # Live, while dragging: the lines follow the card (the design learns on release).
        if self._layers.get(item.layer_id) is not item:
            return
        for bundle in self._bundles_of(item.layer_id):
            self._place_bundle(bundle)
        if any(bubble.layer is item for bubble in self._problem_items):
            self._layout_bubbles()  # its message goes with it

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
        """
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

    def set_label_scale(self, factor: float) -> None:
        """Scale the layers' names and details (presentation mode: larger type).

        The weight labels on the lines grow by the same factor.
        """
        self._label_scale = float(factor)
        for item in self._layers.values():
            item.label.set_text_scale(self._label_scale)
            # Larger labels mean presentation mode: the neurons' numbers condensed, taller.
            item.neurons.set_condensed(self._label_scale > 1.0)
        for bundle in self._bundles.values():
            bundle.set_label_scale(self._label_scale)

    def set_output_labels(self, names: list[str] | None) -> None:
        """Write the class names beside the output layer's neurons (one per unit), or none,
        and mark each of them with its class's colour (:data:`ui.theme.CLASS_COLORS`).

        The presenter gives the data set's ``class_names`` at every new run; names that
        do not match the output layer's units are not shown, nor names that only number
        the classes ("class 0", "class 1": the neurons' own names say as much).
        """
        names = [str(n) for n in names] if names else None
        # Every class gets its colour mark, named or only numbered.
        self._output_classes = len(names) if names else 0
        if names and all(n == f"class {k}" for k, n in enumerate(names)):
            names = None
        self._output_labels = names
        for item in self._layers.values():
            self._label_output(item)

    def _label_output(self, item: LayerItem) -> None:
        """Give an output layer's neurons their class names and class colours (others none),
        an input layer's its feature names."""
        item.neurons.set_names(self._input_labels if item.kind == "input" else None)
        output = item.kind == "output"
        item.neurons.set_class_names(self._output_labels if output else None)
        item.neurons.set_class_colors([class_color(k) for k in range(self._output_classes)]
                                      if output and self._output_classes else None)

    def set_input_labels(self, names: list[str] | None) -> None:
        """Name the input layer's neurons by the data set's inputs (x1, x2, x1², sin x1: the
        presenter gives them when the data set has feature crosses), or None for x1, x2, ..."""
        self._input_labels = [str(n) for n in names] if names else None
        for item in self._layers.values():
            item.neurons.set_names(self._input_labels if item.kind == "input" else None)

    def output_labels(self) -> list[str] | None:
        """The class names given by :meth:`set_output_labels`, or None."""
        return list(self._output_labels) if self._output_labels else None

    def set_show_weight_labels(self, on: bool) -> None:
        """Write each connection's number on its line (View > Show Weight Values).

        The weight, or ``dL/dw`` while the lines show gradients; a layer pair with too
        many lines to label shows one note instead (see :class:`ConnectionBundleItem`).
        """
        self._show_weight_labels = bool(on)
        for bundle in self._bundles.values():
            bundle.set_show_labels(self._show_weight_labels)

    def show_weight_labels(self) -> bool:
        """Whether the connections' numbers are written on the lines."""
        return self._show_weight_labels

    def label_scale(self) -> float:
        """The factor of :meth:`set_label_scale` (1.0 = normal)."""
        return self._label_scale

    def set_show_numbers(self, on: bool) -> None:
        """Write each neuron's value inside its circle when zoomed in far enough."""
        self._show_numbers = bool(on)
        for item in self._layers.values():
            item.neurons.set_show_numbers(self._show_numbers)

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

    def set_theme(self, dark: bool) -> None:
        """Repaint with the dark (``True``) or light theme's colours."""
        self.colors = style.colors_for(dark)
        self._render_maps()
        for item in self._layers.values():
            item.set_colors(self.colors)
        for bundle in self._bundles.values():
            bundle.set_colors(self.colors)
        self._refresh_problems()
        self.invalidate(QRectF(), QGraphicsScene.SceneLayer.BackgroundLayer)
        self.update()

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
        animation = QVariantAnimation(self)
        animation.setStartValue(0.0)
        animation.setEndValue(1.0)
        animation.setDuration(int(duration_ms))

        def frame(t) -> None:
            t = float(t)
            self.set_edge_values({k: start[k] + t * (end[k] - start[k]) for k in keys})

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

    # ------------------------------------------------------------ problems
    def _refresh_problems(self) -> None:
        for item in self._problem_items:
            # A bubble may be gone already (deleted, or out of this scene when the scene
            # was cleared): it must not be removed again.
            if shiboken6.isValid(item) and item.scene() is self:
                self.removeItem(item)
        self._problem_items = []
        self._problems = self._design.validate()
        by_layer: dict[str | None, list[str]] = {}
        for problem in self._problems:
            key = problem.layer_id if problem.layer_id in self._layers else None
            by_layer.setdefault(key, []).append(problem.message)
        for layer_id, messages in by_layer.items():
            bubble = ProblemItem("\n".join(messages), self.colors)
            if layer_id is None:
                rect = self.content_rect()
                corner = rect.bottomLeft() + QPointF(0, 40) if not rect.isEmpty() else QPointF(0, 0)
                bubble.setPos(corner)
            else:
                # A bubble is a scene item of its own, not a child of its card: a child
                # stacks only among its card's children, so the next card (or a selected
                # one) was drawn over it. _layout_bubbles keeps it under its card.
                bubble.layer = self._layers[layer_id]
            self.addItem(bubble)
            self._problem_items.append(bubble)
        self._layout_bubbles()
        self.sig_problems_changed.emit(list(self._problems))

    def _layout_bubbles(self) -> None:
        """Move the layers' message bubbles apart so that none covers another (see
        :func:`ui.canvas.callouts.layout_bubbles`)."""
        self._bubble_depth = layout_bubbles(self._problem_items, self._layers.values(),
                                            self._view_scale)

    def bubble_depth(self) -> float:
        """How far (screen pixels) the message bubbles reach below the cards they are under."""
        return self._bubble_depth if self._problem_items else 0.0

    def set_item_caching(self, on: bool) -> None:
        """Let layer cards, labels and ports keep cached pixmaps (on) or paint afresh (off,
        for SVG)."""
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if on else QGraphicsItem.CacheMode.NoCache
        for item in self._layers.values():
            for part in (item, item.label, item.stats, item.in_port, item.out_port):
                part.setCacheMode(mode)

    def problem_items(self) -> list[ProblemItem]:
        """The message bubbles on the canvas (one per layer with problems)."""
        return list(self._problem_items)

    def show_message(self, message: str, scene_pos: QPointF, error: bool = True) -> ProblemItem:
        """Show a short-lived message bubble at ``scene_pos`` and emit ``sig_message``."""
        bubble = ProblemItem(message, self.colors, error=error)
        bubble.setPos(scene_pos + QPointF(8, 8))
        self.addItem(bubble)
        self.last_message = message
        self.sig_message.emit(message)

        def drop() -> None:
            if bubble.scene() is self:
                self.removeItem(bubble)

        QTimer.singleShot(REFUSAL_MS, self, drop)
        return bubble

    # ------------------------------------------------------------ background
    @guarded()
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """A soft neutral background with a faint grid that thins out when zoomed out."""
        painter.fillRect(rect, self.colors.background)
        t = painter.worldTransform()
        scale = math.hypot(t.m11(), t.m12()) or 1.0
        step = style.GRID_STEP
        while step * scale < 18:
            step *= 2
        # Thin filled rectangles, not lines: the raster engine fills them on its fastest path.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        width = 1.0 / scale
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        grid = self.colors.grid
        for x in np.arange(left, rect.right() + step, step).tolist():
            painter.fillRect(QRectF(x, rect.top(), width, rect.height()), grid)
        for y in np.arange(top, rect.bottom() + step, step).tolist():
            painter.fillRect(QRectF(rect.left(), y, rect.width(), width), grid)
