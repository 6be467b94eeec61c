"""The window's side of a lesson (:mod:`nnviz.document.lessons`): what it hides and locks, and the
Edit > Lesson… dialog that changes it.

:class:`LessonApplier` finds each lockable control's widgets and actions by ``objectName``
and follows ``project.events.lesson_changed`` (a file opened, the dialog, Undo):

* **hidden**: a form row is hidden with its label; a dock is hidden and its View > Panels
  entry removed; its menu actions are hidden, which also ends their shortcuts;
* **locked**: the widgets are disabled with the tooltip "Locked by this lesson" and kept
  disabled when their owner enables them again (the training panel enables the noise box
  for a noisy data set; an event filter answers that at once); its actions are disabled.

A dock the lesson hid comes back when the lesson no longer hides it. A window whose lesson
hides a dock does not remember its dock layout on closing, so the next start without the
lesson has every panel where the user left it.

:class:`LessonDialog` lists the controls with a Hide and a Lock box each. While the open
project has a lesson the boxes are read-only and a note says so; "Change the lesson…" is
the one deliberate click that lets a student leave it (see :mod:`nnviz.document.lessons`). OK sets
the lesson as one undo step.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.document.lessons import CONTROLS, LOCKED_TIP, Lesson

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["LessonApplier", "LessonDialog", "show_lesson_dialog"]


def _form_of(widget: QWidget) -> QFormLayout | None:
    """The form layout that has ``widget`` as a row's field (its label hides with it)."""
    parent = widget.parentWidget()
    if parent is None:
        return None
    for form in parent.findChildren(QFormLayout):
        row, _role = form.getWidgetPosition(widget)  # pyright: ignore[reportGeneralTypeIssues]  # PySide6 stubs type QFormLayout.getWidgetPosition() as object
        if row >= 0:
            return form
    return None


class LessonApplier(QObject):
    """Applies ``window.project.lesson`` to the window's widgets and actions (one per window)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        #: Locked widgets -> the tooltip they had before.
        self._locked: dict[QWidget, str] = {}
        #: Docks the lesson hid while they were shown (they come back with the lesson gone).
        self._hid_docks: set[QDockWidget] = set()
        self._re_disabling = False
        self.label = QLabel(objectName="lessonLabel")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.label.setProperty("role", "value")
        self.label.setToolTip("This project is a lesson: Edit > Lesson… shows what it hides "
                              "and locks")
        window.statusBar().addPermanentWidget(self.label)
        window.project.events.lesson_changed.connect(self.apply)
        self.apply()

    @property
    def lesson(self) -> Lesson:
        """The open project's lesson."""
        return self._window.project.lesson

    def hides_a_dock(self) -> bool:
        """Whether the lesson hides a dock (then the window's layout is not remembered)."""
        return any(isinstance(self._find(name), QDockWidget)
                   for control in CONTROLS.values() if control.name in self.lesson.hidden
                   for name in control.widgets)

    # ------------------------------------------------------------------ applying
    def _find(self, name: str) -> QWidget | None:
        return self._window.findChild(QWidget, name)

    def apply(self) -> None:
        """Hide, lock, show and unlock every control as the lesson says."""
        w = self._window
        lesson = self.lesson
        unlocked = False
        for control in CONTROLS.values():
            state = lesson.state(control.name)
            for name in control.widgets:
                widget = self._find(name)
                if widget is None:
                    continue
                self._set_hidden(widget, state == "hidden")
                locked = state == "locked" and name not in control.view_only
                unlocked |= self._set_locked(widget, locked)
            for name in (*control.actions, *control.hide_actions):
                action = w.findChild(QAction, name)
                if action is not None:
                    action.setVisible(state != "hidden")
                    action.setEnabled(state == "shown" or name in control.hide_actions
                                      and state != "hidden")
        if unlocked:
            # Their owners say again which of them apply now (the noise of a data set
            # without noise, the bias of an input neuron stay disabled).
            w.training.binder.show_settings()
            w.inspector.refresh()
        self.label.setText(f"Lesson: {lesson.summary()}" if lesson else "")
        self.label.setVisible(bool(lesson))

    def _set_hidden(self, widget: QWidget, hidden: bool) -> None:
        if isinstance(widget, QDockWidget):
            widget.toggleViewAction().setVisible(not hidden)
            if hidden and not widget.isHidden():
                self._hid_docks.add(widget)
                widget.hide()
            elif not hidden and widget in self._hid_docks:
                self._hid_docks.discard(widget)
                widget.show()
            return
        form = _form_of(widget)
        if form is not None:
            form.setRowVisible(widget, not hidden)
        else:
            widget.setVisible(not hidden)

    def _set_locked(self, widget: QWidget, locked: bool) -> bool:
        """Lock or unlock ``widget``; True if it was unlocked now."""
        if locked and widget not in self._locked:
            self._locked[widget] = widget.toolTip()
            widget.setToolTip(LOCKED_TIP)
            widget.installEventFilter(self)
            widget.setEnabled(False)
        elif not locked and widget in self._locked:
            widget.removeEventFilter(self)
            widget.setToolTip(self._locked.pop(widget))
            widget.setEnabled(True)
            return True
        return False

    def reapply_docks(self) -> None:
        """Hide the lesson's docks again after something showed every dock (Reset Layout)."""
        for control in CONTROLS.values():
            if control.name in self.lesson.hidden:
                for name in control.widgets:
                    widget = self._find(name)
                    if isinstance(widget, QDockWidget) and not widget.isHidden():
                        self._hid_docks.add(widget)
                        widget.hide()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """A locked widget that its owner enables again is disabled at once."""
        if (event.type() == QEvent.Type.EnabledChange and watched in self._locked
                and watched.isEnabled() and not self._re_disabling):
            self._re_disabling = True
            try:
                watched.setEnabled(False)
            finally:
                self._re_disabling = False
        return False


class LessonDialog(QDialog):
    """Edit > Lesson…: a Hide and a Lock box per control (objectName "lessonDialog")."""

    def __init__(self, lesson: Lesson, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonDialog")
        self.setWindowTitle("Lesson")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        intro = QLabel("Choose what the students see. A hidden control is not shown; a "
                       "locked one is shown but cannot be changed. Both are saved in the "
                       "project file, so the file opens to exactly this lesson.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.note = QLabel(objectName="lessonNote")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        self.note.setText(
            f"This project is a lesson ({lesson.summary()}), set up by whoever made the "
            "file. Press “Change the lesson…” only if you mean to leave it; Edit > Undo "
            "brings it back.")
        layout.addWidget(self.note)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        for col, title in ((1, "Hide"), (2, "Lock")):
            heading = QLabel(f"<b>{title}</b>")
            grid.addWidget(heading, 0, col, Qt.AlignmentFlag.AlignHCenter)
        self.hide_boxes: dict[str, QCheckBox] = {}
        self.lock_boxes: dict[str, QCheckBox] = {}
        for row, control in enumerate(CONTROLS.values(), start=1):
            label = QLabel(control.label)
            label.setToolTip(control.tip)
            grid.addWidget(label, row, 0)
            hide = QCheckBox(objectName=f"lessonHide_{control.name}")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
            lock = QCheckBox(objectName=f"lessonLock_{control.name}")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
            hide.setToolTip(f"Hide: {control.tip}")
            lock.setToolTip(f"Lock: {control.tip}")
            hide.setChecked(control.name in lesson.hidden)
            lock.setChecked(control.name in lesson.locked)
            hide.toggled.connect(self._update_boxes)
            grid.addWidget(hide, row, 1, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(lock, row, 2, Qt.AlignmentFlag.AlignHCenter)
            self.hide_boxes[control.name] = hide
            self.lock_boxes[control.name] = lock
        layout.addLayout(grid)
        row = QHBoxLayout()
        self.unlock_button = QPushButton("Change the lesson…", objectName="lessonUnlockButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.unlock_button.setToolTip("Let the boxes above be changed (leaves the lesson)")
        self.unlock_button.clicked.connect(lambda: self.set_editable(True))
        self.clear_button = QPushButton("Show and unlock all", objectName="lessonClearButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.clear_button.clicked.connect(self._clear)
        row.addWidget(self.unlock_button)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("lessonButtons")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        in_force = bool(lesson)
        self.note.setVisible(in_force)
        self.unlock_button.setVisible(in_force)
        self.set_editable(not in_force)

    def set_editable(self, on: bool) -> None:
        """Let the boxes be changed (the lecturer's way; the student's way out)."""
        self.editable = on
        # Read-only, the dialog only informs: one "Close" button, no OK that does nothing.
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setVisible(on)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            "Cancel" if on else "Close")
        self.unlock_button.setEnabled(not on)
        self.clear_button.setEnabled(on)
        for box in self.hide_boxes.values():
            box.setEnabled(on)
        self._update_boxes()

    def _update_boxes(self) -> None:
        # A hidden control cannot be seen, so it cannot be locked either.
        for name, lock in self.lock_boxes.items():
            lock.setEnabled(self.editable and not self.hide_boxes[name].isChecked())

    def _clear(self) -> None:
        for box in (*self.hide_boxes.values(), *self.lock_boxes.values()):
            box.setChecked(False)

    def lesson(self) -> Lesson:
        """The lesson the boxes say."""
        hidden = frozenset(n for n, box in self.hide_boxes.items() if box.isChecked())
        locked = frozenset(n for n, box in self.lock_boxes.items() if box.isChecked())
        return Lesson(hidden, locked - hidden)


def show_lesson_dialog(window: MainWindow) -> LessonDialog:
    """Edit > Lesson…: open the dialog (window-modal); OK sets the lesson as one undo step.

    Returns the dialog, which is open when this returns (``open()``, not ``exec()``).
    """
    dialog = LessonDialog(window.project.lesson, window)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)

    def done(result: int) -> None:
        if result == QDialog.DialogCode.Accepted and dialog.editable:
            window.session.set_lesson(dialog.lesson())
        dialog.deleteLater()

    dialog.finished.connect(done)
    dialog.open()
    return dialog
