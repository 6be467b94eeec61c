"""What the Lecture view needs to know of a run besides the stepped trace (no Qt).

The window's Lecture view and the printed handout explain the same formulas with the same
numbers: both take a :class:`LectureInfo` built by :func:`lecture_info` from a session, so
the learning rate, the optimizer's rule and the layer names cannot differ between them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnviz.errors import NnvizError
from nnviz.session.run_status import RunStatus

if TYPE_CHECKING:
    from nnviz.engine.regularizers import Regularizer
    from nnviz.session.session import Session

__all__ = ["LectureInfo", "PredictNote", "lecture_info"]


@dataclass(frozen=True)
class PredictNote:
    """Predict then reveal's line for the Lecture view: the question while the stage's
    results wait (``hidden``, with the ``symbol`` that shows "?"), or the answer after."""

    line: str
    hidden: bool = False
    symbol: str = ""


@dataclass(frozen=True)
class LectureInfo:
    """The run as the Lecture view explains it (input layer first in every tuple)."""

    #: Layer ids, input .. output (what the canvas selection names).
    ids: tuple[str, ...] = ()
    #: Layer names, input .. output, as the canvas shows them.
    names: tuple[str, ...] = ()
    #: The activation of each Dense layer (one fewer than ``ids``).
    activations: tuple[str, ...] = ()
    #: The loss's registered name ("" when unknown).
    loss: str = ""
    #: The optimizer's name, or "momentum" for SGD with momentum (its own rule).
    optimizer: str = "sgd"
    learning_rate: float = 0.0
    #: Why the run diverged, or None.
    diverged: str | None = None
    #: Training runs: no trace is shown, and the view says when the formulas come back.
    running: bool = False
    #: The weights' penalty (an :mod:`nnviz.engine.regularizers` object), or None: the lecture
    #: adds its terms to L and to ∂L/∂w.
    regularizer: Regularizer | None = None
    #: Predict then reveal's question or answer for the shown stage, or None.
    predict: PredictNote | None = None


def lecture_info(session: Session, ids: Sequence[str] | None = None) -> LectureInfo:
    """The :class:`LectureInfo` of ``session`` now.

    ``ids``: the layer ids the view's trace was computed with (the window's presenter keeps
    the ids of the run it draws, which lag an edit in flight); by default the design's.
    """
    t = session.project.training
    names: list[str] = []
    activations: list[str] = []
    chain_ids: list[str] = []
    try:
        chain = session.design.chain()
        chain_ids = [spec.id for spec in chain]
        names = [spec.name for spec in chain]
        activations = [spec.activation for spec in chain[1:]]
    except NnvizError:
        pass  # an invalid design has no chain: the view shows no names, and says nothing wrong
    model = session.model
    stepper = session.stepper
    return LectureInfo(
        ids=tuple(chain_ids if ids is None else ids),
        names=tuple(names),
        activations=tuple(activations),
        loss=model.loss.name if model is not None else t.loss,
        optimizer=t.optimizer if t.optimizer != "sgd" or not t.momentum else "momentum",
        learning_rate=float(t.learning_rate),
        diverged=stepper.diverged if stepper is not None else None,
        # The session's status, rendered: only it says whether training runs.
        running=session.status is RunStatus.TRAINING,
        regularizer=t.make_regularizer(),
    )
