"""Two classes on one output unit: sigmoid + binary cross-entropy, tanh + MSE on ±1.

Every two-class data set (from the registry) gives the targets the output asks for, the
readiness check accepts the one unit, and the run trains: the loss falls.
"""
import numpy as np
import pytest

from nnviz.data import datasets
from nnviz.engine import activations, losses
from nnviz.engine.binary import class_targets, one_unit_fits, targets_for
from nnviz.session.session import Session

TWO_CLASS = [name for name in datasets.names()
             if datasets.load(name).n_classes == 2]
#: From the activation registry: every activation with two targets, and its loss.
BINARY = [(name, "binary_crossentropy" if activations.get(name).binary_targets[0] == 0
           else "mean_squared_error")
          for name in activations.names() if activations.get(name).binary_targets]


def test_the_registry_has_both_binary_outputs():
    assert dict(BINARY) == {"sigmoid": "binary_crossentropy", "tanh": "mean_squared_error"}
    assert len(TWO_CLASS) >= 5


def one_unit_session(dataset: str, activation: str, loss: str) -> Session:
    session = Session()
    session.set_dataset(session.project.dataset.__class__(name=dataset,
                                                          params=datasets.default_params(dataset)))
    out = session.design.chain()[-1]
    session.design.set_units(out.id, 1)
    session.design.set_activation(out.id, activation)
    session.set_setting(loss=loss, learning_rate=0.3)
    return session


@pytest.mark.parametrize("activation, loss", BINARY)
@pytest.mark.parametrize("dataset", TWO_CLASS)
def test_one_unit_trains_on_every_two_class_set(dataset, activation, loss):
    session = one_unit_session(dataset, activation, loss)
    assert session.problem == ""
    stepper = session.stepper
    low, high = activations.get(activation).binary_targets
    data = session.dataset()
    assert stepper.y.shape == (data.n_train, 1)
    # Class 1 has the high target, class 0 the low one, sample for sample.
    expected = np.where(data.y_train[:, 1] == 1, high, low)
    np.testing.assert_array_equal(stepper.y[:, 0], expected)
    assert set(np.unique(stepper.y_val)) <= {low, high}
    session.step("epoch")
    first = stepper.history.epoch_loss[0]
    for _ in range(14):
        session.step("epoch")
    assert stepper.history.epoch_loss[-1] < first
    assert len(stepper.history.epoch_accuracy) == 15
    assert 0.0 <= stepper.history.epoch_accuracy[-1] <= 1.0


def test_accuracy_thresholds_at_the_midpoint():
    """Sigmoid cuts at 0.5, tanh at 0: a trained tanh unit is right where sign(ŷ) = sign(y)."""
    session = one_unit_session("two_gaussians", "tanh", "mean_squared_error")
    for _ in range(10):
        session.step("epoch")
    stepper = session.stepper
    assert stepper.threshold == 0.0
    pred = stepper.model.predict(stepper.x)
    expected = float(np.mean(np.sign(pred) == np.sign(stepper.y)))
    result = stepper.model.evaluate(stepper.x, stepper.y, return_dict=True)
    assert result["accuracy"] == pytest.approx(expected)
    assert expected > 0.9  # two gaussians are easy: an honest non-trivial check


@pytest.mark.parametrize("activation, fits", [("sigmoid", True), ("tanh", True),
                                               ("relu", False), ("linear", False),
                                               ("softmax", False)])
def test_the_readiness_check(activation, fits):
    session = Session()
    out = session.design.chain()[-1]
    session.design.set_units(out.id, 1)
    session.design.set_activation(out.id, activation)
    session.set_setting(loss=dict(BINARY).get(activation, "mean_squared_error"))
    problems = [p.message for p in session.design.validate(2, 2)]
    assert one_unit_fits(1, activation, 2) is fits
    if fits:
        assert problems == []
        assert session.problem == ""
    else:
        assert any("set its units to 2 (or 1 unit with a sigmoid or tanh activation)" in p
                   for p in problems)
        assert session.problem.startswith("The output layer")


def test_targets_for_leaves_other_outputs_alone():
    y = np.eye(2)[[0, 1, 1, 0]]
    assert targets_for(y, 2, "softmax") is y
    assert targets_for(y, 1, "relu") is y
    np.testing.assert_array_equal(targets_for(y, 1, "sigmoid")[:, 0], [0, 1, 1, 0])
    np.testing.assert_array_equal(targets_for(y, 1, "tanh")[:, 0], [-1, 1, 1, -1])
    # A cross-entropy takes probabilities: 0/1 whatever the activation.
    np.testing.assert_array_equal(targets_for(y, 1, "tanh", "binary_crossentropy")[:, 0],
                                  [0, 1, 1, 0])
    three = np.eye(3)[[0, 1, 2]]
    assert targets_for(three, 1, "sigmoid") is three


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
@pytest.mark.parametrize("activation, better", [("sigmoid", "binary cross-entropy"),
                                                ("tanh", "mean squared error")])
def test_a_categorical_loss_on_one_unit_says_why_it_cannot_learn(loss, activation, better):
    """One unit rescaled to sum to 1 is 1: the loss is 0 and nothing is learned (Keras trains
    on, silently); the session says so and names the loss that fits."""
    session = Session()
    out = session.design.chain()[-1]
    session.design.set_units(out.id, 1)
    session.design.set_activation(out.id, activation)
    session.set_setting(loss=loss)
    assert session.stepper is None
    assert session.problem.startswith(f"{losses.label(loss)} on a 1-unit output is always 0")
    assert f"use {better}" in session.problem
    session.set_setting(loss=dict(BINARY)[activation])
    assert session.problem == "" and session.stepper is not None


@pytest.mark.parametrize("activation, loss, targets", [
    ("sigmoid", "binary_crossentropy", (0.0, 1.0)),
    ("sigmoid", "mean_squared_error", (0.0, 1.0)),
    ("tanh", "mean_squared_error", (-1.0, 1.0)),
    ("tanh", "binary_crossentropy", (0.0, 1.0)),  # a cross-entropy takes probabilities
    ("tanh", None, (-1.0, 1.0)),
    ("relu", "mean_squared_error", None),
    ("softmax", "categorical_crossentropy", None),
])
def test_class_targets_are_the_values_a_one_unit_output_is_trained_toward(activation, loss,
                                                                          targets):
    assert class_targets(activation, loss) == targets
    if targets is not None:  # the same values targets_for gives the rows
        y = np.eye(2)[[0, 1, 1]]
        assert targets_for(y, 1, activation, loss)[:, 0].tolist() == \
            [targets[0], targets[1], targets[1]]
