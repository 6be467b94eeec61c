"""Training in a child process (no Qt): the same run bit for bit, taken back whole on any
command, and training goes on here when the process fails."""
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnviz import resources
from nnviz.files.project import Project
from nnviz.session import runners, training_process
from nnviz.session.runners import ProcessRunner
from nnviz.session.session import Session


def make(epochs=40, process=False, **training):
    project = Project.lecture_example()
    project.update_training(epochs=epochs, **training)
    return Session(project, runner=ProcessRunner() if process else None)


@pytest.fixture
def remote():
    """A session that trains in its process (started and ready)."""
    sessions = []

    def build(**kwargs):
        session = make(**kwargs, process=True)
        assert session.process.wait_ready(), session.process.failure
        sessions.append(session)
        return session
    yield build
    for session in sessions:
        session.close()


def run_chunks(session, until=lambda s: False, limit=10_000):
    """What the window's worker does while the process trains: chunk after chunk."""
    assert session.start_training() == ""
    status = "running"
    for _ in range(limit):
        status, _trace = session.train_chunk()
        if status != "running" or until(session):
            break
    return status


def full_state(session):
    s = session.stepper.get_state()
    return s, s.position.order, s.position.rng


def assert_same_run(a, b):
    sa, order_a, rng_a = full_state(a)
    sb, order_b, rng_b = full_state(b)
    assert all(np.array_equal(x, y) for x, y in zip(sa.weights, sb.weights))
    assert sa.counters == sb.counters
    assert sa.optimizer[0] == sb.optimizer[0]
    for slots_a, slots_b in zip(sa.optimizer[1] or [], sb.optimizer[1] or []):
        assert slots_a.keys() == slots_b.keys()
        assert all(np.array_equal(slots_a[k], slots_b[k]) for k in slots_a)
    assert (order_a is None) == (order_b is None)
    if order_a is not None:
        assert np.array_equal(order_a, order_b)
    assert rng_a == rng_b
    assert sa.sums == sb.sums
    assert sa.history.to_dict() == sb.history.to_dict()
    assert [e for e, _w in sa.snapshots] == [e for e, _w in sb.snapshots]
    for (_e, wa), (_f, wb) in zip(sa.snapshots, sb.snapshots):
        assert all(np.array_equal(x, y) for x, y in zip(wa, wb))
    assert sa.diverged == sb.diverged


def test_a_run_in_the_process_is_the_run_here_bit_for_bit(remote):
    # Adam: the optimizer's memory must come back too, not only the weights.
    here = make(optimizer="adam", learning_rate=0.01)
    here.train()
    there = remote(optimizer="adam", learning_rate=0.01)
    assert run_chunks(there) == "finished"
    assert there.trains_in_process()
    there.pause()
    assert_same_run(here, there)
    assert there.undo_stack.undo_text == "Train (40 epochs)"


def test_a_pause_mid_run_takes_the_whole_state_back(remote):
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.stepper.epoch >= 3)
    there.pause()  # a command: the process stops and hands everything back
    steps = there.stepper.global_step
    assert steps > 0 and not there.process.running
    # The same number of batches trained here: the same state, to the random generator.
    here = make(epochs=100_000)
    assert here.start_training() == ""
    here.train_chunk(lambda: here.stepper.global_step >= steps)
    here.pause()
    assert_same_run(here, there)
    # Undo puts back the state from before Train, Redo the trained one.
    trained = [w.copy() for w in there.model.get_weights()]
    there.undo_stack.undo()
    assert there.stepper.global_step == 0 and not len(there.history.batch_loss)
    there.undo_stack.redo()
    assert there.stepper.global_step == steps
    assert all(np.array_equal(a, b) for a, b in zip(trained, there.model.get_weights()))


def test_a_learning_rate_set_while_training_reaches_the_process(remote):
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.stepper.epoch >= 2)
    there.set_setting(learning_rate=0.5)  # patches the run: history and counters stay
    before = there.stepper.global_step
    assert there.training and before > 0
    run_chunks(there, until=lambda s: s.stepper.global_step > before + 50)
    assert there.model.optimizer.learning_rate == 0.5
    there.pause()
    state = there.stepper.get_state()
    assert state.optimizer[0] == there.stepper.global_step
    assert len(there.history.batch_loss) == there.stepper.global_step


def test_epochs_lowered_while_training_stop_the_process_there(remote):
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.stepper.epoch >= 2)
    target = there.stepper.epoch + 3
    there.project.update_training(epochs=target)
    assert run_chunks(there) == "finished"
    there.pause()
    assert there.stepper.epoch == target


def test_divergence_in_the_process_is_divergence_here():
    def sine(runner=None):
        session = Session(Project.load(resources.example_path("sine")), runner=runner)
        session.set_setting(learning_rate=10.0)
        return session
    here = sine()
    assert here.train() is True
    there = sine(ProcessRunner())
    assert there.process.wait_ready()
    assert run_chunks(there) == "diverged"
    there.pause()
    assert there.stepper.diverged == here.stepper.diverged
    assert all(np.all(np.isfinite(w)) for w in there.model.get_weights())
    assert_same_run(here, there)
    there.close()


def test_between_two_deltas_the_sessions_run_is_whole(remote):
    # What the window reads while the process trains (a frame, the handout's copy) is one
    # moment of the run: Adam's step count, the epoch's sums and the stage agree with it.
    there = remote(epochs=100_000, optimizer="adam", learning_rate=0.01)
    there.step("stage")  # half-way through a batch's stages
    run_chunks(there, until=lambda s: s.stepper.global_step > 300)
    state = there.stepper.get_state()
    assert there.process.running
    assert state.optimizer[0] == there.stepper.global_step
    assert state.sums[2] == 4 * there.stepper.batch_index  # samples in this epoch so far
    assert there.stepper.next_stage.label == make().stepper.next_stage.label
    there.pause()


def test_a_large_network_trains_in_the_process_too(remote):
    # Its deltas are larger than a pipe holds at once (2-1000-2: 5,000 weights).
    def widen(session):
        hidden = [spec for spec in session.design.chain() if spec.kind == "hidden"][0]
        session.design.set_units(hidden.id, 1000)
        return session

    there = widen(remote(epochs=100_000))
    run_chunks(there, until=lambda s: s.stepper.epoch >= 2)
    assert there.trains_in_process() and there.process_problem == ""
    there.pause()
    steps = there.stepper.global_step
    here = widen(make(epochs=100_000))
    assert here.start_training() == ""
    here.train_chunk(lambda: here.stepper.global_step >= steps)
    here.pause()
    assert_same_run(here, there)


def test_training_goes_on_here_when_the_process_dies(remote, capsys):
    there = remote(epochs=100_000, optimizer="adam", learning_rate=0.01)
    run_chunks(there, until=lambda s: s.stepper.global_step > 0)
    killed = there.process._proc
    killed.kill()
    steps = there.stepper.global_step
    for _ in range(5):
        status, _ = there.train_chunk(lambda: True)
        assert status == "running"
    assert there.process_problem.startswith("The training process ended")
    assert there.process_problem.endswith("A new training process is starting.")
    assert there.process.pid != killed.pid  # replaced (it starts while training goes on)
    assert there.stepper.global_step > steps  # trained here, from the last state sent
    there.pause()
    # The state it went on from was whole: Adam counted every step, the epochs' losses
    # are the means of their batches'.
    state = there.stepper.get_state()
    assert state.optimizer[0] == there.stepper.global_step
    history, per_epoch = there.history, there.stepper.batches_per_epoch
    for epoch, loss in enumerate(history.epoch_loss):
        batches = history.batch_loss[epoch * per_epoch:(epoch + 1) * per_epoch]
        assert loss == pytest.approx(np.mean(batches), rel=1e-9)
    assert "training continues without its process" in capsys.readouterr().err


def test_closing_the_session_ends_its_process(remote):
    there = remote()
    run_chunks(there, until=lambda s: s.stepper.global_step > 0)
    proc = there.process._proc
    there.close()
    assert proc.wait(5) is not None
    assert there.process is None and not there.training


def test_a_running_process_quits_when_asked_not_killed(remote):
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.stepper.global_step > 0)
    process = there.process
    proc = process._proc
    assert process.running
    process.close()  # while it trains: it stops after its batch and exits by itself
    assert proc.returncode == 0


def test_the_data_set_goes_to_the_process_once_per_run(remote, monkeypatch):
    there = remote(epochs=100_000)
    sent = []
    original = type(there.process)._send

    def spy(self, message):
        if message[0] == "load":
            sent.append(message[3] is not None)
        return original(self, message)
    monkeypatch.setattr(type(there.process), "_send", spy)
    run_chunks(there, until=lambda s: s.stepper.global_step > 0)
    there.set_setting(learning_rate=0.2)  # the run goes on: loaded again, data kept
    run_chunks(there, until=lambda s: s.stepper.global_step > 100)
    there.pause()
    there.reset()  # a new run: its data goes once more
    run_chunks(there, until=lambda s: s.stepper.global_step > 0)
    there.pause()
    assert sent == [True, False, True]


def test_traced_batches_after_the_process_continue_its_run(remote):
    # Slow speeds train batch by batch here: the process hands its run back first.
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.stepper.global_step > 10)
    status, trace = there.train_chunk(traced=True)
    assert status == "running" and trace is not None
    assert not there.process.running
    there.pause()
    # The batches the process trained (up to its stop), then one traced batch here.
    steps = there.stepper.global_step - 1
    here = make(epochs=100_000)
    assert here.start_training() == ""
    here.train_chunk(lambda: here.stepper.global_step >= steps)
    here.train_chunk(traced=True)
    here.pause()
    assert_same_run(here, there)


def test_a_run_started_here_and_continued_in_the_process_is_one_run(remote):
    # The window's order: the first chunks train here while the process starts (so the
    # fast path's buffers exist here), then the process takes the run over mid-epoch.
    there = remote(epochs=30)
    process, there.runner.process = there.runner.process, None
    assert there.start_training() == ""
    there.train_chunk(lambda: there.stepper.global_step >= 57)  # mid-epoch 2
    assert there.stepper._fast is not None
    there.runner.process = process
    assert there.trains_in_process()
    assert run_chunks(there) == "finished"
    there.pause()
    here = make(epochs=30)
    here.train()
    assert_same_run(here, there)


def test_a_process_nobody_closed_ends_with_its_session():
    import gc

    session = make(process=True)
    assert session.process.wait_ready()
    child = session.process._proc
    del session
    gc.collect()
    assert child.wait(5) is not None


# ---------------------------------------------------------------------- isolation (#19.2)
PLANTED = ("queue", "numpy", "pickle", "threading", "traceback", "subprocess", "dataclasses",
           "sitecustomize", "usercustomize")


def plant(folder, marks):
    """Modules named like the ones the child imports, each leaving a mark when it runs."""
    for name in PLANTED:
        (folder / f"{name}.py").write_text(
            f"open({str(marks / name)!r}, 'w').close()\n", encoding="utf-8")
    (folder / "nnviz").mkdir()
    (folder / "nnviz" / "__init__.py").write_text(
        f"open({str(marks / 'nnviz')!r}, 'w').close()\n", encoding="utf-8")


def test_the_process_runs_nnviz_not_the_modules_of_the_launch_folder(tmp_path, monkeypatch):
    # A student unpacks a course zip (lecture.nnviz and a queue.py) and starts nnviz there.
    course, marks = tmp_path / "course", tmp_path / "marks"
    course.mkdir()
    marks.mkdir()
    plant(course, marks)
    monkeypatch.chdir(course)
    # Started as `python -m ...` there, or with PYTHONPATH naming it: the parent's path has it.
    monkeypatch.setattr(sys, "path", ["", str(course)] + sys.path)
    monkeypatch.setenv("PYTHONPATH", str(course))
    session = make(process=True)
    try:
        assert session.process.wait_ready(), session.process.failure
        assert run_chunks(session) == "finished"
        assert session.trains_in_process() and session.process_problem == ""
    finally:
        session.close()
    assert sorted(p.name for p in marks.iterdir()) == []


def test_the_childs_path_leaves_out_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), "/elsewhere"] + sys.path)
    path = training_process.child_path()
    assert "" not in path and str(tmp_path) not in path and "/elsewhere" in path
    # The folder this nnviz comes from is always there (a source tree, an editable install).
    assert str(Path(training_process.__file__).resolve().parent.parent) in path


def test_a_process_that_cannot_start_says_why_and_training_goes_on_here(tmp_path,
                                                                        monkeypatch):
    # Its nnviz cannot be imported (a broken install): the child says so before it dies.
    broken = tmp_path / "broken"
    (broken / "nnviz").mkdir(parents=True)
    (broken / "nnviz" / "__init__.py").write_text("raise ImportError('a broken install')\n",
                                                   encoding="utf-8")
    real = training_process.child_path
    monkeypatch.setattr(training_process, "child_path", lambda: [str(broken)] + real())
    session = make(epochs=100_000, process=True)
    try:
        assert session.start_training() == ""
        for _ in range(10_000):
            session.train_chunk(lambda: True)
            if session.process_problem:
                break
            session.process.wait(0.05)  # the child's answer
        assert session.process_problem == ("The training process could not start: "
                                           "ImportError: a broken install")
        assert session.stepper.global_step > 0 and not session.trains_in_process()
        assert session.process.pid is None  # ended, and not started again
        session.pause()
    finally:
        session.close()


def test_a_python_that_cannot_be_started_is_said_too(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    session = make(process=True)
    try:
        assert session.start_training() == ""
        assert session.train_chunk(lambda: True) == ("running", None)
        assert session.process_problem.startswith("The training process could not start: ")
        assert "/nonexistent/python3" in session.process_problem
        assert session.train_chunk(lambda: True) == ("running", None)
        assert session.stepper.global_step > 0  # here
    finally:
        session.close()


# ---------------------------------------------------------------------- a stopped child (#19.10)
class Worker:
    """The window's worker without a window: train_chunk again and again on a thread."""

    def __init__(self, session):
        self.session = session
        self.stop = threading.Event()
        self.errors: list = []
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        try:
            while not self.stop.is_set():
                status, _ = self.session.train_chunk(lambda: True)
                if status == "stopped":
                    self.stop.wait(0.002)
        except Exception as error:  # noqa: BLE001 - the test reports it
            self.errors.append(error)

    def __enter__(self):
        assert self.session.start_training() == ""
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive() and not self.errors


def until(condition, timeout=10.0):
    """Wait for ``condition()`` (polling), at most ``timeout`` seconds; its last value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return value


def in_thread(command, timeout=5.0):
    """Run ``command`` on a thread of its own: whether it returned within ``timeout``."""
    done = threading.Event()
    thread = threading.Thread(target=lambda: (command(), done.set()), daemon=True)
    thread.start()
    return done.wait(timeout)


def stop_child(session):
    """SIGSTOP the session's training process (a debugger, a frozen machine); its Popen."""
    proc = session.process._proc
    os.kill(proc.pid, signal.SIGSTOP)
    return proc


def test_a_command_never_waits_for_a_stopped_process(remote):
    there = remote(epochs=100_000)
    with Worker(there):
        assert until(lambda: there.trains_in_process() and there.stepper.global_step > 100)
        proc = stop_child(there)
        # Pause while the child is stopped (it took 27 s: the worker held the lock while
        # it waited 30 s for a delta). The run is the last state the child sent.
        assert in_thread(there.pause)
        assert not there.training
        steps = there.stepper.global_step
        assert steps > 0 and len(there.history.batch_loss) == steps
        assert there.undo_stack.undo_text.startswith("Train (")
        # A rename while it is stopped: a command of its own, at once too.
        hidden = [spec for spec in there.design.chain() if spec.kind == "hidden"][0]
        assert in_thread(lambda: there.design.set_name(hidden.id, "Renamed"))
        # Train again: the silent child is noticed before anything is sent to it, ended,
        # and replaced; meanwhile training goes on here from where Pause left it.
        assert there.start_training() == ""
        assert until(lambda: "stopped answering" in there.process_problem)
        assert proc.wait(5) == -signal.SIGKILL
        assert until(lambda: there.stepper.global_step > steps + 100)
        assert until(lambda: there.trains_in_process() and there.process.pid != proc.pid)
        there.pause()
    assert len(there.history.batch_loss) == there.stepper.global_step
    assert there.model.get_weights()[0] is not None
    assert [s.name for s in there.design.chain() if s.kind == "hidden"] == ["Renamed"]


def test_a_process_that_stops_answering_while_training_is_replaced(remote):
    there = remote(epochs=100_000, optimizer="adam", learning_rate=0.01)
    with Worker(there):
        assert until(lambda: there.trains_in_process() and there.stepper.global_step > 100)
        proc = stop_child(there)
        # Noticed by the training alone (no command), within a second of silence.
        assert until(lambda: "stopped answering" in there.process_problem)
        assert there.process_problem == (
            "The training process stopped answering (nothing for 1 s) and was ended. "
            "A new training process is starting.")
        assert proc.wait(5) == -signal.SIGKILL
        assert until(lambda: there.trains_in_process() and there.process.pid != proc.pid)
        steps = there.stepper.global_step
        assert until(lambda: there.stepper.global_step > steps + 100)  # in the new one
        there.pause()
    state = there.stepper.get_state()
    assert state.optimizer[0] == there.stepper.global_step  # a whole state throughout
    assert len(there.history.batch_loss) == there.stepper.global_step


def test_a_process_is_replaced_a_few_times_only(remote, monkeypatch):
    monkeypatch.setattr(runners, "MAX_REPLACEMENTS", 1)
    there = remote(epochs=100_000)
    pids = []
    with Worker(there):
        for _ in range(2):
            assert until(lambda: there.trains_in_process() and there.process.pid not in pids)
            pids.append(there.process.pid)
            stop_child(there)

            def given_up():
                with there.lock:  # the worker's chunk is done (the problem is set)
                    return there.process.pid != pids[-1]
            assert until(given_up)
        assert not there.trains_in_process() and there.process.failure
        assert "A new training process" not in there.process_problem
        steps = there.stepper.global_step
        assert until(lambda: there.stepper.global_step > steps + 100)  # here
        there.pause()


def test_pause_and_train_again_quickly_keep_training_in_the_process(remote):
    # Pause does not wait for the child's last delta: a stop read while the child still
    # trains an older run must stop that one, not the next.
    there = remote(epochs=100_000)
    for _ in range(30):
        run_chunks(there, until=lambda s: s.trains_in_process() and s.process.running)
        there.pause()
    steps = there.stepper.global_step
    run_chunks(there, until=lambda s: s.stepper.global_step > steps + 100, limit=100_000)
    assert there.trains_in_process() and there.process_problem == ""
    there.pause()
    assert len(there.history.batch_loss) == there.stepper.global_step
