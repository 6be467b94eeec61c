"""What the pointer does on the canvas: hit testing, tooltips, selection, the keys,
and wiring a connection by dragging from a port (a part of :class:`CanvasScene`).

The gestures end in the design's commands (one undo step each); the scene redraws on
the design's events, as everywhere else."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsPathItem, QToolTip

from nnviz.document.selection import ConnectionSel, LayerSel, NeuronSel, Selection
from nnviz.errors import DesignError
from ui.canvas import style
from ui.canvas.connections import ConnectionBundleItem
from ui.canvas.items import (
    LayerItem,
    LayerLabelItem,
    NeuronItems,
    PortItem,
)

REFUSAL_MS = 2500  # how long a refused wiring's message stays on the canvas
#: Said in a tooltip where a stage's result waits for its reveal (predict, then reveal).
HIDDEN_HINT = "predict it: the next Step reveals it"

if TYPE_CHECKING:
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QGraphicsScene

    from nnviz.document import Design
    from ui.canvas.callouts import ProblemItem

    # For the type checker the mixin is the scene it is part of; at run time CanvasScene
    # puts QGraphicsScene after it.
    _Scene = QGraphicsScene
else:
    _Scene = object


class SceneGestures(_Scene):
    """The pointer's and the keys' part of the canvas scene: a mixin of
    :class:`~ui.canvas.scene.CanvasScene`, which holds the state it reads."""

    if TYPE_CHECKING:  # what CanvasScene holds and does, named for the type checker
        _design: Design
        _layers: dict[str, LayerItem]
        _bundles: dict[tuple[str, str], ConnectionBundleItem]
        _selection: Selection
        _wire: dict | None
        colors: style.CanvasColors
        sig_selection_changed: Signal
        hidden_edges: frozenset
        hidden_biases: frozenset

        def _layout_bubbles(self) -> None: ...
        def show_message(self, message: str, scene_pos: QPointF,
                         error: bool = True) -> ProblemItem: ...

    # ------------------------------------------------------------ hit testing
    def set_view_scale(self, scale: float) -> None:
        """The view's zoom, so that "near a line" means a few pixels at any zoom."""
        self._view_scale = max(float(scale), 1e-6)
        self._hit_tolerance = style.HIT_TOLERANCE_PX / self._view_scale
        for bundle in self._bundles.values():
            bundle.set_hit_tolerance(self._hit_tolerance)
        self._layout_bubbles()

    def _device_transform(self) -> QTransform:
        views = self.views()
        return views[0].viewportTransform() if views else QTransform()

    def _items_at(self, pos: QPointF) -> list:
        return self.items(pos, Qt.ItemSelectionMode.IntersectsItemShape,
                          Qt.SortOrder.DescendingOrder, self._device_transform())

    def describe_at(self, pos: QPointF) -> Selection | PortItem:
        """What is under the scene point ``pos``, in ``sig_selection_changed``'s terms.

        ``NeuronSel``, ``LayerSel``, ``ConnectionSel``, a ``PortItem`` (never selected) or None.
        """
        for item in self._items_at(pos):
            if isinstance(item, PortItem):
                return item
            if isinstance(item, (NeuronItems, LayerLabelItem)):
                item = item.parentItem()
            if isinstance(item, LayerItem):
                k = item.neuron_at(item.mapFromScene(pos))
                return NeuronSel(item.layer_id, k) if k is not None else LayerSel(item.layer_id)
            if isinstance(item, ConnectionBundleItem):
                edge = item.edge_at(item.mapFromScene(pos))
                if edge is not None:
                    return ConnectionSel(item.source_id, item.target_id, int(edge[0]), int(edge[1]))
        return None

    def tooltip_at(self, pos: QPointF) -> str | None:
        """The tooltip for the scene point ``pos``: a neuron's or a line's name and exact value."""
        what = self.describe_at(pos)
        if what is None or isinstance(what, PortItem):
            return None
        if isinstance(what, LayerSel):
            item = self._layers[what.layer]
            name, details = item.label.texts()
            return f"{name}: {details}"
        if isinstance(what, NeuronSel):
            k = what.index
            item = self._layers[what.layer]
            label = item.neurons.name(k)
            lines = [f"{label}: neuron {k + 1} of {item.name}"]
            names = item.neurons.class_names()
            if names:
                lines[0] += f" (class {names[k]})"
            values = item.neurons.values()
            if item.neurons.hidden:  # predict, then reveal: the tooltip keeps the secret too
                lines.append(f"value = ? ({HIDDEN_HINT})")
            if values is not None:
                lines.append(f"value a = {style.format_value(values[k])}")
            # What is written on the neuron, in full (it may be too small to write there).
            main, sub, sub_label = item.neurons.numbers()
            if main is not None and (values is None or main[k] != values[k]):
                lines.append(f"written = {style.format_value(main[k])}")
            if sub is not None:
                lines.append(f"{sub_label or 'under it'} = {style.format_value(sub[k])}")
            bias = item.neurons.bias()
            if what.layer in self.hidden_biases:
                lines.append(f"bias b = ? ({HIDDEN_HINT})")
            if bias is not None:
                lines.append(f"bias b = {style.format_value(bias[k])}")
            return "\n".join(lines)
        src, tgt, i, j = what.source, what.target, what.i, what.j
        bundle = self._bundles[(src, tgt)]
        s_item, t_item = self._layers[src], self._layers[tgt]
        a = f"{style.neuron_prefix(s_item.kind)}{i + 1}"
        b = f"{style.neuron_prefix(t_item.kind)}{j + 1}"
        symbol = style.edge_symbol(bundle.mode())
        value = bundle.value_at(i, j)
        shown = "not set yet (build or train the network)" if value is None else style.format_value(value)
        if (src, tgt) in self.hidden_edges:
            shown = f"? ({HIDDEN_HINT})"
        return f"{symbol}[{a} → {b}] = {shown}\n{s_item.name} → {t_item.name}"

    def helpEvent(self, event) -> None:  # noqa: N802
        text = self.tooltip_at(event.scenePos())
        if text is None:
            super().helpEvent(event)
            return
        QToolTip.showText(event.screenPos(), text, event.widget())
        event.accept()

    # ------------------------------------------------------------ selection
    def _set_selection(self, what: Selection) -> None:
        if what == self._selection:
            return
        self._selection = what
        for key, bundle in self._bundles.items():
            marked = what if isinstance(what, ConnectionSel) and what.key == key else None
            bundle.set_marked_edge((marked.i, marked.j) if marked is not None else None)
        self.sig_selection_changed.emit(what)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        super().mousePressEvent(event)
        if self._wire is not None or event.button() != Qt.MouseButton.LeftButton:
            return
        what = self.describe_at(event.scenePos())
        if isinstance(what, PortItem):
            return
        self._set_selection(what)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        moved = {}
        for layer_id, item in self._layers.items():
            spec = self._design.layer(layer_id)
            pos = item.pos()
            if (pos.x(), pos.y()) != (spec.x, spec.y):
                moved[layer_id] = (pos.x(), pos.y())
        if len(moved) == 1:
            self._design.move_layer(next(iter(moved)), *next(iter(moved.values())))
        elif moved:
            self._design.move_layers(moved)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.delete_selection()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self._wire is not None:
            self._cancel_wire()
            event.accept()
            return
        super().keyPressEvent(event)

    def delete_selection(self) -> None:
        """Remove the selected layers and connections from the design: one undo step."""
        layer_ids = [i.layer_id for i in self.selectedItems() if isinstance(i, LayerItem)]
        doomed = set(layer_ids)
        conns = [b.key for b in self.selectedItems()
                 if isinstance(b, ConnectionBundleItem) and not doomed.intersection(b.key)]
        if layer_ids or conns:
            self._design.remove(layer_ids, conns)

    # ------------------------------------------------------------ wiring
    def begin_wire(self, port: PortItem, pos: QPointF) -> None:
        """Start a wiring drag from ``port`` (called by the port on mouse press)."""
        self._cancel_wire()
        path_item = QGraphicsPathItem()
        path_item.setZValue(style.Z_WIRE_PREVIEW)
        self.addItem(path_item)
        self._wire = {"port": port, "start": port.scenePos(), "item": path_item, "marked": None}
        self.update_wire(pos)

    def _wire_ends(self, pos: QPointF) -> tuple[str | None, str | None, PortItem | None]:
        """(source id, target id, the port to mark) for a wiring drag hovering ``pos``."""
        assert self._wire is not None  # a wiring drag is on
        port: PortItem = self._wire["port"]
        other_layer, other_port = None, None
        for item in self._items_at(pos):
            if isinstance(item, PortItem) and item.layer is not port.layer:
                other_layer, other_port = item.layer, item
                break
            if isinstance(item, (NeuronItems, LayerLabelItem)):
                item = item.parentItem()
            if isinstance(item, LayerItem):
                other_layer = item
                break
        if other_layer is None:
            return None, None, None
        if port.role == "out":
            src, tgt = port.layer.layer_id, other_layer.layer_id
            other_port = other_port or other_layer.in_port
        else:
            src, tgt = other_layer.layer_id, port.layer.layer_id
            other_port = other_port or other_layer.out_port
        return src, tgt, other_port

    def _wire_allowed(self, src: str, tgt: str) -> bool:
        """The design's rules for ``connect``, checked without running the command."""
        if src == tgt or self._design.has_connection(src, tgt):
            return False
        return (self._design.layer(tgt).kind != "input"
                and self._design.layer(src).kind != "output")

    def update_wire(self, pos: QPointF) -> None:
        """Move the wiring drag's rubber-band line to ``pos``; colour it by the target's validity."""
        if self._wire is None:
            return
        start: QPointF = self._wire["start"]
        src, tgt, mark = self._wire_ends(pos)
        state = None if src is None or tgt is None else (
            "ok" if self._wire_allowed(src, tgt) else "bad")
        previous = self._wire["marked"]
        if previous is not None and previous is not mark:
            previous.set_state(None)
        if mark is not None:
            mark.set_state(state)
        self._wire["marked"] = mark
        end = mark.scenePos() if state == "ok" and mark is not None else pos
        path = QPainterPath(start)
        dx = max(abs(end.x() - start.x()) * 0.5, 30.0)
        sign = 1.0 if self._wire["port"].role == "out" else -1.0
        path.cubicTo(start + QPointF(sign * dx, 0), end - QPointF(sign * dx, 0), end)
        color = self.colors.selection if state is None else \
            {"ok": self.colors.ok, "bad": self.colors.error}[state]
        pen = QPen(color, 2.5, Qt.PenStyle.SolidLine if state == "ok" else Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        item: QGraphicsPathItem = self._wire["item"]
        item.setPen(pen)
        item.setPath(path)

    def end_wire(self, pos: QPointF) -> None:
        """Finish a wiring drag at ``pos``: connect, or refuse with a message on the canvas."""
        if self._wire is None:
            return
        src, tgt, _ = self._wire_ends(pos)
        self._cancel_wire()
        if src is None or tgt is None:
            return  # dropped on empty canvas: nothing was asked
        try:
            self._design.connect(src, tgt)
        except DesignError as error:
            self.show_message(str(error), pos)

    def _cancel_wire(self) -> None:
        if self._wire is None:
            return
        if self._wire["marked"] is not None:
            self._wire["marked"].set_state(None)
        self.removeItem(self._wire["item"])
        self._wire = None

    def wiring(self) -> bool:
        """True while a wiring drag is in progress."""
        return self._wire is not None
