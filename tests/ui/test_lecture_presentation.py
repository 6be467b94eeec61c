"""The lecture view in presentation mode, on a projector's screen: stepping through a whole
batch with PageDown, every stage opens on its own heading and its first new line at the
view's top (nobody scrolls to find them), the text stays large, headings take at most two
lines; during a run the view says so. In the normal window too, at every size."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

from tests.ui.helpers import reference_stepper as reference
from ui.training.lecture_view import fmt, presentation_column_width


def blocks(browser):
    block = browser.document().begin()
    while block.isValid():
        yield block
        block = block.next()


def result_block(browser, text: str):
    """The last paragraph of the page that ends with ``text`` (the stage's result)."""
    found = None
    for block in blocks(browser):
        # A sum over the batch ends with its "per sample" link.
        if " ".join(block.text().split()).removesuffix("per sample").rstrip().endswith(text):
            found = block
    assert found is not None, (text, browser.toPlainText())
    return found


def stage_opens_in_view(lecture, label: str, first_line: str) -> bool:
    """The stage's heading is the view's first line, and the first line it newly derived
    (a paragraph starting with ``first_line``, after the heading) is inside the view."""
    browser = lecture.browser
    found = [b for b in blocks(browser) if b.text() == label or b.text().startswith(label + " ·")]
    if len(found) != 1 or not in_view(browser, found[0]):
        return False
    rect = browser.document().documentLayout().blockBoundingRect(found[0])
    bar = browser.verticalScrollBar()
    if rect.top() - bar.value() > 12 and bar.value() < bar.maximum():  # at the top if it can
        return False
    block = found[0].next()
    while block.isValid() and not " ".join(block.text().split()).startswith(first_line):
        block = block.next()
    return block.isValid() and first_line_in_view(browser, block)


def first_line_in_view(browser, block) -> bool:
    """Whether the paragraph's first line lies inside the view's visible area."""
    rect = browser.document().documentLayout().blockBoundingRect(block)
    top = rect.top() - browser.verticalScrollBar().value()
    line = block.layout().lineAt(0).height() if block.layout().lineCount() else rect.height()
    return top >= -1 and top + line <= browser.viewport().height() + 1


#: The first line each stage newly derives (nothing selected: neuron 1 of its layer).
FIRST_LINE = {
    "Forward: hidden layer 1": "Neuron h1 of Hidden 1",
    "Forward: output layer": "Neuron y1 of Output",
    "Loss (categorical crossentropy)": "Loss: categorical crossentropy",
    "Backward: output layer": "∂L/∂zy1 = (ŷ1 − y1) / B",
    "Backward: hidden layer 1": "∂L/∂ah1 = wh1→y1·∂L/∂zy1 + wh1→y2·∂L/∂zy2",
    "Update weights (SGD, learning rate 0.1)": "new by1 = old by1 − lr · ∂L/∂by1",
}


def in_view(browser, block) -> bool:
    """Whether the whole paragraph lies inside the view's visible area (device pixels)."""
    rect = browser.document().documentLayout().blockBoundingRect(block)
    top = rect.top() - browser.verticalScrollBar().value()
    return top >= -1 and top + rect.height() <= browser.viewport().height() + 1


def expected_result(trace) -> str:
    """The number the stage's last line ends with (neuron 1 of the stage's layer)."""
    kind, layer = trace.stage.kind, trace.stage.layer
    if kind == "forward":
        return fmt(trace.a[layer][0, 0])
    if kind == "loss":
        return f"L = {fmt(trace.loss)}"
    if kind == "backward":
        return fmt(trace.dW[layer][0, 0])
    return fmt(trace.W_after[-1][0, 0])  # update: the output neuron's first weight, after


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_presentation_mode_opens_every_stage_on_its_new_line(make_window, qtbot, size):
    win = make_window(size=size)
    ctl = win.training
    lecture, browser = ctl.lecture, ctl.lecture.browser
    QTest.keyClick(win, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: ctl.presentation_mode and win.isFullScreen(), timeout=3000)
    # The offscreen test screen is 800x800 and full screen means that size: a projector's
    # screen is the window at its size, still in presentation mode.
    win.showNormal()
    win.resize(*size)
    qtbot.waitUntil(lambda: win.size() == QSize(*size), timeout=3000)
    assert ctl.presentation_mode
    # The formulas get their share of the screen's width, so they wrap less.
    qtbot.waitUntil(lambda: lecture.width() >= presentation_column_width(size[0]) - 10,
                    timeout=3000)
    ref = reference(win.project)
    for _ in range(6):  # forward x2, loss, backward x2, update
        before = ctl.frames
        QTest.keyClick(win, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda before=before: ctl.frames > before
                        and ctl.snapshot.trace is not None, timeout=5000)
        trace = ref.step()
        assert ctl.snapshot.trace.stage.label == trace.stage.label
        label = trace.stage.label
        qtbot.waitUntil(lambda label=label: stage_opens_in_view(
            lecture, label, FIRST_LINE[label]), timeout=3000)
        block = result_block(browser, expected_result(trace))
        if browser.document().size().height() <= browser.viewport().height():
            assert in_view(browser, block)  # a page that fits shows its result too
        # Large from the back of the room: at least 24 px, at most the size asked for.
        assert 24 <= lecture.shown_pixel_size() <= lecture.pixel_size()
        # Headings (the stage, a neuron, the chain rule, the loss) take at most two lines.
        for b in blocks(browser):
            text = b.text()
            if text.startswith(("Neuron", "Connection", "Backward", "Update", "Loss",
                                "Forward")) and b.layout().lineCount():
                assert b.layout().lineCount() <= 2, text
        heading = ctl.panel.stage_label
        metrics = QFontMetrics(heading.font())
        needed = metrics.boundingRect(QRect(0, 0, heading.contentsRect().width(), 10000),
                                      Qt.TextFlag.TextWordWrap, heading.text()).height()
        assert needed <= 2 * metrics.lineSpacing() + 1, heading.text()
        assert heading.font().pixelSize() >= 20 or heading.font().pointSizeF() >= 15  # large
    # The update stage names the values before and after it.
    text = " ".join(lecture.plain_text().split())
    assert "new wh1→y1 = old wh1→y1 − lr · ∂L/∂wh1→y1" in text
    # Leaving presentation mode gives the normal size back.
    QTest.keyClick(win, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not ctl.presentation_mode, timeout=3000)
    assert lecture.shown_pixel_size() == lecture.pixel_size() == 20


def test_while_training_runs_the_view_says_when_the_formulas_come_back(make_window, qtbot):
    win = make_window(size=(1600, 1000))
    ctl = win.training
    win.project.update_training(epochs=100000)
    QTest.keyClick(win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: ctl.snapshot is not None and ctl.snapshot.trace is not None,
                    timeout=5000)
    assert "Forward: hidden layer 1" in ctl.lecture.plain_text()
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Training is running" in ctl.lecture.plain_text(), timeout=5000)
    # No stale stage of the first batch while the weights move on.
    assert "Forward: hidden layer 1" not in ctl.lecture.plain_text()
    qtbot.mouseClick(ctl.panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.session.training, timeout=5000)
    before = ctl.frames
    QTest.keyClick(win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: ctl.frames > before and ctl.snapshot.trace is not None,
                    timeout=5000)
    text = ctl.lecture.plain_text()
    assert "Training is running" not in text
    assert ctl.snapshot.trace.stage.label in text


@pytest.mark.parametrize("size", [(1600, 1000), (1366, 768), (1920, 1080)])
def test_the_normal_window_opens_every_stage_on_its_new_line(make_window, qtbot, size):
    """Not presentation mode: the view used to keep the page's end in sight, so at the
    backward stages the line the stage is about was above the view at every size."""
    win = make_window(size=size)
    ctl = win.training
    ref = reference(win.project)
    for _ in range(6):  # forward x2, loss, backward x2, update
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda before=before: ctl.frames > before
                        and ctl.snapshot.trace is not None, timeout=5000)
        label = ref.step().stage.label
        qtbot.waitUntil(lambda label=label: stage_opens_in_view(
            ctl.lecture, label, FIRST_LINE[label]), timeout=3000)
