"""Proof of export in the window: after a weight export, check the file in its runtime.

:class:`ExportProof` runs :func:`nnviz.files.export_check.check_export` as a
:class:`~ui.thread_job.ThreadJob` (loading Keras or onnxruntime takes seconds) and says the
answer in the status bar: "weights.onnx checked in onnxruntime: max |Δ| = 3e-16 over 200
samples", or, without the runtime, how to check by hand. ``checked`` carries the
:class:`~nnviz.files.export_check.ExportCheck` (tests and scripts wait for it); ``last`` keeps
the newest one.
"""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from nnviz.errors import NnvizError
from nnviz.files.export_check import ExportCheck, check_export
from ui.thread_job import ThreadJob

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: Two Keras checks never build models side by side (Keras's global state).
_ONE_AT_A_TIME = threading.Lock()


class ExportProof(QObject):
    """Checks each written export off the window's thread and reports it."""

    #: One :class:`~nnviz.files.export_check.ExportCheck`, on the window's thread.
    checked = Signal(object)

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        self.last: ExportCheck | None = None
        self._jobs: list[ThreadJob] = []
        self.checked.connect(self._report)

    def start(self, path: str, suffix: str, model) -> None:
        """Check ``path`` (just written for ``model``) on the data set's first samples."""
        try:
            x = self._window.session.dataset().x
        except NnvizError as error:
            self.checked.emit(ExportCheck(path, "", None, 0,
                                          f"Exported, not checked: the data set cannot "
                                          f"be loaded ({error})"))
            return

        def work() -> ExportCheck:
            with _ONE_AT_A_TIME:
                return check_export(path, suffix, model, x)

        job = ThreadJob(work, "nnviz-export-check")
        # A slot of this object: a closed window's proof is gone, and the answer with it.
        job.done.connect(self._on_done)
        self._jobs.append(job)
        job.start()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the running checks; whether they all ended."""
        deadline = time.monotonic() + timeout
        for job in list(self._jobs):
            job.wait(max(0, int((deadline - time.monotonic()) * 1000)))
        return not self.busy()

    def busy(self) -> bool:
        """Whether a check's thread is still running."""
        return any(not job.wait(0) for job in self._jobs)

    def _on_done(self) -> None:
        job = self.sender()
        if not isinstance(job, ThreadJob):
            return
        self._jobs = [j for j in self._jobs if j is not job]
        if job.error is not None:  # check_export reports its failures; this is a bug
            name = str(job.error) or type(job.error).__name__
            self.checked.emit(ExportCheck("", "", None, 0, f"The export was not checked: {name}"))
        else:
            self.checked.emit(job.result)

    def _report(self, result: ExportCheck) -> None:
        self.last = result
        self._window._show_message(result.message)
