"""Issue 20, point 3: settings are validated at the model, and every change is an undo step.

``project.training.learning_rate = -1`` was accepted, reached the optimizer and was no
undo step; only the command path (``session.set_setting``) checked it.
"""
import math

import pytest

from nnviz.errors import ProjectFileError
from nnviz.session.session import Session


@pytest.mark.parametrize("name, value", [
    ("learning_rate", -1), ("learning_rate", 0), ("learning_rate", math.nan),
    ("momentum", 1.0), ("batch_size", 0), ("epochs", 2.5), ("loss", "hinge"),
    ("optimizer", "lbfgs"), ("shuffle", "yes"), ("seed", -3),
])
def test_an_invalid_value_is_refused_by_the_settings_themselves(name, value):
    session = Session()
    t = session.project.training
    before, lr = t.to_dict(), session.stepper.model.optimizer.learning_rate
    heard = []
    t.events.all.connect(lambda info: heard.append(info))
    # The message the window shows for the same value (the command path's).
    with pytest.raises(ProjectFileError) as shown:
        session.set_setting(**{name: value})
    with pytest.raises(ProjectFileError) as refused:
        setattr(t, name, value)
    assert str(refused.value) == str(shown.value)
    assert f"'training.{name}'" in str(refused.value)
    assert t.to_dict() == before and not heard
    assert session.stepper.model.optimizer.learning_rate == lr
    assert not session.undo_stack.can_undo


def test_a_value_set_on_the_settings_is_one_undo_step_and_reaches_the_run():
    session = Session()
    t = session.project.training
    t.learning_rate = 0.5
    assert session.stepper.model.optimizer.learning_rate == 0.5
    assert session.undo_stack.undo_text == "Set learning rate to 0.5"
    session.undo_stack.undo()
    assert t.learning_rate == 0.1 and session.stepper.model.optimizer.learning_rate == 0.1
    session.undo_stack.redo()
    assert t.learning_rate == 0.5 and session.stepper.model.optimizer.learning_rate == 0.5


def test_a_run_setting_set_on_the_settings_starts_a_new_run_undoably():
    session = Session()
    session.step("batch")
    steps = session.stepper.global_step
    session.project.training.batch_size = 8
    assert session.stepper.batch_size == 8 and session.stepper.global_step == 0
    assert session.undo_stack.undo_text == "Set batch size to 8"
    session.undo_stack.undo()
    assert session.project.training.batch_size == 4
    assert session.stepper.batch_size == 4 and session.stepper.global_step == steps


def test_values_are_stored_normalised():
    session = Session()
    session.project.training.loss = "MSE"
    assert session.project.training.loss == "mean_squared_error"
    session.project.training.learning_rate = 1
    assert type(session.project.training.learning_rate) is float
