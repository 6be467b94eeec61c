"""The lecture's LectureInfo: one frozen record, built by one function from a session."""
import dataclasses

import pytest

from nnviz import resources
from nnviz.files.project import Project
from nnviz.session.lecture_info import lecture_info
from nnviz.session.session import Session


def test_lecture_info_reads_the_design_and_the_settings():
    session = Session()
    session.set_setting(learning_rate=0.0625)
    info = lecture_info(session)
    chain = session.design.chain()
    assert info.ids == tuple(spec.id for spec in chain)
    assert info.names == tuple(spec.name for spec in chain)
    assert info.activations == tuple(spec.activation for spec in chain[1:])
    assert info.loss == session.model.loss.name
    assert info.learning_rate == 0.0625
    assert info.optimizer == "sgd" and info.diverged is None and not info.running
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.learning_rate = 1.0  # type: ignore[misc]  # the point: read-only


def test_sgd_with_momentum_is_the_momentum_rule():
    session = Session()
    session.set_setting(momentum=0.9)
    assert lecture_info(session).optimizer == "momentum"
    session.set_setting(optimizer="adam")
    assert lecture_info(session).optimizer == "adam"


def test_the_ids_the_view_draws_with_win_over_the_designs():
    session = Session()
    assert lecture_info(session, ["a", "b"]).ids == ("a", "b")


def test_an_invalid_design_gives_no_names_and_no_error():
    session = Session()
    chain = session.design.chain()
    session.design.disconnect(chain[1].id, chain[-1].id)
    info = lecture_info(session)
    assert session.stepper is None
    assert info.names == () and info.activations == () and info.diverged is None
    assert info.loss == session.project.training.loss


def test_a_diverged_run_says_why():
    session = Session(Project.load(resources.example_path("sine")))
    session.set_setting(learning_rate=10.0)
    assert session.start_training() == ""
    status = "running"
    while status == "running":
        status, _trace = session.train_chunk()
    session.pause()
    info = lecture_info(session)
    assert info.diverged and "diverged" in info.diverged
