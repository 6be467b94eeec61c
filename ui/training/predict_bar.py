"""The question line of "predict then reveal": a bar across the top of the window.

While the mode is on, :class:`PredictBar` ("predictBar", its text "predictQuestion") says
the stage's question ("Predict: Will h1 fire (a > 0) or stay at 0?") until the next Step
reveals it ("Revealed: h1 fires: z = 0.713, a = 0.713"). The status bar says the same. It
spans the window so that one line of large type fits a projector (presentation mode:
:data:`PRESENTATION_QUESTION_PX`).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar

__all__ = ["PredictBar", "QUESTION_PX", "PRESENTATION_QUESTION_PX", "IDLE_TEXT"]

#: The question's type on the desktop and on a projector (pixels).
QUESTION_PX = 18
PRESENTATION_QUESTION_PX = 34
#: What the line says while no stage waits or was just revealed.
IDLE_TEXT = "Predict then reveal: Step shows the next stage's question; Step again reveals it."
#: How long the status bar keeps "Revealed: …" (ms); "Predict: …" stays until replaced.
REVEALED_MS = 15000


class PredictBar(QToolBar):
    """The bar with the question line; shown while "predict then reveal" is on."""

    def __init__(self, window):
        super().__init__("Predict then reveal", window)
        self.setObjectName("predictBar")
        self.setMovable(False)
        self.setFloatable(False)
        # Not in the window's context menu of panels: the toggle shows and hides it.
        self.toggleViewAction().setVisible(False)
        self.label = QLabel(IDLE_TEXT, objectName="predictQuestion")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # names as typed, never HTML
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setContentsMargins(10, 4, 10, 4)
        self.addWidget(self.label)
        self._window = window
        self.set_presentation_mode(False)
        self.hide()

    def set_presentation_mode(self, on: bool) -> None:
        """Large type on a projector; the desktop's size otherwise."""
        font = QFont(self.label.font())
        font.setPixelSize(PRESENTATION_QUESTION_PX if on else QUESTION_PX)
        font.setBold(True)
        self.label.setFont(font)

    def show_question(self, line: str, hidden: bool) -> None:
        """Say ``line`` ("Predict: …" while ``hidden``, else "Revealed: …"; "" for none)."""
        self.label.setText(line or IDLE_TEXT)
        self.label.setProperty("role", "value" if line else "")
        status = self._window.statusBar()
        if line:
            status.showMessage(line, 0 if hidden else REVEALED_MS)
        elif status.currentMessage().startswith(("Predict: ", "Revealed: ")):
            status.clearMessage()

    def text(self) -> str:
        """What the line says now."""
        return self.label.text()
