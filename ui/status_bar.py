"""The window's status bar: what just happened, what the run does, what the design lacks.

:class:`StatusBarPresenter` fills the bar of a :class:`~ui.main_window.MainWindow`: a
message on the left for a few seconds ("Saved lab.nnviz"), then two permanent labels, the
run's state ("runStateLabel", the session's :meth:`~nnviz.session.session.Session.status_text`)
and the design's check ("validationLabel", ``design.validate()``'s first problem). Both
labels are redrawn once after a burst of events (a zero-time timer), not per event.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel

from ui.dialogs import plain_tooltip

if TYPE_CHECKING:
    from ui.main_window import MainWindow

#: How long a message stays on the left of the bar (milliseconds).
MESSAGE_MS = 10000


class StatusBarPresenter(QObject):
    """Builds the window's status bar and keeps its two labels current."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        status = window.statusBar()
        status.setObjectName("statusBar")
        self.run_state_label = QLabel()
        self.run_state_label.setObjectName("runStateLabel")
        self.run_state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.run_state_label.setProperty("role", "value")
        status.addPermanentWidget(self.run_state_label)
        self.validation_label = QLabel()
        self.validation_label.setObjectName("validationLabel")
        # Messages quote layer and file names: shown as typed, never as HTML.
        self.validation_label.setTextFormat(Qt.TextFormat.PlainText)
        self.validation_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        # No stretch: the left of the bar stays free for the messages ("Exported ...").
        self.validation_label.setMaximumWidth(560)
        status.addPermanentWidget(self.validation_label)
        self._validation_timer = QTimer(self)
        self._validation_timer.setSingleShot(True)
        self._validation_timer.setInterval(0)
        self._validation_timer.timeout.connect(self.update_validation)
        events = window.session.events
        for signal in (events.run_started, events.state_changed, events.problem_changed):
            signal.connect(self.schedule_run_state)
        events.problem_changed.connect(self.schedule_validation)  # the run's own refusals
        # The status comes through the controller: a run ends on the training thread.
        window.training.sig_status.connect(self.update_run_state)
        self._run_state_timer = QTimer(self)
        self._run_state_timer.setSingleShot(True)
        self._run_state_timer.setInterval(0)
        self._run_state_timer.timeout.connect(self.update_run_state)
        self.update_run_state()

    def show_message(self, text: str) -> None:
        """Say ``text`` on the left of the bar for a few seconds."""
        self._window.statusBar().showMessage(text, MESSAGE_MS)

    def schedule_run_state(self, *args) -> None:
        """Redraw the run's state once the current events are all in."""
        self._run_state_timer.start()

    def schedule_validation(self, *args) -> None:
        """Check the design once the current edit's events are all in."""
        # Several events arrive for one edit (remove a layer and its connections):
        # validate once, after they are all in.
        self._validation_timer.start()

    def run_state_text(self) -> str:
        """What the run is doing, as "runStateLabel" says it (the session's status, rendered)."""
        return self._window.session.status_text()

    def update_run_state(self) -> None:
        """Say in the status bar what the run is doing (training, paused, diverged, done)."""
        session = self._window.session
        text = self.run_state_text()
        changed = text != self.run_state_label.text()
        self.run_state_label.setText(text)
        if changed:
            self.update_validation()
        self.run_state_label.setToolTip(plain_tooltip(session.stepper.diverged)
                                        if session.stepper is not None
                                        and session.stepper.diverged else "")

    def update_validation(self) -> None:
        """Show ``design.validate()``'s first problem (and how many more) in the status bar."""
        window = self._window
        design = window.design
        n_features, n_targets = window.dataset_shape()
        problems = [p.message for p in design.validate(n_features, n_targets)]
        if not problems and window.session.problem:  # a sound design the run still refuses
            problems = [window.session.problem]
        label = self.validation_label
        if problems:
            more = f"  (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            label.setText(f"⚠ {problems[0]}{more}")
            label.setToolTip(plain_tooltip("\n".join(problems)))
            label.setProperty("state", "error")
        else:
            # Only that the design is sound: whether the run is ready to train, training,
            # done or diverged is the session's, in the run-state label beside this one
            # (this one said "Ready to train" beside "Done: 50 epochs trained").
            label.setText(f"✓ Network OK: {len(design.layers)} layers, "
                          f"{len(design.connections)} connections.")
            label.setToolTip("")
            label.setProperty("state", "ok")
        # Re-evaluate the [state=...] style-sheet rule.
        label.style().unpolish(label)
        label.style().polish(label)
