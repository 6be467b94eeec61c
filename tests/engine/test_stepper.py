"""The stepper: training at the lecture's grain, identical to fit()."""
import re

import numpy as np
import pytest

from nnviz.engine import activations
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.optimizers import SGD
from nnviz.engine.training import Stepper
from nnviz.engine.utils import set_random_seed
from nnviz.errors import TrainingDiverged


def _data(n=18, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = np.eye(2)[(x[:, 0] * x[:, 1] > 0).astype(int)]
    return x, y


def _model(optimizer=None, seed=3):
    set_random_seed(seed)
    m = Sequential([Dense(3, input_shape=(2,), activation="relu"),
                    Dense(2, activation="softmax")])
    m.compile(optimizer=optimizer or SGD(learning_rate=0.1, momentum=0.9),
              loss="categorical_crossentropy", metrics=["accuracy"])
    return m


def test_stages_of_one_batch_in_lecture_order():
    x, y = _data()
    s = Stepper(_model(), x, y, batch_size=4)
    labels = [s.step().stage.label for _ in range(6)]
    assert labels[:5] == ["Forward: hidden layer 1", "Forward: output layer",
                          "Loss (categorical crossentropy)", "Backward: output layer",
                          "Backward: hidden layer 1"]
    assert labels[5].startswith("Update weights (SGD")
    assert s.next_stage.label == "Forward: hidden layer 1"
    assert s.global_step == 1 and s.samples_seen == 4


def test_trace_holds_what_each_stage_computed():
    x, y = _data()
    m = _model(SGD(learning_rate=0.5))
    W0, b0, W1, b1 = m.get_weights()
    s = Stepper(m, x, y, batch_size=4)
    t = s.step()
    np.testing.assert_array_equal(t.x, x[:4])
    np.testing.assert_allclose(t.z[0], x[:4] @ W0 + b0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(t.a[0], np.maximum(x[:4] @ W0 + b0, 0), atol=1e-15)
    assert t.z[1] is None and t.loss is None
    t = s.step()
    z1 = t.a[0] @ W1 + b1
    p = np.exp(z1) / np.exp(z1).sum(1, keepdims=True)
    np.testing.assert_allclose(t.a[1], p, atol=1e-15)
    t = s.step()
    assert t.loss == pytest.approx(np.mean(-np.sum(y[:4] * np.log(p), 1)), abs=1e-12)
    t = s.step()
    # softmax + cross-entropy: dL/dz = (p - y) / n
    np.testing.assert_allclose(t.dZ[1], (p - y[:4]) / 4, atol=1e-12)
    np.testing.assert_allclose(t.dW[1], t.a[0].T @ t.dZ[1], atol=1e-15)
    t = s.step()
    assert t.dW[0].shape == (2, 3) and t.db[0].shape == (3,)
    t = s.step()
    np.testing.assert_array_equal(t.W_before[1], W1)
    np.testing.assert_allclose(t.W_after[1], W1 - 0.5 * t.dW[1], atol=1e-15)
    np.testing.assert_allclose(t.b_after[0], b0 - 0.5 * t.db[0], atol=1e-15)
    np.testing.assert_array_equal(m.get_weights()[2], t.W_after[1])


def test_traces_are_copies_that_later_stages_do_not_change():
    x, y = _data()
    s = Stepper(_model(), x, y, batch_size=4)
    first = s.step()
    saved = first.z[0].copy()
    for _ in range(20):
        s.step()
    assert first.z[1] is None
    np.testing.assert_array_equal(first.z[0], saved)


@pytest.mark.parametrize("batch_size", [1, 4, 5])
def test_stepping_stage_by_stage_equals_fit_bit_for_bit(batch_size):
    x, y = _data()
    fitted = _model()
    history = fitted.fit(x, y, epochs=3, batch_size=batch_size, shuffle=False, verbose=0)
    stepped = _model()
    s = Stepper(stepped, x, y, batch_size=batch_size, stop_on_divergence=False)
    while s.epoch < 3:
        s.step()
    for a, b in zip(fitted.get_weights(), stepped.get_weights()):
        assert np.array_equal(a, b)
    assert s.history.history == history.history


def test_batch_epoch_and_run_give_the_same_weights_as_stage_steps():
    x, y = _data()
    a = Stepper(_model(), x, y, batch_size=4)
    a.step()
    a.step_batch()                 # finish batch 1
    a.step_batch()                 # batch 2
    a.step_epoch()                 # rest of epoch 1
    a.run(max_epochs=2)            # epochs 2 and 3
    b = Stepper(_model(), x, y, batch_size=4)
    while b.epoch < 3:
        b.step()
    assert a.epoch == b.epoch == 3
    for u, v in zip(a.model.get_weights(), b.model.get_weights()):
        assert np.array_equal(u, v)


def test_run_stops_on_request_and_reports_progress():
    x, y = _data()
    s = Stepper(_model(), x, y, batch_size=2)
    seen = []
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] >= 7

    s.run(should_stop=stop, progress=lambda st: seen.append(st.global_step),
          progress_interval=0)
    assert s.global_step == 7
    assert seen[-1] == 7


def test_history_and_validation_per_epoch():
    x, y = _data(24)
    s = Stepper(_model(), x[:16], y[:16], batch_size=4, x_val=x[16:], y_val=y[16:])
    s.run(max_epochs=3)
    h = s.history
    assert len(h.batch_loss) == 12 and len(h.epoch_loss) == 3
    assert len(h.val_loss) == 3 and len(h.val_accuracy) == 3
    assert h.epoch_loss[0] == pytest.approx(np.mean(h.batch_loss[:4]))
    assert all(0 <= a <= 1 for a in h.epoch_accuracy)
    assert [e for e, _ in s.snapshots] == [0, 1, 2, 3]


def test_reset_returns_to_the_seeded_initial_weights():
    x, y = _data()
    m = _model()
    initial = m.get_weights()
    s = Stepper(m, x, y, batch_size=4)
    s.run(max_epochs=2)
    assert not np.array_equal(m.get_weights()[0], initial[0])
    s.reset()
    for a, b in zip(m.get_weights(), initial):
        assert np.array_equal(a, b)
    assert s.epoch == 0 and s.history.batch_loss == [] and m.optimizer.iterations == 0
    # and training again reproduces the same run
    s.run(max_epochs=1)
    again = m.get_weights()
    s.reset()
    s.run(max_epochs=1)
    for a, b in zip(m.get_weights(), again):
        assert np.array_equal(a, b)


def test_shuffle_is_reproducible_from_the_seed():
    x, y = _data()
    runs = []
    for _ in range(2):
        s = Stepper(_model(), x, y, batch_size=4, shuffle=True, seed=11)
        s.run(max_epochs=2)
        runs.append(s.model.get_weights())
    for a, b in zip(*runs):
        assert np.array_equal(a, b)


def test_divergence_stops_with_a_reason_and_keeps_finite_weights():
    x, y = _data()
    x = x * 1e3
    m = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(1)])
    m.compile(optimizer=SGD(learning_rate=10.0), loss="mse")
    s = Stepper(m, x, x[:, :1] ** 2, batch_size=4)
    diverged = s.run(max_epochs=50)
    assert diverged
    assert "learning rate 10 is probably too large" in s.diverged
    assert re.search(r"became (NaN|infinite|NaN or infinite) at epoch \d+, step \d+", s.diverged)
    assert all(np.isfinite(w).all() for w in m.get_weights())
    with pytest.raises(TrainingDiverged):
        s.step()
    s.set_learning_rate(1e-9)        # changing the learning rate clears the stop...
    assert s.diverged is None
    s.reset()                        # ...and from the initial weights a small step trains
    assert not s.run(max_epochs=2)
    assert all(np.isfinite(w).all() for w in m.get_weights())


def test_restore_snapshot_travels_back_in_time():
    x, y = _data()
    s = Stepper(_model(), x, y, batch_size=6)
    s.run(max_epochs=4)
    epoch1 = s.snapshots[1][1]
    s.restore_snapshot(1)
    for a, b in zip(s.model.get_weights(), epoch1):
        assert np.array_equal(a, b)
    assert s.epoch == 1 and len(s.history.epoch_loss) == 1
    assert len(s.history.batch_loss) == s.batches_per_epoch
    s.run(max_epochs=1)
    assert s.epoch == 2 and len(s.snapshots) == 3


def test_uncompiled_model_is_refused_with_a_clear_message():
    m = Sequential([Dense(2, input_shape=(2,))])
    with pytest.raises(ValueError, match="Compile the model"):
        Stepper(m, np.zeros((2, 2)), np.zeros((2, 2)))


# --- the fast path (issue 14): no weight copies, buffers reused, the same numbers ---------

def _net(activation, loss, out_units, out_activation, optimizer=None, seed=5):
    set_random_seed(seed)
    m = Sequential([Dense(4, input_shape=(2,), activation=activation),
                    Dense(3, activation=activation),
                    Dense(out_units, activation=out_activation)])
    m.compile(optimizer=optimizer or SGD(learning_rate=0.05), loss=loss, metrics=["accuracy"])
    return m


# Every registered activation: each has (or inherits) its own fast-path version.
@pytest.mark.parametrize("activation", activations.names())
@pytest.mark.parametrize("loss, out_units, out_activation", [
    ("categorical_crossentropy", 2, "softmax"),
    ("mse", 1, "linear"),
    ("binary_crossentropy", 1, "sigmoid"),
    ("sparse_categorical_crossentropy", 2, "softmax"),
])
def test_the_fast_path_equals_stage_stepping_bit_for_bit(activation, loss, out_units,
                                                         out_activation):
    x, y2 = _data(23)
    y = {"mse": x[:, :1] * x[:, 1:], "binary_crossentropy": y2[:, :1],
         "sparse_categorical_crossentropy": y2.argmax(1)}.get(loss, y2)
    fast = Stepper(_net(activation, loss, out_units, out_activation), x, y, batch_size=5,
                   shuffle=True, seed=2)
    fast.run(max_epochs=3)           # 5 batches an epoch, the last one of 3 samples
    slow = Stepper(_net(activation, loss, out_units, out_activation), x, y, batch_size=5,
                   shuffle=True, seed=2)
    while slow.epoch < 3:
        slow.step()
    for a, b in zip(fast.model.get_weights(), slow.model.get_weights()):
        assert np.array_equal(a, b)
    assert fast.history.batch_loss == slow.history.batch_loss
    assert fast.history.history == slow.history.history


def test_a_nan_gradient_stops_before_the_update():
    from nnviz.engine.activations import Linear

    class Broken(Linear):
        """Linear forward, a NaN backward (as an overflow in back-propagation)."""

        def backward(self, z, a, dA):
            return dA * np.nan

    x, y = _data()
    m = Sequential([Dense(3, input_shape=(2,), activation=Broken()),
                    Dense(2, activation="softmax")])
    m.compile(optimizer=SGD(learning_rate=0.1), loss="categorical_crossentropy")
    before = m.get_weights()
    s = Stepper(m, x, y, batch_size=4)
    assert s.run(max_epochs=1)
    assert re.search(r"A gradient became NaN or infinite at epoch 1, step 1:", s.diverged)
    for a, b in zip(m.get_weights(), before):
        assert np.array_equal(a, b)
    assert s.global_step == 0 and s.history.batch_loss == []


def test_an_update_that_overflows_keeps_the_weights_before_it():
    # Gradients are finite, but lr * gradient overflows: the fast path finds it after the
    # chunk, trains the chunk again with a check at every update and stops right there.
    x = np.full((8, 1), 3.0)
    y = np.full((8, 1), 100.0)
    def linear_net():
        net = Sequential([Dense(1, input_shape=(1,), kernel_initializer="zeros")])
        net.compile(optimizer=SGD(learning_rate=1e307), loss="mse")
        return net

    m = linear_net()
    s = Stepper(m, x, y, batch_size=2)
    reference = Stepper(linear_net(), x, y, batch_size=2)
    with pytest.raises(TrainingDiverged):
        while True:                  # the stage path, with its backup at every update
            reference.step()
    assert s.run(max_epochs=5)
    assert "A weight became NaN or infinite at epoch 1, step 1" in s.diverged
    assert s.diverged == reference.diverged
    assert all(np.isfinite(w).all() for w in m.get_weights())
    for a, b in zip(m.get_weights(), reference.model.get_weights()):
        assert np.array_equal(a, b)
    assert s.global_step == reference.global_step == 0


def test_an_overflow_after_some_batches_rolls_back_only_to_that_update():
    x = np.linspace(0.1, 1.0, 12)[:, None]
    y = 1e3 * x
    m = Sequential([Dense(1, input_shape=(1,), kernel_initializer="ones")])
    m.compile(optimizer=SGD(learning_rate=1e150), loss="mse")
    s = Stepper(m, x, y, batch_size=3)
    s.run(max_epochs=20)
    assert s.diverged and s.global_step >= 1
    assert all(np.isfinite(w).all() for w in s.model.get_weights())
    # the history holds exactly the batches trained before the failing update
    assert len(s.history.batch_loss) == s.global_step
    assert len(s.snapshots) == s.epoch + 1


def test_snapshots_stay_within_their_byte_budget_evenly_spread():
    x, y = _data()
    m = _model()
    per_snapshot = sum(w.nbytes for w in m.get_weights())
    s = Stepper(m, x, y, batch_size=6, max_snapshot_bytes=10 * per_snapshot)
    s.run(max_epochs=40)
    epochs = [e for e, _w in s.snapshots]
    assert 5 <= len(epochs) <= 10
    assert epochs[0] == 0 and epochs[-1] == 40
    steps = np.diff(epochs[:-1])
    assert len(set(steps.tolist())) == 1       # evenly spread (the latest may be closer)
    assert epochs[-1] - epochs[-2] <= steps[0]
    # the count cap still applies when the bytes allow more
    s = Stepper(_model(), x, y, batch_size=6, max_snapshots=8)
    s.run(max_epochs=30)
    assert 4 <= len(s.snapshots) <= 8 and s.snapshots[-1][0] == 30


def test_the_default_budget_keeps_a_big_net_to_a_few_hundred_megabytes():
    from nnviz.engine.training import SNAPSHOT_BYTES

    m = Sequential([Dense(512, input_shape=(784,), activation="relu"),
                    Dense(512, activation="relu"), Dense(10, activation="softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    s = Stepper(m, np.zeros((2, 784)), np.eye(10)[[0, 1]], batch_size=2)
    weights = m.get_weights()
    for epoch in range(1, 120):       # as after 120 epochs, without training them
        s._add_snapshot(epoch, weights)
    total = sum(w.nbytes for _e, ws in s.snapshots for w in ws)
    assert total <= SNAPSHOT_BYTES
    assert s.snapshots[0][0] == 0 and s.snapshots[-1][0] == 119
