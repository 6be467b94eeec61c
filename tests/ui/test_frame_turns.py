"""Issue 20 point 4 (smooth under load): while training fast, the Lecture view's page takes
its turn with the plots (about 10 times a second, not every frame), and a hidden dock is
not drawn at all until it shows again, when it catches up with nothing lost.

The presenter's clock is a fake one advanced by 1/60 s a frame (the training process's
delta rate): no test waits for real time.
"""
from __future__ import annotations

import types

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from nnviz.document.selection import NeuronSel
from ui.training import presenter as presenter_module
from ui.training.lecture_view import fmt
from ui.training.worker import take_frame

pytestmark = pytest.mark.window(size=(1400, 900), fit=True)

FRAME = 1 / 60


@pytest.fixture
def clock(monkeypatch):
    """The presenter's ``time.perf_counter``, advanced by hand."""
    now = [1000.0]
    monkeypatch.setattr(presenter_module, "time",
                        types.SimpleNamespace(perf_counter=lambda: now[0]))
    return now


@pytest.fixture
def page_writes(window, monkeypatch):
    """Every page the Lecture view is asked to write: the weights it was given."""
    lecture = window.training.lecture
    written = []
    original = lecture.show_state

    def show_state(selection, trace, weights, info):
        written.append(weights)
        original(selection, trace, weights, info)
    monkeypatch.setattr(lecture, "show_state", show_state)
    return written


def click_neuron(qtbot, win, layer_id: str, j: int) -> None:
    item = win.scene.layer_item(layer_id)
    point = win.canvas.mapFromScene(item.mapToScene(QPointF(0, item.offsets[j])))
    with qtbot.waitSignal(win.scene.sig_selection_changed, timeout=2000) as blocker:
        QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert blocker.args[0] == NeuronSel(layer_id, j)


def training_frame(window, weight: float):
    """A frame as the training process's deltas make them: running, new weights."""
    frame = take_frame(window.session, running=True)
    frame.weights[0][0, 1] = weight  # w(input 1 -> hidden 2): on hidden 2's page
    return frame


def draw_frames(window, clock, weights):
    for weight in weights:
        clock[0] += FRAME
        window.training.presenter.draw(training_frame(window, weight))


def test_the_lecture_page_takes_its_turn_while_training_fast(qtbot, window, clock, page_writes):
    inp, hidden, _ = window.training.layer_ids
    click_neuron(qtbot, window, hidden, 1)
    page_writes.clear()
    weights = np.linspace(0.5, 0.9, 60)  # one second of frames, each with new weights
    draw_frames(window, clock, weights)
    # About 10 pages a second (one turn in five parts, each at most every 0.1 s), not 60.
    assert 8 <= len(page_writes) <= 12
    # The page shows a frame's own weights: the last one written is of a recent frame.
    last = page_writes[-1][0][0, 1]
    assert last in weights[-12:]
    assert fmt(last) in window.training.lecture.plain_text()
    # A frame that is not a fast training frame (Pause, a step) writes it at once.
    page_writes.clear()
    window.training.presenter.draw(training_frame(window, 0.25), full=True)
    assert len(page_writes) == 1 and fmt(0.25) in window.training.lecture.plain_text()


def test_a_closed_lecture_view_is_not_written_and_catches_up_when_shown(qtbot, window, clock,
                                                                        page_writes):
    ctl = window.training
    _inp, hidden, _ = ctl.layer_ids
    click_neuron(qtbot, window, hidden, 1)
    toggle = ctl.lecture.toggleViewAction()  # View > Lecture View, as a user closes it
    toggle.trigger()
    assert ctl.lecture.isHidden()
    page_writes.clear()
    draw_frames(window, clock, np.linspace(0.5, 0.9, 60))
    assert page_writes == []
    with qtbot.waitSignal(ctl.lecture.visibilityChanged, timeout=2000):
        toggle.trigger()
    # Shown again: one page, of the last frame drawn.
    assert len(page_writes) == 1 and page_writes[0][0][0, 1] == 0.9
    assert fmt(0.9) in ctl.lecture.plain_text()


def test_closed_plots_are_not_drawn_and_lose_no_point(qtbot, window, clock, monkeypatch):
    ctl = window.training
    plots, stepper = ctl.plots, window.session.stepper
    redraws = []
    original = plots._redraw
    monkeypatch.setattr(plots, "_redraw", lambda keys=None: (redraws.append(keys),
                                                              original(keys)))
    toggle = plots.toggleViewAction()  # View > Plots, as a user closes them
    if plots.isHidden():  # folded away until there is something to plot: open them first
        toggle.trigger()
    toggle.trigger()
    assert plots.isHidden()
    before = plots.point_count("batch_loss")
    for _ in range(60):
        left = [3]

        def should_stop(left=left):
            left[0] -= 1
            return left[0] < 0
        stepper.run(should_stop=should_stop)  # three batches between two frames
        clock[0] += FRAME
        ctl.presenter.draw(take_frame(window.session, running=True))
    assert redraws == [] and plots.point_count("batch_loss") == before
    with qtbot.waitSignal(plots.visibilityChanged, timeout=2000):
        toggle.trigger()
    # Shown again: every batch's point, drawn.
    assert plots.point_count("batch_loss") == len(stepper.history.batch_loss) > before
    assert redraws
    assert np.array_equal(plots.curve_batch_loss.yData, stepper.history.batch_loss)


def test_training_frames_lay_out_no_new_chain_rule_page(window, clock, monkeypatch):
    """With nothing to explain (no weight clicked in a backward stage), the Chain rule tab
    keeps its hint: a frame sets no page (it was laid out again every frame)."""
    browser = window.chain_rule.browser
    pages = []
    original = browser.setHtml
    monkeypatch.setattr(browser, "setHtml", lambda html: (pages.append(html), original(html)))
    hint = window.chain_rule.plain_text()
    draw_frames(window, clock, np.linspace(0.5, 0.9, 30))
    assert pages == [] and window.chain_rule.plain_text() == hint
