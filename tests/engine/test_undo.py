"""The Qt-free undo stack: commands done, undone, redone, grouped, and the saved state."""
import pytest

from nnviz.document.undo import Command, UndoStack


class Append(Command):
    """Appends a value to a list; undo removes it."""

    def __init__(self, log, value):
        super().__init__(f"Append {value}")
        self.log, self.value = log, value

    def redo(self):
        self.log.append(self.value)

    def undo(self):
        assert self.log.pop() == self.value


class Fails(Command):
    def redo(self):
        raise ValueError("refused")

    def undo(self):
        raise AssertionError("never done, never undone")


@pytest.fixture
def stack():
    return UndoStack()


def test_push_does_the_command_and_undo_redo_walk_the_history(stack):
    log = []
    stack.push(Append(log, 1))
    stack.push(Append(log, 2))
    assert log == [1, 2]
    assert stack.can_undo and not stack.can_redo
    assert stack.undo_text == "Append 2" and stack.redo_text == ""
    stack.undo()
    assert log == [1]
    assert stack.undo_text == "Append 1" and stack.redo_text == "Append 2"
    stack.undo()
    assert log == [] and not stack.can_undo and stack.undo_text == ""
    stack.undo()  # nothing left: no error, nothing changes
    assert log == []
    stack.redo()
    stack.redo()
    assert log == [1, 2] and not stack.can_redo
    stack.redo()
    assert log == [1, 2]
    assert stack.index == 2 and stack.count == 2


def test_push_after_undo_forgets_the_undone_commands(stack):
    log = []
    stack.push(Append(log, 1))
    stack.push(Append(log, 2))
    stack.undo()
    stack.push(Append(log, 3))
    assert log == [1, 3]
    assert not stack.can_redo and stack.count == 2
    stack.undo()
    stack.undo()
    assert log == []


def test_a_refused_command_is_not_kept(stack):
    log = []
    stack.push(Append(log, 1))
    with pytest.raises(ValueError):
        stack.push(Fails("fail"))
    assert stack.count == 1 and stack.undo_text == "Append 1"


def test_macro_is_one_undo_step(stack):
    log = []
    stack.begin_macro("Two appends")
    stack.push(Append(log, 1))
    stack.push(Append(log, 2))
    assert not stack.can_undo  # no undo in the middle of a group
    stack.end_macro()
    assert log == [1, 2] and stack.count == 1 and stack.undo_text == "Two appends"
    stack.undo()
    assert log == []
    stack.redo()
    assert log == [1, 2]


def test_nested_and_empty_macros(stack):
    log = []
    with stack.macro("outer"):
        stack.push(Append(log, 1))
        with stack.macro("inner"):
            stack.push(Append(log, 2))
        with stack.macro("empty"):
            pass
    assert stack.count == 1 and stack.undo_text == "outer"
    stack.undo()
    assert log == []
    with stack.macro("nothing"):
        pass
    assert stack.count == 1 and not stack.can_undo and stack.can_redo


def test_macro_that_raises_is_rolled_back(stack):
    log = [0]
    with pytest.raises(ValueError):
        with stack.macro("half"):
            stack.push(Append(log, 1))
            stack.push(Fails("fail"))
    assert log == [0] and stack.count == 0
    stack.push(Append(log, 5))  # the stack is usable afterwards
    assert stack.undo_text == "Append 5"


def test_end_macro_without_begin_is_a_programming_error(stack):
    with pytest.raises(RuntimeError):
        stack.end_macro()


def test_clean_state_follows_the_saved_index(stack):
    log = []
    assert stack.is_clean
    stack.push(Append(log, 1))
    assert not stack.is_clean
    stack.set_clean()
    assert stack.is_clean
    stack.push(Append(log, 2))
    assert not stack.is_clean
    stack.undo()
    assert stack.is_clean  # back where it was saved
    stack.undo()
    assert not stack.is_clean
    stack.push(Append(log, 3))  # the saved state (with 1) can no longer be reached
    assert not stack.is_clean
    stack.undo()
    assert not stack.is_clean


def test_clear_forgets_everything_and_is_clean(stack):
    log = []
    stack.push(Append(log, 1))
    stack.clear()
    assert stack.is_clean and not stack.can_undo and not stack.can_redo and stack.count == 0
    assert log == [1]  # clearing does not undo


def test_changed_signal_fires_on_every_state_change(stack):
    fired = []
    stack.changed.connect(lambda: fired.append(stack.index))
    log = []
    stack.push(Append(log, 1))
    with stack.macro("m"):
        stack.push(Append(log, 2))
        stack.push(Append(log, 3))
    stack.undo()
    stack.redo()
    stack.set_clean()
    stack.clear()
    assert fired == [1, 2, 1, 2, 2, 0]


def test_command_base_requires_redo_and_undo():
    command = Command("nothing")
    assert command.text == "nothing"
    with pytest.raises(NotImplementedError):
        command.redo()
    with pytest.raises(NotImplementedError):
        command.undo()
