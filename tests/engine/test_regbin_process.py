"""A regularized run and a one-unit tanh run train in the training process exactly as here,
and a Regularization set while the process trains reaches it."""
import numpy as np

from tests.engine.test_training_process import (  # noqa: F401 - the fixture is used by name
    assert_same_run,
    make,
    remote,
    run_chunks,
)


def tanh_unit(session):
    out = session.design.chain()[-1]
    session.design.set_units(out.id, 1)
    session.design.set_activation(out.id, "tanh")
    session.set_setting(loss="mean_squared_error")
    return session


def test_regularized_one_unit_run_in_the_process_is_the_run_here(remote):  # noqa: F811
    settings = dict(epochs=8, regularization="l1", regularization_rate=0.01)
    here = tanh_unit(make(**settings))
    here.train()
    there = tanh_unit(remote(**settings))
    assert set(np.unique(there.stepper.y)) == {-1.0, 1.0}
    assert run_chunks(there) == "finished"
    assert there.trains_in_process()
    there.pause()
    assert_same_run(here, there)


def test_a_regularization_set_while_training_reaches_the_process(remote):  # noqa: F811
    there = remote(epochs=100_000)
    run_chunks(there, until=lambda s: s.stepper.epoch >= 1)
    there.set_setting(regularization="l2", regularization_rate=5.0)
    before = there.stepper.global_step
    run_chunks(there, until=lambda s: s.stepper.global_step > before + 40)
    there.pause()
    # λ = 5 dominates the loss: the kernels shrink towards 0, the penalty is in the loss.
    model = there.stepper.model
    penalty = model.regularization_loss()
    assert all(layer.kernel_regularizer is not None for layer in model.dense_layers)
    assert there.history.batch_loss[-1] > penalty > 0
    assert max(float(np.abs(k).max()) for k in (layer.kernel for layer in model.dense_layers)) \
        < 0.5
