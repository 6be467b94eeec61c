"""The last line of defence: an exception nobody caught is reported, not fatal.

An exception raised inside a Qt virtual (a ``paint``, an event handler, a slot) cannot
propagate to any Python caller: PySide hands it to ``sys.excepthook``. The default hook
only prints it, and some PySide versions then abort the process while unwinding, which
loses the user's unsaved work. :func:`install_excepthook` replaces the hook with an
:class:`ErrorReporter` that prints the traceback to stderr (for a bug report) and shows a
*non-modal* message in the window, so the user can keep working and save.

The hook alone is not enough for painting: when a Python ``paint`` (or ``boundingRect``,
``shape``) raises while another Python override is on the stack -- the canvas's
``viewportEvent`` paints all items in one call -- PySide keeps the first exception pending
and the second one in the same pass dereferences it: the process dies with SIGSEGV. A
scene rebuilt by File > Open paints every item at once, so one broken item class was
enough. :func:`guarded` wraps those overrides so no exception ever leaves them.
"""
from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ui.dialogs import plain_text_labels

DIALOG_OBJECT_NAME = "unexpectedErrorDialog"


class ErrorReporter:
    """A ``sys.excepthook``: log the traceback, then show one non-modal message.

    The message box is created once and reused: a paint that fails on every frame
    updates the same box (with a count) instead of opening a box per frame. It is shown
    from a zero-delay timer, never from inside the failing paint or handler itself.
    ``reported`` keeps every exception seen, newest last (the tests read it).
    """

    def __init__(self, previous=None):
        self.previous = previous
        self.reported: list[BaseException] = []
        self.box: QMessageBox | None = None
        self._pending: tuple[str, str] | None = None
        self._count = 0
        self._printed: set[str] = set()

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        """Report ``exc``; ``KeyboardInterrupt`` goes to the previous hook as usual."""
        if issubclass(exc_type, KeyboardInterrupt) and self.previous is not None:
            self.previous(exc_type, exc, tb)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        summary = f"{exc_type.__name__}: {exc}"
        # The same failure repeated (a paint failing every frame) is counted in the box,
        # but its traceback goes to stderr only the first time.
        if text not in self._printed:
            self._printed.add(text)
            try:
                sys.stderr.write(text)
                sys.stderr.flush()
            except (OSError, ValueError, AttributeError):
                pass  # no usable stderr (a windowed start): the message box still shows it
        self.reported.append(exc)
        self._count += 1
        if self._pending is None and QApplication.instance() is not None:
            QTimer.singleShot(0, self._show)
        self._pending = (summary, text)

    def _parent(self) -> QWidget | None:
        window = QApplication.activeWindow()
        if window is not None:
            return window
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and widget.objectName() != DIALOG_OBJECT_NAME:
                return widget
        return None

    def _show(self) -> None:
        if self._pending is None:
            return
        summary, details = self._pending
        self._pending = None
        if self.box is None:
            box = QMessageBox(self._parent())
            box.setObjectName(DIALOG_OBJECT_NAME)
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("nnviz: unexpected error")
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setStandardButtons(QMessageBox.StandardButton.Close)
            box.setWindowModality(Qt.WindowModality.NonModal)
            self.box = box
        times = f" ({self._count} times)" if self._count > 1 else ""
        self.box.setText(f"Something went wrong inside nnviz{times}. Your work is still "
                         "open: save it (under a new name to be safe) and report the "
                         "details below.")
        self.box.setInformativeText(summary)
        self.box.setDetailedText(details)
        plain_text_labels(self.box)
        self.box.show()  # not exec(): the window stays usable


def install_excepthook() -> ErrorReporter:
    """Make an :class:`ErrorReporter` the process's ``sys.excepthook`` (once) and return it."""
    if isinstance(sys.excepthook, ErrorReporter):
        return sys.excepthook
    reporter = ErrorReporter(previous=sys.excepthook)
    sys.excepthook = reporter
    return reporter


def report_exception(error: BaseException) -> None:
    """Hand ``error`` to ``sys.excepthook`` (the :class:`ErrorReporter` in the app).

    Safe to call from inside a paint: the reporter only logs and queues its message box.
    A hook that fails itself (out of memory while formatting) is not allowed to raise
    into Qt either; the error is then written to stderr as a last resort.
    """
    try:
        sys.excepthook(type(error), error, error.__traceback__)
    except Exception:  # noqa: BLE001 (the reporter of last resort must not raise into Qt)
        try:
            sys.stderr.write(f"nnviz: unexpected error: {type(error).__name__}: {error}\n")
        except (OSError, ValueError, AttributeError):
            return  # no stderr either: nothing more can be done without raising


def guarded(fallback: Callable[[], object] = lambda: None) -> Callable:
    """Decorate a Qt virtual (``paint``, ``boundingRect``, ``shape``, ...) so it never raises.

    An exception inside is reported (:func:`report_exception`: stderr and the non-modal
    box, queued, never a modal loop inside a paint) and the call returns ``fallback()``:
    nothing drawn for a paint, an empty rect or path for a geometry query. ``MemoryError``
    on a huge design is caught the same way; ``KeyboardInterrupt`` passes.
    """
    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 (reported: see report_exception)
                report_exception(error)
                return fallback()
        return wrapper
    return decorate
