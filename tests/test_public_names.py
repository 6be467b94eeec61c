"""The Keras-shaped public names stay importable at the top of the package.

nnviz's code lives in sub-packages by job (engine, document, data, files, session,
analysis), but a user writes ``from nnviz.models import Sequential`` as in Keras: each
public module at the top re-exports its sub-package module's names, the same objects.
"""
import importlib

import pytest

PUBLIC = {
    "activations": "engine", "initializers": "engine", "layers": "engine", "losses": "engine",
    "models": "engine", "optimizers": "engine", "utils": "engine", "saving": "engine",
    "regularizers": "engine", "datasets": "data",
}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_module_reexports_the_same_objects(name):
    public = importlib.import_module(f"nnviz.{name}")
    inner = importlib.import_module(f"nnviz.{PUBLIC[name]}.{name}")
    assert public.__all__, name
    for attr in public.__all__:
        assert getattr(public, attr) is getattr(inner, attr), (name, attr)


def test_keras_shaped_script_runs_on_public_names():
    from nnviz.layers import Dense
    from nnviz.models import Sequential

    model = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert model.count_params() == 2 * 3 + 3 + 3 * 1 + 1
