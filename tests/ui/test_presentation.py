"""Presentation mode: full screen, palette and inspector hidden, the network fitted large,
driven by the keyboard (F11 enters, PageDown steps like a clicker, Esc leaves)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def test_f11_enters_and_esc_leaves_restoring_the_docks(window, qtbot):
    ctl, canvas = window.training, window.canvas
    assert window.palette_dock.isVisible() and window.inspector.isVisible()
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=3000)
    assert ctl.presentation_mode and ctl.presentation_action.isChecked()
    assert not window.palette_dock.isVisible()
    assert not window.inspector.isVisible()
    assert window.scene.label_scale() > 1.0
    # The network is fitted to the canvas: every card is in view and it spans most of
    # the view's width or height.
    content = window.scene.content_rect()
    view_rect = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert view_rect.contains(content)
    shown = canvas.mapFromScene(content).boundingRect()
    assert (shown.width() > 0.6 * canvas.viewport().width()
            or shown.height() > 0.6 * canvas.viewport().height())
    assert ctl.lecture.font_scale() > 1.0

    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert not ctl.presentation_mode and not ctl.presentation_action.isChecked()
    assert window.palette_dock.isVisible() and window.inspector.isVisible()
    assert window.scene.label_scale() == 1.0
    assert ctl.lecture.font_scale() == 1.0


def test_a_dock_closed_before_stays_closed_after(window, qtbot):
    window.inspector.close()
    ctl = window.training
    ctl.presentation_action.trigger()
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=3000)
    ctl.presentation_action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert window.palette_dock.isVisible()
    assert not window.inspector.isVisible()


def test_pagedown_steps_one_stage_at_a_time(window, qtbot):
    ctl = window.training
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=3000)
    labels = []
    for _ in range(3):
        before = ctl.frames
        QTest.keyClick(window, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda before=before: ctl.frames > before and ctl.snapshot.trace is not None,
                        timeout=5000)
        labels.append(ctl.snapshot.trace.stage.label)
    assert len(set(labels)) == 3  # forward layer 1, forward layer 2, loss
    assert ctl.snapshot.trace.stage.kind == "loss"
    # The numbers are written on the neurons: the output shows the target under each y.
    output = window.scene.layer_item(ctl.layer_ids[-1])
    main, sub, label = output.neurons.numbers()
    assert label == "target" and sub is not None and main is not None


# ------------------------------------------------------------ issue 12: a projector's sizes
def _enter_at(window, qtbot, size):
    """F11, then the screen's size (the offscreen test screen is smaller than a projector's)."""
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=3000)
    screen = window.screen().geometry().size()
    qtbot.waitUntil(lambda: window.size() == screen, timeout=3000)
    qtbot.wait(50)  # the platform's own full-screen geometry has arrived
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().width() == size[0], timeout=3000)
    qtbot.wait(50)
    assert window.size().width() == size[0]
    QApplication.processEvents()


def _step_to(window, qtbot, kind):
    ctl = window.training
    for _ in range(12):
        before = ctl.frames
        QTest.keyClick(window, Qt.Key.Key_PageDown)
        qtbot.waitUntil(lambda before=before: ctl.frames > before, timeout=5000)
        if ctl.trace is not None and ctl.trace.stage.kind == kind:
            return
    raise AssertionError(f"no {kind} stage reached")


def _visible_in_panel(panel, widget) -> bool:
    """Whether all of ``widget`` is inside the panel's scrolled viewport."""
    scroll = panel.widget()
    top_left = widget.mapTo(scroll.viewport(), widget.rect().topLeft())
    return scroll.viewport().rect().contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("size, minimum", [((1920, 1080), 24.0), ((1366, 768), 16.0)])
def test_presentation_numbers_and_heading_fit_a_projector(make_window, qtbot, size, minimum):
    window = make_window(size=(1300, 850))
    _enter_at(window, qtbot, size)
    _step_to(window, qtbot, "loss")  # the longest heading: "... Next: Backward ..."
    canvas = window.canvas
    zoom = canvas.transform().m11()
    for spec in window.design.chain():
        sizes = window.scene.layer_item(spec.id).neurons.text_pixel_sizes(zoom)
        assert sizes["value"] is not None and sizes["value"] >= minimum, (spec.name, sizes)
    # The whole network is on screen.
    shown = canvas.mapFromScene(window.scene.content_rect()).boundingRect()
    assert canvas.viewport().rect().contains(shown)
    panel = window.training.panel
    assert panel.stage_label.line_count() <= 2, panel.stage_label.text()
    for widget in (panel.stage_label, panel.step_button, panel.progress):
        assert _visible_in_panel(panel, widget), widget.objectName()


def test_leaving_restores_the_layout_and_the_fit(make_window, qtbot):
    window = make_window(size=(1366, 768))
    canvas = window.canvas
    QTest.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    widths = (window.palette_dock.width(), window.training.panel.width())
    _enter_at(window, qtbot, (1920, 1080))
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    window.resize(1366, 768)
    QApplication.processEvents()
    assert (window.palette_dock.width(), window.training.panel.width()) == widths
    shown = canvas.mapFromScene(window.scene.content_rect()).boundingRect()
    vp = canvas.viewport().rect()
    assert vp.contains(shown)  # Input and Output in view without Ctrl+0
    free = canvas.free_rect()
    assert shown.width() >= 0.8 * free.width() or shown.height() >= 0.8 * free.height()


def test_the_cards_size_lines_grow_with_the_names_in_presentation(window, qtbot):
    """The "9 params · out (None, 3)" lines stayed at 11 px on a projector."""
    scene = window.scene
    qtbot.waitUntil(lambda: all(item.stats.text() for item in scene.layer_items()),
                    timeout=5000)
    before = {item.layer_id: item.stats.height_px() for item in scene.layer_items()}
    names = {item.layer_id: item.label.text_scale() for item in scene.layer_items()}
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.training.presentation_mode, timeout=5000)
    for item in scene.layer_items():
        scale = item.label.text_scale() / names[item.layer_id]
        assert scale > 1.2
        assert item.stats.height_px() == pytest.approx(before[item.layer_id] * scale, rel=0.15)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.training.presentation_mode, timeout=5000)
    after = {item.layer_id: item.stats.height_px() for item in scene.layer_items()}
    assert after == before


@pytest.mark.window(size=(1366, 768))
def test_in_presentation_no_size_line_is_cut_off_by_the_views_edge(window, qtbot):
    scene, canvas = window.scene, window.canvas
    qtbot.waitUntil(lambda: all(item.stats.text() for item in scene.layer_items()),
                    timeout=5000)
    QTest.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.training.presentation_mode, timeout=5000)
    window.resize(1366, 768)  # the offscreen screen's full screen may be another size
    QApplication.processEvents()
    width = canvas.viewport().width()
    for item in scene.layer_items():
        centre = canvas.mapFromScene(item.stats.scenePos()).x()
        half = item.stats.boundingRect().width() / 2
        assert centre - half >= 0 and centre + half <= width, item.stats.text()
