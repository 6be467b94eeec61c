"""Presentation mode: full screen, palette and inspector hidden, the network fitted large,
driven by the keyboard (F11 enters, PageDown steps like a clicker, Esc leaves)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


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
