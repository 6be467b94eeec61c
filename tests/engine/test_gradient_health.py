"""Issue 23, point 3 (engine): the running mean of |dL/dW|, the per-layer gradient norms,
the vanishing/exploding warnings and the dead/saturated neuron flags, by hand."""
import pickle

import numpy as np
import pytest

from nnviz.engine.gradient_health import (
    GradientMeter,
    GradientSummary,
    gradient_warnings,
    neuron_flags,
)
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.optimizers import SGD
from nnviz.engine.training import Stepper
from nnviz.files.project import Project
from nnviz.session.session import Session


def test_the_running_mean_by_hand():
    meter = GradientMeter(decay=0.5)
    assert meter.summary() is None
    # Layer 0: a 1x2 kernel and a bias; layer 1 has no weights.
    meter.add([[np.array([[2.0, -4.0]]), np.array([0.0, 3.0])], []])
    s = meter.summary()
    # The first batch is taken as it is: |g|, and sqrt(4 + 16 + 0 + 9).
    assert np.array_equal(s.kernels[0], [[2.0, 4.0]]) and s.kernels[1] is None
    assert s.norms[0] == pytest.approx(np.sqrt(29.0)) and s.norms[1] is None
    meter.add([[np.array([[-6.0, 0.0]]), np.array([0.0, 0.0])], []])
    s = meter.summary()
    # 0.5 * 2 + 0.5 * 6 = 4;  0.5 * 4 + 0.5 * 0 = 2;  0.5 * sqrt(29) + 0.5 * 6.
    assert np.allclose(s.kernels[0], [[4.0, 2.0]])
    assert s.norms[0] == pytest.approx(0.5 * np.sqrt(29.0) + 3.0)
    assert s.batches == 2
    # The summary is a copy: the next batch does not change it.
    meter.add([[np.array([[0.0, 0.0]]), np.array([0.0, 0.0])], []])
    assert np.allclose(s.kernels[0], [[4.0, 2.0]])
    meter.clear()
    assert meter.summary() is None


def _tiny_stepper():
    m = Sequential([Dense(2, input_shape=(1,), activation="linear"), Dense(1)])
    m.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
    m.set_weights([np.array([[1.0, -1.0]]), np.zeros(2), np.array([[1.0], [2.0]]), np.zeros(1)])
    x, y = np.array([[1.0], [2.0]]), np.array([[0.0], [0.0]])
    return Stepper(m, x, y, batch_size=2)


def test_the_stepper_feeds_every_batch_and_sends_the_means_in_its_delta():
    s = _tiny_stepper()
    s.gradients.decay = 0.5
    # Batch 1 by hand: h = [x, -x], y = x + (-2x) = -x: y = [-1, -2], mse dL/dy = 2 (y - 0) / 2.
    # dW2 = h^T dy = [[1, 2], [-1, -2]] @ [[-1], [-2]] = [[-5], [5]].
    s.step_batch()
    first = s.gradients.summary()
    assert np.allclose(first.kernels[1], [[5.0], [5.0]])
    # The fast path feeds it too: a second batch moves the mean half way to its |dW2|.
    s.run(max_epochs=1)
    assert np.allclose(first.kernels[1], [[5.0], [5.0]])
    second = s.gradients.summary()
    assert second.batches == 2 and not np.allclose(second.kernels[1], first.kernels[1])
    # The delta carries it (as pickled data) and a receiver takes it over.
    delta = pickle.loads(pickle.dumps(s.take_delta()))
    assert isinstance(delta.gradients, GradientSummary)
    other = _tiny_stepper()
    other.apply_delta(delta)
    got = other.gradients.summary()
    assert got.batches == 2 and all(np.array_equal(a, b) for a, b in
                                    zip(got.kernels, second.kernels))
    # Reset forgets the run's gradients.
    s.reset()
    assert s.gradients.summary() is None


def test_the_same_means_inline_and_through_the_wire():
    project = Project.lecture_example()
    here, there = Session(project).stepper, Session(Project.lecture_example()).stepper
    copy = Stepper.from_payload(there.to_payload(), there.run_data())
    here.run(max_epochs=1)
    copy.run(max_epochs=1)
    there.apply_delta(pickle.loads(pickle.dumps(copy.take_delta())))
    a, b = here.gradients.summary(), there.gradients.summary()
    assert a.batches == b.batches == here.batches_per_epoch
    assert a.norms == b.norms
    assert all(np.array_equal(x, y) for x, y in zip(a.kernels, b.kernels))


def test_warnings_name_the_layer_that_vanishes_or_explodes():
    names = ["hidden 1", "hidden 2", "output"]
    assert gradient_warnings([0.5, 1.0, 2.0], names) == []
    vanish = gradient_warnings([1e-6, 0.5, 2.0], names)
    assert len(vanish) == 1 and vanish[0].startswith("Vanishing gradient in hidden 1")
    assert "5e-07 × the output's" in vanish[0]
    explode = gradient_warnings([1.0, 5e3, 2.0], names)
    assert len(explode) == 1 and explode[0].startswith("Exploding gradient in hidden 2")
    nan = gradient_warnings([float("nan"), 1.0, 2.0], names)
    assert len(nan) == 1 and "not finite in hidden 1" in nan[0]
    # Layers without weights are skipped; a flat output compares with nothing.
    assert gradient_warnings([None, 1e-9, 0.0], names) == []


def test_a_relu_with_a_bias_of_minus_100_is_dead_and_a_tanh_beyond_099_is_saturated():
    x = np.array([[0.0, 1.0], [1.0, -1.0], [2.0, 0.5]])
    W1 = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    b1 = np.array([0.0, 0.0, -100.0])  # unit 2: z <= 3 - 100 < 0 on every sample
    W2 = np.array([[100.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    b2 = np.array([0.0, 10.0])  # unit 1: tanh(10) > 0.99 on all; unit 0: tanh(0) on x[0]
    flags = neuron_flags([W1, b1, W2, b2], ["relu", "tanh"], x)
    got = {(f.layer, f.unit, f.kind) for f in flags}
    # Hidden unit 0 is 0 on x[0] only and unit 1 on x[1] only: alive. Output unit 0 is
    # tanh(0) = 0 on x[0]: 2 of 3 saturated is below 95 %.
    assert got == {(0, 2, "dead"), (1, 1, "saturated")}
    dead = next(f for f in flags if f.kind == "dead")
    assert dead.reason == ("dead: relu output is 0 on all 3 samples — its weights get no "
                           "gradient")
    sat = next(f for f in flags if f.kind == "saturated")
    assert "tanh output is beyond ±0.99 on 3 of 3 samples" in sat.reason
    # A sigmoid is saturated at both ends; only the first `limit` samples are looked at.
    flags = neuron_flags([np.array([[50.0, -50.0, 1.0]]), np.zeros(3)], ["sigmoid"],
                         np.array([[1.0], [2.0], [-3.0]]), limit=2)
    assert {(f.unit, f.kind) for f in flags} == {(0, "saturated"), (1, "saturated")}
    assert "on 2 of 2 samples" in flags[0].reason


def test_a_diverging_run_gives_inf_means_without_a_warning_and_a_warning_sentence():
    meter = GradientMeter()
    meter.add([[np.array([[1e300]]), np.array([0.0])], [np.array([[1.0]]), np.array([0.0])]])
    s = meter.summary()  # float32 cannot hold 1e300: inf, and no RuntimeWarning (an error here)
    assert np.isinf(s.kernels[0][0, 0])
    assert gradient_warnings([float("inf"), 1.0], ["h", "out"])[0].startswith(
        "Gradient not finite in h")
