"""Work that takes seconds, done on a thread of its own while the window keeps painting.

:func:`run_and_wait` is for work whose caller needs its result before going on (a save:
``MainWindow.save_file`` returns whether the file was written). The work runs on a new
thread (a :class:`~ui.thread_job.ThreadJob`, the window's one style); the GUI thread
meanwhile runs a local event loop that handles everything except user input (paints,
timers, the training thread's frames), so the window is redrawn and training goes on, but
no click or key starts a second command in the middle. Input that arrives meanwhile is
kept and handled once the work is done.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from ui.thread_job import ThreadJob

__all__ = ["run_and_wait"]


def run_and_wait(work: Callable[[], None], name: str = "nnviz-work") -> None:
    """Run ``work()`` on a thread named ``name``; return when it ends, re-raising its error.

    Must be called on the GUI thread. The window keeps painting (see the module's text)
    and shows the busy cursor meanwhile.
    """
    loop = QEventLoop()
    # Every error is the caller's to handle (re-raised below), so none is printed there.
    job = ThreadJob(work, name, expected=(BaseException,))
    # done comes through the GUI thread's event loop, so never before exec() below.
    job.done.connect(loop.quit)
    QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BusyCursor))
    try:
        job.start()
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    finally:
        QApplication.restoreOverrideCursor()
    if job.error is not None:
        raise job.error
