"""A layer's weight matrix as a table: shape, CSV text, pasted blocks as one undo step."""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.document.weight_matrix import (
    format_block,
    matrix,
    matrix_shape,
    parse_block,
    set_block,
)
from nnviz.errors import DesignError
from nnviz.files.project import Project
from nnviz.session.session import Session


@pytest.fixture
def session():
    return Session(Project.lecture_example())


def _ids(design):
    return [spec.id for spec in design.chain()]


def test_rows_are_inputs_then_the_bias_and_columns_are_units(session):
    design = session.design
    _inp, hidden, out = _ids(design)
    shape = matrix_shape(design, hidden)
    assert shape.rows == ("x1", "x2", "bias")
    assert shape.columns == ("h1", "h2", "h3")
    m = matrix(design, hidden)
    assert m.shape == (3, 3)
    np.testing.assert_array_equal(m[:2], design.kernel(_inp, hidden))
    np.testing.assert_array_equal(m[2], design.bias(hidden))
    assert matrix_shape(design, out).rows == ("h1", "h2", "h3", "bias")
    with pytest.raises(DesignError, match="input layer"):
        matrix_shape(design, _inp)


def test_copied_text_pastes_back_bit_for_bit(session):
    design = session.design
    hidden = _ids(design)[1]
    m = matrix(design, hidden)
    text = format_block(m)
    assert text.count("\n") == 3
    np.testing.assert_array_equal(parse_block(text, (3, 3)), m)


def test_tabs_from_a_spreadsheet_and_blank_lines_are_read():
    block = parse_block("\n1\t-2.5\n3e-1\t 4 \n\n", (3, 3))
    np.testing.assert_array_equal(block, [[1, -2.5], [0.3, 4]])


@pytest.mark.parametrize("text, message", [
    ("1,2,3\n4,5,abc\n", "Row 2, column 3: 'abc' is not a number."),
    ("1,2\n3\n", "Row 2 has 1 values and row 1 has 2"),
    ("1,nan\n", "Row 1, column 2: 'nan' is not a finite number."),
    ("1,2,3,4\n", "4 columns; from the chosen cell there is room for 3"),
    ("1\n2\n3\n4\n", "4 rows; from the chosen cell there is room for 3"),
    ("  \n", "no numbers"),
])
def test_a_malformed_paste_says_what_is_wrong(text, message):
    with pytest.raises(DesignError) as info:
        parse_block(text, (3, 3))
    assert message in str(info.value)


def test_a_block_is_one_undo_step_and_reaches_the_bias_row(session):
    design = session.design
    hidden = _ids(design)[1]
    before = matrix(design, hidden)
    heard = []
    design.events.weights_changed.connect(lambda: heard.append(1))
    block = np.array([[0.5, 0.25], [-1.0, 2.0]])
    set_block(design, hidden, 1, 1, block)  # x2's row and the bias row, columns h2..h3
    after = matrix(design, hidden)
    np.testing.assert_array_equal(after[1:, 1:], block)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1:, 0], before[1:, 0])
    assert design.bias(hidden)[2] == 2.0
    assert heard == [1]
    assert session.undo_stack.undo_text == "Paste 4 weights into Hidden 1"
    # The run follows the document: the model has the pasted weights.
    np.testing.assert_array_equal(session.model.get_weights()[1], design.bias(hidden))
    session.undo_stack.undo()
    np.testing.assert_array_equal(matrix(design, hidden), before)
    session.undo_stack.redo()
    np.testing.assert_array_equal(matrix(design, hidden), after)


def test_a_block_that_does_not_fit_changes_nothing(session):
    design = session.design
    hidden = _ids(design)[1]
    before = matrix(design, hidden)
    with pytest.raises(DesignError, match="does not fit"):
        set_block(design, hidden, 2, 0, np.ones((2, 3)))
    np.testing.assert_array_equal(matrix(design, hidden), before)
    assert session.undo_stack.count == 0
