"""Lessons in the project file: the optional "lesson" key, its checks, its undo step."""
from __future__ import annotations

import json

import pytest

from nnviz.document.lessons import CONTROLS, Lesson
from nnviz.errors import ProjectFileError
from nnviz.files.project import FORMAT_VERSION, Project
from nnviz.session.session import Session


def test_every_control_has_a_label_and_widgets():
    for name, control in CONTROLS.items():
        assert control.name == name
        assert control.label and control.tip
        assert control.widgets
        assert set(control.view_only) <= set(control.widgets)


def test_a_lesson_round_trips_through_the_file(tmp_path):
    project = Project.lecture_example()
    project.set_lesson(Lesson(frozenset({"dataset", "palette"}), frozenset({"learning_rate"})))
    path = tmp_path / "lesson.nnviz"
    project.save(path)
    data = json.loads(path.read_text())
    assert data["version"] == FORMAT_VERSION  # no format bump: an optional key
    assert data["lesson"] == {"hidden": ["dataset", "palette"], "locked": ["learning_rate"]}
    again = Project.load(path)
    assert again.lesson == project.lesson
    assert again.lesson.state("dataset") == "hidden"
    assert again.lesson.state("learning_rate") == "locked"
    assert again.lesson.state("seed") == "shown"


def test_a_project_without_a_lesson_writes_no_key_and_reads_without_one(tmp_path):
    project = Project.lecture_example()
    path = tmp_path / "plain.nnviz"
    project.save(path)
    data = json.loads(path.read_text())
    assert "lesson" not in data
    again = Project.load(path)
    assert not again.lesson
    assert again == project


def test_hidden_wins_over_locked():
    lesson = Lesson(frozenset({"seed"}), frozenset({"seed", "epochs"}))
    assert lesson.state("seed") == "hidden"
    assert lesson.locked == {"epochs"}


@pytest.mark.parametrize("lesson, message", [
    ([], "'lesson' must be an object"),
    ({"hidden": "dataset"}, "'lesson.hidden' must be a list of control names"),
    ({"locked": ["warp_drive"]}, "'lesson.locked' names 'warp_drive'"),
    ({"shown": []}, "'lesson.shown' is not part of a lesson"),
])
def test_a_bad_lesson_is_refused_naming_the_field(tmp_path, lesson, message):
    data = Project.lecture_example().to_dict()
    data["lesson"] = lesson
    path = tmp_path / "bad.nnviz"
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match=message) as info:
        Project.load(path)
    assert "bad.nnviz" in str(info.value)


def test_setting_the_lesson_is_one_undo_step():
    session = Session(Project.lecture_example())
    heard = []
    session.project.events.lesson_changed.connect(lambda: heard.append(session.project.lesson))
    lesson = Lesson(frozenset({"code"}))
    session.set_lesson(lesson)
    assert session.project.lesson == lesson
    assert session.undo_stack.undo_text == "Set the lesson: 1 hidden"
    session.set_lesson(lesson)  # the same again: no step
    assert session.undo_stack.count == 1
    session.undo_stack.undo()
    assert not session.project.lesson
    session.undo_stack.redo()
    assert session.project.lesson == lesson
    assert heard == [lesson, Lesson(), lesson]


def test_opening_another_project_takes_its_lesson():
    session = Session(Project.lecture_example())
    session.set_lesson(Lesson(frozenset({"code"})))
    other = Project.lecture_example()
    session.replace_project(other)
    assert not session.project.lesson


def test_the_window_refuses_changes_of_locked_settings_by_their_control():
    lesson = Lesson(hidden=frozenset({"dataset"}), locked=frozenset({"optimizer"}))
    assert lesson.refusal(["momentum"]).startswith("Optimizer is locked by this lesson")
    assert lesson.refusal(["dataset"]).startswith("Data set is locked")
    assert lesson.refusal(["learning_rate", "epochs"]) == ""
