"""One piece of work off the GUI thread, in the window's one concurrency style.

The window runs work that takes long on a worker ``QObject`` moved to a ``QThread`` of its
own, and hears back through queued signals: the training worker
(:mod:`ui.training.worker`) does so for the whole run, and a :class:`ThreadJob` does so
for one call of a plain function (parsing a CSV file, computing a loss surface). The
function must not touch Qt: it gets copies, and its result reaches the GUI thread through
the :attr:`ThreadJob.done` signal (see docs/internals.md, "Threads in the window").

A job's thread is kept alive until it ends, even if whoever started the job is gone
(a ``QThread`` destroyed while it runs takes the process down); the result is then
dropped. A process that exits waits for the jobs still running.
"""
from __future__ import annotations

import atexit
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

__all__ = ["ThreadJob"]

#: Jobs whose thread runs, kept referenced until it has ended.
_RUNNING: set[ThreadJob] = set()


@atexit.register
def _wait_for_running() -> None:
    """At exit, let every job's thread end first: Python would otherwise destroy a QThread
    that still runs (a loss surface the closing window asked for), and Qt aborts then."""
    for job in list(_RUNNING):
        if shiboken6.isValid(job._thread):
            job._thread.wait()


class _Worker(QObject):
    """Calls the function on the job's thread (it is moved there) and reports back."""

    #: (result, error): exactly one of them is None unless the function returned None.
    finished_with = Signal(object, object)

    def __init__(self, work: Callable[[], Any], expected: tuple[type[BaseException], ...]):
        super().__init__()
        self._work, self._expected = work, expected

    @Slot()
    def run(self) -> None:
        """Run the work once; its error is handed to the GUI thread, not lost here."""
        try:
            result, error = self._work(), None
        except self._expected as caught:
            result, error = None, caught
        except Exception as caught:  # noqa: BLE001 (a bug: shown in the window and printed)
            traceback.print_exc()
            result, error = None, caught
        # Back to the GUI thread before the job's thread ends: this Python-made object is
        # then deleted there, with the GIL. Deleted on its own thread (deleteLater as the
        # thread finished), its destructor asked Python about overrides while holding Qt's
        # connection lock, and a GUI thread connecting a signal meanwhile (holding the GIL,
        # waiting for that lock) deadlocked both: a test froze for good in a fresh venv.
        thread = self.thread()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self.finished_with.emit(result, error)
        # The thread ends by itself once the work is done (quit is safe from any thread).
        if thread is not None:
            thread.quit()


class ThreadJob(QObject):
    """``work()`` called once on a ``QThread`` named ``name``; :attr:`done` on the GUI thread.

    After :attr:`done`, :attr:`result` holds what ``work`` returned, or :attr:`error` what it
    raised (``expected`` errors quietly, any other ``Exception`` with its traceback printed).
    Create and start it on the GUI thread.
    """

    #: The work ended (emitted on the thread that made the job); read result/error.
    done = Signal()

    def __init__(self, work: Callable[[], Any], name: str,
                 expected: tuple[type[BaseException], ...] = ()):
        super().__init__()
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False
        self._thread = QThread()
        self._thread.setObjectName(name)  # a debugger or profiler shows what it is
        self._worker = _Worker(work, expected)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        # Queued (the worker lives on the other thread): _on_finished runs here.
        self._worker.finished_with.connect(self._on_finished)

    def start(self) -> None:
        """Start the work on its thread (returns at once)."""
        _RUNNING.add(self)
        self._thread.start()

    def wait(self, ms: int = 5000) -> bool:
        """Block until the work's thread has ended (tests); True if it did within ``ms``."""
        return self._thread.wait(ms)

    @Slot(object, object)
    def _on_finished(self, result: Any, error: Any) -> None:
        self._thread.wait()  # it has quit (see _Worker.run); then the job may be dropped
        self.result, self.error, self.finished = result, error, True
        _RUNNING.discard(self)
        self.done.emit()
