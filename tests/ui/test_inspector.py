"""The inspector: shows the selection's numbers, turns typed edits into undoable commands."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox

from nnviz.document import Design
from nnviz.document.selection import ConnectionSel, LayerSel, NeuronSel
from ui.inspector import InspectorDock


@pytest.fixture
def design():
    d = Design.lecture_example()
    d.store_weights(d.build_model(seed=0).get_weights())
    return d


@pytest.fixture
def inspector(qtbot, design):
    dock = InspectorDock(design)
    qtbot.addWidget(dock)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def _ids(design):
    return [spec.id for spec in design.chain()]


def _type_into(box, text):
    """Select the box's text, type ``text`` and press Enter, as a user does."""
    box.setFocus()
    line = box.lineEdit() if isinstance(box, QAbstractSpinBox) else box
    QTest.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


def test_nothing_selected_shows_a_hint(inspector):
    assert inspector.objectName() == "inspector"
    assert inspector._stack.currentIndex() == 0


def test_layer_units_edit_is_one_undo_step(inspector, design):
    hidden = _ids(design)[1]
    inspector.set_selection(LayerSel(hidden))
    assert inspector.units_spin.value() == 3
    assert inspector.name_edit.text() == design.layer(hidden).name
    count = design.undo_stack.count
    _type_into(inspector.units_spin, "5")
    assert design.layer(hidden).units == 5
    assert design.undo_stack.count == count + 1
    design.undo()
    assert design.layer(hidden).units == 3
    # The undo was pushed back into the widget without echoing a new edit.
    assert inspector.units_spin.value() == 3
    assert design.undo_stack.count == count + 1 and design.undo_stack.can_redo


def test_layer_name_and_activation_edits(inspector, design):
    hidden = _ids(design)[1]
    inspector.set_selection(LayerSel(hidden))
    _type_into(inspector.name_edit, "Features")
    assert design.layer(hidden).name == "Features"
    combo = inspector.activation_combo
    combo.setFocus()
    start = combo.currentText()
    QTest.keyClick(combo, Qt.Key.Key_Down)
    assert design.layer(hidden).activation == combo.currentText() != start
    design.undo()
    assert design.layer(hidden).activation == start and combo.currentText() == start
    design.undo()
    assert inspector.name_edit.text() == design.layer(hidden).name != "Features"


def test_input_layer_has_no_activation_choice(inspector, design):
    inspector.set_selection(LayerSel(_ids(design)[0]))
    assert not inspector.activation_combo.isEnabled()
    assert not inspector.initializer_combo.isEnabled()


def test_model_change_shows_in_widget_without_an_edit(inspector, design):
    hidden = _ids(design)[1]
    inspector.set_selection(LayerSel(hidden))
    count = design.undo_stack.count
    design.set_units(hidden, 4)
    assert inspector.units_spin.value() == 4
    assert design.undo_stack.count == count + 1  # the refresh pushed no command of its own


def test_refused_edit_becomes_a_message_and_restores_the_field(inspector, design):
    hidden, output = _ids(design)[1], _ids(design)[2]
    inspector.set_selection(LayerSel(hidden))
    messages = []
    inspector.sig_message.connect(messages.append)
    _type_into(inspector.name_edit, design.layer(output).name)
    assert len(messages) == 1 and design.layer(output).name in messages[0]
    assert inspector.name_edit.text() == design.layer(hidden).name


def test_connection_weight_typed_by_hand_and_undone(inspector, design):
    src, tgt, _ = _ids(design)
    before = design.kernel(src, tgt).copy()
    inspector.set_selection(ConnectionSel(src, tgt, 1, 2))
    assert inspector.weight_spin.value() == pytest.approx(before[1, 2], abs=1e-4)
    _type_into(inspector.weight_spin, "2.5")
    after = design.kernel(src, tgt)
    assert after[1, 2] == pytest.approx(2.5)
    assert (after[0] == before[0]).all()  # only that one weight changed
    design.undo()
    assert design.kernel(src, tgt)[1, 2] == before[1, 2]
    assert inspector.weight_spin.value() == pytest.approx(before[1, 2], abs=1e-4)


def test_neuron_bias_and_values(inspector, design):
    _, hidden, _ = _ids(design)
    inspector.set_selection(NeuronSel(hidden, 0))
    assert inspector._stack.currentIndex() == 2
    assert inspector._z_label.text() == "—"
    _type_into(inspector.bias_spin, "-0.75")
    assert design.bias(hidden)[0] == pytest.approx(-0.75)
    inspector.show_values(z={hidden: [[0.5, 1.0, -2.0]]}, a={hidden: [[0.5, 1.0, 0.0]]})
    inspector.set_selection(NeuronSel(hidden, 2))
    assert inspector._z_label.text() == "-2.0000"
    assert inspector._a_label.text() == "0.0000"
    design.undo()
    assert design.bias(hidden)[0] == 0.0


def test_selection_cleared_when_its_layer_goes(inspector, design):
    hidden = _ids(design)[1]
    inspector.set_selection(NeuronSel(hidden, 2))
    design.remove_layer(hidden)
    assert inspector.selection is None and inspector._stack.currentIndex() == 0
