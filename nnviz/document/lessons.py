"""Lessons: a project that hides or locks chosen controls of the window (no Qt).

A lecturer hands out a ``.nnviz`` file that opens to exactly the lesson: the students see
the learning rate and the Train button, say, and not the data set or the palette (as
TensorFlow Playground's ``<name>_hide=true`` in its URL). Each control that can be hidden
or locked is one record of :data:`CONTROLS` (:class:`LockableControl`), naming by their
``objectName`` the widgets and menu actions that make it up, so the window finds them
without this module knowing Qt.

* **hidden**: the control is not shown, and its menu action (and so its shortcut) is gone;
* **locked**: it is shown but cannot be changed (disabled, its tooltip says "Locked by
  this lesson"), and its menu action is disabled.

A :class:`Lesson` (which controls are hidden, which are locked) is the project file's
optional ``"lesson"`` key::

    "lesson": {"hidden": ["dataset", "palette"], "locked": ["learning_rate"]}

A file without the key has no lesson and opens as before; a project without a lesson
writes no key. Changing the lesson is one undo step (:class:`SetLesson`).

**Lesson mode.** The lesson is a view of the window, not a security: the Edit > Lesson…
dialog is always there, so a lecturer can unlock what a file locks. When the open project
has a lesson, the dialog opens read-only and says so; its "Change the lesson" button is the
one deliberate step that lets a student leave the lesson (and Ctrl+Z brings it back).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnviz.document.undo import Command
from nnviz.errors import ProjectFileError

__all__ = ["CONTROLS", "LOCKED_TIP", "Lesson", "LockableControl", "SetLesson", "names"]

#: The tooltip of every locked widget.
LOCKED_TIP = "Locked by this lesson"


@dataclass(frozen=True)
class LockableControl:
    """One control a lesson can hide or lock (the window's widgets by ``objectName``).

    ``widgets`` are hidden when the control is hidden and disabled when it is locked,
    except those in ``view_only``, which stay enabled when locked (reading is not
    changing: the Code dock's text, a dock's title bar). A widget that is a dock is hidden
    with its View > Panels entry. ``actions`` are hidden with the control and disabled with
    its lock; ``hide_actions`` only hidden (the lock is kept inside what they open, e.g.
    the weight matrix opens read-only).
    """

    name: str
    label: str
    tip: str
    widgets: tuple[str, ...]
    view_only: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    hide_actions: tuple[str, ...] = ()


def _setting(name: str, label: str, widget: str) -> LockableControl:
    return LockableControl(name, label, f"The {label.lower()} field of the Training panel",
                           (widget,))


#: Every control a lesson can hide or lock, in the order the Lesson dialog lists them.
CONTROLS: dict[str, LockableControl] = {c.name: c for c in (
    LockableControl("dataset", "Data set",
                    "The data set list (and Load CSV), its noise, samples, validation and "
                    "preview",
                    ("datasetCombo", "datasetNoise", "datasetSize", "validationSplit",
                     "datasetPreview")),
    _setting("loss", "Loss", "lossCombo"),
    _setting("optimizer", "Optimizer", "optimizerCombo"),
    _setting("learning_rate", "Learning rate", "learningRate"),
    LockableControl("regularization", "Regularization",
                    "The regularization (None, L1, L2) and its rate in the Training panel",
                    ("regularizationCombo", "regularizationRate")),
    _setting("batch_size", "Batch size", "batchSize"),
    _setting("epochs", "Epochs", "epochs"),
    _setting("seed", "Seed", "seed"),
    LockableControl("palette", "Adding layers",
                    "The Layers palette, from which layers are dragged onto the canvas",
                    ("paletteDock", "palette"), view_only=("paletteDock",)),
    LockableControl("weights", "Editing weights",
                    "The bias and weight fields of the Inspector and the weight matrix "
                    "(locked: the matrix opens read-only)",
                    ("neuronBias", "connectionWeight", "weightMatrixButton"),
                    view_only=("weightMatrixButton",), hide_actions=("actionWeightMatrix",)),
    LockableControl("code", "Keras code",
                    "The Code dock and File > Import Keras Code (locked: the code can be "
                    "read and copied, not imported)",
                    ("codeDock", "pasteCodeBox", "importCodeButton"),
                    view_only=("codeDock",), actions=("actionImportKeras",)),
)}


#: The control of each training setting that is not a control of its own.
_SETTING_CONTROL = {"momentum": "optimizer", "optimizer_options": "optimizer",
                    "regularization_rate": "regularization"}


def names() -> list[str]:
    """The names of the lockable controls, in the dialog's order."""
    return list(CONTROLS)


@dataclass(frozen=True)
class Lesson:
    """Which controls are hidden and which are locked (a control is at most one of them:
    a control both hidden and locked is hidden)."""

    hidden: frozenset[str] = field(default_factory=frozenset)
    locked: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for which in ("hidden", "locked"):
            values = frozenset(getattr(self, which))
            unknown = sorted(values - CONTROLS.keys())
            if unknown:
                raise ProjectFileError(
                    f"'lesson.{which}' names {unknown[0]!r}, which is not a control nnviz can "
                    f"hide or lock ({', '.join(CONTROLS)}).")
            object.__setattr__(self, which, values)
        object.__setattr__(self, "locked", self.locked - self.hidden)

    def __bool__(self) -> bool:
        """True when the lesson hides or locks anything."""
        return bool(self.hidden or self.locked)

    def state(self, name: str) -> str:
        """``"hidden"``, ``"locked"`` or ``"shown"`` for the control ``name``."""
        if name in self.hidden:
            return "hidden"
        return "locked" if name in self.locked else "shown"

    def is_locked(self, name: str) -> bool:
        """Whether the control ``name`` may not be changed (hidden or locked)."""
        return name in self.hidden or name in self.locked

    def refusal(self, settings) -> str:
        """Why the window refuses to change ``settings`` (training setting names, or
        ``"dataset"``): "The learning rate is locked by this lesson." ("" if it may)."""
        for setting in settings:
            control = _SETTING_CONTROL.get(setting, setting)
            if control in CONTROLS and self.is_locked(control):
                label = CONTROLS[control].label
                return f"{label} is locked by this lesson (Edit > Lesson… shows it)."
        return ""

    def locked_settings(self, settings) -> list[str]:
        """Those of ``settings`` (training setting names) the lesson keeps as they are."""
        return [name for name in settings if self.refusal([name])]

    def summary(self) -> str:
        """"2 hidden, 1 locked" (or "no lesson")."""
        if not self:
            return "no lesson"
        parts = [f"{len(self.hidden)} hidden"] if self.hidden else []
        if self.locked:
            parts.append(f"{len(self.locked)} locked")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        """The file's ``"lesson"`` object (names in the registry's order)."""
        order = names()
        return {"hidden": [n for n in order if n in self.hidden],
                "locked": [n for n in order if n in self.locked]}

    @classmethod
    def from_dict(cls, data: Any) -> Lesson:
        """A lesson from a file's ``"lesson"`` object (ProjectFileError naming the field)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ProjectFileError("'lesson' must be an object with the lists 'hidden' and "
                                   "'locked'.")
        for key in data:
            if key not in ("hidden", "locked"):
                raise ProjectFileError(f"'lesson.{key}' is not part of a lesson (it has "
                                       "'hidden' and 'locked').")
        lists = {}
        for key in ("hidden", "locked"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ProjectFileError(f"'lesson.{key}' must be a list of control names.")
            if len(value) > len(CONTROLS):
                raise ProjectFileError(f"'lesson.{key}' lists {len(value)} names; there are "
                                       f"{len(CONTROLS)} controls.")
            lists[key] = frozenset(value)
        return cls(lists["hidden"], lists["locked"])


class SetLesson(Command):
    """The undo step that gives ``project`` another lesson ("Set the lesson: 2 hidden")."""

    def __init__(self, project, lesson: Lesson):
        super().__init__(f"Set the lesson: {lesson.summary()}" if lesson else "Clear the lesson")
        self._project, self._old, self._new = project, project.lesson, lesson

    def redo(self) -> None:
        """Give the project the new lesson."""
        self._project.set_lesson(self._new)

    def undo(self) -> None:
        """Bring back the lesson before."""
        self._project.set_lesson(self._old)
