"""Issue 20, point 1: one run status, owned by the session (no Qt, no window).

The session says what the run does with ``events.status_changed(status, reason)`` and ends
a run itself when a chunk reports the last epoch or divergence, whoever called the chunk.
"""
import threading

import numpy as np
import pytest

from nnviz import resources
from nnviz.files.project import Project
from nnviz.session.design_sync import (
    _design_weights,  # the document -> run link (Session delegates to it)
)
from nnviz.session.run_status import RunStatus, ShownPosition, position
from nnviz.session.runners import InlineRunner, ProcessRunner
from nnviz.session.session import Session


def make(epochs=2, runner=None, **training):
    project = Project.lecture_example()
    project.update_training(epochs=epochs, **training)
    return Session(project, runner=runner)


def diverging():
    session = Session(Project.load(resources.example_path("sine")))
    session.set_setting(optimizer="sgd", learning_rate=10.0, epochs=200)
    return session


def record(session):
    seen = []
    session.events.status_changed.connect(lambda status, reason: seen.append((status, reason)))
    return seen


def chunks(session, limit=10_000):
    status = "running"
    for _ in range(limit):
        status, _trace = session.train_chunk()
        if status != "running":
            break
    return status


def test_training_to_the_end_is_ended_by_the_session():
    session = make(epochs=2)
    assert session.status is RunStatus.IDLE
    assert session.status_text() == "Ready to train"
    seen = record(session)
    assert session.start_training() == ""
    assert chunks(session) == "finished"
    # No pause(), no window: the session ended the run and made it one undo step.
    assert [s for s, _r in seen] == [RunStatus.TRAINING, RunStatus.FINISHED]
    assert seen[-1][1] == "Done: 2 epochs trained."
    assert not session.training and not session.run_open()
    assert session.undo_stack.undo_text == "Train (2 epochs)"
    assert session.status_text() == "Done: 2 epochs trained"
    model = session.model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(model, _design_weights(session.design)))
    # A chunk after the end trains nothing.
    assert session.train_chunk() == ("stopped", None)


def test_pause_then_more_epochs_then_finished():
    session = make(epochs=3)
    seen = record(session)
    session.start_training()
    session.train_chunk(lambda: session.stepper.global_step >= 5)
    session.pause()
    assert session.status is RunStatus.PAUSED
    assert session.status_text() == f"Paused at epoch {session.position().epoch}"
    assert chunks(session) == "stopped"  # paused: nothing trains
    session.start_training()
    assert chunks(session) == "finished"
    assert [s for s, _r in seen] == [RunStatus.TRAINING, RunStatus.PAUSED, RunStatus.TRAINING,
                                     RunStatus.FINISHED]
    # More epochs: the run is not finished any more (and can train on).
    session.set_setting(epochs=4)
    assert session.status is RunStatus.PAUSED
    assert session.start_training() == ""


def test_divergence_ends_the_run_with_its_message():
    session = diverging()
    seen = record(session)
    session.start_training()
    assert chunks(session) == "diverged"
    assert [s for s, _r in seen] == [RunStatus.TRAINING, RunStatus.DIVERGED]
    assert seen[-1][1] == session.stepper.diverged and "learning rate" in seen[-1][1]
    assert session.status_text().startswith("Diverged: ")
    assert not session.training
    # Undo brings back the run before it, and its status with it.
    session.undo_stack.undo()
    assert session.status is not RunStatus.DIVERGED and session.stepper.diverged is None


def test_a_run_ended_on_another_thread_waits_for_its_undo_step_there():
    """The window's case: chunks on the training thread, the document on the GUI's."""
    session = make(epochs=2)
    seen = record(session)
    session.start_training()
    result = []
    thread = threading.Thread(target=lambda: result.append(chunks(session)))
    thread.start()
    thread.join(60)
    assert result == ["finished"]
    assert session.status is RunStatus.FINISHED and not session.training
    assert [s for s, _r in seen] == [RunStatus.TRAINING, RunStatus.FINISHED]
    # The document and the undo stack were not touched from that thread.
    assert session.run_open() and session.undo_stack.undo_text != "Train (2 epochs)"
    session.close_run()
    assert session.undo_stack.undo_text == "Train (2 epochs)"


def test_a_killed_child_changes_nothing_of_the_status():
    session = make(epochs=30, runner=ProcessRunner())
    try:
        assert session.process.wait_ready(), session.process.failure
        seen = record(session)
        session.start_training()
        for _ in range(10_000):
            session.train_chunk()
            if session.trains_in_process() and session.stepper.global_step > 0:
                break
        session.process._proc.kill()
        assert chunks(session) == "finished"
        assert session.process_problem.startswith("The training process ended")
        assert [s for s, _r in seen] == [RunStatus.TRAINING, RunStatus.FINISHED]
        assert session.stepper.epoch == 30
    finally:
        session.close()


def test_steps_say_stepping_and_reset_says_ready():
    session = make(epochs=1)
    seen = record(session)
    session.step("stage")
    assert session.status is RunStatus.STEPPING
    assert session.status_text() == "Stepping: epoch 1, batch 1"
    session.reset()
    assert session.status is RunStatus.IDLE
    assert [s for s, _r in seen] == [RunStatus.STEPPING, RunStatus.IDLE]


def test_one_epoch_count_after_the_last_epoch_and_past_it():
    """The panel said epoch 50 while the Lecture view said Epoch 51 (issue 21, point 6)."""
    session = make(epochs=2)
    session.start_training()
    chunks(session)
    assert session.position().epoch == 2  # done: the last epoch, not "epoch 3"
    trace = session.step("stage")  # a stage into the next batch
    assert session.position() == ShownPosition(trace.epoch + 1, trace.batch + 1) == ShownPosition(3, 1)


@pytest.mark.parametrize("args, expected", [
    ((0, 0, 10, False, 5), (1, 1)),
    ((1, 0, 10, False, 5), (2, 1)),
    ((5, 0, 10, False, 5), (5, 10)),
    ((5, 0, 10, True, 5), (6, 1)),
    ((5, 3, 10, False, 5), (6, 4)),
])
def test_position(args, expected):
    assert position(*args) == ShownPosition(*expected)


def test_pause_at_the_instant_the_run_finishes_leaves_it_finished():
    """Pause pressed while the training thread's last chunk ends the run: the pause waits
    for the chunk (the lock), then finds a finished run: no "paused" in between, nothing
    trains after it, and the run is one undo step."""
    session = None
    in_chunk = threading.Event()

    class EndsWhilePauseWaits(InlineRunner):
        def chunk(self, stepper, target, token, should_stop, traced=False, progress=None):
            in_chunk.set()  # called with the session's lock held
            # Pause has been pressed (it sets the interrupt, then waits for the lock that
            # this chunk holds): the chunk trains to the last epoch anyway.
            assert session.interrupt.wait(30)
            return super().chunk(stepper, target, token, lambda: False, traced, progress)

    session = make(epochs=2, runner=EndsWhilePauseWaits())
    seen = record(session)
    session.start_training()
    result = []
    thread = threading.Thread(target=lambda: result.append(session.train_chunk()[0]))
    thread.start()
    assert in_chunk.wait(30)
    session.pause()
    thread.join(30)
    assert result == ["finished"]
    assert [s for s, _r in seen] == [RunStatus.TRAINING, RunStatus.FINISHED]
    assert session.status is RunStatus.FINISHED and not session.training
    assert session.train_chunk() == ("stopped", None)
    assert session.undo_stack.undo_text == "Train (2 epochs)" and not session.run_open()
