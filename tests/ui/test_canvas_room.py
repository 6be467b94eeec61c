"""Issue 12 on the canvas: the network fills the room and every number on it is legible.

Sizes are read from the items (the pixel sizes their paint uses) and the view's transform;
everything is driven by real key presses and mouse clicks on a window of a lecturer's size.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from nnviz import resources
from nnviz.document.selection import ConnectionSel, LayerSel
from nnviz.files.project import DatasetSpec
from ui.canvas import style
from ui.canvas.connections import label_number
from ui.canvas.view import LEGEND_MARGIN, LEGEND_SIZE

LECTURE = (1600, 1000)


def chain(win) -> list[str]:
    return [spec.id for spec in win.design.chain()]


def press(qtbot, win, key, modifiers=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
    """Press ``key`` on the window ``times`` times, each time until a frame is drawn."""
    ctl = win.training
    for _ in range(times):
        before = ctl.frames
        QTest.keyClick(win, key, modifiers)
        qtbot.waitUntil(lambda before=before: ctl.frames > before, timeout=5000)


def fit_with_keys(win) -> None:
    win.canvas.setFocus()
    QTest.keyClick(win.canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()


def shown_rect(win) -> QRectF:
    canvas = win.canvas
    return QRectF(canvas.mapFromScene(win.scene.content_rect()).boundingRect())


def legend_rect(win) -> QRectF:
    vp = win.canvas.viewport()
    return QRectF(LEGEND_MARGIN, vp.height() - LEGEND_MARGIN - LEGEND_SIZE.height(),
                  LEGEND_SIZE.width(), LEGEND_SIZE.height())


def text_sizes(win, layer_id: str) -> dict:
    return win.scene.layer_item(layer_id).neurons.text_pixel_sizes(win.canvas.transform().m11())


# ---------------------------------------------------------------------------- fit and layout
def test_fit_fills_the_canvas_and_the_canvas_most_of_the_window(make_window):
    win = make_window(size=LECTURE)
    fit_with_keys(win)
    canvas, vp = win.canvas, win.canvas.viewport()
    shown, free = shown_rect(win), canvas.free_rect()
    assert QRectF(vp.rect()).contains(shown)
    assert shown.width() >= 0.8 * free.width() or shown.height() >= 0.8 * free.height()
    assert shown.width() >= 0.8 * vp.width()  # the lecture net is wide: it spans the canvas
    # The default layout: the canvas has most of the window's width and the largest area.
    assert vp.width() >= 0.58 * win.width()
    for dock in (win.palette_dock, win.training.panel):
        assert dock.width() <= 0.25 * win.width()
    assert not shown.intersects(legend_rect(win))


def test_the_fit_is_kept_when_the_canvas_changes_size_until_the_user_zooms(make_window):
    win = make_window(size=LECTURE)
    fit_with_keys(win)
    win.resize(1200, 800)
    QApplication.processEvents()
    shown, free = shown_rect(win), win.canvas.free_rect()
    assert shown.width() >= 0.8 * free.width() or shown.height() >= 0.8 * free.height()
    QTest.keyClick(win.canvas, Qt.Key.Key_Plus)
    zoom = win.canvas.zoom()
    win.resize(1300, 820)
    QApplication.processEvents()
    assert win.canvas.zoom() == zoom  # the user's zoom is theirs


def test_the_legend_does_not_cover_the_input_layer_of_digits(make_window):
    win = make_window(size=LECTURE)
    assert win.open_file(resources.example_path("digits"))
    fit_with_keys(win)
    legend = legend_rect(win)
    for item in win.scene.layer_items():
        card = win.canvas.mapFromScene(item.mapToScene(item.card_rect()).boundingRect())
        assert not QRectF(card.boundingRect()).intersects(legend), item.name


# ---------------------------------------------------------------------------- docks
def line_point(win, src: str, tgt: str, i: int, j: int, t: float = 0.25) -> QPointF:
    scene = win.scene
    bundle = scene.bundle_item(src, tgt)
    r = bundle.boundingRect().adjusted(4, 0, -4, 0)
    ys = scene.layer_item(src).neuron_scene_y()[i]
    yt = scene.layer_item(tgt).neuron_scene_y()[j]
    return QPointF(r.left() + t * r.width(), ys + t * (yt - ys))


def test_clicking_a_connection_never_widens_the_dock(make_window, qtbot):
    win = make_window(size=LECTURE)
    press(qtbot, win, Qt.Key.Key_PageDown)  # weights exist: the inspector shows numbers
    fit_with_keys(win)
    inp, hidden, out = chain(win)
    left, canvas_width = win.palette_dock.width(), win.canvas.viewport().width()
    for (src, tgt, i, j) in ((inp, hidden, 0, 1), (hidden, out, 2, 0), (inp, hidden, 1, 2)):
        pos = win.canvas.mapFromScene(line_point(win, src, tgt, i, j))
        with qtbot.waitSignal(win.scene.sig_selection_changed, timeout=2000):
            QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        QApplication.processEvents()
        assert win.inspector.selection == ConnectionSel(src, tgt, i, j)
        assert win.palette_dock.width() == left and win.inspector.width() == left
        assert win.canvas.viewport().width() == canvas_width
    # Nor does a neuron (bias and sums in a form) or a layer (name, lists).
    item = win.scene.layer_item(hidden)
    for point in (item.mapToScene(QPointF(0, item.offsets[0])),
                  item.mapToScene(QPointF(0, -item.height / 2 + 6))):
        with qtbot.waitSignal(win.scene.sig_selection_changed, timeout=2000):
            QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton,
                             pos=win.canvas.mapFromScene(point))
        QApplication.processEvents()
        assert win.palette_dock.width() == left and win.inspector.width() == left
        assert win.canvas.viewport().width() == canvas_width
    assert win.inspector.selection == LayerSel(hidden)
    pos = win.canvas.mapFromScene(line_point(win, inp, hidden, 1, 2))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    # The inspector names the line as the canvas does.
    heading = win.inspector._connection_heading.text()
    assert heading == "Weight x2 → h3", heading
    ends = win.inspector.findChild(type(win.inspector._connection_heading), "connectionEnds")
    assert "of Input" in ends.text() and "of Hidden 1" in ends.text()


def test_a_grown_dock_is_not_restored(make_window):
    win = make_window(size=LECTURE)
    default = win.palette_dock.width()
    win.resizeDocks([win.palette_dock], [460], Qt.Orientation.Horizontal)
    QApplication.processEvents()
    assert win.palette_dock.width() > 400
    win.save_settings()
    again = make_window(size=LECTURE)
    QApplication.processEvents()
    assert again.palette_dock.width() <= default * 1.15


# ---------------------------------------------------------------------------- numbers
def test_neuron_numbers_are_legible_at_the_default_window(make_window, qtbot):
    win = make_window(size=LECTURE)
    fit_with_keys(win)
    press(qtbot, win, Qt.Key.Key_PageDown, times=2)  # forward through both layers
    inp, hidden, out = chain(win)
    for layer_id in (inp, hidden, out):
        sizes = text_sizes(win, layer_id)
        assert sizes["value"] is not None and sizes["value"] >= 14, sizes
        assert sizes["name"] is not None and sizes["name"] >= 12, sizes
    for layer_id in (hidden, out):  # the "z 0.81" captions
        assert text_sizes(win, layer_id)["caption"] >= 12
    # The pixel sizes are those of the text as painted: a grab paints without error and
    # the value's box fits inside its circle.
    item = win.scene.layer_item(hidden)
    r_px = item.radius * win.canvas.transform().m11()
    assert text_sizes(win, hidden)["value"] <= 0.8 * r_px
    assert not win.grab().isNull()


def test_a_number_too_small_to_write_shows_on_hover(make_window, qtbot):
    win = make_window(size=LECTURE)
    press(qtbot, win, Qt.Key.Key_PageDown)
    fit_with_keys(win)
    hidden = chain(win)[1]
    for _ in range(6):
        QTest.keyClick(win.canvas, Qt.Key.Key_Minus)
    assert text_sizes(win, hidden)["value"] is None  # too small to write legibly
    item = win.scene.layer_item(hidden)
    a = item.neurons.values()
    pos = win.canvas.mapFromScene(item.mapToScene(QPointF(0, item.offsets[1])))
    event = QHelpEvent(QEvent.Type.ToolTip, pos, win.canvas.viewport().mapToGlobal(pos))
    QApplication.sendEvent(win.canvas.viewport(), event)
    qtbot.waitUntil(lambda: QToolTip.isVisible() and "h2" in QToolTip.text(), timeout=2000)
    assert style.format_value(a[1]) in QToolTip.text()
    assert "z = " in QToolTip.text()  # the caption's number too


# ---------------------------------------------------------------------------- weight labels
def all_label_rects(win) -> list[QRectF]:
    zoom = win.canvas.transform().m11()
    rects = []
    for bundle in win.scene.bundle_items():
        labels = bundle.weight_labels(zoom)
        rects += [QRectF(*r) for r in labels.rects.tolist()]
    return rects


def test_show_weight_values_writes_every_weight_without_collisions(make_window, qtbot):
    win = make_window(size=LECTURE)
    press(qtbot, win, Qt.Key.Key_PageDown)
    fit_with_keys(win)
    action = win.findChild(type(win.show_weights_action), "actionShowWeights")
    assert action is not None and action.isCheckable() and not action.isChecked()
    QTest.keyClick(win, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert action.isChecked() and win.scene.show_weight_labels()
    zoom = win.canvas.transform().m11()
    for bundle in win.scene.bundle_items():
        assert bundle.show_labels()
        labels = bundle.weight_labels(zoom)
        assert labels.note is None
        kernel = win.design.kernel(*bundle.key)
        assert sorted(labels.texts) == sorted(label_number(w) for w in kernel.ravel())
        # Each label sits on its own line, between the two cards.
        for (x, y, w, h), k in zip(labels.rects.tolist(), labels.edges.tolist()):
            i, j = divmod(k, kernel.shape[1])
            t = (x + w / 2 - bundle.boundingRect().left()) / bundle.boundingRect().width()
            ys = win.scene.layer_item(bundle.source_id).neuron_scene_y()[i]
            yt = win.scene.layer_item(bundle.target_id).neuron_scene_y()[j]
            assert abs(y + h / 2 - (ys + t * (yt - ys))) < 6
    rects = all_label_rects(win)
    assert len(rects) == 12
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            assert not rects[a].intersects(rects[b]), (rects[a], rects[b])
    # The labels are on screen (legible size) and painting them works.
    assert all(win.canvas.viewport().rect().contains(
        win.canvas.mapFromScene(r).boundingRect()) for r in rects)
    assert not win.grab().isNull()


def test_backward_stages_label_the_gradients(make_window, qtbot):
    win = make_window(size=LECTURE)
    win.show_weights_action.trigger()
    # forward, forward, loss, backward (output layer)
    press(qtbot, win, Qt.Key.Key_PageDown, times=4)
    trace = win.training.trace
    assert trace.stage.kind == "backward"
    hidden, out = chain(win)[1:]
    bundle = win.scene.bundle_item(hidden, out)
    assert bundle.mode() == "gradients"
    labels = bundle.weight_labels(win.canvas.transform().m11())
    assert sorted(labels.texts) == sorted(label_number(g) for g in trace.dW[-1].ravel())


def test_in_presentation_at_1366x768_the_backward_pass_writes_its_gradients(make_window,
                                                                           qtbot):
    """They said "3 × 2 dL/dw: too dense to label here" at presentation type: now they
    are written a little smaller, never below the desktop's size."""
    win = make_window(size=(1300, 850))
    ctl = win.training
    for _ in range(3):  # into epoch 4, as docs/presentation.png is taken
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.epoch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda b=before: ctl.frames > b, timeout=5000)
    win.show_weights_action.trigger()
    QTest.keyClick(win, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: win.training.presentation_mode, timeout=5000)
    win.resize(1366, 768)  # the offscreen screen's full screen may be another size
    press(qtbot, win, Qt.Key.Key_PageDown, times=4)  # to the backward pass, output layer
    trace = win.training.trace
    assert trace.stage.kind == "backward"
    hidden, out = chain(win)[1:]
    bundle = win.scene.bundle_item(hidden, out)
    labels = bundle.weight_labels(win.canvas.transform().m11())
    assert labels.note is None
    assert sorted(labels.texts) == sorted(label_number(g) for g in trace.dW[-1].ravel())
    assert style.WEIGHT_LABEL_PX <= labels.px <= bundle.label_pixels()


def test_a_layer_pair_too_dense_to_label_says_so(make_window, qtbot):
    win = make_window(size=LECTURE)
    assert win.open_file(resources.example_path("digits"))
    fit_with_keys(win)
    win.show_weights_action.trigger()
    press(qtbot, win, Qt.Key.Key_PageDown)
    zoom = win.canvas.transform().m11()
    notes = [b.weight_labels(zoom).note for b in win.scene.bundle_items()]
    assert all(note and "too many" in note for note in notes), notes
    assert all(b.weight_labels(zoom).texts == [] for b in win.scene.bundle_items())
    assert not win.grab().isNull()


# ---------------------------------------------------------------------------- class names
def test_iris_output_neurons_carry_the_class_names(make_window, qtbot):
    win = make_window(size=LECTURE)
    assert win.open_file(resources.example_path("iris"))
    out = chain(win)[-1]
    item = win.scene.layer_item(out)
    assert item.neurons.class_names() == ["setosa", "versicolor", "virginica"]
    assert win.scene.output_labels() == ["setosa", "versicolor", "virginica"]
    fit_with_keys(win)
    # Fit keeps the names in view: the content reaches past the output card.
    content = win.scene.content_rect()
    assert content.right() > item.sceneBoundingRect().right() + 40
    assert QRectF(win.canvas.viewport().rect()).contains(shown_rect(win))
    pos = win.canvas.mapFromScene(item.mapToScene(QPointF(0, item.offsets[1])))
    event = QHelpEvent(QEvent.Type.ToolTip, pos, win.canvas.viewport().mapToGlobal(pos))
    QApplication.sendEvent(win.canvas.viewport(), event)
    qtbot.waitUntil(lambda: QToolTip.isVisible() and "versicolor" in QToolTip.text(), timeout=2000)
    # Numbered classes ("class 0") are not written: the neurons' names say as much.
    assert win.open_file(resources.example_path("lecture"))
    assert win.scene.layer_item(chain(win)[-1]).neurons.class_names() == ["outer", "inner"]
    win.session.set_dataset(DatasetSpec("two_gaussians", {"n_samples": 200, "seed": 0}))
    assert win.scene.layer_item(chain(win)[-1]).neurons.class_names() is None


# ---------------------------------------------------------------------------- bubbles
def test_message_bubbles_do_not_overlap(make_window):
    win = make_window(size=LECTURE)
    inp, hidden, out = chain(win)
    # Two layers left with problems side by side: the bubbles stack instead of overlapping.
    win.design.disconnect(inp, hidden)
    win.design.disconnect(hidden, out)
    QApplication.processEvents()
    fit_with_keys(win)
    bubbles = [b for b in win.scene.problem_items() if b.layer is not None]
    assert len(bubbles) >= 2

    def on_screen():
        return [QRectF(win.canvas.mapFromScene(b.scenePos()), b.boundingRect().size())
                for b in bubbles]

    # After a fit every bubble is whole on screen (not clipped by the canvas's edge).
    viewport = QRectF(win.canvas.viewport().rect())
    assert all(viewport.contains(r) for r in on_screen()), on_screen()
    for _ in range(3):
        QTest.keyClick(win.canvas, Qt.Key.Key_Minus)  # closer together on screen
    rects = on_screen()
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            assert not rects[a].adjusted(1, 1, -1, -1).intersects(rects[b]), (rects[a], rects[b])


def test_weight_label_numbers_are_short_and_exact_enough():
    assert label_number(0.53124) == "0.531"
    assert label_number(-0.0123456) == "-0.0123"
    assert label_number(1.2e-5) == "1.2e-5"
    assert label_number(0.0) == "0"
    assert label_number(12.345) == "12.3"
    assert float(label_number(-0.43777)) == np.float64(-0.438)
