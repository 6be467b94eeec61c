"""Predict, then reveal (nnviz.predict): one question per stage, names from the network,
answers from the trace, and a hidden trace that holds none of the stage's results."""
from __future__ import annotations

import numpy as np
import pytest

from nnviz import predict
from nnviz.predict import PredictReveal, QuestionContext, hide_results, question_for
from nnviz.selection import ConnectionSel, NeuronSel
from nnviz.session import Session


@pytest.fixture
def session():
    s = Session()  # the lecture example: 2 inputs -> 3 relu -> 2 softmax, moons
    assert s.ensure_run()
    yield s
    s.close()


def _stages(session):
    """Every stage of the first batch: (trace, context at that stage)."""
    out = []
    for _ in session.stepper.stages:
        trace = session.step("stage")
        out.append((trace, QuestionContext.of_session(session)))
    return out


def test_every_stage_kind_has_a_registered_question():
    assert list(predict.QUESTIONS) == ["forward", "output", "loss", "backward", "update"]
    with pytest.raises(ValueError, match="forward"):
        predict.get("nonsense")


def test_questions_name_the_real_neurons_and_answers_come_from_the_trace(session):
    stages = _stages(session)
    texts = [question_for(t, c).text for t, c in stages]
    assert texts[0] == "Will h1 fire (a > 0) or stay at 0?"
    assert texts[1].startswith("Which output wins: y1") and "y2" in texts[1]
    # A first batch: the loss of an even guess between the two classes is the reference.
    assert texts[2] == "Is the loss above ln 2 = 0.693, an even guess?"
    assert texts[3] == "Will the gradient push w(h1→y1) up or down?"
    assert texts[4] == "Will the gradient push w(x1→h1) up or down?"
    assert texts[5] == "Will w(h1→y1) grow or shrink?"
    update, ctx = stages[-1]
    before, after = update.W_before[1][0, 0], update.W_after[1][0, 0]
    answer = question_for(update, ctx).answer
    assert answer.startswith("grows" if after > before else "shrinks")
    assert predict.num(before) in answer and predict.num(after) in answer
    fwd, ctx = stages[0]
    a = fwd.a[0][0, 0]
    assert question_for(fwd, ctx).answer.startswith("h1 fires" if a > 0 else "h1 stays at 0")
    # The next batch's loss question compares with this batch's loss.
    for _ in range(3):
        trace = session.step("stage")
    ctx = QuestionContext.of_session(session)
    assert trace.stage.kind == "loss"
    q = question_for(trace, ctx)
    assert q.text == "Is the loss larger or smaller than last time?"
    assert q.answer.split(":")[0] == ("larger" if trace.loss > stages[2][0].loss else "smaller")
    assert f"(last time {predict.num(stages[2][0].loss)})" in q.answer


def test_the_selection_picks_the_neuron_and_the_weight(session):
    ids = [spec.id for spec in session.design.chain()]
    trace = session.step("stage")
    ctx = QuestionContext.of_session(session, NeuronSel(ids[1], 2))
    assert question_for(trace, ctx).text == "Will h3 fire (a > 0) or stay at 0?"
    for _ in range(5):
        trace = session.step("stage")
    assert trace.stage.kind == "update"
    ctx = QuestionContext.of_session(session, ConnectionSel(ids[0], ids[1], 1, 2))
    q = question_for(trace, ctx)
    assert q.text == "Will w(x2→h3) grow or shrink?"
    assert predict.num(trace.W_after[0][1, 2]) in q.answer


def test_a_hidden_trace_holds_none_of_its_stage_results(session):
    traces = [session.step("stage") for _ in session.stepper.stages]
    fwd, out, loss, back_out, back_hidden, update = traces
    assert hide_results(fwd).a[0] is None and hide_results(fwd).z[0] is None
    assert hide_results(out).a[1] is None and hide_results(out).a[0] is not None
    assert hide_results(loss).loss is None and hide_results(loss).a[1] is not None
    h = hide_results(back_hidden)
    assert h.dZ[0] is None and h.dW[0] is None and h.db[0] is None and h.dA[0] is None
    assert h.dW[1] is not None  # the output layer's backward pass was revealed before
    h = hide_results(update)
    assert h.W_after is None and h.b_after is None and h.W_before is not None
    # The original is untouched (views of the revealed stage use it).
    assert update.W_after is not None and fwd.a[0] is not None


def test_predict_reveal_waits_for_one_stage_and_off_reveals(session):
    state = PredictReveal()
    t1 = session.step("stage")
    state.stepped(t1)
    assert not state.waiting(t1)  # the mode is off: nothing waits
    state.set_on(True)
    state.stepped(t1)
    assert state.waiting(t1) and state.shown(t1).a[0] is None
    state.reveal()
    assert not state.waiting(t1) and state.was_revealed(t1)
    np.testing.assert_array_equal(state.shown(t1).a[0], t1.a[0])
    t2 = session.step("stage")
    state.stepped(t2)
    assert state.waiting(t2) and not state.waiting(t1)
    state.set_on(False)
    assert not state.waiting(t2)
