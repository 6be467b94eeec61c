"""One runner decides where training runs (no Qt): inline and in the process, the same run
bit for bit and the same status sequences; the runner is chosen when the session is made."""
import re
from pathlib import Path

import numpy as np
import pytest

from nnviz import resources
from nnviz.files.project import Project
from nnviz.session.run_status import RunStatus
from nnviz.session.runners import InlineRunner, ProcessRunner, default_runner
from nnviz.session.session import Session
from tests.engine.test_training_process import assert_same_run


def lecture(epochs):
    project = Project.lecture_example()
    project.update_training(epochs=epochs, optimizer="adam", learning_rate=0.01)
    return project


def diverging():
    project = Project.load(resources.example_path("sine"))
    project.update_training(optimizer="sgd", learning_rate=10.0, epochs=200)
    return project


@pytest.fixture
def sessions():
    """Sessions made with a runner of the kind asked for, closed at the end."""
    made = []

    def build(kind, project):
        runner = ProcessRunner() if kind == "process" else InlineRunner()
        session = Session(project, runner=runner)
        if kind == "process":
            assert runner.process.wait_ready(), runner.process.failure
        made.append(session)
        return session
    yield build
    for session in made:
        session.close()


def record(session):
    seen = []
    session.events.status_changed.connect(lambda status, reason: seen.append(status))
    return seen


def chunks(session, until=lambda s: False, limit=100_000):
    """What the window's worker does: chunk after chunk (no window)."""
    status = "running"
    for _ in range(limit):
        status, _trace = session.train_chunk(lambda: True)
        if status != "running" or until(session):
            break
    return status


def test_the_same_run_inline_and_in_the_process_bit_for_bit(sessions):
    inline, process = sessions("inline", lecture(25)), sessions("process", lecture(25))
    for session in (inline, process):
        seen = record(session)
        assert session.start_training() == ""
        assert chunks(session) == "finished"
        # Ended by the session itself: no pause, no window.
        assert seen == [RunStatus.TRAINING, RunStatus.FINISHED]
        assert session.undo_stack.undo_text == "Train (25 epochs)"
    assert process.trains_in_process() and not inline.trains_in_process()
    assert process.process_problem == ""
    assert_same_run(inline, process)


@pytest.mark.parametrize("kind", ["inline", "process"])
def test_pause_and_train_on_say_the_same_statuses(sessions, kind):
    session = sessions(kind, lecture(100_000))
    seen = record(session)
    session.start_training()
    chunks(session, until=lambda s: s.stepper.global_step > 300)
    session.pause()
    assert session.status is RunStatus.PAUSED and not session.process_problem
    steps = session.stepper.global_step
    assert len(session.history.batch_loss) == steps
    session.set_setting(epochs=session.stepper.epoch + 2)
    session.start_training()
    assert chunks(session) == "finished"
    assert seen == [RunStatus.TRAINING, RunStatus.PAUSED, RunStatus.TRAINING,
                    RunStatus.FINISHED]
    assert session.stepper.global_step > steps


@pytest.mark.parametrize("kind", ["inline", "process"])
def test_divergence_says_the_same_status_inline_and_in_the_process(sessions, kind):
    session = sessions(kind, diverging())
    seen = record(session)
    session.start_training()
    assert chunks(session) == "diverged"
    assert seen == [RunStatus.TRAINING, RunStatus.DIVERGED]
    assert session.status_reason == session.stepper.diverged
    assert all(np.all(np.isfinite(w)) for w in session.model.get_weights())


def test_a_paced_chunk_trains_inline_while_the_process_is_ready(sessions):
    # A paced run ("30 steps/s") shows every batch's stages: the process runner trains
    # such a chunk here, and the child is not started on a run.
    session = sessions("process", lecture(5))
    assert session.start_training() == ""
    status, trace = session.train_chunk(traced=True)
    assert status == "running" and trace is not None
    assert session.stepper.global_step == 1
    assert not session.process.running and session.trains_in_process()
    session.pause()


def test_the_runner_is_chosen_once_when_the_session_is_made(monkeypatch):
    assert isinstance(Session().runner, InlineRunner)  # the command line, the tests
    monkeypatch.setenv("NNVIZ_TRAINING_PROCESS", "0")
    assert isinstance(default_runner(), InlineRunner)
    monkeypatch.setenv("NNVIZ_TRAINING_PROCESS", "1")
    runner = default_runner()
    assert isinstance(runner, ProcessRunner) and runner.process.pid is None  # not started
    runner.close()


def test_a_chunk_at_the_last_epoch_trains_nothing():
    # Training is told the last epoch, not how many more: a run whose last delta was
    # applied by a command (a setting, Pause at that instant) and that goes on inline
    # must not train one epoch past the end.
    session = Session(lecture(2))
    session.train()
    stepper = session.stepper
    assert stepper.epoch == 2
    step = stepper.global_step
    for traced in (False, True):
        assert InlineRunner().chunk(stepper, 2, 0, lambda: False, traced) == ("finished", None)
    assert stepper.global_step == step and stepper.epoch == 2


def test_every_step_and_chunk_of_a_session_goes_through_its_runner():
    """One training path: a session moves its weights only by its runner's step and chunk
    (the command line's train, the window's chunks, Step/Batch/Epoch, the handout's copy)."""
    calls = []

    class Counting(InlineRunner):
        def step(self, stepper, kind):
            calls.append(kind)
            return super().step(stepper, kind)

        def chunk(self, stepper, target, token, should_stop, traced=False, progress=None):
            calls.append("traced" if traced else "chunk")
            return super().chunk(stepper, target, token, should_stop, traced, progress)

    session = Session(lecture(3), runner=Counting())
    for kind in ("stage", "batch", "epoch"):
        session.step(kind)
    session.start_training()
    session.train_chunk(traced=True)
    session.train_chunk(lambda: True)
    session.pause()
    session.train(1)
    assert calls[:6] == ["stage", "batch", "epoch", "traced", "chunk", "chunk"]
    assert session.stepper.epoch == 2  # the epoch step, then one more epoch trained


def test_no_code_but_the_inline_runner_moves_a_stepper():
    """The grep behind "one training path": outside the Stepper itself, the inline runner
    and Keras's ``Sequential.fit`` (a bare model, no session), nothing in nnviz or ui
    calls a stepper's step, step_batch, step_epoch or run."""
    root = Path(__file__).resolve().parents[2]
    allowed = {"nnviz/engine/training.py", "nnviz/engine/stepper_fast.py",  # the Stepper
               "nnviz/engine/inline_runner.py", "nnviz/engine/models.py"}
    pattern = re.compile(r"stepper\.(step|step_batch|step_epoch|run)\(")
    found = []
    for folder in ("nnviz", "ui"):
        for path in (root / folder).rglob("*.py"):
            name = path.relative_to(root).as_posix()
            if name in allowed:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{name}:{n}: {line.strip()}")
    assert found == []


def test_the_command_lines_train_is_the_windows_chunks_on_any_runner(sessions):
    """Session.train (the command line's) is the loop of chunks: with a ready child it
    trains there, with progress per epoch, and gives the run it gives inline."""
    inline, process = sessions("inline", lecture(3)), sessions("process", lecture(3))
    epochs = {}
    for name, session in (("inline", inline), ("process", process)):
        seen = record(session)
        seen_epochs = epochs.setdefault(name, [])
        assert session.train(4, progress=lambda s, e=seen_epochs: e.append(s.epoch)) is False
        assert session.stepper.epoch == 4  # four more epochs, past the project's three
        assert seen == [RunStatus.TRAINING, RunStatus.FINISHED]
        assert session.undo_stack.undo_text == "Train (4 epochs)"
    assert process.trains_in_process() and process.process.pid is not None
    assert {1, 2, 3, 4} <= set(epochs["inline"]) and 4 in epochs["process"]
    assert_same_run(inline, process)
