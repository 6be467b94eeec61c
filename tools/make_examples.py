"""Regenerate the bundled example projects (``nnviz/resources/examples/``): ``python tools/make_examples.py``.

Each example is a design (laid out left to right), its training settings and a built-in
data set, saved untrained with the initial weights its seed draws, so the window shows
the same network every time it opens one. ``tests/io/test_examples.py`` checks that every
file here loads and fits its data set.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nnviz.document import Design  # noqa: E402
from nnviz.files.project import DatasetSpec, Project, TrainingSettings  # noqa: E402

# The source tree's copy (never an installed nnviz's): the files the wheel ships.
EXAMPLES_DIR = ROOT / "nnviz" / "resources" / "examples"
SPACING = 260.0


def _design(inputs: int, hidden: list[tuple[int, str]], outputs: tuple[int, str],
            names: tuple[str, ...] | None = None) -> Design:
    """Input -> hidden layers -> output, wired in a chain and centred on x = 0."""
    design = Design()
    n = len(hidden) + 2
    x0 = -SPACING * (n - 1) / 2
    ids = [design.add_layer("input", x=x0, y=0.0, units=inputs)]
    for k, (units, activation) in enumerate(hidden):
        ids.append(design.add_layer("hidden", x=x0 + SPACING * (k + 1), y=0.0, units=units,
                                    activation=activation))
        design.connect(ids[-2], ids[-1])
    ids.append(design.add_layer("output", x=x0 + SPACING * (n - 1), y=0.0, units=outputs[0],
                                activation=outputs[1]))
    design.connect(ids[-2], ids[-1])
    for layer_id, name in zip(ids, names or ()):
        design.set_name(layer_id, name)
    design.undo_stack.clear()
    return design


def examples() -> dict[str, Project]:
    """The example projects by file stem."""
    out = {"lecture": Project.lecture_example()}
    out["xor"] = Project(
        _design(2, [(4, "tanh")], (2, "softmax")),
        TrainingSettings(loss="categorical_crossentropy", optimizer="sgd", learning_rate=0.1,
                         batch_size=4, epochs=100, seed=0),
        DatasetSpec("xor", {"n_samples": 200, "noise": 0.1, "seed": 0, "validation_split": 0.2}),
    )
    out["spiral"] = Project(
        _design(2, [(16, "tanh"), (16, "tanh")], (2, "softmax")),
        TrainingSettings(loss="categorical_crossentropy", optimizer="adam", learning_rate=0.01,
                         batch_size=16, epochs=300, seed=0),
        DatasetSpec("spiral", {"n_samples": 300, "noise": 0.1, "seed": 0,
                               "validation_split": 0.2}),
    )
    out["sine"] = Project(
        _design(1, [(16, "tanh")], (1, "linear")),
        # Plain SGD (not Adam), so that a learning rate of 10 visibly diverges here: the
        # "break it on purpose" exercise of the lecture.
        TrainingSettings(loss="mean_squared_error", optimizer="sgd", learning_rate=0.05,
                         batch_size=8, epochs=200, seed=0, metrics=[]),
        DatasetSpec("sine", {"n_samples": 200, "noise": 0.1, "seed": 0, "validation_split": 0.2}),
    )
    out["iris"] = Project(
        _design(4, [(8, "relu")], (3, "softmax")),
        TrainingSettings(loss="categorical_crossentropy", optimizer="sgd", learning_rate=0.05,
                         batch_size=8, epochs=100, seed=0),
        DatasetSpec("iris", {"seed": 0, "validation_split": 0.2, "standardize": True}),
    )
    out["digits"] = Project(
        _design(64, [(32, "relu")], (10, "softmax")),
        TrainingSettings(loss="categorical_crossentropy", optimizer="sgd", learning_rate=0.1,
                         batch_size=32, epochs=30, seed=0),
        DatasetSpec("digits", {"seed": 0, "validation_split": 0.2}),
    )
    return out


def main() -> None:
    """Write every example, with the initial weights drawn from its seed."""
    EXAMPLES_DIR.mkdir(exist_ok=True)
    for stem, project in examples().items():
        project.build_model()  # stores the seeded initial weights in the design
        path = EXAMPLES_DIR / f"{stem}.nnviz"
        project.save(path)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
