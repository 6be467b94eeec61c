"""Work that takes seconds, done on a thread of its own while the window keeps painting.

:func:`run_and_wait` is for work whose caller needs its result before going on (a save:
``MainWindow.save_file`` returns whether the file was written). The work runs on a new
thread; the GUI thread meanwhile runs a local event loop that handles everything except
user input (paints, timers, the training thread's frames), so the window is redrawn and
training goes on, but no click or key starts a second command in the middle. Input that
arrives meanwhile is kept and handled once the work is done.
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

__all__ = ["run_and_wait"]


class _Finished(QObject):
    """Carries "the work is done" from the worker thread to the waiting loop."""

    done = Signal()


def run_and_wait(work: Callable[[], None], name: str = "nnviz-work") -> None:
    """Run ``work()`` on a thread named ``name``; return when it ends, re-raising its error.

    Must be called on the GUI thread. The window keeps painting (see the module's text)
    and shows the busy cursor meanwhile.
    """
    loop = QEventLoop()
    finished = _Finished()
    # Queued: the quit runs in this thread's loop, even if the work ends before exec().
    finished.done.connect(loop.quit, Qt.ConnectionType.QueuedConnection)
    errors: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 (handed to the caller, re-raised there)
            errors.append(error)
        finally:
            finished.done.emit()

    thread = threading.Thread(target=target, name=name)
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BusyCursor))
    try:
        thread.start()
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        thread.join()
    finally:
        QApplication.restoreOverrideCursor()
    if errors:
        raise errors[0]
