"""Predict, then reveal: one question per stage of training, and the stage's results hidden
until the class has answered it.

Watching is the weakest way to learn from a visualisation; committing to a prediction
first is stronger. In "predict then reveal" mode a Step advances to the next stage but
hides what it computed; the stage's question is asked in one line; a second Step reveals.

**The registry.** :data:`QUESTIONS` holds one :class:`Question` per stage kind: the hidden
layer's forward pass (``"forward"``), the output layer's (``"output"``), ``"loss"``,
``"backward"`` and ``"update"``. Each record asks its question and answers it from a
:class:`~nnviz.engine.run_types.StageTrace`, with the concrete names (``h1``, ``w(h1→y1)``) filled
in from the network (:class:`QuestionContext`) and the current selection. The window's
question line, the Lecture view and the worksheet (File > Export Worksheet…) all read it.

**Hiding.** :func:`hide_results` is a trace as it was before its stage ran (the stage's own
results removed, never replaced by stand-ins), so a view drawn from it cannot show them.
:class:`PredictReveal` is the toggle and the one stage waiting for its reveal.

Qt-free: the command line, a notebook and the tests use it as the window does.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from nnviz.document.selection import ConnectionSel, NeuronSel, Selection
from nnviz.engine.run_types import StageTrace
from nnviz.errors import NnvizError

__all__ = ["Question", "QUESTIONS", "QuestionContext", "StageQuestion", "StageKey",
           "PredictReveal", "question_kind", "question_for", "hide_results", "hidden_parts",
           "stage_key", "unit_label", "weight_label", "get"]

MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Up to this many outputs a question lists them all ("y1, y2 or y3"); more: "y1 … y10".
LISTED_UNITS = 4


def num(value: float) -> str:
    """A number as the questions and answers write it: three decimals (three significant
    digits below 0.1), a real minus sign."""
    v = float(value)
    if not math.isfinite(v):
        return "NaN" if v != v else ("∞" if v > 0 else MINUS + "∞")
    text = f"{v:.3f}" if v == 0 or abs(v) >= 0.1 else f"{v:.3g}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", MINUS)


def unit_label(pos: int, j: int, n_layers: int) -> str:
    """The canvas's name of neuron ``j`` (0-based) of layer ``pos`` (0 = input) of a chain of
    ``n_layers``: ``x1``, ``h1``, ``y1``; with several hidden layers ``h1⁽²⁾`` (layer 2)."""
    if pos == 0:
        return f"x{j + 1}"
    if pos >= n_layers - 1:
        return f"y{j + 1}"
    return f"h{j + 1}" + (f"⁽{pos}⁾".translate(_SUPERSCRIPTS) if n_layers > 3 else "")


def weight_label(pos: int, i: int, j: int, n_layers: int) -> str:
    """The weight on the line from neuron ``i`` of layer ``pos - 1`` to ``j`` of ``pos``:
    ``w(h1→y1)``."""
    return f"w({unit_label(pos - 1, i, n_layers)}→{unit_label(pos, j, n_layers)})"


def _choices(names: list[str]) -> str:
    """``"y1 or y2"``, ``"h1, h2 or h3"``; more than :data:`LISTED_UNITS`: ``"y1 … y10"``."""
    if len(names) > LISTED_UNITS:
        return f"{names[0]} … {names[-1]}"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


@dataclass(frozen=True)
class QuestionContext:
    """What a question needs besides the trace: the chain's layer ``ids`` and ``names``
    (input first), the Dense layers' ``activations``, the ``loss``'s name, the data set's
    ``class_names`` (classification), the ``selection`` (a question about the selected
    neuron or weight) and ``previous_loss`` (the last batch's, for "than last time")."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    activations: tuple[str, ...]
    loss: str
    class_names: tuple[str, ...] | None = None
    selection: Selection = None
    previous_loss: float | None = None

    @classmethod
    def of_session(cls, session, selection: Selection = None) -> QuestionContext | None:
        """The context of ``session``'s network and run now (None without a run)."""
        stepper = session.stepper
        if stepper is None:
            return None
        try:
            chain = session.design.chain()
            data = session.dataset()
        except NnvizError:
            return None
        losses = stepper.history.batch_loss
        names = tuple(data.class_names) if data is not None and data.is_classification \
            and data.class_names else None
        return cls(ids=tuple(spec.id for spec in chain), names=tuple(s.name for s in chain),
                   activations=tuple(s.activation for s in chain[1:]),
                   loss=stepper.model.loss.name, class_names=names, selection=selection,
                   previous_loss=float(losses[-1]) if len(losses) else None)

    @property
    def n_layers(self) -> int:
        return len(self.ids)

    def unit(self, pos: int, j: int) -> str:
        """Neuron ``j`` of layer ``pos`` by the canvas's name."""
        return unit_label(pos, j, self.n_layers)

    def neuron_in(self, pos: int) -> int:
        """The selected neuron when it is in layer ``pos``, else the first (0)."""
        sel = self.selection
        if isinstance(sel, NeuronSel) and pos < self.n_layers and sel.layer == self.ids[pos]:
            return int(sel.index)
        return 0

    def weight_into(self, pos: int | None) -> tuple[int, int, int]:
        """``(pos, i, j)`` of the weight a question is about: the selected connection (into
        layer ``pos``; any layer when ``pos`` is None), else the first line into ``pos``
        (into the output layer when ``pos`` is None)."""
        sel = self.selection
        if isinstance(sel, ConnectionSel) and sel.target in self.ids[1:]:
            target = self.ids.index(sel.target)
            if pos is None or target == pos:
                return target, int(sel.i), int(sel.j)
        return (self.n_layers - 1 if pos is None else pos), 0, 0


@dataclass(frozen=True)
class Question:
    """One registered question: ``kind`` (its key), ``summary`` (what it asks, for the docs
    and the help), ``ask(trace, ctx)`` -> the one-line question, ``hidden(trace, ctx)`` ->
    the symbol of what is hidden (shown as ``symbol = ?``) and ``answer(trace, ctx)`` -> the
    answer from the stage's results."""

    kind: str
    summary: str
    ask: Callable[[StageTrace, QuestionContext], str]
    hidden: Callable[[StageTrace, QuestionContext], str]
    answer: Callable[[StageTrace, QuestionContext], str]


@dataclass(frozen=True)
class StageQuestion:
    """A question filled in for one stage: its registry ``kind``, ``text`` (the question),
    ``symbol`` (what shows "?") and ``answer``."""

    kind: str
    text: str
    symbol: str
    answer: str


# ---------------------------------------------------------------- the hidden layers' forward
def _layer(t: StageTrace) -> int:
    """The layer of ``t``'s forward or backward stage (the loss and the update name none)."""
    assert t.stage.layer is not None  # only forward and backward stages come here
    return t.stage.layer


def _forward_ask(t: StageTrace, c: QuestionContext) -> str:
    pos = _layer(t) + 1
    if c.activations[_layer(t)] == "relu":
        return f"Will {c.unit(pos, c.neuron_in(pos))} fire (a > 0) or stay at 0?"
    units = len(t.z[_layer(t)][0]) if t.z[_layer(t)] is not None else 1
    return f"Which of {_choices([c.unit(pos, k) for k in range(units)])} will be most active?"


def _forward_hidden(t: StageTrace, c: QuestionContext) -> str:
    pos = _layer(t) + 1
    if c.activations[_layer(t)] == "relu":
        return f"a({c.unit(pos, c.neuron_in(pos))})"
    return f"a of {c.names[pos]}"


def _forward_answer(t: StageTrace, c: QuestionContext) -> str:
    layer = _layer(t)
    pos = layer + 1
    a, z = t.a[layer][0], t.z[layer][0]
    if c.activations[layer] == "relu":
        j = c.neuron_in(pos)
        name = c.unit(pos, j)
        if a[j] > 0:
            return f"{name} fires: z = {num(z[j])}, a = {num(a[j])}"
        return f"{name} stays at 0: z = {num(z[j])} ≤ 0, so a = 0"
    k = int(np.argmax(a))
    return f"{c.unit(pos, k)}: a = {num(a[k])}"


# ---------------------------------------------------------------- the output layer's forward
def _output_names(c: QuestionContext, units: int) -> list[str]:
    pos = c.n_layers - 1
    names = [c.unit(pos, k) for k in range(units)]
    if c.class_names and len(c.class_names) == units and units <= LISTED_UNITS:
        names = [f"{n} ({cls})" for n, cls in zip(names, c.class_names)]
    return names


def _output_ask(t: StageTrace, c: QuestionContext) -> str:
    units = t.z[_layer(t)].shape[1]
    if units > 1:
        return f"Which output wins: {_choices(_output_names(c, units))}?"
    if c.activations[-1] == "sigmoid":
        return "Will y1 be above or below 0.5?"
    return f"Will y1 be above or below its target {num(t.y[0, 0])}?"


def _output_hidden(t: StageTrace, c: QuestionContext) -> str:
    return "ŷ"


def _output_answer(t: StageTrace, c: QuestionContext) -> str:
    y_hat = t.a[_layer(t)][0]
    units = len(y_hat)
    if units > 1:
        k = int(np.argmax(y_hat))
        names = _output_names(c, units)
        text = f"{names[k]} wins, ŷ = {num(y_hat[k])}"
        target = t.y[0]
        if target.shape == (units,) and np.all((target == 0) | (target == 1)) \
                and target.sum() == 1:
            right = int(np.argmax(target))
            text += " (the target)" if right == k else \
                f" (target: {c.unit(c.n_layers - 1, right)})"
        return text
    threshold = 0.5 if c.activations[-1] == "sigmoid" else float(t.y[0, 0])
    side = "above" if y_hat[0] > threshold else "below"
    return f"{side}: ŷ = {num(y_hat[0])}" + ("" if c.activations[-1] == "sigmoid"
                                             else f", target {num(threshold)}")


# ---------------------------------------------------------------- the loss
def _loss_reference(t: StageTrace, c: QuestionContext) -> tuple[float, str] | None:
    """The loss of an even guess (cross-entropy: ln k), for a first batch."""
    if "crossentropy" not in c.loss:
        return None
    k = 2 if c.loss.startswith("binary") else max(int(t.y.shape[1]), 2)
    return math.log(k), f"ln {k} = {num(math.log(k))}, an even guess"


def _loss_ask(t: StageTrace, c: QuestionContext) -> str:
    if c.previous_loss is not None:
        return "Is the loss larger or smaller than last time?"
    ref = _loss_reference(t, c)
    if ref is not None:
        return f"Is the loss above {ref[1]}?"
    return "Is the loss above 1?"


def _loss_answer(t: StageTrace, c: QuestionContext) -> str:
    assert t.loss is not None  # the answer reads the full trace
    loss = float(t.loss)
    if c.previous_loss is not None:
        word = "larger" if loss > c.previous_loss else \
            "smaller" if loss < c.previous_loss else "the same"
        return f"{word}: L = {num(loss)} (last time {num(c.previous_loss)})"
    ref = _loss_reference(t, c)
    level = ref[0] if ref is not None else 1.0
    return f"{'above' if loss > level else 'below'}: L = {num(loss)}"


# ---------------------------------------------------------------- backward and update
def _backward_weight(t: StageTrace, c: QuestionContext) -> tuple[int, int, int, str]:
    pos, i, j = c.weight_into(_layer(t) + 1)
    return pos, i, j, weight_label(pos, i, j, c.n_layers)


def _backward_ask(t: StageTrace, c: QuestionContext) -> str:
    return f"Will the gradient push {_backward_weight(t, c)[3]} up or down?"


def _backward_hidden(t: StageTrace, c: QuestionContext) -> str:
    return f"∂L/∂{_backward_weight(t, c)[3]}"


def _backward_answer(t: StageTrace, c: QuestionContext) -> str:
    pos, i, j, _w = _backward_weight(t, c)
    g = float(t.dW[pos - 1][i, j])
    if g == 0:
        return "neither: ∂L/∂w = 0"
    # w moves against its gradient: w ← w − lr·∂L/∂w.
    return f"down: ∂L/∂w = +{num(g)} > 0" if g > 0 else f"up: ∂L/∂w = {num(g)} < 0"


def _update_weight(t: StageTrace, c: QuestionContext) -> tuple[int, int, int, str]:
    pos, i, j = c.weight_into(None)
    return pos, i, j, weight_label(pos, i, j, c.n_layers)


def _update_ask(t: StageTrace, c: QuestionContext) -> str:
    return f"Will {_update_weight(t, c)[3]} grow or shrink?"


def _update_hidden(t: StageTrace, c: QuestionContext) -> str:
    return f"{_update_weight(t, c)[3]} after the update"


def _update_answer(t: StageTrace, c: QuestionContext) -> str:
    pos, i, j, _w = _update_weight(t, c)
    assert t.W_before is not None and t.W_after is not None  # an update stage has both
    before, after = float(t.W_before[pos - 1][i, j]), float(t.W_after[pos - 1][i, j])
    word = "grows" if after > before else "shrinks" if after < before else "stays"
    return f"{word}: {num(before)} → {num(after)}"


#: One question per stage kind (forward through a hidden layer, through the output layer,
#: the loss, backward through a layer, the update), in training's order.
QUESTIONS: dict[str, Question] = {q.kind: q for q in (
    Question("forward", "A hidden neuron: will it fire (relu), or which one is most active?",
             _forward_ask, _forward_hidden, _forward_answer),
    Question("output", "Which output wins (or: above or below the target)?",
             _output_ask, _output_hidden, _output_answer),
    Question("loss", "Is the loss larger or smaller than last time?",
             _loss_ask, lambda t, c: "L", _loss_answer),
    Question("backward", "Will the gradient push a weight up or down?",
             _backward_ask, _backward_hidden, _backward_answer),
    Question("update", "Will a weight grow or shrink?",
             _update_ask, _update_hidden, _update_answer),
)}


def get(kind: str) -> Question:
    """The registered question of ``kind``; ValueError names the kinds there are."""
    try:
        return QUESTIONS[kind]
    except KeyError:
        raise ValueError(f"No question for {kind!r}; there are: "
                         f"{', '.join(QUESTIONS)}.") from None


def question_kind(trace: StageTrace) -> str:
    """The registry key of ``trace``'s stage: a forward stage of the last layer is
    ``"output"``, other stages their own kind."""
    stage = trace.stage
    if stage.kind == "forward" and stage.layer == len(trace.z) - 1:
        return "output"
    return stage.kind


def question_for(trace: StageTrace, context: QuestionContext) -> StageQuestion:
    """The question of ``trace``'s stage, with its answer (from the full trace)."""
    q = get(question_kind(trace))
    return StageQuestion(q.kind, q.ask(trace, context), q.hidden(trace, context),
                         q.answer(trace, context))


# ---------------------------------------------------------------- hiding
@dataclass(frozen=True)
class StageKey:
    """Which stage of which batch a trace shows (the stage waiting for its reveal)."""

    step: int
    epoch: int
    batch: int
    kind: str
    layer: int | None


def stage_key(trace: StageTrace) -> StageKey:
    """The :class:`StageKey` of ``trace``."""
    return StageKey(int(trace.step), int(trace.epoch), int(trace.batch), trace.stage.kind,
                    trace.stage.layer)


def hide_results(trace: StageTrace) -> StageTrace:
    """``trace`` as it was before its stage ran: the stage's own results removed.

    Forward through layer l: ``z[l]``, ``a[l]``; the loss: ``loss``, ``y_pred``; backward
    through layer l: ``dA[l]``, ``dZ[l]``, ``dW[l]``, ``db[l]``; the update: ``W_after``,
    ``b_after`` (``W_before`` stays: the weights the batch was computed with).
    """
    hidden = trace.copy()
    kind, layer = trace.stage.kind, cast(int, trace.stage.layer)  # None: loss, update (unused)
    if kind == "forward":
        hidden.z[layer] = hidden.a[layer] = None
    elif kind == "loss":
        hidden.loss = hidden.y_pred = None
    elif kind == "backward":
        hidden.dA[layer] = hidden.dZ[layer] = hidden.dW[layer] = hidden.db[layer] = None
    else:
        hidden.W_after = hidden.b_after = None
    return hidden


def hidden_parts(trace: StageTrace, ids: list[str] | tuple[str, ...]):
    """What the canvas hides for ``trace``'s stage: ``(layers, edges, biases)``, the layer
    ids whose neurons show "?", the ``(source, target)`` pairs whose lines do, and the
    layers whose bias rings are hidden (the update changes them)."""
    kind, layer = trace.stage.kind, cast(int, trace.stage.layer)  # None: loss, update (unused)
    ids = list(ids)
    if kind == "forward":
        return {ids[layer + 1]}, set(), set()
    if kind == "backward":
        return {ids[layer + 1]}, {(ids[layer], ids[layer + 1])}, set()
    if kind == "update":
        return set(), set(zip(ids[:-1], ids[1:])), set(ids[1:])
    return set(), set(), set()


class PredictReveal:
    """The "Predict then reveal" toggle (``on``) and the stage waiting for its reveal.

    A Step in this mode (:meth:`stepped`) hides the new stage's results; the next Step
    reveals them (:meth:`reveal`) instead of stepping. Whatever shows a trace asks
    :meth:`shown` for it: the trace with its results removed while its stage waits.
    """

    def __init__(self) -> None:
        self.on = False
        self.pending: StageKey | None = None
        self.revealed: StageKey | None = None

    def set_on(self, on: bool) -> None:
        """Turn the mode on or off; off reveals a stage that waits."""
        self.on = bool(on)
        if not self.on:
            self.pending = self.revealed = None

    def stepped(self, trace: StageTrace | None) -> None:
        """A Step showed ``trace``: in this mode its stage waits for its reveal."""
        self.pending = stage_key(trace) if self.on and trace is not None else None
        self.revealed = None

    def waiting(self, trace: StageTrace | None) -> bool:
        """Whether ``trace``'s stage waits for its reveal (its results are hidden)."""
        return self.on and trace is not None and self.pending == stage_key(trace)

    def reveal(self) -> None:
        """Show the waiting stage's results."""
        self.revealed, self.pending = self.pending, None

    def was_revealed(self, trace: StageTrace | None) -> bool:
        """Whether ``trace``'s stage is the one just revealed (its answer is shown)."""
        return self.on and trace is not None and self.revealed == stage_key(trace)

    def shown(self, trace: StageTrace | None) -> StageTrace | None:
        """What a view may show of ``trace``: its results hidden while its stage waits."""
        return hide_results(trace) if trace is not None and self.waiting(trace) else trace
