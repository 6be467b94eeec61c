"""The Lecture view's part of "predict then reveal": the stage's question under its heading.

While a stage waits for its reveal the view is given the trace with the stage's results
removed (:func:`nnviz.analysis.predict.hide_results`), so its formulas stop where the stage would
have filled them in; :class:`LecturePredict` puts the question line ("Predict: …") and
``symbol = ?`` right under the stage's heading, and writes "?" where a formula waits for
the number. Once revealed, the line says "Revealed: …" with the answer.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ui.training.lecture_text import _v

if TYPE_CHECKING:
    from nnviz.session.lecture_info import LectureInfo

__all__ = ["LecturePredict", "WAITING_HINT"]

#: What a forward formula writes where the stage has not computed its number yet.
WAITING_HINT = '<span class="hint">(computed at the forward step)</span>'


class LecturePredict:
    """A part of :class:`~ui.training.lecture_view.LectureView` (a mixin)."""

    @staticmethod
    def _with_question(ordered: list[tuple[str, str]], trace, info: LectureInfo) -> list:
        """``ordered`` (the page's sections as (stage kind, html)) with the question of
        ``info.predict`` (a :class:`~nnviz.session.lecture_info.PredictNote`) as the stage's first
        section, so it stands right under the stage's heading."""
        note = info.predict
        if not note or trace is None:
            return ordered
        kind = trace.stage.kind
        text = f'<p class="predict">{html.escape(note.line)}</p>'
        if note.hidden:
            text += f'<p class="f">{html.escape(note.symbol)} = {_v("?")}</p>'
            # The page's how-to hint is no question's answer: the question stands alone.
            ordered = [(k, t.replace(WAITING_HINT, _v("?"))) for k, t in ordered if k]
        at = next((n for n, (k, _t) in enumerate(ordered) if k == kind), len(ordered))
        return ordered[:at] + [(kind, text)] + ordered[at:]
