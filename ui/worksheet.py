"""The worksheet: the handout's batch as questions to answer, the answers on the last page.

:func:`export_worksheet` writes an A4 PDF like the handout (:mod:`ui.handout`), made the
same way on a copy of the window's run (the user's run is never touched):

1. the title page: the network, its settings and the lecture's Keras code;
2. one page per stage of one batch: the stage as "predict then reveal" shows it before
   the reveal (the canvas with "?" where the stage's results go, the Lecture view's
   formulas stopping at "?"), the stage's question from :data:`nnviz.analysis.predict.QUESTIONS`
   and blank lines for the answer;
3. the answers: every stage's question with its answer from the run.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from nnviz.analysis.predict import QuestionContext, hidden_parts, hide_results, question_for
from nnviz.errors import NnvizError
from nnviz.session.lecture_info import PredictNote
from nnviz.session.session import Session
from ui.handout import (
    _MUTED,
    HandoutResult,
    _begin_pdf,
    _Copy,
    _copy_at_batch_start,
    _end_pdf,
    _font,
    _footer,
    _stage_layout,
    _stage_titles,
    _text,
    _title_page,
)

__all__ = ["export_worksheet", "ANSWER_SPACE"]

#: The blank space under each stage's picture for the student's answer (layout pixels).
ANSWER_SPACE = 170.0
_RULE = QColor("#9aa0a6")


def _show_hidden(copy: _Copy, trace, note: PredictNote) -> None:
    """Draw ``trace``'s stage on the copy's canvas and page as before its reveal."""
    hidden = hide_results(trace)
    copy.scene.set_hidden_results()
    copy.show(hidden)
    copy.scene.set_hidden_results(*hidden_parts(trace, copy.ids))
    copy.lecture.show_state(None, hidden, copy.stepper.model.get_weights(),
                            replace(copy.info(), predict=note))


def _answer_box(painter: QPainter, rect: QRectF) -> None:
    """"Your prediction" and ruled lines to write on."""
    y = rect.top() + _text(painter, QRectF(rect.left(), rect.top(), rect.width(), 24),
                           "Your prediction, and why:", _font(13, True))
    painter.setPen(QPen(_RULE, 0.8))
    y += 34
    while y < rect.bottom() - 4:
        painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        y += 34


def export_worksheet(session: Session, path: str | os.PathLike, name: str = "network"
                     ) -> HandoutResult:
    """Write the worksheet PDF to ``path``: a page per stage of one batch with its
    question and room to answer, the answers on the last page. ``session`` is the
    window's; it is read, never changed. Raises NnvizError when the network cannot be
    trained (the reason) or the file cannot be written."""
    copy, stages = _copy_at_batch_start(session)
    total = len(stages) + 2
    path, part, pdf, painter, page, content = _begin_pdf(path, f"nnviz worksheet: {name}")
    labels: list[str] = []
    texts: list[str] = []
    answers: list[tuple[str, str, str]] = []
    try:
        texts.append(_title_page(painter, content, copy, name,
                                 "Worksheet: predict each stage of one batch; the answers "
                                 "are on the last page"))
        _footer(painter, page, 1, total, name, "worksheet")
        for index in range(len(stages)):
            context = QuestionContext.of_session(copy.session)  # before: "than last time"
            trace = copy.session.step("stage")
            if trace is None or context is None:
                raise NnvizError(copy.session.problem or "The network cannot be stepped.")
            q = question_for(trace, context)
            labels.append(trace.stage.label)
            answers.append((trace.stage.label, q.text, q.answer))
            _show_hidden(copy, trace, PredictNote(f"Predict: {q.text}", hidden=True,
                                                  symbol=q.symbol))
            heading, _sub = _stage_titles(trace, index, len(stages))
            pdf.newPage()
            top = content.adjusted(0, 0, 0, -ANSWER_SPACE)
            texts.append(_stage_layout(painter, top, copy, heading, f"Predict: {q.text}"))
            _answer_box(painter, QRectF(content.left(), top.bottom() + 10, content.width(),
                                        ANSWER_SPACE - 10))
            _footer(painter, page, index + 2, total, name, "worksheet")
        pdf.newPage()
        texts.append(_answers_page(painter, content, answers))
        _footer(painter, page, total, total, name, "worksheet")
    except BaseException:
        _end_pdf(painter, part, None)
        raise
    _end_pdf(painter, part, Path(path))
    return HandoutResult(total, labels, [], texts)


def _answers_page(painter: QPainter, content: QRectF,
                  answers: list[tuple[str, str, str]]) -> str:
    """The last page: each stage's question and its answer. Returns the text drawn."""
    y = content.top()
    y += _text(painter, QRectF(content.left(), y, content.width(), 40), "Answers",
               _font(20, True)) + 10
    size = 12.0 if len(answers) <= 12 else 9.5  # a deep network's stages on one page
    lines = ["Answers"]
    for k, (label, question, answer) in enumerate(answers):
        head = f"Stage {k + 1}: {label}"
        y += _text(painter, QRectF(content.left(), y, content.width(), 30), head,
                   _font(size + 1, True)) + 2
        y += _text(painter, QRectF(content.left() + 16, y, content.width() - 16, 40),
                   f"Q: {question}", _font(size), _MUTED) + 2
        y += _text(painter, QRectF(content.left() + 16, y, content.width() - 16, 40),
                   f"A: {answer}", _font(size)) + size
        lines += [head, f"Q: {question}", f"A: {answer}"]
    return "\n".join(lines)
