"""Issue 20, point 2: the training process's wire format is the Stepper's own dataclasses.

The child used to be built with ``cls.__new__`` + ``__dict__.update(vars(stepper))`` after
blanking private fields by name, and the deltas read ``stepper._order``.
"""
import pickle
import re
from pathlib import Path

import numpy as np

from nnviz.engine.training import RunData, RunDelta, RunPayload, Stepper
from nnviz.files.project import Project
from nnviz.session.session import Session

ROOT = Path(__file__).resolve().parents[2]


def stepper(epochs=3):
    project = Project.lecture_example()
    project.update_training(epochs=epochs)
    return Session(project).stepper


def test_a_copy_from_its_payload_and_deltas_is_the_same_run_bit_for_bit():
    here, there_source = stepper(), stepper()
    here.run(max_epochs=1)
    there_source.run(max_epochs=1)
    payload = pickle.loads(pickle.dumps(there_source.to_payload()))  # as it travels
    data = pickle.loads(pickle.dumps(there_source.run_data()))
    assert isinstance(payload, RunPayload) and isinstance(data, RunData)
    copy = Stepper.from_payload(payload, data)
    # Two chunks there, each sent back as a delta; the same two chunks here.
    for limit in (7, 60):
        copy.run(should_stop=lambda lim=limit: copy.batch_index >= lim % copy.batches_per_epoch,
                 max_epochs=2)
        delta = pickle.loads(pickle.dumps(copy.take_delta()))
        assert isinstance(delta, RunDelta)
        there_source.apply_delta(delta)
        here.run(should_stop=lambda lim=limit: here.batch_index >= lim % here.batches_per_epoch,
                 max_epochs=2)
    a, b = here.get_state(), there_source.get_state()
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    assert a.counters == b.counters and a.sums == b.sums
    assert a.position.rng == b.position.rng
    assert np.array_equal(a.position.order, b.position.order)
    assert here.history.to_dict() == there_source.history.to_dict()
    assert [e for e, _w in here.snapshots] == [e for e, _w in there_source.snapshots]
    assert all(np.array_equal(x, y) for (_e, ws), (_f, vs) in
               zip(here.snapshots, there_source.snapshots) for x, y in zip(ws, vs))


def test_the_order_travels_once_per_epoch():
    source = stepper()
    copy = Stepper.from_payload(source.to_payload(), source.run_data())
    copy.run(should_stop=lambda: copy.batch_index >= 3, max_epochs=1)
    first = copy.take_delta()
    copy.run(should_stop=lambda: copy.batch_index >= 6, max_epochs=1)
    second = copy.take_delta()
    assert not first.same_order and first.state.position.order is not None
    assert second.same_order and second.state.position.order is None


#: The Stepper's modules: the class and its mixins (its fast path, its state as data).
STEPPER_MODULES = {"nnviz/engine/training.py", "nnviz/engine/stepper_fast.py",
                   "nnviz/engine/stepper_state.py"}


def test_no_private_stepper_field_is_read_outside_training_py():
    pattern = re.compile(r"stepper\._[a-z]|vars\((self\.)?stepper\)|stepper\.__dict__|"
                         r"\.__new__\(cls\)")
    found = []
    for folder in ("nnviz", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() in STEPPER_MODULES:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []
