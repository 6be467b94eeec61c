"""Issue 19: a project is opened whole or not at all; sizes and texts from a file are bounded.

Point 3: a file that loads could leave the window half-adopted (A's design, name and path,
B's settings and data set), and Save then rewrote A with them. Point 5: layer sizes escaped
the weight limit (in a file without kernels and by the Units box). Point 7: a huge
divergence message froze the window. Point 8: a batch that needs gigabytes.
"""
from __future__ import annotations

import json

from PySide6.QtCore import Qt

from nnviz import limits
from nnviz.document.selection import LayerSel
from nnviz.files.project import Project
from nnviz.session.session import Session
from tests.ui.helpers import type_into


def _errors(monkeypatch) -> list[str]:
    errors: list[str] = []
    monkeypatch.setattr("ui.file_actions.show_error",
                        lambda parent, title, error: errors.append(f"{title}: {error}"))
    return errors


def _edited_a(window, tmp_path):
    """The lecture saved as a.nnviz, then edited (unsaved): what the user has open."""
    a = tmp_path / "a.nnviz"
    assert window.save_file(str(a))
    hidden = window.design.chain()[1].id
    window.design.set_units(hidden, 5)
    window.session.set_setting(learning_rate=0.25)
    assert window.is_modified()
    return a


def _state(window) -> dict:
    """What a failed open must leave exactly as it was."""
    stack = window.undo_stack
    return {"content": window.project.to_dict(), "path": window.project.path,
            "title": window.windowTitle(), "modified": window.is_modified(),
            "undo": (stack.count, stack.index, stack.undo_text), "stepper": window.session.stepper,
            "problem": window.session.problem,
            "lr box": window.training.panel.learning_rate.value()}


def _b_file(tmp_path, **params) -> str:
    data = Project.lecture_example().to_dict()
    data["dataset"] = {"name": "moons", "params": {"n_samples": 100, "noise": 0.1, "seed": 3,
                                                   "validation_split": 0.2, **params}}
    data["training"]["batch_size"] = 8
    path = tmp_path / "b.nnviz"
    path.write_text(json.dumps(data))
    return str(path)


def _save_with_ctrl_s(qtbot, window, path) -> None:
    before = path.stat().st_mtime_ns
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: path.stat().st_mtime_ns != before, timeout=5000)


def test_point3_a_refused_open_leaves_the_window_and_save_writes_what_the_user_had(
        make_window, tmp_path, monkeypatch, qtbot):
    window = make_window()
    a = _edited_a(window, tmp_path)
    before = _state(window)
    errors = _errors(monkeypatch)
    assert not window.open_file(_b_file(tmp_path, noise="lots"))
    assert errors and "'dataset.params.noise' must be a number" in errors[0]
    assert _state(window) == before
    _save_with_ctrl_s(qtbot, window, a)
    saved = Project.load(a)
    assert saved == Project.from_dict(before["content"], str(tmp_path))
    assert saved.design.chain()[1].units == 5 and saved.training.learning_rate == 0.25
    assert saved.dataset.name == Project.lecture_example().dataset.name  # A's, not B's moons
    # The next opens of a good file work (two failed after the half-adoption).
    for _ in range(2):
        assert window.open_file(_b_file(tmp_path))
        assert window.project.dataset.name == "moons" and window.training.panel.size.value() == 100


def test_point3_a_view_failing_half_way_through_an_open_puts_everything_back(
        make_window, tmp_path, monkeypatch, qtbot, capsys):
    """Whatever the loader misses: a view that raises while B is swapped in (here the
    training panel's settings) rolls the session, its run and its undo stack back to A."""
    window = make_window()
    a = _edited_a(window, tmp_path)
    before = _state(window)
    binder = window.training.binder
    shown = binder.show_settings

    def tripping_view() -> None:
        if window.project.dataset.name == "moons":
            raise ValueError("a view tripped over the new data set")
        shown()

    monkeypatch.setattr(binder, "show_settings", tripping_view)
    errors = _errors(monkeypatch)
    assert not window.open_file(_b_file(tmp_path))
    assert errors and "failed unexpectedly (ValueError: a view tripped over the new data set)" \
        in errors[0] and "still open" in errors[0]
    assert "a view tripped" in capsys.readouterr().err  # the traceback, for a report
    assert _state(window) == before
    assert window.training.panel.dataset_combo.currentData() == \
        Project.lecture_example().dataset.name
    # Undo still walks back through A's edits.
    window.undo_stack.undo()
    assert window.project.training.learning_rate == 0.1
    window.undo_stack.redo()
    _save_with_ctrl_s(qtbot, window, a)
    assert Project.load(a) == Project.from_dict(before["content"], str(tmp_path))
    monkeypatch.setattr(binder, "show_settings", shown)
    assert window.open_file(_b_file(tmp_path))
    assert window.project.dataset.name == "moons"


def test_point3_session_replace_project_is_whole_or_not_at_all(monkeypatch):
    session = Session(Project.lecture_example())
    session.step("batch")
    stepper, history = session.stepper, dict(session.project.history)
    other = Project.lecture_example()
    other.training.batch_size = 16

    def fail(*_args, **_kwargs):
        raise RuntimeError("no run today")

    monkeypatch.setattr(session, "_start_run", fail)
    try:
        session.replace_project(other)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failure went unseen")
    assert session.stepper is stepper and session.project.training.batch_size == 4
    assert session.project.history == history and session.undo_stack.can_undo


def test_point5_a_file_of_two_4096_unit_layers_without_weights_is_refused(
        make_window, tmp_path, monkeypatch):
    window = make_window()
    data = Project.lecture_example().to_dict()
    data["design"]["layers"][0]["units"] = 4096
    data["design"]["layers"][1]["units"] = 4096
    for item in data["design"]["layers"]:
        item["bias"] = None
    for item in data["design"]["connections"]:
        item["kernel"] = None
    path = tmp_path / "wide.nnviz"
    path.write_text(json.dumps(data))
    assert path.stat().st_size < 3000
    errors = _errors(monkeypatch)
    assert not window.open_file(str(path))
    assert "(4096 x 4096 neurons) brings the design's weights to more than 4,000,000" \
        in errors[0]
    assert [s.units for s in window.design.chain()] == [2, 3, 2]


def test_point5_the_units_box_refuses_a_size_over_the_weight_limit(window, qtbot):
    inspector = window.inspector
    first, hidden, _output = (s.id for s in window.design.chain())
    inspector.set_selection(LayerSel(first))
    type_into(inspector.units_spin, "4096")
    assert window.design.layer(first).units == 4096  # 4096 x 3: allowed
    inspector.set_selection(LayerSel(hidden))
    count = window.undo_stack.count
    type_into(inspector.units_spin, "4096")  # 4096 x 4096: 16.8 million lines
    assert window.design.layer(hidden).units == 3 and window.undo_stack.count == count
    qtbot.waitUntil(lambda: "at most 4,000,000" in window.statusBar().currentMessage(),
                    timeout=5000)
    assert inspector.units_spin.value() == 3
    type_into(inspector.units_spin, "900")  # 4096 x 900: 3.7 million, allowed
    assert window.design.layer(hidden).units == 900


def test_point7_a_megabyte_divergence_message_opens_elided(make_window, tmp_path):
    project = Project.lecture_example()
    project.dataset.params["n_samples"] = 40
    session = Session(project)
    session.train(1)
    session.commit()
    data = project.to_dict()
    data["run"]["diverged"] = "The loss became NaN. " + "x" * 10**6
    path = tmp_path / "diverged.nnviz"
    path.write_text(json.dumps(data))
    window = make_window()
    assert window.open_file(str(path))
    message = window.session.stepper.diverged
    assert len(message) == limits.MAX_MESSAGE and message.endswith("…")
    qtbot_text = window.run_state_label.text()
    assert qtbot_text.startswith("Diverged: The loss became NaN")
    assert len(window.run_state_label.toolTip()) < 2 * limits.MAX_MESSAGE


def test_point8_a_batch_over_the_activation_limit_is_a_problem_not_gigabytes(
        make_window, tmp_path, qtbot):
    data = Project.lecture_example().to_dict()
    data["design"]["layers"][1]["units"] = 4096
    for item in data["design"]["layers"]:
        item["bias"] = None
    for item in data["design"]["connections"]:
        item["kernel"] = None
    data["dataset"]["params"]["n_samples"] = limits.MAX_SAMPLES
    data["training"]["batch_size"] = limits.MAX_BATCH_SIZE
    path = tmp_path / "batch.nnviz"
    path.write_text(json.dumps(data))
    window = make_window()
    assert window.open_file(str(path))
    assert window.session.stepper is None
    assert window.session.problem.startswith("A batch of 80,000 samples through 4,100 neurons")
    qtbot.mouseClick(window.training.panel.train_button, Qt.MouseButton.LeftButton)
    assert not window.session.training
    assert "Use a batch size of at most 4,878" in window.training.panel.message.text()
    # The Batch box brings it within the limit: a run is built.
    type_into(window.training.panel.batch_size, "4000")
    assert window.session.stepper is not None and window.session.problem == ""
