"""What the screenshot scripts in this folder share."""
from __future__ import annotations

import tempfile
from contextlib import contextmanager


def step(training, kind: str, times: int = 1) -> None:
    """``times`` steps of ``kind`` on a window's TrainingController.

    A step runs on the GUI thread and draws its frame before it returns, so there is
    nothing to wait for; a step that draws nothing (no run can be built) stops the script.
    """
    for _ in range(times):
        before = training.frames
        training.step(kind)
        if training.frames == before:
            raise SystemExit(f"The {kind} step drew no frame: {training.panel.message.text()}")


def save_window(window, path):
    """Save a picture of ``window`` to ``path`` (folders made), then put the window away.

    Not ``close()``: that would ask about unsaved changes, with nobody to answer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise SystemExit(f"Could not write {path}")
    window.shutdown()
    window.hide()
    window.deleteLater()
    return path


@contextmanager
def fresh_settings():
    """Qt settings read from an empty temporary folder under a screenshot-only name, while
    the block runs: a developer's remembered layout, theme or files never show up."""
    from PySide6.QtCore import QCoreApplication, QSettings

    with tempfile.TemporaryDirectory() as folder:
        QCoreApplication.setOrganizationName("nnviz-screenshots")
        QCoreApplication.setApplicationName("nnviz-screenshots")
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)
        yield folder
