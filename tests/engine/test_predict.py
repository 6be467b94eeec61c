"""Predict, then reveal (nnviz.analysis.predict): one question per stage, names from the network,
answers from the trace, and a hidden trace that holds none of the stage's results."""
from __future__ import annotations

import numpy as np
import pytest

from nnviz.analysis import predict
from nnviz.analysis.predict import PredictReveal, QuestionContext, hide_results, question_for
from nnviz.document.selection import ConnectionSel, NeuronSel
from nnviz.session.session import Session


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


def _trace(kind, layer, z, a, y, loss=None):
    from nnviz.engine.run_types import Stage, StageTrace
    return StageTrace(stage=Stage(kind, layer, kind), epoch=0, batch=0, step=0,
                      x=np.zeros((1, 2)), y=np.asarray(y, dtype=float), z=z, a=a, loss=loss)


def test_other_activations_regression_and_many_outputs_get_their_own_wording():
    ctx = QuestionContext(ids=("i", "h", "o"), names=("Input", "Hidden 1", "Output"),
                          activations=("tanh", "linear"), loss="mean_squared_error")
    z = np.array([[0.2, -0.1, 0.9]])
    t = _trace("forward", 0, [z, None], [np.tanh(z), None], [[0.5]])
    q = question_for(t, ctx)
    assert q.text == "Which of h1, h2 or h3 will be most active?"
    assert q.answer == f"h3: a = {predict.num(np.tanh(0.9))}"
    out = _trace("forward", 1, [z, np.array([[0.8]])], [np.tanh(z), np.array([[0.8]])], [[0.5]])
    q = question_for(out, ctx)
    assert q.text == "Will y1 be above or below its target 0.500?"
    assert q.answer == "above: ŷ = 0.800, target 0.500"
    sigmoid = QuestionContext(**{**ctx.__dict__, "activations": ("relu", "sigmoid")})
    assert question_for(out, sigmoid).text == "Will y1 be above or below 0.5?"
    loss = _trace("loss", None, out.z, out.a, [[0.5]], loss=0.045)
    assert question_for(loss, ctx).text == "Is the loss above 1?"
    assert question_for(loss, ctx).answer == "below: L = 0.045"
    ten = np.eye(10)[[3]]
    many = _trace("forward", 1, [z, ten], [np.tanh(z), ten], np.eye(10)[[7]])
    q = question_for(many, ctx)
    assert q.text == "Which output wins: y1 … y10?"
    assert q.answer == "y4 wins, ŷ = 1.000 (target: y8)"


def test_names_with_several_hidden_layers_say_which_layer():
    assert predict.unit_label(2, 0, 4) == "h1⁽²⁾" and predict.unit_label(1, 2, 3) == "h3"
    assert predict.weight_label(2, 0, 1, 4) == "w(h1⁽¹⁾→h2⁽²⁾)"
    assert predict.weight_label(3, 1, 0, 4) == "w(h2⁽²⁾→y1)"
