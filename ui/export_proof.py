"""Proof of export in the window: after a weight export, check the file in its runtime.

:class:`ExportProof` runs :func:`nnviz.export_check.check_export` on a thread of its own
(loading Keras or onnxruntime takes seconds) and says the answer in the status bar:
"weights.onnx checked in onnxruntime: max |Δ| = 3e-16 over 200 samples", or, without the
runtime, how to check by hand. ``checked`` carries the :class:`~nnviz.export_check.ExportCheck`
(tests and scripts wait for it); ``last`` keeps the newest one.
"""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from nnviz.errors import NnvizError
from nnviz.export_check import ExportCheck, check_export

if TYPE_CHECKING:
    from ui.main_window import MainWindow

_ONE_AT_A_TIME = threading.Lock()


class ExportProof(QObject):
    """Checks each written export off the window's thread and reports it."""

    #: One :class:`~nnviz.export_check.ExportCheck`, on the window's thread.
    checked = Signal(object)

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.last: ExportCheck | None = None
        self._threads: list[threading.Thread] = []
        self.checked.connect(self._report)

    def start(self, path: str, suffix: str, model) -> None:
        """Check ``path`` (just written for ``model``) on the data set's first samples."""
        window = self._window
        try:
            x = window.session.dataset().x
        except NnvizError as error:
            self.checked.emit(ExportCheck(path, "", None, 0,
                                          f"Exported, not checked: the data set cannot "
                                          f"be loaded ({error})"))
            return
        signal = self.checked

        def work() -> None:
            with _ONE_AT_A_TIME:  # two Keras checks never build models side by side
                result = check_export(path, suffix, model, x)
            try:
                signal.emit(result)
            except RuntimeError:
                pass  # the window closed meanwhile: nobody is left to tell

        self._threads = [t for t in self._threads if t.is_alive()]
        # A daemon thread: a runtime still loading never keeps the program from quitting.
        thread = threading.Thread(target=work, name="nnviz-export-check", daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the running checks; whether they all ended."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not self.busy()

    def busy(self) -> bool:
        """Whether a check is still running."""
        return any(t.is_alive() for t in self._threads)

    def _report(self, result: ExportCheck) -> None:
        self.last = result
        self._window._show_message(result.message)
