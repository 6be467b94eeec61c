"""The start-up example teaches: its data set needs the hidden layer, and training it is
something to watch (issue 21, "Defaults that teach").

The two Gaussians it had before were separated by the first batch (100 % accuracy) and a
straight line: the hidden layer did nothing a class could see.
"""
from __future__ import annotations

import numpy as np

from nnviz.document import Design
from nnviz.engine.training import Stepper
from nnviz.files.project import Project


def _stepper(project: Project) -> tuple[Stepper, object]:
    data = project.load_dataset()
    model = project.build_model(fresh=True)
    t = project.training
    stepper = Stepper(model, data.x_train, data.y_train, batch_size=t.batch_size,
                      shuffle=t.shuffle, seed=t.seed, x_val=data.x_val, y_val=data.y_val)
    return stepper, data


def _accuracy(model, x, y) -> float:
    return float(np.mean(model.predict(x).argmax(axis=1) == y.argmax(axis=1)))


def test_the_lecture_example_is_not_learned_by_one_batch_but_is_by_its_epochs():
    project = Project.lecture_example()
    assert [layer.units for layer in project.design.layers] == [2, 3, 2]  # the notes' net
    stepper, data = _stepper(project)
    stepper.step_batch()
    after_one_batch = _accuracy(stepper.model, data.x_train, data.y_train)
    assert after_one_batch < 0.75, after_one_batch
    stepper.step_epoch()
    after_one_epoch = _accuracy(stepper.model, data.x_train, data.y_train)
    assert after_one_epoch < 0.9, after_one_epoch  # the two Gaussians: 100 % here
    stepper.run(max_epochs=project.training.epochs - 1)
    assert stepper.epoch == project.training.epochs
    # Well above chance (0.5) on samples it never trained on.
    assert _accuracy(stepper.model, data.x_val, data.y_val) >= 0.9


def test_without_the_hidden_layer_the_lecture_data_stays_near_chance():
    """A straight line cannot separate the ring from the disc: the hidden layer matters."""
    lecture = Project.lecture_example()
    design = Design()
    a = design.add_layer("input", x=0.0, y=0.0, units=2)
    b = design.add_layer("output", x=300.0, y=0.0, units=2, activation="softmax")
    design.connect(a, b)
    stepper, data = _stepper(Project(design, lecture.training, lecture.dataset))
    stepper.run(max_epochs=lecture.training.epochs)
    assert _accuracy(stepper.model, data.x_train, data.y_train) < 0.7
