"""Comparing learning rates without Qt: same start, same batches, only the optimizer differs."""
import numpy as np
import pytest

from nnviz.analysis import compare
from nnviz.document.settings import TrainingSettings
from nnviz.errors import NnvizError
from nnviz.files.project import Project
from nnviz.limits import MAX_COMPARE_RUNS
from nnviz.session.session import Session


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def diverging_lecture_project() -> Project:
    """The lecture's 2-3-2 net with a linear output and MSE at learning rate 0.3: ×10
    (3.0) diverges at epoch 13, ×1 and ×0.1 do not."""
    project = Project.lecture_example()
    output = project.design.chain()[-1].id
    project.design.set_activation(output, "linear")
    project.training.loss = "mean_squared_error"
    project.training.learning_rate = 0.3
    return project


def test_variants_are_the_rate_times_each_factor_named_by_the_rate():
    found = compare.variants(TrainingSettings(learning_rate=0.1))
    assert [v.label for v in found] == ["lr 0.01", "lr 0.1", "lr 1"]
    assert [v.learning_rate for v in found] == [0.1 * 0.1, 0.1, 0.1 * 10]
    assert {v.optimizer for v in found} == {"sgd"}


def test_other_optimizers_come_at_their_own_rate_and_every_label_names_its_optimizer():
    found = compare.variants(TrainingSettings(learning_rate=0.1, momentum=0.9),
                             factors=(1.0,), other_optimizers=("adam",))
    assert [v.label for v in found] == ["SGD, lr 0.1", "Adam, lr 0.01"]
    assert found[0].options["momentum"] == 0.9  # the run's own options are kept
    assert type(found[1].make_optimizer()).__name__ == "Adam"


@pytest.mark.parametrize("factors, others, words", [
    ((0.0,), (), "positive number"),
    ((float("nan"),), (), "positive number"),
    (("10",), (), "positive number"),
    ((), (), "at least one"),
    ((1.0,), ("nadam",), "Unknown optimizer"),
    (tuple(range(1, MAX_COMPARE_RUNS + 2)), (), f"at most {MAX_COMPARE_RUNS}"),
])
def test_bad_variants_are_refused_with_a_sentence(factors, others, words):
    with pytest.raises(NnvizError, match=words):
        compare.variants(TrainingSettings(), factors, others)


def test_the_x1_copy_is_the_normal_training_run_bit_for_bit():
    session = Session()
    comparison = compare.Comparison.from_session(session)
    assert comparison.run() is True
    session.train()  # the normal run: the epochs setting, from the same start
    middle = comparison.runs[1]
    assert middle.label == "lr 0.1"
    assert middle.history.to_dict() == session.history.to_dict()
    assert same(middle.stepper.model.get_weights(), session.model.get_weights())
    # The others differ (a comparison that trained one rate three times would not).
    for other in (comparison.runs[0], comparison.runs[2]):
        assert other.history.epoch_loss != session.history.epoch_loss
        assert len(other.history.epoch_loss) == session.settings.epochs


def test_the_session_is_left_as_it_was():
    session = Session()
    before = [w.copy() for w in session.model.get_weights()]
    compare.Comparison.from_session(session, epochs=3).run()
    assert same(session.model.get_weights(), before)
    assert session.stepper.epoch == 0 and not session.history.epoch_loss
    assert not session.undo_stack.can_undo


def test_every_copy_starts_from_the_run_s_first_weights_even_after_training():
    session = Session()
    start = [w.copy() for w in session.model.get_weights()]
    session.train(2)
    comparison = compare.Comparison.from_session(session, factors=(1.0,), epochs=2)
    assert same(comparison.start_weights, start)
    comparison.run()
    # From the same start and the same batches: the first two epochs of the normal run.
    assert comparison.runs[0].history.epoch_loss == session.history.epoch_loss[:2]


def test_a_diverging_copy_says_where_and_why_and_the_others_go_on():
    session = Session(diverging_lecture_project())
    comparison = compare.Comparison.from_session(session)
    seen = []
    assert comparison.run(progress=seen.append)
    slow, normal, fast = comparison.runs
    assert fast.label == "lr 3"
    assert fast.diverged_epoch == 13 and fast.last_finite_epoch == 12
    assert fast.note() == "diverged at epoch 13: the loss became infinite"
    assert len(fast.history.epoch_loss) == 12
    assert all(np.isfinite(fast.history.epoch_loss))
    for run in (slow, normal):
        assert run.diverged is None and run.note() == ""
        assert len(run.history.epoch_loss) == 50
    # Progress came after every round, as copies; the last one has the note.
    assert len(seen) == 50
    last = {s.label: s for s in seen[-1]}
    assert last["lr 3"].note == fast.note() and last["lr 3"].epochs == 12
    assert len(last["lr 0.3"].epoch_loss) == 50


def test_a_stopped_comparison_goes_on_where_it_stopped():
    session = Session()
    whole = compare.Comparison.from_session(session, factors=(1.0, 10.0), epochs=4)
    whole.run()
    parts = compare.Comparison.from_session(session, factors=(1.0, 10.0), epochs=4)
    batches = []
    # Stop after 7 batches (mid-epoch of the first copy), then go on.
    assert parts.run(should_stop=lambda: batches.append(1) or len(batches) >= 7) is False
    assert not parts.done
    assert parts.runs[0].stepper.global_step == 7
    assert parts.run() is True
    for a, b in zip(whole.runs, parts.runs):
        assert a.history.to_dict() == b.history.to_dict()


def test_the_path_of_each_copy_starts_at_the_common_start():
    session = Session()
    comparison = compare.Comparison.from_session(session, epochs=5)
    comparison.run()
    for run in comparison.runs:
        path = run.path()
        assert len(path) == 6
        assert same(path[0], comparison.start_weights)
        assert same(path[-1], run.stepper.model.get_weights())


def test_no_run_no_comparison():
    project = Project.lecture_example()
    project.design.remove_layer(project.design.chain()[-1].id)
    session = Session(project)
    with pytest.raises(NnvizError):
        compare.Comparison.from_session(session)
