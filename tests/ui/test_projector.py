"""Issue 21, points 2 and 8: presentation mode read from a room's back row, and a window
that fits any screen.

Font sizes are what Qt reports for each widget's font (QFontInfo) and the pyqtgraph axes'
tick fonts; the first start's geometry is a function of the screen's free area, tested with
a 1366x768 and a 1920x1080 screen, and on a real window.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QTabBar,
    QWidget,
)

from ui.main_window import FIRST_START_SIZE, first_start_geometry
from ui.training.panel import CLASS_COLORS

TEXT_WIDGETS = (QLabel, QAbstractButton, QComboBox, QProgressBar, QPlainTextEdit, QTabBar)


def enter_at(window, qtbot, size):
    """F11, then the projector's size (the offscreen screen is 800x800)."""
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.training.presentation_mode and window.isFullScreen(),
                    timeout=3000)
    window.showNormal()
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size() == QSize(*size), timeout=3000)
    QApplication.processEvents()


def step(qtbot, window, key=Qt.Key.Key_PageDown):
    ctl = window.training
    before = ctl.frames
    QTest.keyClick(window, key)
    qtbot.waitUntil(lambda: ctl.frames > before and ctl.snapshot.trace is not None,
                    timeout=5000)


def small_texts(window) -> list[str]:
    """Every visible text widget outside the canvas and plots whose font is under 20 px."""
    lecture_body = window.training.lecture.widget()
    small = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, TEXT_WIDGETS) or not widget.isVisible():
            continue
        if lecture_body.isAncestorOf(widget):
            continue  # the lecture view scales its own page (tested in its own file)
        px = QFontInfo(widget.font()).pixelSize()
        if px < 20:
            small.append(f"{type(widget).__name__} {widget.objectName()!r}: {px} px")
    return small


# ---------------------------------------------------------------- point 2: a projector
def test_every_text_is_at_least_20_px_in_presentation_at_1920x1080(make_window, qtbot):
    window = make_window(size=(1300, 850))
    assert small_texts(window)  # the window's own sizes are smaller: the test can fail
    enter_at(window, qtbot, (1920, 1080))
    step(qtbot, window)
    assert small_texts(window) == []
    ctl = window.training
    # The Code tab (behind the lecture view) and the counters.
    assert QFontInfo(window.code_dock.text.font()).pixelSize() >= 20
    assert QFontInfo(ctl.panel.counters.font()).pixelSize() >= 20
    # The canvas's line legend (thickness and colour), drawn over the canvas.
    assert window.canvas.legend_text_pixels() >= 20
    # The plots: ticks, axis labels, titles, legends (shown once training starts).
    plots = ctl.plots
    for plot in plots.plot_widgets():
        item = plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            assert QFontInfo(axis.style["tickFont"]).pixelSize() >= 20, plot.objectName()
            if axis.labelText:
                assert axis.labelStyle["font-size"] in ("20px",), axis.labelStyle
        if item.legend is not None:
            for _sample, label in item.legend.items:
                # pyqtgraph writes the size into the label's HTML: the size it was given.
                assert int(label.opts["size"].removesuffix("px")) >= 20, plot.objectName()
    assert QFontInfo(plots.loss_readout.font()).pixelSize() >= 20
    # Leaving gives the window's sizes back.
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not ctl.presentation_mode, timeout=3000)
    assert QFontInfo(window.code_dock.text.font()).pixelSize() < 20
    assert QFontInfo(plots.loss_plot.getAxis("left").style["tickFont"]).pixelSize() < 20


def test_neuron_numbers_are_at_least_28_px_at_1920x1080(make_window, qtbot):
    window = make_window(size=(1300, 850))
    enter_at(window, qtbot, (1920, 1080))
    for _ in range(4):  # forward, forward, loss, backward: five-character numbers
        step(qtbot, window)
        zoom = window.canvas.transform().m11()
        for spec in window.design.chain():
            sizes = window.scene.layer_item(spec.id).neurons.text_pixel_sizes(zoom)
            assert sizes["value"] is not None and sizes["value"] >= 28, (spec.name, sizes)


def test_plots_fold_while_stepping_and_return_while_training(make_window, qtbot):
    window = make_window(size=(1300, 850))
    ctl = window.training
    window.project.update_training(epochs=100000)
    enter_at(window, qtbot, (1920, 1080))
    step(qtbot, window)
    assert not ctl.plots.isVisible() and ctl.plots_folded
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: ctl.plots.isVisible(), timeout=5000)
    plot = ctl.plots.boundary_plot
    vb = plot.getViewBox()

    def square_map() -> bool:
        """The map's data area (the view box) square, at least 300x300, equal axes."""
        px, area = vb.viewPixelSize(), vb.sceneBoundingRect()
        return area.width() >= 300 and area.height() >= 300 \
            and abs(area.width() - area.height()) <= 0.1 * area.height() \
            and abs(px[0] - px[1]) <= 0.01 * max(px)
    # While training: the output map square (equal axes) and at least 300x300 px.
    qtbot.waitUntil(square_map, timeout=5000)
    assert vb.state["aspectLocked"]
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not window.session.training, timeout=5000)
    assert ctl.plots.isVisible()  # the curves stay to be read until the next step
    step(qtbot, window)
    assert not ctl.plots.isVisible()


def test_the_stepped_batch_is_ringed_and_classes_share_one_colour_code(window, qtbot):
    ctl = window.training
    plots = ctl.plots
    assert len(plots.current_samples()) == 0
    step(qtbot, window, Qt.Key.Key_Space)
    ringed = plots.current_samples()
    np.testing.assert_allclose(ringed, ctl.snapshot.trace.x)
    assert len(ringed) >= 1
    # One colour per class: the legend's, the data points', the boundary's.
    entries = plots.class_legend_entries()
    assert [name for name, _ in entries] == window.session.dataset().class_names
    assert [color for _, color in entries] == [c.lower() for c in CLASS_COLORS[:2]]
    brushes = {b.color().name() for b in plots.data_points.data["brush"]}
    assert brushes == {c.lower() for c in CLASS_COLORS[:2]}
    # Equal axes on the two inputs' plane: a circle of points looks round.
    assert plots.boundary_plot.getViewBox().state["aspectLocked"]


# ---------------------------------------------------------------- point 8: any screen
@pytest.mark.parametrize("screen, maximized", [((1366, 768), True), ((1920, 1080), False)])
def test_first_start_geometry_fits_the_screen(screen, maximized):
    available = QRect(0, 0, screen[0], screen[1] - 40)  # a task bar
    rect, is_max = first_start_geometry(available)
    assert is_max == maximized
    assert available.contains(rect)
    if not maximized:
        assert rect.size() == FIRST_START_SIZE
        assert rect.center() == available.center()


def test_a_first_start_on_a_small_screen_opens_maximized(make_window, monkeypatch):
    window = make_window(size=(1300, 850))
    window._place_on_screen(QRect(0, 0, 1366, 728))
    assert window.start_maximized
    assert window.width() <= 1366 and window.height() <= 728
    window._place_on_screen(QRect(0, 0, 1920, 1040))
    assert not window.start_maximized
    assert window.size() == FIRST_START_SIZE


def test_leaving_presentation_restores_maximized(make_window, qtbot):
    window = make_window(size=(1300, 850))
    window.showMaximized()
    qtbot.waitUntil(window.isMaximized, timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    qtbot.waitUntil(window.isMaximized, timeout=3000)
    # And a normal window comes back normal.
    window.showNormal()
    qtbot.waitUntil(lambda: not window.isMaximized(), timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert not window.isMaximized()


def test_the_canvas_has_half_of_a_1600x1000_window_by_default(make_window, qtbot):
    window = make_window(size=(1600, 1000))
    vp = window.canvas.viewport()
    assert vp.width() * vp.height() >= 0.5 * 1600 * 1000
    # The plots come with their first point.
    for _ in range(6):  # one batch: forward x2, loss, backward x2, update
        step(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.training.plots.isVisible(), timeout=3000)


def test_nothing_is_cut_at_1366x768(make_window, qtbot):
    window = make_window(size=(1366, 768))
    ctl = window.training
    for _ in range(2):
        before = ctl.frames
        ctl.panel.epoch_button.click()
        qtbot.waitUntil(lambda before=before: ctl.frames > before, timeout=5000)
    qtbot.waitUntil(lambda: ctl.plots.isVisible(), timeout=3000)
    QApplication.processEvents()
    plots = ctl.plots
    for plot in (plots.loss_plot, plots.accuracy_plot):
        legend = plot.getPlotItem().legend
        inside = plot.sceneRect()
        assert inside.contains(legend.sceneBoundingRect()), plot.objectName()
        for _sample, label in legend.items:
            assert inside.contains(label.sceneBoundingRect()), (plot.objectName(), label.text)


@pytest.mark.parametrize(("size", "share"), [((1920, 1080), 0.55), ((1366, 768), 0.4)])
def test_the_steps_take_what_they_need_and_the_lecture_view_the_rest(make_window, qtbot, size,
                                                                     share):
    """In presentation the right column's height goes to the derivation: the steps get
    their own height (no scroll bar, nothing cut), the Lecture view all the rest."""
    window = make_window(size=(1300, 850))
    enter_at(window, qtbot, size)
    step(qtbot, window)
    panel, lecture = window.training.panel, window.training.lecture
    qtbot.waitUntil(lambda: not panel.widget().verticalScrollBar().isVisible(), timeout=3000)
    column = panel.height() + lecture.height()
    assert panel.height() <= panel.steps_height() + 40
    assert lecture.height() >= share * column, (panel.height(), lecture.height())
