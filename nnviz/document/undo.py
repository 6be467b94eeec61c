"""Undo and redo without Qt: a stack of commands.

Every edit of the design is a :class:`Command` with a ``redo()`` that does it and an
``undo()`` that takes it back. :meth:`UndoStack.push` runs the command's ``redo()`` and
keeps it; :meth:`UndoStack.undo` and :meth:`UndoStack.redo` walk back and forth.
Several commands can be grouped into one undo step (a macro), for instance moving five
selected layers with one drag.

The stack announces every change of its state with the psygnal signal ``changed``, so a
window can enable its Undo/Redo actions and mark the file as modified.

The stack's memory is bounded: each command reports the bytes it holds
(:meth:`Command.nbytes`: the arrays kept to undo a Units change, the run states kept to
undo training) and when the done commands together hold more than ``max_bytes``
(:data:`DEFAULT_MAX_BYTES`, 256 MiB), the oldest are forgotten: the edits stay, only
undoing that far back is no longer possible.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from psygnal import Signal

__all__ = ["Command", "DEFAULT_MAX_BYTES", "MacroCommand", "UndoStack", "array_bytes"]

#: What the commands of one undo stack may hold together, in bytes, by default.
DEFAULT_MAX_BYTES = 256 * 2**20


def array_bytes(*items) -> int:
    """The bytes of the NumPy arrays in ``items``, looking into lists, tuples and dicts.

    Anything else counts 0 (names, numbers). For :meth:`Command.nbytes`.
    """
    total = 0
    todo = list(items)
    while todo:
        item = todo.pop()
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
        elif isinstance(item, dict):
            todo.extend(item.values())
    return total


class Command:
    """One undoable edit.

    Subclasses implement :meth:`redo` (do the edit; called again after an undo) and
    :meth:`undo` (restore exactly the state before :meth:`redo`). ``text`` is what the
    Edit menu shows: "Undo Add layer".
    """

    def __init__(self, text: str = ""):
        self.text = text

    def redo(self) -> None:
        """Do the edit."""
        raise NotImplementedError

    def undo(self) -> None:
        """Take the edit back."""
        raise NotImplementedError

    def nbytes(self) -> int:
        """About how many bytes of memory this command keeps alive (its arrays); 0 by default.

        The stack asks once, when the command is kept, and forgets the oldest commands
        when the total passes its ``max_bytes``.
        """
        return 0


class MacroCommand(Command):
    """Several commands that are done and undone as one step (undo runs them backwards)."""

    def __init__(self, text: str = "", children: list[Command] | None = None):
        super().__init__(text)
        self.children: list[Command] = list(children or [])

    def redo(self) -> None:
        """Do every child, in order."""
        for child in self.children:
            child.redo()

    def undo(self) -> None:
        """Undo every child, last first."""
        for child in reversed(self.children):
            child.undo()

    def nbytes(self) -> int:
        """The bytes its children hold."""
        return sum(child.nbytes() for child in self.children)


class UndoStack:
    """A list of done commands and a position in it.

    Commands before ``index`` are done (undo takes back ``commands[index - 1]``); commands
    from ``index`` on were undone and can be redone, until a new command is pushed, which
    forgets them. The *clean* position marks the state last saved to a file.
    """

    changed = Signal()
    """Emitted after every push, undo, redo, clear and set_clean."""

    about_to_change = Signal(str)
    """Emitted with ``"push"``, ``"undo"`` or ``"redo"`` before the stack changes the state.

    The session listens: a training run in progress is closed (recorded as its own undo
    step) before another command lands on the stack or an undo walks back past it.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        #: The bytes the kept commands may hold together (see :meth:`Command.nbytes`).
        self.max_bytes = max_bytes
        self._commands: list[Command] = []
        self._sizes: list[int] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._macros: list[MacroCommand] = []

    # --- state --------------------------------------------------------------------
    @property
    def index(self) -> int:
        """How many commands are done (0 = everything undone)."""
        return self._index

    @property
    def count(self) -> int:
        """How many commands the stack holds, done and undone."""
        return len(self._commands)

    @property
    def nbytes(self) -> int:
        """The bytes the kept commands hold together (as they reported when kept)."""
        return sum(self._sizes)

    @property
    def can_undo(self) -> bool:
        """True when there is a done command to take back (and no macro is open)."""
        return self._index > 0 and not self._macros

    @property
    def can_redo(self) -> bool:
        """True when there is an undone command to do again (and no macro is open)."""
        return self._index < len(self._commands) and not self._macros

    @property
    def undo_text(self) -> str:
        """The text of the command :meth:`undo` would take back, or ``""``."""
        return self._commands[self._index - 1].text if self._index > 0 else ""

    @property
    def redo_text(self) -> str:
        """The text of the command :meth:`redo` would do again, or ``""``."""
        return self._commands[self._index].text if self._index < len(self._commands) else ""

    @property
    def is_clean(self) -> bool:
        """True when the state is the one marked by :meth:`set_clean` (the saved one)."""
        return self._clean_index == self._index

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self._clean_index = self._index
        self.changed.emit()

    def keep(self) -> tuple:
        """What :meth:`restore` needs to bring the stack back as it is now (its commands,
        its position, its saved mark): a replacement that failed half-way is undone."""
        return (list(self._commands), list(self._sizes), self._index, self._clean_index)

    def restore(self, kept: tuple) -> None:
        """Bring back the stack :meth:`keep` noted; the commands are not run."""
        commands, sizes, self._index, self._clean_index = kept
        self._commands[:], self._sizes[:] = commands, sizes
        self._macros.clear()
        self.changed.emit()

    @property
    def clean_index(self) -> int | None:
        """The :attr:`index` of the saved state, or None when no state is the saved one."""
        return self._clean_index

    def set_clean_index(self, index: int | None) -> None:
        """Mark the state at ``index`` as saved (None: none is); undoes a :meth:`set_clean`."""
        if index is not None and not 0 <= index <= len(self._commands):
            raise ValueError(f"clean index {index} is outside the stack (0..{len(self._commands)})")
        self._clean_index = index
        self.changed.emit()

    def clear(self) -> None:
        """Forget every command; the current state becomes the clean one."""
        self._commands.clear()
        self._sizes.clear()
        self._macros.clear()
        self._index = 0
        self._clean_index = 0
        self.changed.emit()

    # --- editing ------------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Do ``command`` (its ``redo()``) and keep it as the next undo step.

        If ``redo()`` raises, nothing is kept and the error propagates. Inside a macro the
        command becomes part of the macro instead.
        """
        if not self._macros:
            self.about_to_change.emit("push")
        command.redo()
        if self._macros:
            self._macros[-1].children.append(command)
            return
        self._append(command)

    def record(self, command: Command) -> None:
        """Keep ``command`` as the next undo step *without* running it: it is already done.

        For work that happened on its own before it could be named, such as a training run
        (its weights moved batch after batch); undo takes it back, redo does it again.
        """
        if self._macros:
            raise RuntimeError("record() inside a macro")
        self._append(command)

    def _append(self, command: Command) -> None:
        del self._commands[self._index :]
        del self._sizes[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            # The saved state was among the undone commands just forgotten: it can
            # no longer be reached, so no state is clean any more.
            self._clean_index = None
        self._commands.append(command)
        self._sizes.append(max(0, int(command.nbytes())))
        self._index += 1
        self._trim()
        self.changed.emit()

    def _trim(self) -> None:
        """Forget the oldest commands while the kept ones hold more than ``max_bytes``.

        The latest command always stays (one step can always be undone). The saved
        state's position moves with the list; if it was before a forgotten command it
        can no longer be reached, so no state is clean any more.
        """
        total = sum(self._sizes)
        drop = 0
        while total > self.max_bytes and len(self._commands) - drop > 1:
            total -= self._sizes[drop]
            drop += 1
        if not drop:
            return
        del self._commands[:drop]
        del self._sizes[:drop]
        self._index -= drop
        if self._clean_index is not None:
            self._clean_index = self._clean_index - drop if self._clean_index >= drop else None

    def begin_macro(self, text: str) -> None:
        """Start grouping pushed commands into one undo step called ``text``."""
        self._macros.append(MacroCommand(text))

    def end_macro(self) -> None:
        """Close the innermost macro; an empty macro leaves no undo step."""
        if not self._macros:
            raise RuntimeError("end_macro() without begin_macro()")
        macro = self._macros.pop()
        if not macro.children:
            return
        if self._macros:
            self._macros[-1].children.append(macro)
        else:
            self._append(macro)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """``with stack.macro("Move layers"): ...``: the pushes inside are one undo step.

        If the block raises, the commands already done inside it are undone and the
        error propagates, so a half-done group never stays behind.
        """
        self.begin_macro(text)
        try:
            yield
        except BaseException:
            macro = self._macros.pop()
            macro.undo()
            raise
        self.end_macro()

    def undo(self) -> None:
        """Take back the last done command; nothing happens when there is none."""
        if not self.can_undo:
            return
        # A listener may record a step here (a training run in progress): it is the one undone.
        self.about_to_change.emit("undo")
        self._index -= 1
        try:
            self._commands[self._index].undo()
        except BaseException:
            self._index += 1
            raise
        self.changed.emit()

    def redo(self) -> None:
        """Do the last undone command again; nothing happens when there is none."""
        if not self.can_redo:
            return
        self.about_to_change.emit("redo")
        if not self.can_redo:  # a listener recorded a command, which forgets the redo steps
            return
        self._commands[self._index].redo()
        self._index += 1
        self.changed.emit()
