"""Lessons in the window: Edit > Lesson… hides and locks controls; the file keeps them."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from nnviz.document.lessons import LOCKED_TIP, Lesson
from nnviz.files.project import Project
from tests.ui.helpers import type_into
from ui.main_window import SETTINGS_STATE

pytestmark = pytest.mark.window(size=(1300, 850))


def _open_dialog(qtbot, window):
    window.lesson_action.trigger()
    dialog = window.findChild(QWidget, "lessonDialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _ok(qtbot, dialog):
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    _click(qtbot, button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)


def _shown(window, name: str) -> bool:
    return window.findChild(QWidget, name).isVisible()


def test_hidden_controls_stay_hidden_after_saving_and_reopening(qtbot, window, tmp_path):
    assert _shown(window, "datasetCombo") and _shown(window, "paletteDock")
    dialog = _open_dialog(qtbot, window)
    assert dialog.editable  # no lesson yet: the lecturer sets one up at once
    for name in ("dataset", "palette", "code"):
        _click(qtbot, dialog.hide_boxes[name])
    _click(qtbot, dialog.lock_boxes["learning_rate"])
    _ok(qtbot, dialog)

    def hidden_as_set():
        assert not _shown(window, "datasetCombo")
        assert not _shown(window, "datasetNoise")
        assert not _shown(window, "paletteDock")
        assert not _shown(window, "codeDock")
        # ... and out of reach: no View > Panels entry, no Import Keras Code action
        assert not window.palette_dock.toggleViewAction().isVisible()
        assert not window.code_dock.toggleViewAction().isVisible()
        assert not window.import_keras_action.isVisible()
        assert not window.import_keras_action.isEnabled()
        rate = window.training.panel.learning_rate
        assert rate.isVisible() and not rate.isEnabled()
        assert rate.toolTip() == LOCKED_TIP
        assert _shown(window, "lossCombo")  # what the lesson does not name stays
        assert window.lesson_view.label.text() == "Lesson: 3 hidden, 1 locked"

    hidden_as_set()
    assert window.is_modified()
    assert window.undo_stack.undo_text == "Set the lesson: 3 hidden, 1 locked"
    path = tmp_path / "lesson.nnviz"
    assert window.save_file(path)

    # A file without a lesson shows everything again ...
    plain = tmp_path / "plain.nnviz"
    Project.lecture_example().save(plain)
    assert window.open_file(plain)
    assert _shown(window, "datasetCombo") and _shown(window, "paletteDock")
    assert _shown(window, "codeDock") or window.code_dock.toggleViewAction().isVisible()
    assert window.training.panel.learning_rate.isEnabled()
    assert window.import_keras_action.isEnabled()
    assert not window.lesson_view.label.isVisible()
    # ... and reopening the lesson hides and locks it all again.
    assert window.open_file(path)
    hidden_as_set()
    assert not window.is_modified()


def test_a_locked_setting_refuses_edits(qtbot, window):
    window.session.set_lesson(Lesson(locked=frozenset({"learning_rate", "dataset"})))
    rate = window.training.panel.learning_rate
    before = window.project.training.learning_rate
    type_into(rate, "0.5")
    qtbot.keyClick(rate, Qt.Key.Key_Up)
    assert window.project.training.learning_rate == before
    assert not rate.isEnabled()
    # Even the box's own arrows, were they reached, are refused, and the panel says why.
    rate.stepBy(1)
    assert window.project.training.learning_rate == before
    assert rate.value() == before
    assert window.training.panel.message.text().startswith(
        "Learning rate is locked by this lesson")
    # The panel enables the noise box whenever the settings change (a noisy data set):
    # the lock keeps it disabled.
    noise = window.training.panel.noise
    window.session.set_setting(epochs=7)
    window.training.binder.show_settings()
    assert not noise.isEnabled()
    assert noise.toolTip() == LOCKED_TIP
    # Undo of the lock (Ctrl+Z) gives the fields back, with their own tooltips.
    window.undo_stack.undo()  # epochs
    window.undo_stack.undo()  # the lesson
    assert rate.isEnabled() and noise.isEnabled()
    assert "Learning rate" in rate.toolTip()
    type_into(rate, "0.5")
    assert window.project.training.learning_rate == 0.5


def test_a_lesson_opens_read_only_until_the_student_chooses_to_leave_it(qtbot, make_window):
    project = Project.lecture_example()
    project.lesson = Lesson(hidden=frozenset({"palette"}))
    window = make_window(project)
    assert not _shown(window, "paletteDock")
    dialog = _open_dialog(qtbot, window)
    assert not dialog.editable
    assert dialog.note.isVisible()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isVisible()
    box = dialog.hide_boxes["palette"]
    assert box.isChecked() and not box.isEnabled()
    _click(qtbot, box)  # a click on a read-only box changes nothing
    assert box.isChecked()
    _click(qtbot, dialog.unlock_button)
    assert dialog.editable and box.isEnabled()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isVisible()
    _click(qtbot, box)
    _ok(qtbot, dialog)
    assert not window.project.lesson
    assert _shown(window, "paletteDock")
    assert window.palette_dock.toggleViewAction().isVisible()
    window.undo_stack.undo()  # the lesson is back
    assert not _shown(window, "paletteDock")


def test_reset_layout_does_not_bring_back_a_hidden_dock_nor_is_the_layout_remembered(
        qtbot, window):
    window.session.set_lesson(Lesson(hidden=frozenset({"code"})))
    assert not _shown(window, "codeDock")
    window.reset_layout_action.trigger()
    assert not _shown(window, "codeDock")
    QSettings().remove(SETTINGS_STATE)
    window.save_settings()
    assert QSettings().value(SETTINGS_STATE) is None


def test_menu_actions_of_a_locked_control_are_disabled(window):
    window.session.set_lesson(Lesson(locked=frozenset({"code"})))
    action = window.findChild(QAction, "actionImportKeras")
    assert action.isVisible() and not action.isEnabled()
    assert window.code_dock.isVisible()  # the code can still be read and copied
    assert window.code_dock.copy_button.isEnabled()
    assert not window.code_dock.import_button.isEnabled()
    assert not window.code_dock.paste.isEnabled()


def test_imported_keras_code_keeps_the_settings_the_lesson_locks(window):
    window.session.set_lesson(Lesson(locked=frozenset({"learning_rate"})))
    code = ("from keras import Sequential\nfrom keras.layers import Dense\n"
            "from keras.optimizers import SGD\n"
            "model = Sequential([Dense(units=4, input_shape=(2,), activation='relu'),\n"
            "                    Dense(units=2, activation='softmax')])\n"
            "model.compile(optimizer=SGD(learning_rate=0.5), loss='mean_squared_error')\n")
    assert window.import_keras_code(code)
    assert window.design.chain()[1].units == 4
    assert window.project.training.loss == "mean_squared_error"
    assert window.project.training.learning_rate == 0.1  # locked: as the lesson set it
    assert "the lesson keeps learning rate as it was" in window.statusBar().currentMessage()


def test_regularization_can_be_locked_and_hidden(qtbot, window):
    """The regularization and its rate are one lockable control, as each training setting."""
    panel = window.training.panel
    window.session.set_lesson(Lesson(locked=frozenset({"regularization"})))
    assert not panel.regularization_combo.isEnabled()
    assert not panel.regularization_rate.isEnabled()
    before = window.project.training.regularization_rate
    panel.regularization_rate.stepBy(1)
    assert window.project.training.regularization_rate == before
    assert panel.message.text().startswith("Regularization is locked by this lesson")
    window.session.set_lesson(Lesson(hidden=frozenset({"regularization"})))
    assert not panel.regularization_combo.isVisible()
    assert not panel.regularization_rate.isVisible()
