"""The question line of "predict then reveal": a bar over the top of the canvas.

While the mode is on, :class:`PredictBar` ("predictBar", its text "predictQuestion") says
the stage's question ("Predict: Will h1 fire (a > 0) or stay at 0?") until the next Step
reveals it ("Revealed: h1 fires: z = 0.713, a = 0.713"). The status bar says the same.
It lies over the canvas's top, the width of the canvas, and the canvas fits the network
below it (:meth:`~ui.canvas.view.CanvasView.set_top_inset`); the docks keep their height.
One line in large type (presentation mode: :data:`PRESENTATION_QUESTION_PX`); a line too
long for the canvas is drawn smaller, so the bar never changes height.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy

__all__ = ["PredictBar", "QUESTION_PX", "PRESENTATION_QUESTION_PX", "IDLE_TEXT"]

#: The question's type on the desktop and on a projector (pixels).
QUESTION_PX = 20
PRESENTATION_QUESTION_PX = 34
#: What the line says while no stage waits or was just revealed.
IDLE_TEXT = "Predict then reveal: Step asks, Step again reveals."
#: A line too long for the canvas is drawn smaller, down to this share of its size.
FIT_FLOOR = 0.6
#: How long the status bar keeps "Revealed: …" (ms); "Predict: …" stays until replaced.
REVEALED_MS = 15000


def _bold(pixels: int) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(True)
    return font


class PredictBar(QFrame):
    """The bar with the question line; shown while "predict then reveal" is on."""

    def __init__(self, window):
        super().__init__(window.canvas)
        self.setObjectName("predictBar")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._window = window
        self._canvas = window.canvas
        self.label = QLabel(IDLE_TEXT, objectName="predictQuestion")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # names as typed, never HTML
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(self.label)
        self._px = QUESTION_PX
        self._canvas.installEventFilter(self)
        self.set_presentation_mode(False)
        self.hide()

    # ------------------------------------------------------------------ size and place
    def set_presentation_mode(self, on: bool) -> None:
        """Large type on a projector; the desktop's size otherwise."""
        self._px = PRESENTATION_QUESTION_PX if on else QUESTION_PX
        self.label.setFixedHeight(round(QFontMetricsF(_bold(self._px)).lineSpacing()) + 4)
        self._place()

    def _place(self) -> None:
        """Over the canvas's top, its width; the canvas keeps the network below it."""
        view = self._canvas.viewport().geometry()
        height = self.label.height() + 10
        self.setGeometry(view.left(), view.top(), view.width(), height)
        self._fit()
        self._canvas.set_top_inset(height if self.isVisibleTo(self._canvas) else 0)

    def _fit(self) -> None:
        """The label's font: its full size, or smaller (to ``FIT_FLOOR``) so the line fits."""
        room = self.width() - 24
        text = self.label.text()
        px, floor = self._px, max(12, round(self._px * FIT_FLOOR))
        while px > floor and QFontMetricsF(_bold(px)).horizontalAdvance(text) > room:
            px -= 1
        if self.label.font().pixelSize() != px:
            self.label.setFont(_bold(px))

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        """Shown or hidden, the canvas makes room for the bar or takes it back."""
        super().setVisible(visible)
        self._place()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """The canvas's new size: the bar follows its width."""
        if watched is self._canvas and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def pixel_size(self) -> int:
        """The size the line is drawn at now (pixels)."""
        return self.label.font().pixelSize()

    # ------------------------------------------------------------------ the question
    def show_question(self, line: str, hidden: bool) -> None:
        """Say ``line`` ("Predict: …" while ``hidden``, else "Revealed: …"; "" for none)."""
        self.label.setText(line or IDLE_TEXT)
        self._fit()
        status = self._window.statusBar()
        if line:
            status.showMessage(line, 0 if hidden else REVEALED_MS)
        elif status.currentMessage().startswith(("Predict: ", "Revealed: ")):
            status.clearMessage()

    def text(self) -> str:
        """What the line says now."""
        return self.label.text()
