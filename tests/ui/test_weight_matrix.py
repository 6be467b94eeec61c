"""The weight matrix view: cells edit by key presses, CSV copies and pastes, all undoable."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from nnviz.document.lessons import Lesson
from nnviz.document.selection import LayerSel
from nnviz.document.weight_matrix import matrix

pytestmark = pytest.mark.window(size=(1300, 850))


def _hidden_id(window):
    return window.design.chain()[1].id


def _select(qtbot, window, layer_id):
    """Click the layer's card on the canvas, between its top edge and its first neuron."""
    item = window.scene.layer_item(layer_id)
    point = item.mapToScene(QPointF(-30, -item.height / 2 + 7))
    pos = window.canvas.mapFromScene(point)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.scene.selection() == LayerSel(layer_id), timeout=3000)


def _open(qtbot, window):
    """Select the hidden layer on the canvas and press Ctrl+M, as a user does."""
    hidden = _hidden_id(window)
    _select(qtbot, window, hidden)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(QWidget, "weightMatrixDialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog, hidden


def test_headers_name_the_inputs_the_bias_and_the_units(qtbot, window):
    dialog, hidden = _open(qtbot, window)
    model = dialog.model
    rows = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
    cols = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert rows == ["x1", "x2", "bias b"]
    assert cols == ["h1", "h2", "h3"]
    assert "Rows: the inputs x1…x2 from Input" in dialog.caption.text()
    assert "Columns: the units h1…h3 of Hidden 1" in dialog.caption.text()
    kernel = window.design.kernel(window.design.chain()[0].id, hidden)
    assert model.index(1, 2).data() == f"{kernel[1, 2]:.4f}"
    dialog.table.grab().save("/tmp/lessons-matrix-table.png")


def test_a_cell_typed_with_keys_is_one_undoable_weight(qtbot, window):
    dialog, hidden = _open(qtbot, window)
    source = window.design.chain()[0].id
    before = float(window.design.kernel(source, hidden)[1, 2])
    table = dialog.table
    table.setCurrentIndex(dialog.model.index(1, 2))
    qtbot.keyClicks(table, "0")  # typing on a cell opens its editor with the key
    editor = QApplication.focusWidget()
    assert editor is not table
    qtbot.keyClicks(editor, ".75")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.design.kernel(source, hidden)[1, 2] == 0.75, timeout=3000)
    assert dialog.model.index(1, 2).data() == "0.7500"
    assert window.undo_stack.undo_text == "Set weight w[1,2] to 0.75"
    # The live run has it too (the session's one command path).
    assert window.session.model.get_weights()[0][1, 2] == 0.75
    # Ctrl+Z in the dialog takes it back.
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.design.kernel(source, hidden)[1, 2] == before, timeout=3000)
    assert dialog.model.index(1, 2).data() == f"{before:.4f}"
    # The bias row edits the bias.
    table.setCurrentIndex(dialog.model.index(2, 0))
    qtbot.keyClicks(table, "-")
    editor = QApplication.focusWidget()
    qtbot.keyClicks(editor, "2")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.design.bias(hidden)[0] == -2.0, timeout=3000)
    # Text that is not a number is refused with a message; the bias stays.
    steps = window.undo_stack.count
    qtbot.keyClicks(table, "x")
    editor = QApplication.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.text() != "", timeout=3000)
    assert dialog.message.text() == "'x' is not a number; the weight stays as it was."
    assert window.design.bias(hidden)[0] == -2.0
    assert window.undo_stack.count == steps


def test_copy_then_paste_csv_and_undo_it(qtbot, window):
    dialog, hidden = _open(qtbot, window)
    table = dialog.table
    before = matrix(window.design, hidden)
    table.selectAll()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    assert copied.splitlines()[0] == ",".join(repr(float(x)) for x in before[0])
    # A block chosen with a click and a Shift+click copies only that block.
    viewport = table.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=table.visualRect(dialog.model.index(0, 1)).center())
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     table.visualRect(dialog.model.index(1, 2)).center())
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    block = QGuiApplication.clipboard().text().splitlines()
    assert block == [",".join(repr(float(x)) for x in before[r, 1:3]) for r in (0, 1)]
    QGuiApplication.clipboard().setText("1,2\n3,4\n")
    table.setCurrentIndex(dialog.model.index(1, 1))
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    after = matrix(window.design, hidden)
    np.testing.assert_array_equal(after[1:, 1:], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(after[0], before[0])
    assert dialog.model.index(2, 2).data() == "4.0000"
    assert window.undo_stack.undo_text == "Paste 4 weights into Hidden 1"
    assert dialog.message.text().startswith("Pasted 2 × 2 values")
    window.undo_action.trigger()
    np.testing.assert_array_equal(matrix(window.design, hidden), before)
    # What was copied pastes back exactly.
    QGuiApplication.clipboard().setText(copied)
    table.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(matrix(window.design, hidden), before)


def test_a_malformed_paste_is_refused_with_the_reason(qtbot, window):
    dialog, hidden = _open(qtbot, window)
    before = matrix(window.design, hidden)
    steps = window.undo_stack.count
    QGuiApplication.clipboard().setText("1,2,3\n4,5,abc\n")
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.keyClick(dialog.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.message.text() == "Nothing was pasted. Row 2, column 3: 'abc' is not a number."
    np.testing.assert_array_equal(matrix(window.design, hidden), before)
    assert window.undo_stack.count == steps
    QGuiApplication.clipboard().setText("1,2,3,4\n")
    qtbot.keyClick(dialog.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "4 columns; from the chosen cell there is room for 3" in dialog.message.text()
    assert window.undo_stack.count == steps
    dialog.grab().save("/tmp/lessons-matrix-refused.png")


def test_the_inspector_and_the_context_menu_open_it(qtbot, window):
    hidden = _hidden_id(window)
    _select(qtbot, window, hidden)
    button = window.inspector.matrix_button
    qtbot.waitUntil(button.isVisible, timeout=3000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QWidget, "weightMatrixDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.model.layer_id == hidden
    dialog.close()
    output = window.design.chain()[2].id
    pos = window.canvas.mapFromScene(window.scene.layer_item(output).sceneBoundingRect().center())
    window.canvas.customContextMenuRequested.emit(pos)  # what a right click there asks
    menu = window.canvas_menu
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    menu.actions()[0].trigger()
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.model.layer_id == output
    assert dialog.model.headerData(3, Qt.Orientation.Vertical) == "bias b"
    menu.close()


def test_weights_hidden_or_locked_by_the_lesson(qtbot, window):
    window.session.set_lesson(Lesson(hidden=frozenset({"weights"})))
    assert not window.weight_matrix_action.isVisible()
    _select(qtbot, window, _hidden_id(window))
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert window.findChild(QWidget, "weightMatrixDialog") is None  # the shortcut is gone
    window.undo_stack.undo()
    window.session.set_lesson(Lesson(locked=frozenset({"weights"})))
    dialog, hidden = _open(qtbot, window)
    assert not (dialog.model.flags(dialog.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable)
    before = matrix(window.design, hidden)
    QGuiApplication.clipboard().setText("1\n")
    qtbot.keyClick(dialog.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "locked by this lesson" in dialog.message.text()
    np.testing.assert_array_equal(matrix(window.design, hidden), before)
