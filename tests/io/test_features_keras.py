"""The lecture's Keras code with feature crosses runs in Keras and trains to nnviz's numbers.

The code as nnviz writes it (its ``add_features`` applied to the data before ``fit``) runs in
a subprocess with Keras 3 (JAX CPU, float64), from nnviz's initial weights, on the data
set's own two columns; its weights after ``fit`` are nnviz's after the same epochs.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from nnviz.data.dataset_spec import DatasetSpec
from nnviz.files.keras_code import lecture_code
from nnviz.files.project import Project

RUNNER = """
import sys
import numpy as np
x = np.load(sys.argv[1])
y = np.load(sys.argv[2])
initial = list(np.load(sys.argv[3]).values())
{before_fit}
model.set_weights(initial)
{fit}
np.savez(sys.argv[4], *[np.asarray(w) for w in model.get_weights()])
"""


def test_lecture_code_with_crosses_trains_in_keras_as_in_nnviz(tmp_path):
    project = Project.lecture_example()
    project.set_dataset(DatasetSpec("moons", {"n_samples": 30, "noise": 0.1, "seed": 2,
                                              "validation_split": 0.0},
                                    features=("x1_squared", "x1_x2", "sin_x2")))
    project.design.set_units(project.design.chain()[0].id, 5)
    project.update_training(epochs=3, batch_size=4, shuffle=False)
    code = lecture_code(project.design, project.training, project.dataset).text
    lines = code.splitlines()
    fit = next(i for i, line in enumerate(lines) if line.startswith("model.fit("))
    assert "x = add_features(x)" in lines[:fit]
    data = project.load_dataset()
    model = project.build_model()
    initial = model.get_weights()
    np.save(tmp_path / "x.npy", data.x_train[:, :2])  # the data's own x1, x2
    np.save(tmp_path / "y.npy", data.y_train)
    np.savez(tmp_path / "initial.npz", *initial)
    script = tmp_path / "lecture.py"
    script.write_text(RUNNER.format(before_fit="\n".join(lines[:fit]), fit=lines[fit]))
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_ENABLE_X64="1")
    result = subprocess.run([sys.executable, str(script)] + [
        str(tmp_path / name) for name in ("x.npy", "y.npy", "initial.npz", "after.npz")],
        env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    model.fit(data.x_train, data.y_train, epochs=3, batch_size=4, shuffle=False, verbose=0)
    after = np.load(tmp_path / "after.npz")
    keras_weights = [after[f"arr_{i}"] for i in range(len(initial))]
    for ours, theirs, start in zip(model.get_weights(), keras_weights, initial):
        assert not np.allclose(ours, start)  # it trained
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-6)
