"""A training process is given up when it is dead, stopped or hung, never for being slow.

Its death is its exit or the end of its pipe. A silence (no "alive" for a second) is not:
on an overloaded machine the child, or the parent's reader, may not get a core for that
long. After a silence the system is asked: a stopped child (SIGSTOP, a debugger; see the
stopped-child tests in test_training_process.py) is given up at once, one that has not
run at all for ``HUNG_TIMEOUT`` too, and one that runs or waits for a core is waited for.
"""
import sys
from pathlib import Path

import pytest

from nnviz.session import training_process
from nnviz.session.training_process import HUNG_TIMEOUT, ProcessFailed, child_state
from tests.engine.test_training_process import make, remote, run_chunks, until  # noqa: F401


def given_up(process) -> bool:
    try:
        process.check()
    except ProcessFailed as error:
        return "stopped answering" in str(error)
    return False


def test_a_silent_child_that_trains_is_not_given_up(remote, monkeypatch):  # noqa: F811
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.trains_in_process() and s.process.running)
    process = there.process
    pid = process.pid
    # Nothing heard for a long time: the parent's reader (or the child) had no core.
    monkeypatch.setattr(process, "silent", lambda: 3 * HUNG_TIMEOUT)
    steps = there.stepper.global_step
    for _ in range(10_000):
        assert not given_up(process)
        status, _trace = there.train_chunk()
        assert status == "running"
        if there.stepper.global_step > steps + 300:
            break
    assert there.stepper.global_step > steps + 300
    assert process.pid == pid and there.process is process and there.process_problem == ""
    assert child_state(pid)[0] in "RSD"  # what the check read: running or sleeping
    there.pause()


def test_a_child_that_does_not_run_at_all_is_given_up(remote, monkeypatch):  # noqa: F811
    there = remote()
    process = there.process
    monkeypatch.setattr(training_process, "HUNG_TIMEOUT", 0.2)
    monkeypatch.setattr(training_process, "child_state", lambda pid: ("S", 7))  # no CPU used
    monkeypatch.setattr(process, "silent", lambda: 3 * HUNG_TIMEOUT)
    assert until(lambda: given_up(process), timeout=10)
    assert process.lost and process.pid is None


@pytest.mark.parametrize("silence, lost", [(HUNG_TIMEOUT / 2, False), (HUNG_TIMEOUT + 1, True)])
def test_where_the_system_cannot_say_only_a_long_silence_counts(remote, monkeypatch,  # noqa: F811
                                                                 silence, lost):
    there = remote()
    process = there.process
    monkeypatch.setattr(training_process, "child_state", lambda pid: None)  # no /proc
    monkeypatch.setattr(process, "silent", lambda: silence)
    assert given_up(process) is lost
    assert (process.pid is None) is lost


def test_the_system_says_how_a_process_is():
    import os
    letter, cpu = child_state(os.getpid())
    assert letter == "R" and cpu >= 0  # this one is running (it reads the file)
    assert child_state(2 ** 22 + 12345) is None  # no such process


def test_a_frozen_app_starts_its_training_process_as_itself(tmp_path, monkeypatch):
    """PyInstaller's app has no ``python -c``: the child is the app itself, started with
    CHILD_FLAG, and its entry point (the installed command's ``ui.launcher.main``) becomes
    the training process. Here the "app" is a script whose interpreter runs that entry."""
    root = Path(__file__).resolve().parents[2]
    app = tmp_path / "nnviz-app"
    app.write_text(f"#!{sys.executable} -I\n"
                   f"import sys\nsys.path.insert(0, {str(root)!r})\n"
                   "from ui.launcher import main\nsys.exit(main())\n", encoding="utf-8")
    app.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app))
    assert training_process.child_command() == [str(app), training_process.CHILD_FLAG]
    there = make(epochs=3, process=True)
    try:
        assert there.process.wait_ready(), there.process.failure
        assert there.process._proc.args == [str(app), training_process.CHILD_FLAG]
        assert run_chunks(there) == "finished"
        assert there.trains_in_process() and there.process_problem == ""
        assert there.stepper.epoch == 3
    finally:
        there.close()
