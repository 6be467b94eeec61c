"""The canvas's scene: the design document drawn as layer cards and connection bundles.

:class:`CanvasScene` follows the design (``design.events``): a layer added, moved or
changed there appears, moves or changes here; it never edits its items by hand after a
gesture. Gestures become design commands (one undo step each): a drag of layer cards is
recorded on mouse release (``move_layer``/``move_layers``), a drag from an output port to an
input port is ``connect``, Delete is ``remove``.

Engine state is shown through whole-array calls, one per frame (see docs/internals.md):
:meth:`CanvasScene.set_neuron_values`, :meth:`CanvasScene.set_edge_values`,
:meth:`CanvasScene.highlight_layer`, :meth:`CanvasScene.animate_update`,
:meth:`CanvasScene.set_neuron_maps` (what every neuron sees: one image per layer); they
are the scene's :class:`~ui.canvas.frames.SceneFrames` part.
"""
from __future__ import annotations

import math

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from nnviz.document import Design, Problem
from nnviz.document.selection import ConnectionSel, Selection, touches
from nnviz.engine.binary import class_targets
from ui.canvas import style
from ui.canvas.callouts import ProblemItem, layout_bubbles
from ui.canvas.connections import ConnectionBundleItem
from ui.canvas.frames import BEFORE_UPDATE_NOTE, SceneFrames
from ui.canvas.gestures import REFUSAL_MS, SceneGestures
from ui.canvas.hiding import SceneHiding
from ui.canvas.items import (
    SHADOW_MARGINS,
    LayerItem,
)
from ui.canvas.neuron_maps import NeuronMapItem
from ui.errors import guarded
from ui.theme import class_color

__all__ = ["CanvasScene", "BEFORE_UPDATE_NOTE"]


class CanvasScene(SceneFrames, SceneHiding, SceneGestures, QGraphicsScene):
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
        self._output_loss: str | None = None  # the run's loss (a one-unit output's targets)
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

    def overhang_px(self, rect: QRectF, scale: float) -> tuple[float, float]:
        """How far (screen pixels) the cards' size lines, drawn at screen size, reach past
        ``rect``'s left and right edges when the view draws the scene at ``scale``."""
        left = right = 0.0
        for item in self._layers.values():
            half = item.stats.boundingRect().width() / 2
            if not half:
                continue
            x = item.stats.scenePos().x()  # the line is centred under its card
            left = max(left, half - (x - rect.left()) * scale)
            right = max(right, half - (rect.right() - x) * scale)
        return left, right

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
            item.set_text_scale(self._label_scale)
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

    # ------------------------------------------------------------ labels and type size
    def set_label_scale(self, factor: float) -> None:
        """Scale the layers' names and details (presentation mode: larger type).

        The weight labels on the lines grow by the same factor.
        """
        self._label_scale = float(factor)
        for item in self._layers.values():
            item.set_text_scale(self._label_scale)
        for bundle in self._bundles.values():
            bundle.set_label_scale(self._label_scale)

    def set_output_labels(self, names: list[str] | None, loss: str | None = None) -> None:
        """Write the class names beside the output layer's neurons (one per unit), or none,
        and mark each of them with its class's colour (:data:`ui.theme.CLASS_COLORS`).

        The presenter gives the data set's ``class_names`` at every new run; names that
        do not match the output layer's units are not shown, nor names that only number
        the classes ("class 0", "class 1": the neurons' own names say as much). A one-unit
        output of two classes (sigmoid, tanh) gets one line saying which value is which
        class under ``loss`` ("1 = inner, 0 = outer").
        """
        self._output_loss = loss
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
        names = self._output_labels if output else None
        if names is not None and len(names) == 2 and item.units == 1:
            targets = class_targets(item.activation, self._output_loss)
            names = None if targets is None else [
                f"{_target(targets[1])} = {names[1]}, {_target(targets[0])} = {names[0]}"]
        item.neurons.set_class_names(names)
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


def _target(value: float) -> str:
    """A target as the one-unit label writes it: ``1``, ``0``, ``−1`` (a true minus)."""
    return f"{value:g}".replace("-", "\u2212")
