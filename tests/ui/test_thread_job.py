"""Work off the GUI thread in the window's one style: a worker QObject on a QThread of its
own (ui.thread_job.ThreadJob), for the CSV parse and the loss surface alike."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QDockWidget

import ui.loss_surface
from nnviz.errors import NnvizError
from ui.thread_job import ThreadJob

ROOT = Path(__file__).resolve().parents[2]


def _run(qtbot, work, expected=()):
    job = ThreadJob(work, "nnviz-test-job", expected=expected)
    with qtbot.waitSignal(job.done, timeout=5000):
        job.start()
    assert job.finished
    return job


def test_the_work_runs_on_its_own_named_thread_and_the_result_comes_back(qtbot):
    seen = {}

    def work():
        seen["thread"] = QThread.currentThread().objectName()
        seen["gui"] = QThread.currentThread() is qtbot_thread
        return 42

    qtbot_thread = QThread.currentThread()
    job = _run(qtbot, work)
    assert job.result == 42 and job.error is None
    assert seen == {"thread": "nnviz-test-job", "gui": False}


def test_an_expected_error_is_kept_for_the_gui_thread(qtbot, capsys):
    def work():
        raise NnvizError("line 3, column 2: not a number")

    job = _run(qtbot, work, expected=(NnvizError,))
    assert isinstance(job.error, NnvizError) and job.result is None
    assert "Traceback" not in capsys.readouterr().err  # a bad file is no bug


def test_an_unexpected_error_is_kept_and_its_traceback_printed(qtbot, capsys):
    def work():
        raise KeyError("bug")

    job = _run(qtbot, work, expected=(NnvizError,))
    assert isinstance(job.error, KeyError)
    assert "Traceback" in capsys.readouterr().err


def test_a_job_dropped_by_its_owner_still_ends(qtbot):
    release = threading.Event()
    ended = threading.Event()

    def work():
        assert release.wait(10)
        ended.set()

    job = ThreadJob(work, "nnviz-test-job")
    job.start()
    del job  # whoever started it is gone; the running thread must not be destroyed
    release.set()
    assert ended.wait(10)
    qtbot.waitUntil(lambda: not ui.thread_job._RUNNING, timeout=5000)


def test_the_surface_computes_only_the_newest_of_the_requests_made_meanwhile(
        window, qtbot, monkeypatch):
    dock = window.findChild(QDockWidget, "lossSurfaceDock")
    dock.mode_combo.setCurrentIndex(dock.mode_combo.findData("random"))
    qtbot.waitUntil(lambda: dock._task is None, timeout=10000)
    release = threading.Event()
    spans = []
    real = ui.loss_surface._evaluate

    def slow(job):
        spans.append(job["span"])
        if len(spans) == 1:
            assert release.wait(10)
        return real(job)

    monkeypatch.setattr(ui.loss_surface, "_evaluate", slow)
    for span in (1.5, 2.5, 3.5):  # three Recomputes while the first still runs
        dock.span_spin.setValue(span)
        dock.compute()
    with qtbot.waitSignal(dock.sig_computed, timeout=10000):
        release.set()
    assert spans == [1.5, 3.5]
    alphas, _betas, _losses = dock.surface
    assert alphas[-1] == pytest.approx(3.5)


def test_a_process_exiting_while_a_job_runs_waits_for_it():
    """Python's exit does not destroy a running job's QThread (Qt would abort the process)."""
    code = (
        "import time\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from ui.thread_job import ThreadJob\n"
        "app = QCoreApplication([])\n"
        "job = ThreadJob(lambda: time.sleep(0.3), 'nnviz-test-job')\n"
        "job.start()\n"
        "print('started', flush=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
