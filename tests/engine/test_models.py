"""The Keras-shaped API: what the lecture's code calls, with Keras's shapes and errors."""
import numpy as np
import pytest

from nnviz.engine import activations, initializers, losses, optimizers
from nnviz.engine.layers import Activation, Dense, Input
from nnviz.engine.models import Sequential
from nnviz.engine.utils import set_random_seed


def test_lecture_snippet_runs_with_imports_swapped_and_loss_falls(capsys):
    # The lecture's code, with `keras` replaced by `nnviz` (issue 3, "Done when").
    from nnviz.data import datasets
    from nnviz.engine.layers import Activation, Dense  # noqa: F401 - as the lecture imports them
    from nnviz.engine.models import Sequential
    from nnviz.engine.optimizers import SGD

    data = datasets.load("two_gaussians", n_samples=100, noise=0.2, seed=0, validation_split=0.2)
    x, y = data.x, data.y
    set_random_seed(0)
    model = Sequential([Dense(units=3, input_shape=(2,), activation='relu'),
                        Dense(units=2, activation='softmax')])
    model.compile(optimizer=SGD(learning_rate=0.1, momentum=0.0), loss='categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x, y, epochs=10, batch_size=4, shuffle=False, validation_split=0.2, verbose=1)
    assert model.predict(x).shape == (len(x), 2)
    loss, acc = model.evaluate(x, y)
    ws = model.get_weights()
    model.set_weights(ws)
    model.summary()
    out = capsys.readouterr().out
    assert "Epoch 10/10" in out and "Total params: 17" in out
    h = history.history
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert acc > 0.9


def test_weights_have_keras_shapes_and_order():
    m = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(2, activation="softmax")])
    shapes = [w.shape for w in m.get_weights()]
    assert shapes == [(2, 3), (3,), (3, 2), (2,)]
    assert m.count_params() == 17
    assert [layer.name for layer in m.layers][0].startswith("dense")


def test_set_weights_checks_count_and_shapes():
    m = Sequential([Dense(3, input_shape=(2,))])
    with pytest.raises(ValueError, match="2 weight arrays"):
        m.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        m.set_weights([np.zeros((3, 2)), np.zeros(3)])


def test_get_weights_returns_copies():
    m = Sequential([Dense(2, input_shape=(2,))])
    w = m.get_weights()
    w[0][...] = 99
    assert not np.any(m.get_weights()[0] == 99)


def test_input_layer_activation_layer_and_no_bias():
    m = Sequential([Input(shape=(2,)), Dense(3, use_bias=False), Activation("tanh"),
                    Dense(1, activation="sigmoid")])
    assert [w.shape for w in m.get_weights()] == [(2, 3), (3, 1), (1,)]
    k, k2, b2 = m.get_weights()
    x = np.array([[0.5, -1.0]])
    expected = 1 / (1 + np.exp(-(np.tanh(x @ k) @ k2 + b2)))
    np.testing.assert_allclose(m.predict(x), expected, atol=1e-15)


def test_float32_on_request():
    m = Sequential([Dense(2, input_shape=(2,))], dtype="float32")
    assert m.get_weights()[0].dtype == np.float32
    assert m.predict(np.ones((1, 2))).dtype == np.float32
    m.compile(optimizer="sgd", loss="mse")
    m.fit(np.ones((4, 2)), np.ones((4, 2)), epochs=1, verbose=0)
    assert m.get_weights()[0].dtype == np.float32


def test_float64_is_the_default():
    m = Sequential([Dense(2, input_shape=(2,))])
    assert m.get_weights()[0].dtype == np.float64


def test_seeded_initialisation_is_reproducible():
    set_random_seed(5)
    a = Sequential([Dense(4, input_shape=(3,))]).get_weights()[0]
    set_random_seed(5)
    b = Sequential([Dense(4, input_shape=(3,))]).get_weights()[0]
    c = Sequential([Dense(4, input_shape=(3,), seed=1)]).get_weights()[0]
    d = Sequential([Dense(4, input_shape=(3,), seed=1)]).get_weights()[0]
    assert np.array_equal(a, b) and np.array_equal(c, d) and not np.array_equal(a, c)


@pytest.mark.parametrize("name", initializers.names())
def test_initializers_scale(name):
    w = initializers.get(name, seed=0)((200, 100))
    limit = np.sqrt(6 / 300)
    if name == "glorot_uniform":
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit
    elif name == "he_uniform":
        assert np.abs(w).max() <= np.sqrt(6 / 200)
    elif name == "zeros":
        assert not w.any()
    elif name == "ones":
        assert (w == 1).all()
    elif name in ("glorot_normal", "he_normal"):
        fan = 300 if name == "glorot_normal" else 200
        std = np.sqrt(2 / fan)
        assert abs(w.std() - std) < 0.1 * std
    elif name == "random_normal":
        assert abs(w.std() - 0.05) < 0.005


def test_string_optimizers_take_keras_defaults():
    assert optimizers.get("sgd").learning_rate == 0.01
    assert optimizers.get("adam").learning_rate == 0.001
    assert optimizers.get("rmsprop").learning_rate == 0.001


def test_unknown_names_and_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="Unknown activation 'relux'"):
        activations.get("relux")
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get("hinge2")
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("adagrad2")
    with pytest.raises(ValueError, match="positive whole number"):
        Dense(0)
    with pytest.raises(ValueError, match="learning rate must be a positive"):
        optimizers.SGD(learning_rate=-1)
    m = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="expects 3 input values per sample, but the data has 2"):
        m.predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="Compile the model"):
        m.fit(np.zeros((1, 3)), np.zeros((1, 2)))


@pytest.mark.parametrize("name", [n for n in activations.names() if n != "softmax"])
def test_activation_derivative_matches_central_differences(name):
    f = activations.get(name)
    z = np.linspace(-3, 3, 61) + 0.013   # avoid the kinks at exactly 0
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(f.derivative(z), numeric, atol=1e-6)


def test_hand_computed_values_of_the_activations():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(activations.relu(z), [0, 0, 3])
    np.testing.assert_allclose(activations.leaky_relu(z), [-0.4, 0, 3])
    np.testing.assert_allclose(activations.elu(z), [np.exp(-2) - 1, 0, 3])
    np.testing.assert_allclose(activations.sigmoid(np.array([0.0])), [0.5])
    np.testing.assert_allclose(activations.softplus(np.array([0.0])), [np.log(2)])
    s = activations.softmax(np.array([[1.0, 2.0, 3.0]]))
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(s, [e / e.sum()])
    # no overflow for large sums: the row maximum is subtracted first
    np.testing.assert_allclose(activations.softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


def test_hand_computed_losses():
    y = np.array([[1.0, 0.0]])
    p = np.array([[0.8, 0.2]])
    assert losses.get("mse")(y, p) == pytest.approx((0.2**2 + 0.2**2) / 2)
    assert losses.get("mae")(y, p) == pytest.approx(0.2)
    assert losses.get("categorical_crossentropy")(y, p) == pytest.approx(-np.log(0.8))
    assert losses.get("sparse_categorical_crossentropy")(np.array([0]), p) == pytest.approx(-np.log(0.8))
    assert losses.get("binary_crossentropy")(np.array([[1.0]]), np.array([[0.8]])) == pytest.approx(-np.log(0.8))
    # Keras clips probabilities before the log: a confident wrong answer costs -log(1e-7)
    assert losses.get("categorical_crossentropy")(y, np.array([[0.0, 1.0]])) == pytest.approx(-np.log(1e-7))
