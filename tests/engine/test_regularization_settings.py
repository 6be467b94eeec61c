"""The Regularization setting: validated, one undo step, in the live run, in the file."""
import json

import numpy as np
import pytest

from nnviz.engine.regularizers import L1, L2
from nnviz.errors import ProjectFileError
from nnviz.files.project import Project, TrainingSettings
from nnviz.session.session import Session


def test_defaults_are_no_regularization_at_keras_rate():
    t = TrainingSettings()
    assert (t.regularization, t.regularization_rate) == ("none", 0.01)
    assert t.make_regularizer() is None


@pytest.mark.parametrize("name, value, message", [
    ("regularization", "l3", "one of none, l1, l2"),
    ("regularization", "l1_l2", "one of none, l1, l2"),
    ("regularization", 2, "one of none, l1, l2"),
    ("regularization_rate", -0.1, "a number of at least 0"),
    ("regularization_rate", float("nan"), "a number of at least 0"),
    ("regularization_rate", "0.1", "a number of at least 0"),
])
def test_bad_values_are_refused_naming_the_field(name, value, message):
    session = Session()
    before = session.project.training.to_dict()
    with pytest.raises(ProjectFileError, match=f"'training.{name}' must be {message}"):
        session.set_setting(**{name: value})
    assert session.project.training.to_dict() == before
    assert not session.undo_stack.can_undo


def test_setting_it_patches_the_live_run_undoably():
    session = Session()
    session.step("batch")
    steps = session.stepper.global_step
    session.set_setting(regularization="l2", regularization_rate=0.03)
    model = session.stepper.model
    assert all(layer.kernel_regularizer == L2(0.03) for layer in model.dense_layers)
    assert all(layer.bias_regularizer is None for layer in model.dense_layers)
    assert session.stepper.global_step == steps  # the run goes on
    trace = None
    while trace is None or trace.stage.kind != "loss":
        trace = session.step("stage")
    expected = 0.03 * sum(float(np.sum(layer.kernel ** 2)) for layer in model.dense_layers)
    assert trace.penalty == pytest.approx(expected, rel=1e-12)
    while session.undo_stack.undo_text.startswith("Step"):
        session.undo_stack.undo()
    assert session.undo_stack.undo_text == "Change regularization, regularization rate"
    session.undo_stack.undo()
    assert session.project.training.regularization == "none"
    assert all(layer.kernel_regularizer is None for layer in session.stepper.model.dense_layers)
    session.set_setting(regularization="l1")
    assert session.stepper.model.dense_layers[0].kernel_regularizer == L1(0.01)


def test_the_loss_history_includes_the_penalty():
    """The same run with a large L2 rate reports a larger loss (Keras's loss + penalty)."""
    def first_epoch_loss(**settings):
        session = Session()
        if settings:
            session.set_setting(**settings)
        session.step("epoch")
        return session.stepper.history.epoch_loss[0]
    assert first_epoch_loss(regularization="l2", regularization_rate=1.0) > \
        first_epoch_loss() + 0.1


def test_saved_and_read_back(tmp_path):
    session = Session()
    session.set_setting(regularization="l1", regularization_rate=0.003)
    path = tmp_path / "reg.nnviz"
    session.project.save(path)
    data = json.loads(path.read_text())
    assert data["training"]["regularization"] == "l1"
    loaded = Project.load(path)
    assert (loaded.training.regularization, loaded.training.regularization_rate) == ("l1", 0.003)
    assert loaded.build_model().dense_layers[-1].kernel_regularizer == L1(0.003)
    # A file of an earlier nnviz, without the keys, opens unregularized.
    del data["training"]["regularization"], data["training"]["regularization_rate"]
    path.write_text(json.dumps(data))
    older = Project.load(path)
    assert older.training.regularization == "none"
    assert all(layer.kernel_regularizer is None for layer in older.build_model().dense_layers)


def test_model_save_keeps_a_uniform_kernel_regularizer(tmp_path):
    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential, load_model
    from nnviz.engine.regularizers import L1L2

    model = Sequential([Dense(3, input_shape=(2,), activation="relu", kernel_regularizer="l2"),
                        Dense(1, activation="sigmoid", kernel_regularizer=L2(0.01))])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.save(tmp_path / "m.nnviz")
    loaded = load_model(tmp_path / "m.nnviz")
    assert [layer.kernel_regularizer for layer in loaded.dense_layers] == [L2(0.01)] * 2
    # What one setting cannot hold is refused, not dropped.
    for first, second, bias in ((L2(0.1), L2(0.2), None), (L2(0.1), None, None),
                                (L1L2(0.1, 0.2), L1L2(0.1, 0.2), None), (None, None, "l1")):
        model = Sequential([Dense(3, input_shape=(2,), kernel_regularizer=first,
                                  bias_regularizer=bias),
                            Dense(1, kernel_regularizer=second)])
        model.compile(optimizer="sgd", loss="mse")
        with pytest.raises(ProjectFileError, match="cannot hold this model's regularizers"):
            model.save(tmp_path / "bad.nnviz")
        assert not (tmp_path / "bad.nnviz").exists()


def test_the_loss_surface_includes_the_penalty():
    """The surface is the loss Keras reports (evaluate's): with the penalty, at every point."""
    from nnviz.analysis.loss_surface import loss_surface, random_directions
    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential
    from nnviz.engine.regularizers import L1

    model = Sequential([Dense(3, input_shape=(2,), activation="tanh", kernel_regularizer=L2(0.2)),
                        Dense(2, activation="softmax", kernel_regularizer=L1(0.1),
                              bias_regularizer=L2(0.3))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 2))
    y = np.eye(2)[rng.integers(0, 2, 30)]
    w = model.get_weights()
    w[3] = np.array([0.4, -0.2])
    model.set_weights(w)
    d1, d2 = random_directions(w, seed=4)
    alphas, betas, losses = loss_surface(model, x, y, w, d1, d2, span=0.7, grid=7)
    assert model.regularization_loss() > 0.1
    assert losses[3, 3] == pytest.approx(model.evaluate(x, y), rel=1e-10)
    model.set_weights([c + alphas[1] * a + betas[5] * b for c, a, b in zip(w, d1, d2)])
    assert losses[1, 5] == pytest.approx(model.evaluate(x, y), rel=1e-10)
