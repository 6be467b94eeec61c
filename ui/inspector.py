"""The inspector dock: the numbers of whatever is selected on the canvas, editable.

* a **layer**: its name, number of units, activation function and weight initializer;
* a **neuron**: its bias ``b``, and for the current sample its weighted sum
  ``z = sum_i w_i x_i + b`` and activation ``a = f(z)``;
* a **connection** (one weight ``w_ij`` from neuron ``i`` to neuron ``j``): the weight,
  which a lecturer can type in to show what happens, and its gradient ``dL/dw`` once
  back-propagation has computed one.

Every edit goes through a design command (so Ctrl+Z takes it back). When the document
changes, the widgets are refreshed under a ``QSignalBlocker`` so the refresh does not
echo back as another edit.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.document import Design
from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.document.selection import ConnectionSel, LayerSel, NeuronSel, Selection
from nnviz.engine import activations, initializers
from nnviz.errors import DesignError
from nnviz.limits import MAX_UNITS
from ui.canvas.style import neuron_prefix

WEIGHT_RANGE = 1e6
DECIMALS = 4


def _no_growth(widget: QWidget) -> QWidget:
    """Let ``widget`` take the width the dock has instead of asking for its text's width.

    A long heading or number must never widen the dock (and narrow the canvas) when
    something is clicked: the text wraps instead.
    """
    policy = widget.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    widget.setSizePolicy(policy)
    widget.setMinimumWidth(0)
    return widget


def _heading(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # holds layer names from files: never HTML
    label.setProperty("role", "heading")
    label.setWordWrap(True)
    _no_growth(label)
    return label


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    _no_growth(label)
    return label


def _value_label() -> QLabel:
    label = QLabel("—")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setProperty("role", "value")
    label.setWordWrap(True)
    _no_growth(label)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _number_box(object_name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setObjectName(object_name)
    box.setRange(-WEIGHT_RANGE, WEIGHT_RANGE)
    box.setDecimals(DECIMALS)
    box.setSingleStep(0.1)
    # One edit = one undo step: commit on Enter/focus-out/arrow, not on every keystroke.
    box.setKeyboardTracking(False)
    box.setAccelerated(True)
    return box


def _mask(box: QDoubleSpinBox, hidden: bool) -> None:
    """Predict, then reveal: a number box shows "?" (its value not set in it) until revealed."""
    box.setSpecialValueText("?" if hidden else "")
    if hidden:
        with QSignalBlocker(box):
            box.setValue(box.minimum())  # the special text shows at the minimum
        box.setEnabled(False)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 6, 0, 0)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(8)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    # A narrow dock puts the labels above their fields rather than growing.
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


def _fmt(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.{DECIMALS}f}"


class InspectorDock(QDockWidget):
    """The dock (``objectName`` "inspector") showing and editing the selected item.

    ``set_selection(selection)`` takes what ``scene.sig_selection_changed`` emits, a
    :data:`nnviz.document.selection.Selection`: ``None``, ``LayerSel``, ``NeuronSel`` or ``ConnectionSel``.
    ``show_values(z, a)`` gives it the latest forward pass (dicts layer id -> array of
    shape ``(units,)`` or ``(batch, units)``; the first sample is shown).
    """

    sig_message = Signal(str)
    """A short message for the status bar (an edit the design refused)."""
    sig_open_matrix = Signal(str)
    """The "Weight matrix…" button: open the layer's weight matrix (ui.weight_matrix)."""

    def __init__(self, design: Design, parent: QWidget | None = None):
        super().__init__("Inspector", parent)
        self.setObjectName("inspector")
        self.design = design
        self.selection: Selection = None
        self._z: dict = {}
        self._a: dict = {}
        self._grad: dict = {}
        self._hidden: tuple[frozenset, frozenset] = (frozenset(), frozenset())

        self._stack = QStackedWidget()
        self._stack.addWidget(self._build_empty_page())
        self._stack.addWidget(self._build_layer_page())
        self._stack.addWidget(self._build_neuron_page())
        self._stack.addWidget(self._build_connection_page())
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addWidget(self._stack)
        layout.addStretch(1)
        self._body = layout
        # In a scroll area that never scrolls sideways: whatever a page shows, the dock
        # keeps its width (the widths of the fields below are not asked of it either).
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)
        for field in (self.name_edit, self.units_spin, self.activation_combo,
                      self.initializer_combo, self.bias_spin, self.weight_spin):
            _no_growth(field)
            field.setMinimumWidth(64)
        for combo in (self.activation_combo, self.initializer_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)

        events = design.events
        events.layer_changed.connect(self._on_design_changed)
        events.layer_removed.connect(self._on_design_changed)
        events.connection_removed.connect(self._on_design_changed)
        events.weights_changed.connect(self._on_design_changed)
        events.reset.connect(self._on_design_reset)

    # --- pages --------------------------------------------------------------------
    def _build_empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_heading("Nothing selected"))
        layout.addWidget(_hint("Click a layer, a neuron or a connection on the canvas "
                               "to see and edit its numbers."))
        layout.addStretch(1)
        return page

    def _build_layer_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._layer_heading = _heading()
        layout.addWidget(self._layer_heading)
        form = _form()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("layerName")
        self.name_edit.editingFinished.connect(self._on_name_edited)
        self.units_spin = QSpinBox()
        self.units_spin.setObjectName("layerUnits")
        self.units_spin.setRange(1, MAX_UNITS)
        self.units_spin.setKeyboardTracking(False)
        self.units_spin.valueChanged.connect(self._on_units_edited)
        self.activation_combo = QComboBox()
        self.activation_combo.setObjectName("layerActivation")
        # The item text is the Keras name (what a script writes); the tooltip its label and
        # formula, all from the activation registry.
        for name, label in activations.choices():
            self.activation_combo.addItem(name)
            formula = activations.ACTIVATIONS[name].formula
            self.activation_combo.setItemData(self.activation_combo.count() - 1,
                                              f"{label}: {formula}", Qt.ItemDataRole.ToolTipRole)
        self.activation_combo.activated.connect(self._on_activation_edited)
        self.initializer_combo = QComboBox()
        self.initializer_combo.setObjectName("layerInitializer")
        self.initializer_combo.addItems(initializers.names())
        self.initializer_combo.activated.connect(self._on_initializer_edited)
        form.addRow("Name", self.name_edit)
        form.addRow("Units", self.units_spin)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Initializer", self.initializer_combo)
        self._params_label = _value_label()
        form.addRow("Parameters", self._params_label)
        layout.addLayout(form)
        self._layer_hint = _hint("")
        layout.addWidget(self._layer_hint)
        self.matrix_button = QPushButton("Weight matrix…", objectName="weightMatrixButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.matrix_button.setToolTip("This layer's weights and biases as a table that edits "
                                      "and copies/pastes CSV (Ctrl+M)")
        self.matrix_button.clicked.connect(
            lambda: self.sig_open_matrix.emit(self._selected_layer() or ""))
        layout.addWidget(self.matrix_button)
        layout.addStretch(1)
        return page

    def _build_neuron_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._neuron_heading = _heading()
        layout.addWidget(self._neuron_heading)
        form = _form()
        self.bias_spin = _number_box("neuronBias")
        self.bias_spin.valueChanged.connect(self._on_bias_edited)
        self._z_label = _value_label()
        self._z_label.setObjectName("neuronWeightedSum")
        self._a_label = _value_label()
        self._a_label.setObjectName("neuronActivation")
        form.addRow("Bias b", self.bias_spin)
        form.addRow("Weighted sum z", self._z_label)
        form.addRow("Activation a", self._a_label)
        layout.addLayout(form)
        self._neuron_hint = _hint("")
        layout.addWidget(self._neuron_hint)
        layout.addStretch(1)
        return page

    def _build_connection_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._connection_heading = _heading()
        layout.addWidget(self._connection_heading)
        self._connection_from = _hint("")
        self._connection_from.setObjectName("connectionEnds")
        layout.addWidget(self._connection_from)
        form = _form()
        self.weight_spin = _number_box("connectionWeight")
        self.weight_spin.valueChanged.connect(self._on_weight_edited)
        self._grad_label = _value_label()
        self._grad_label.setObjectName("connectionGradient")
        form.addRow("Weight w", self.weight_spin)
        form.addRow("Gradient dL/dw", self._grad_label)
        layout.addLayout(form)
        self._connection_hint = _hint("")
        layout.addWidget(self._connection_hint)
        layout.addStretch(1)
        return page

    # --- public -------------------------------------------------------------------
    def add_section(self, widget: QWidget) -> None:
        """Show ``widget`` above the selection's page, whatever is selected (the network
        analysis of :mod:`ui.analysis_view`)."""
        self._body.insertWidget(0, widget)

    def set_selection(self, selection: Selection) -> None:
        """Show ``selection`` (what ``scene.sig_selection_changed`` emits)."""
        self.selection = selection
        self.refresh()

    def show_values(self, z: dict | None = None, a: dict | None = None,
                    gradients: dict | None = None) -> None:
        """Take the latest forward/backward numbers to show for the selected neuron/connection.

        ``z`` and ``a`` map layer ids to weighted sums and activations; ``gradients`` maps
        ``(source_id, target_id)`` to ``dL/dW`` of shape ``(source.units, target.units)``.
        """
        self._z = dict(z or {})
        self._a = dict(a or {})
        self._grad = dict(gradients or {})
        self.refresh()

    def set_hidden(self, edges=(), biases=()) -> None:
        """Predict, then reveal: the weights of ``edges`` (``(source, target)`` pairs) and
        the biases of the layers ``biases`` show "?" until the next Step reveals them."""
        wanted = (frozenset(edges), frozenset(biases))
        if wanted != self._hidden:
            self._hidden = wanted
            self.refresh()

    def refresh(self) -> None:
        """Re-read everything shown from the design (and the latest values)."""
        sel = self.selection
        if sel is not None and not self._selection_exists(sel):
            self.selection = sel = None
        if sel is None:
            self._stack.setCurrentIndex(0)
        elif isinstance(sel, LayerSel):
            self._show_layer(sel.layer)
            self._stack.setCurrentIndex(1)
        elif isinstance(sel, NeuronSel):
            self._show_neuron(sel.layer, sel.index)
            self._stack.setCurrentIndex(2)
        elif isinstance(sel, ConnectionSel):
            self._show_connection(sel.source, sel.target, sel.i, sel.j)
            self._stack.setCurrentIndex(3)

    # --- showing ------------------------------------------------------------------
    def _selection_exists(self, sel: Selection) -> bool:
        ids = {layer.id for layer in self.design.layers}
        if isinstance(sel, LayerSel):
            return sel.layer in ids
        if isinstance(sel, NeuronSel):
            return sel.layer in ids and sel.index < self.design.layer(sel.layer).units
        if isinstance(sel, ConnectionSel):
            wired = any((c.source, c.target) == sel.key for c in self.design.connections)
            return (wired and sel.i < self.design.layer(sel.source).units
                    and sel.j < self.design.layer(sel.target).units)
        return False

    def _selected_layer(self) -> str | None:
        """The selected layer's id when a whole layer is selected (its fields are shown)."""
        return self.selection.layer if isinstance(self.selection, LayerSel) else None

    def _show_layer(self, layer_id: str) -> None:
        spec = self.design.layer(layer_id)
        kind = LAYER_KINDS.get(spec.kind)
        self._layer_heading.setText(kind.label if kind else "Layer")
        is_input = spec.kind == "input"
        with QSignalBlocker(self.name_edit):
            self.name_edit.setText(spec.name)
        with QSignalBlocker(self.units_spin):
            self.units_spin.setValue(spec.units)
        with QSignalBlocker(self.activation_combo):
            self.activation_combo.setCurrentText(spec.activation or "linear")
        with QSignalBlocker(self.initializer_combo):
            self.initializer_combo.setCurrentText(spec.initializer or "")
        self.activation_combo.setEnabled(not is_input)
        self.initializer_combo.setEnabled(not is_input)
        self.matrix_button.setEnabled(not is_input)
        incoming = sum(self.design.layer(c.source).units
                       for c in self.design.connections if c.target == layer_id)
        params = 0 if is_input else incoming * spec.units + spec.units
        self._params_label.setText(f"{params}  (weights + biases)" if not is_input else "0")
        self._layer_hint.setText(
            "One neuron per input feature; an input layer only passes values on."
            if is_input else
            f"Each neuron computes z = Σ wᵢxᵢ + b over its {incoming} inputs, "
            f"then a = {spec.activation}(z).")

    def _show_neuron(self, layer_id: str, j: int) -> None:
        spec = self.design.layer(layer_id)
        self._neuron_heading.setText(f"Neuron {j + 1} of {spec.name}")
        bias = self.design.bias(layer_id) if spec.kind != "input" else None
        with QSignalBlocker(self.bias_spin):
            self.bias_spin.setValue(float(bias[j]) if bias is not None else 0.0)
        self.bias_spin.setEnabled(bias is not None)
        _mask(self.bias_spin, layer_id in self._hidden[1])
        z = self._pick(self._z.get(layer_id), j)
        a = self._pick(self._a.get(layer_id), j)
        self._z_label.setText(_fmt(z))
        self._a_label.setText(_fmt(a))
        if spec.kind == "input":
            hint = "An input neuron holds one feature of the sample; it has no bias."
        elif bias is None:
            hint = "Its weights and bias appear once the network is built (Next step or Reset)."
        elif z is None:
            hint = "Press Next step to see its weighted sum and activation for a sample."
        else:
            hint = f"z = Σ wᵢxᵢ + b,  a = {spec.activation}(z)  (first sample of the batch)"
        self._neuron_hint.setText(hint)

    def _show_connection(self, src: str, tgt: str, i: int, j: int) -> None:
        source, target = self.design.layer(src), self.design.layer(tgt)
        a = f"{neuron_prefix(source.kind)}{i + 1}"
        b = f"{neuron_prefix(target.kind)}{j + 1}"
        self._connection_heading.setText(f"Weight {a} → {b}")
        self._connection_from.setText(f"from neuron {a} of {source.name}\n"
                                      f"to neuron {b} of {target.name}")
        kernel = self.design.kernel(src, tgt)
        with QSignalBlocker(self.weight_spin):
            self.weight_spin.setValue(float(kernel[i, j]) if kernel is not None else 0.0)
        self.weight_spin.setEnabled(kernel is not None)
        _mask(self.weight_spin, (src, tgt) in self._hidden[0])
        grad = self._grad.get((src, tgt))
        self._grad_label.setText(_fmt(grad[i, j]) if grad is not None else "—")
        self._connection_hint.setText(
            "Type a weight to see what the network does with it; Ctrl+Z takes it back."
            if kernel is not None else
            "The weights appear once the network is built (Next step or Reset).")

    @staticmethod
    def _pick(values, j: int):
        if values is None:
            return None
        values = np.asarray(values)
        if values.ndim == 2:
            values = values[0]
        return values[j] if j < values.shape[0] else None

    # --- editing ------------------------------------------------------------------
    def _apply(self, edit, *args) -> None:
        """Run one design command; a refused edit becomes a status message and a refresh."""
        try:
            edit(*args)
        except DesignError as error:
            self.sig_message.emit(str(error))
            self.refresh()

    def _on_name_edited(self) -> None:
        layer_id = self._selected_layer()
        if layer_id is not None:
            name = self.name_edit.text().strip()
            if name and name != self.design.layer(layer_id).name:
                self._apply(self.design.set_name, layer_id, name)
            elif not name:
                self.refresh()

    def _on_units_edited(self, value: int) -> None:
        layer_id = self._selected_layer()
        if layer_id is not None:
            if value != self.design.layer(layer_id).units:
                self._apply(self.design.set_units, layer_id, value)

    def _on_activation_edited(self, index: int) -> None:
        layer_id = self._selected_layer()
        if layer_id is not None:
            name = self.activation_combo.itemText(index)
            if name != self.design.layer(layer_id).activation:
                self._apply(self.design.set_activation, layer_id, name)

    def _on_initializer_edited(self, index: int) -> None:
        layer_id = self._selected_layer()
        if layer_id is not None:
            name = self.initializer_combo.itemText(index)
            if name != self.design.layer(layer_id).initializer:
                self._apply(self.design.set_initializer, layer_id, name)

    def _on_bias_edited(self, value: float) -> None:
        sel = self.selection
        if isinstance(sel, NeuronSel):
            self._apply(self.design.set_bias, sel.layer, sel.index, value)

    def _on_weight_edited(self, value: float) -> None:
        sel = self.selection
        if isinstance(sel, ConnectionSel):
            self._apply(self.design.set_weight, sel.source, sel.target, sel.i, sel.j, value)

    # --- document events ------------------------------------------------------------
    def _on_design_changed(self, *args) -> None:
        self.refresh()

    def _on_design_reset(self) -> None:
        self._z, self._a, self._grad = {}, {}, {}
        self.selection = None
        self.refresh()
