"""The session without Qt: one owner of the project and its run, one undo stack for all."""
import numpy as np
import pytest

from nnviz import resources
from nnviz.errors import ProjectFileError
from nnviz.files.project import DatasetSpec, Project
from nnviz.session.session import Session


def weights(session):
    return [w.copy() for w in session.model.get_weights()]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def train_epochs(session, n):
    """What the window's worker does: Train, chunks until n more epochs, Pause."""
    target = session.stepper.epoch + n
    assert session.start_training() == ""
    while session.stepper.epoch < target:
        status, _trace = session.train_chunk(lambda: session.stepper.epoch >= target)
        assert status in ("running", "finished")
        if status == "finished":
            break
    session.pause()


def state(session):
    s = session.stepper
    return (weights(session), s.epoch, s.batch_index, s.global_step, s.samples_seen,
            s.history.to_dict())


def assert_state(session, expected):
    w, *rest = state(session)
    assert same(w, expected[0])
    assert rest == list(expected[1:])


def test_steps_are_named_undo_steps_and_undo_restores_exactly():
    session = Session()
    before = state(session)
    trace = session.step("stage")
    assert trace.stage.label == "Forward: hidden layer 1"
    assert session.undo_stack.undo_text == "Step (Forward: hidden layer 1)"
    session.step("batch")
    assert session.undo_stack.undo_text == "Train one batch"
    after_batch = state(session)
    assert after_batch[3] == 1 and not same(after_batch[0], before[0])
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert_state(session, before)
    assert session.stepper.next_stage.label == "Forward: hidden layer 1"
    session.undo_stack.redo()
    session.undo_stack.redo()
    assert_state(session, after_batch)


def test_a_training_run_is_one_undo_step_with_weights_counters_and_history():
    session = Session()
    before = state(session)
    train_epochs(session, 3)
    assert session.undo_stack.undo_text == "Train (3 epochs)"
    trained = state(session)
    assert trained[1] == 3 and len(trained[5]["epoch_loss"]) == 3
    # The document holds the trained weights once the run paused.
    design = session.design
    chain = design.chain()
    assert np.array_equal(design.kernel(chain[0].id, chain[1].id), trained[0][0])
    session.undo_stack.undo()
    assert_state(session, before)
    assert np.array_equal(design.kernel(chain[0].id, chain[1].id), before[0][0])
    session.undo_stack.redo()
    assert_state(session, trained)


def test_undo_after_an_edit_and_training_takes_back_the_training_then_the_edit():
    session = Session()
    design = session.design
    chain = design.chain()
    src, tgt = chain[0].id, chain[1].id
    original = float(design.kernel(src, tgt)[0, 0])
    design.set_weight(src, tgt, 0, 0, 0.75)
    assert session.model.get_weights()[0][0, 0] == 0.75  # the edit patched the live run
    train_epochs(session, 2)
    trained = weights(session)
    assert trained[0][0, 0] != 0.75
    session.undo_stack.undo()  # Undo Train: the edited weights, the rest untouched
    w = weights(session)
    assert w[0][0, 0] == 0.75
    session.undo_stack.undo()  # Undo the edit: the original weight
    assert float(design.kernel(src, tgt)[0, 0]) == original
    assert session.model.get_weights()[0][0, 0] == original
    assert not same(weights(session), trained)


def test_typing_a_weight_after_training_keeps_the_history_and_counters():
    session = Session()
    train_epochs(session, 2)
    history = session.stepper.history.to_dict()
    chain = session.design.chain()
    session.design.set_bias(chain[1].id, 0, 0.5)
    assert session.stepper.epoch == 2
    assert session.stepper.history.to_dict() == history
    assert session.model.get_weights()[1][0] == 0.5


def test_a_weight_typed_while_training_changes_only_that_weight():
    session = Session()
    assert session.start_training() == ""
    session.train_chunk(lambda: session.stepper.global_step >= 5)
    ahead = weights(session)  # the document is behind: it gets these when the run closes
    chain = session.design.chain()
    session.design.set_weight(chain[0].id, chain[1].id, 1, 2, -0.25)
    w = weights(session)
    assert w[0][1, 2] == -0.25
    w[0][1, 2] = ahead[0][1, 2]
    assert same(w, ahead)
    # The run so far was recorded before the edit: undo order is edit, then training.
    assert session.undo_stack.undo_text.startswith("Set weight") or \
        "weight" in session.undo_stack.undo_text.lower()
    session.pause()


def test_learning_rate_and_optimizer_patch_the_run_and_are_undoable():
    session = Session()
    train_epochs(session, 1)
    history = session.stepper.history.to_dict()
    session.set_setting(learning_rate=0.5)
    assert session.undo_stack.undo_text == "Set learning rate to 0.5"
    assert session.model.optimizer.learning_rate == 0.5
    assert session.stepper.history.to_dict() == history and session.stepper.epoch == 1
    session.set_setting(text="Use Adam", optimizer="adam", learning_rate=0.01)
    assert session.undo_stack.undo_text == "Use Adam"
    assert session.model.optimizer.name == "adam"
    assert session.stepper.history.to_dict() == history
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.project.training.learning_rate == 0.1
    assert session.model.optimizer.name == "sgd"
    assert session.model.optimizer.learning_rate == 0.1
    assert session.stepper.epoch == 1


def test_an_unchanged_or_invalid_setting_makes_no_undo_step():
    session = Session()
    session.set_setting(learning_rate=session.project.training.learning_rate)
    assert not session.undo_stack.can_undo
    with pytest.raises(ProjectFileError, match="batch_size"):
        session.set_setting(batch_size=0)
    assert not session.undo_stack.can_undo


def test_reset_is_undoable():
    session = Session()
    train_epochs(session, 2)
    trained = state(session)
    session.reset()
    assert session.undo_stack.undo_text == "Reset training"
    assert session.stepper.epoch == 0 and not session.stepper.history.epoch_loss
    session.undo_stack.undo()
    assert_state(session, trained)


def test_a_new_seed_draws_new_weights_and_undo_brings_the_old_ones_back():
    session = Session()
    old = weights(session)
    session.set_setting(seed=7)
    assert not same(weights(session), old)
    session.undo_stack.undo()
    assert same(weights(session), old)
    assert session.project.training.seed == 0


def test_a_shape_change_starts_a_new_run_and_says_why():
    session = Session()
    train_epochs(session, 1)
    reasons = []
    session.events.run_started.connect(reasons.append)
    hidden = session.design.chain()[1]
    session.design.set_units(hidden.id, 4)
    assert reasons and "4 neurons" in reasons[-1]
    assert session.stepper.epoch == 0 and not session.stepper.history.batch_loss
    assert session.model.get_weights()[0].shape == (2, 4)


def test_an_activation_change_keeps_the_run():
    session = Session()
    train_epochs(session, 1)
    hidden = session.design.chain()[1]
    session.design.set_activation(hidden.id, "tanh")
    assert session.stepper.epoch == 1
    assert session.model.layers[0].activation.name == "tanh"


def test_the_data_set_is_loaded_once_per_spec(monkeypatch):
    loads = []
    original = DatasetSpec.load

    def counting(self):
        loads.append(self.name)
        return original(self)

    monkeypatch.setattr(DatasetSpec, "load", counting)
    session = Session()
    n = len(loads)
    for lr in (0.2, 0.3, 0.05):
        session.set_setting(learning_rate=lr)
    session.set_setting(batch_size=8)
    session.step("batch")
    assert len(loads) == n  # settings never reload the data
    spec = session.project.dataset
    session.set_dataset(DatasetSpec(spec.name, {**spec.params, "noise": 0.3}))
    assert len(loads) == n + 1
    assert session.undo_stack.undo_text == "Change the circles data set"


def test_a_data_set_that_cannot_load_changes_nothing(tmp_path):
    session = Session()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    before = session.project.dataset
    with pytest.raises(Exception, match="bad.csv|line"):
        session.set_dataset(DatasetSpec("csv", {}, str(bad), -1))
    assert session.project.dataset == before
    assert not session.undo_stack.can_undo


def test_history_counters_and_snapshots_are_saved_and_shown_again(tmp_path):
    session = Session()
    train_epochs(session, 3)
    session.step("batch")
    path = tmp_path / "trained.nnviz"
    session.save(path)
    assert session.undo_stack.is_clean
    reopened = Session(Project.load(path))
    s, t = session.stepper, reopened.stepper
    assert (t.epoch, t.global_step, t.samples_seen) == (s.epoch, s.global_step, s.samples_seen)
    assert t.history.to_dict() == s.history.to_dict()
    assert [e for e, _w in t.snapshots] == [e for e, _w in s.snapshots] == [0, 1, 2, 3]
    for (_e, a), (_f, b) in zip(t.snapshots, s.snapshots):
        assert same(a, b)
    assert same(weights(reopened), weights(session))


def test_opening_a_project_replaces_the_whole_session():
    session = Session()
    train_epochs(session, 2)
    fresh = Project.load(resources.example_path("xor"))
    session.replace_project(fresh)
    assert session.stepper.epoch == 0 and not session.stepper.history.batch_loss
    assert not session.undo_stack.can_undo and session.undo_stack.is_clean
    assert session.project.dataset.name == fresh.dataset.name


def test_time_travel_is_a_view_and_training_from_the_past_is_undoable():
    session = Session()
    train_epochs(session, 3)
    now = state(session)
    session.travel_to(1)
    assert same(weights(session), session.stepper.snapshots[1][1])
    assert session.stepper.epoch == 3  # only the picture went back
    session.travel_to(None)
    assert_state(session, now)
    session.travel_to(1)
    session.step("batch")  # go on from epoch 1: the later history is dropped
    assert session.stepper.epoch == 1 and len(session.stepper.history.epoch_loss) == 1
    session.undo_stack.undo()
    assert_state(session, now)


def test_divergence_stops_the_run_keeps_finite_weights_and_is_undoable():
    session = Session(Project.load(resources.example_path("sine")))
    session.set_setting(learning_rate=10.0)
    before = state(session)
    assert session.start_training() == ""
    status = "running"
    while status == "running":
        status, _trace = session.train_chunk()
    assert status == "diverged"
    session.pause()
    assert "diverged" in session.stepper.diverged
    assert all(np.all(np.isfinite(w)) for w in weights(session))
    assert session.start_training() == session.stepper.diverged  # refuses to go on
    session.undo_stack.undo()
    assert_state(session, before)
    assert session.stepper.diverged is None


def test_an_invalid_design_has_no_run_and_says_why():
    session = Session()
    problems = []
    session.events.problem_changed.connect(problems.append)
    output = session.design.chain()[-1]
    hidden = session.design.chain()[1]
    session.design.disconnect(hidden.id, output.id)
    assert session.stepper is None and session.problem and problems[-1] == session.problem
    assert session.step("stage") is None
    session.undo_stack.undo()
    assert session.stepper is not None and session.problem == ""


def test_a_step_while_training_comes_after_the_training_on_the_stack():
    session = Session()
    assert session.start_training() == ""
    session.train_chunk(lambda: session.stepper.global_step >= 3)
    session.step("stage")
    texts = []
    while session.undo_stack.can_undo:
        texts.append(session.undo_stack.undo_text)
        session.undo_stack.undo()
    assert texts == ["Step (Forward: hidden layer 1)", "Train (3 batches)"]
    assert session.stepper.global_step == 0
