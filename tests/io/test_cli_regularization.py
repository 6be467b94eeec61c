"""``nnviz train --regularization l2 --regularization-rate R``, and ``nnviz info`` says it."""
from __future__ import annotations

from nnviz.files.project import Project
from tests.io.test_cli import project_file, run  # noqa: F401 - the fixture is used by name


def test_train_with_regularization_saves_it_and_info_shows_it(project_file, tmp_path):  # noqa: F811
    out_file = tmp_path / "reg.nnviz"
    status, out, err = run(["train", project_file, "--epochs", "2", "--regularization", "l2",
                            "--regularization-rate", "0.5", "-o", out_file])
    assert status == 0, err
    trained = Project.load(out_file)
    assert (trained.training.regularization, trained.training.regularization_rate) == \
        ("l2", 0.5)
    plain_file = tmp_path / "plain.nnviz"
    assert run(["train", project_file, "--epochs", "2", "-o", plain_file])[0] == 0
    # Keras's loss includes the penalty: with λ = 0.5 it is far above the plain run's.
    plain = Project.load(plain_file)
    assert trained.history["epoch_loss"][0] > plain.history["epoch_loss"][0] + 0.1
    status, out, err = run(["info", out_file])
    assert status == 0, err
    assert "regularization: L2 on the weights, rate 0.5" in out
    assert "regularization" not in run(["info", plain_file])[1]


def test_a_bad_regularization_names_the_option(project_file):  # noqa: F811
    status, _out, err = run(["train", project_file, "--regularization", "l3"])
    assert status == 1
    assert "--regularization must be one of none, l1, l2" in err
