"""Helpers shared by the GUI tests."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.document import Design
from nnviz.engine.training import Stepper


def reference_stepper(project) -> Stepper:
    """A headless stepper on a copy of ``project`` (same weights, data and settings):
    the numbers a test expects the window to show."""
    t = project.training
    design = Design.from_dict(project.design.to_dict())
    model = design.build_model(dtype=t.dtype, seed=t.seed)
    model.compile(optimizer=t.make_optimizer(), loss=t.loss, metrics=list(t.metrics))
    ds = project.load_dataset()
    return Stepper(model, ds.x_train, ds.y_train, batch_size=t.batch_size, shuffle=t.shuffle,
                   seed=t.seed, x_val=ds.x_val, y_val=ds.y_val)


def type_into(box, text: str) -> None:
    """Type ``text`` into a spin box as a user does: click in, Ctrl+A, the keys, Return."""
    box.setFocus()
    line = box.lineEdit()
    QTest.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


#: How long :func:`assert_never` watches for an event that must not happen, in ms.
NEVER_MS = 500


def assert_never(qtbot, happened, what: str, timeout: int = NEVER_MS) -> None:
    """Watch, with the event loop running, for ``happened()`` (the sign of a bug) and fail
    the moment it is true; pass when it stays false for ``timeout`` ms.

    Used where a test must show that something does *not* happen (a batch after Pause, a
    rebuild): waiting a fixed time and looking once misses an event that comes and goes,
    and passes when a bug shows up a moment later than the look.
    """
    try:
        qtbot.waitUntil(happened, timeout=timeout)
    except qtbot.TimeoutError:
        return
    raise AssertionError(what)
