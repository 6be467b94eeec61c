"""A word-wrapped label that keeps to a number of lines: :class:`FitLabel`.

Used for the training panel's step heading in presentation mode, where a long heading
("Done: Forward: output layer · Next: Loss (categorical crossentropy)") at large type
would run to five lines and push the buttons and the progress bar out of view.
"""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel

#: The font sizes tried, as factors of the label's own size, largest first.
SHRINK_STEPS = (1.0, 0.93, 0.86, 0.8, 0.74, 0.68, 0.62, 0.56)


class FitLabel(QLabel):
    """A ``QLabel`` that, once given :meth:`set_max_lines`, shrinks its type to keep to them.

    It tries its font at each of :data:`SHRINK_STEPS` until the wrapped text takes at most
    that many lines of the label's width; the smallest step is kept if none does. Without
    a limit (``None``) it is a plain word-wrapped label.
    """

    def __init__(self, text: str = "", parent=None, **kwargs):
        super().__init__(text, parent, **kwargs)
        self.setWordWrap(True)
        self._max_lines: int | None = None
        self._full_font: QFont | None = None

    def set_max_lines(self, lines: int | None, font: QFont | None = None) -> None:
        """Keep to ``lines`` lines (None: no limit), shrinking from ``font`` (or the current)."""
        self._max_lines = lines
        self._full_font = QFont(font if font is not None else self.font())
        if lines is None:
            super().setFont(self._full_font)
        self._fit()

    def max_lines(self) -> int | None:
        """The line limit, or None."""
        return self._max_lines

    def line_count(self) -> int:
        """How many lines the text takes now at the label's width and font."""
        metrics = QFontMetrics(self.font())
        width = max(self.contentsRect().width(), 1)
        rect = metrics.boundingRect(QRect(0, 0, width, 100000),
                                    int(Qt.TextFlag.TextWordWrap), self.text())
        return max(1, round(rect.height() / metrics.lineSpacing()))

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        """Set the text, then fit it to the line limit."""
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A new width: fit the text to the line limit again."""
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._max_lines is None or self._full_font is None:
            return
        width = self.contentsRect().width()
        if width <= 1:
            return
        base = self._full_font.pointSizeF()
        font = QFont(self._full_font)
        for factor in SHRINK_STEPS:
            font.setPointSizeF(base * factor)
            metrics = QFontMetrics(font)
            rect = metrics.boundingRect(QRect(0, 0, width, 100000),
                                        int(Qt.TextFlag.TextWordWrap), self.text())
            if rect.height() <= self._max_lines * metrics.lineSpacing() + 1:
                break
        if font != self.font():
            super().setFont(font)
