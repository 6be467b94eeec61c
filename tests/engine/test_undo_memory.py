"""The undo stack's memory is bounded: the oldest commands go when the kept ones hold too much."""
import numpy as np

from nnviz.document import Design
from nnviz.document.undo import DEFAULT_MAX_BYTES, Command, UndoStack, array_bytes
from nnviz.session.session import Session


class Heavy(Command):
    """A command holding ``size`` bytes that appends its name to a log."""

    def __init__(self, log, name, size):
        super().__init__(name)
        self.log, self.name, self.array = log, name, np.zeros(size, dtype=np.uint8)

    def redo(self):
        self.log.append(self.name)

    def undo(self):
        self.log.remove(self.name)

    def nbytes(self):
        return self.array.nbytes


def test_default_cap_is_256_mib():
    assert UndoStack().max_bytes == DEFAULT_MAX_BYTES == 256 * 2**20


def test_array_bytes_looks_into_containers():
    a, b = np.zeros(10), np.zeros((3, 4), dtype=np.float32)
    assert array_bytes([a, {"k": (b, "name", 3)}], None) == 80 + 48


def test_oldest_commands_are_dropped_and_the_rest_undo():
    log = []
    stack = UndoStack(max_bytes=1000)
    for i in range(10):
        stack.push(Heavy(log, f"c{i}", 300))
    # Three commands of 300 bytes fit in 1000; the older seven are forgotten.
    assert stack.count == 3 and stack.index == 3 and stack.nbytes == 900
    assert stack.undo_text == "c9"
    for _ in range(5):
        stack.undo()
    assert log == [f"c{i}" for i in range(7)]  # the forgotten edits stay done
    assert not stack.can_undo
    stack.redo()
    assert log[-1] == "c7"


def test_one_command_larger_than_the_cap_is_still_kept():
    log = []
    stack = UndoStack(max_bytes=100)
    stack.push(Heavy(log, "a", 50))
    stack.push(Heavy(log, "big", 500))
    assert stack.count == 1 and stack.undo_text == "big"
    stack.undo()
    assert log == ["a"]


def test_clean_index_moves_with_dropped_commands():
    log = []
    stack = UndoStack(max_bytes=1000)
    stack.push(Heavy(log, "a", 300))
    stack.push(Heavy(log, "b", 300))
    stack.set_clean()
    stack.push(Heavy(log, "c", 300))
    stack.push(Heavy(log, "d", 300))  # drops "a": the saved state is after "b", index 1
    assert stack.count == 3
    assert not stack.is_clean
    stack.undo()
    stack.undo()
    assert stack.is_clean and log == ["a", "b"]
    stack.redo()
    stack.redo()
    stack.push(Heavy(log, "e", 300))  # drops "b": the saved state is out of reach
    stack.push(Heavy(log, "f", 300))
    while stack.can_undo:
        stack.undo()
    assert not stack.is_clean


def test_units_edits_on_a_big_layer_stay_under_the_cap():
    stack = UndoStack(max_bytes=8 * 2**20)
    d = Design(undo_stack=stack)
    inp = d.add_layer("input", units=512)
    hid = d.add_layer("hidden", units=128)
    d.connect(inp, hid)
    out = d.add_layer("output", units=2)
    d.connect(hid, out)
    d.store_weights([np.ones((512, 128)), np.zeros(128), np.ones((128, 2)), np.zeros(2)])
    assert d.kernel(inp, hid).shape == (512, 128)
    for i in range(60):
        d.set_units(hid, 128 + (i % 2))
        assert stack.nbytes <= stack.max_bytes
    # Each edit keeps about 2 x 512 x 128 x 8 bytes; a few fit, not sixty.
    assert 1 < stack.count < 60
    before = d.layer(hid).units
    stack.undo()
    assert d.layer(hid).units != before


def test_session_commands_report_their_run_states():
    session = Session()
    stack = session.undo_stack
    session.step("epoch")
    weights = sum(w.nbytes for w in session.model.get_weights())
    # The state before and after the epoch each hold a copy of the weights.
    assert stack.nbytes >= 2 * weights
    first = stack.nbytes
    session.step("batch")
    one_batch = stack.nbytes - first
    assert one_batch >= 2 * weights
    stack.max_bytes = one_batch * 5
    for _ in range(20):
        session.step("batch")
    assert stack.nbytes <= stack.max_bytes
    assert 1 < stack.count < 21
    epoch_before = session.stepper.global_step
    stack.undo()
    assert session.stepper.global_step == epoch_before - 1
