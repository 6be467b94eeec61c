"""The canvas driven by real events: palette drops, drags, wiring, Delete, hover, paint."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QHelpEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from nnviz.document import Design
from nnviz.document.selection import ConnectionSel, NeuronSel
from ui.canvas import LAYER_MIME_TYPE, CanvasScene, CanvasView, ProblemItem
from ui.canvas.style import format_value


def lecture_weights(design: Design, seed: int = 0, scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    chain = design.chain()
    out = []
    for a, b in zip(chain[:-1], chain[1:]):
        out += [rng.normal(0, scale, (a.units, b.units)), rng.normal(0, 0.3, b.units)]
    return out


@pytest.fixture
def design() -> Design:
    d = Design.lecture_example()
    d.store_weights(lecture_weights(d))
    return d


@pytest.fixture
def view(qtbot, design) -> CanvasView:
    scene = CanvasScene(design)
    view = CanvasView(scene)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.fit()
    return view


def ids(design: Design) -> tuple[str, str, str]:
    a, b, c = (spec.id for spec in design.chain())
    return a, b, c


def to_view(view: CanvasView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def drag(viewport, start: QPoint, end: QPoint, steps: int = 6) -> None:
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        QTest.mouseMove(viewport, QPoint(round(p.x()), round(p.y())))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def card_header(view: CanvasView, layer_id: str) -> QPoint:
    """A point on the card between its top edge and its first neuron."""
    item = view.canvas_scene.layer_item(layer_id)
    return to_view(view, item.mapToScene(QPointF(-30, -item.height / 2 + 7)))


def test_palette_drop_adds_the_layer_where_it_is_dropped(view, design):
    mime = QMimeData()
    mime.setData(LAYER_MIME_TYPE, b"hidden")
    viewport = view.viewport()
    pos = QPoint(450, 520)
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos, action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    drop = QDropEvent(QPointF(pos), action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()
    assert len(design.layers) == 4
    new = design.layers[-1]
    assert new.kind == "hidden"
    expected = view.mapToScene(pos)
    assert (new.x, new.y) == pytest.approx((expected.x(), expected.y()), abs=1e-6)
    item = view.canvas_scene.layer_item(new.id)
    assert view.mapFromScene(item.pos()) == pos


def test_other_drags_are_refused(view, design):
    mime = QMimeData()
    mime.setText("hidden")
    enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()
    assert len(design.layers) == 3


def test_dragging_a_layer_moves_it_in_one_undo_step(view, design):
    _, hidden, _ = ids(design)
    before = (design.layer(hidden).x, design.layer(hidden).y)
    count = design.undo_stack.count
    start = card_header(view, hidden)
    drag(view.viewport(), start, start + QPoint(60, 90))
    after = design.layer(hidden)
    s = view.zoom()
    assert (after.x - before[0], after.y - before[1]) == pytest.approx((60 / s, 90 / s), abs=2 / s)
    assert design.undo_stack.count == count + 1
    # The lines followed the card.
    bundle = view.canvas_scene.bundle_item(*ids(design)[:2])
    assert bundle.boundingRect().right() == pytest.approx(after.x - 42, abs=5)
    design.undo()
    assert (design.layer(hidden).x, design.layer(hidden).y) == before
    assert view.canvas_scene.layer_item(hidden).pos() == QPointF(*before)


def test_dragging_two_selected_layers_is_one_undo_step(view, design):
    inp, hidden, _ = ids(design)
    scene = view.canvas_scene
    scene.layer_item(inp).setSelected(True)
    scene.layer_item(hidden).setSelected(True)
    count = design.undo_stack.count
    start = card_header(view, hidden)
    drag(view.viewport(), start, start + QPoint(0, 80))
    assert design.undo_stack.count == count + 1
    assert design.layer(inp).y > 0 and design.layer(hidden).y > 0
    design.undo()
    assert design.layer(inp).y == 0 and design.layer(hidden).y == 0


def test_wiring_from_an_output_port_to_an_input_port_connects(view, design):
    _, hidden, out = ids(design)
    design.disconnect(hidden, out)
    scene = view.canvas_scene
    start = to_view(view, scene.layer_item(hidden).out_port.scenePos())
    end = to_view(view, scene.layer_item(out).in_port.scenePos())
    drag(view.viewport(), start, end)
    assert design.has_connection(hidden, out)
    assert not scene.wiring()
    assert (hidden, out) in [b.key for b in scene.bundle_items()]


def test_invalid_wiring_is_refused_with_a_message(qtbot, view, design):
    inp, hidden, out = ids(design)
    scene = view.canvas_scene
    connections = list(design.connections)
    start = to_view(view, scene.layer_item(hidden).out_port.scenePos())
    end = card_header(view, inp)  # an input layer takes no connections
    with qtbot.waitSignal(scene.sig_message, timeout=1000) as blocker:
        drag(view.viewport(), start, end)
    assert design.connections == connections
    assert "input layer" in blocker.args[0]
    bubbles = [i for i in scene.items() if isinstance(i, ProblemItem)]
    assert any("input layer" in b.message for b in bubbles)


def test_live_wire_marks_a_refused_target_red(view, design):
    inp, hidden, _ = ids(design)
    scene = view.canvas_scene
    start = to_view(view, scene.layer_item(hidden).out_port.scenePos())
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view.viewport(), card_header(view, inp))
    assert scene.wiring()
    assert scene.layer_item(inp).in_port._state == "bad"
    QTest.keyClick(view.viewport(), Qt.Key.Key_Escape)
    assert not scene.wiring()
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton)


def test_delete_removes_the_selection_in_one_undo_step(view, design):
    inp, hidden, out = ids(design)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=card_header(view, hidden))
    assert view.canvas_scene.layer_item(hidden).isSelected()
    count = design.undo_stack.count
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert [s.id for s in design.layers] == [inp, out]
    assert design.connections == []
    assert view.canvas_scene.bundle_items() == []
    assert design.undo_stack.count == count + 1
    design.undo()
    assert len(design.layers) == 3 and len(design.connections) == 2
    assert len(view.canvas_scene.bundle_items()) == 2


def test_clicking_a_connection_selects_it_and_delete_disconnects(qtbot, view, design):
    inp, hidden, _ = ids(design)
    scene = view.canvas_scene
    bundle = scene.bundle_item(inp, hidden)
    point = line_point(bundle, 0, 1)
    with qtbot.waitSignal(scene.sig_selection_changed, timeout=1000) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=to_view(view, point))
    assert blocker.args[0] == ConnectionSel(inp, hidden, 0, 1)
    assert bundle.isSelected()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert not design.has_connection(inp, hidden)
    assert scene.selection() is None


def test_clicking_a_neuron_emits_its_selection(qtbot, view, design):
    _, hidden, _ = ids(design)
    item = view.canvas_scene.layer_item(hidden)
    centre = item.mapToScene(QPointF(0, item.offsets[2]))
    with qtbot.waitSignal(view.canvas_scene.sig_selection_changed, timeout=1000) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=to_view(view, centre))
    assert blocker.args[0] == NeuronSel(hidden, 2)


def line_point(bundle, i: int, j: int, t: float = 0.25) -> QPointF:
    """A point a quarter of the way along line (i, j), clear of the other lines there."""
    r = bundle.boundingRect().adjusted(4, 0, -4, 0)
    scene = bundle.scene()
    src = scene.layer_item(bundle.source_id).neuron_scene_y()[i]
    tgt = scene.layer_item(bundle.target_id).neuron_scene_y()[j]
    return QPointF(r.left() + t * r.width(), src + t * (tgt - src))


def test_new_weights_change_line_widths(view, design):
    inp, hidden, _ = ids(design)
    bundle = view.canvas_scene.bundle_item(inp, hidden)
    before = bundle.edge_widths().copy()
    weights = lecture_weights(design, seed=0)
    weights[0] = np.array([[0.01, 0.01, 5.0], [0.01, -0.01, 0.01]])
    design.store_weights(weights)
    after = bundle.edge_widths()
    assert after.shape == (2, 3)
    assert not np.array_equal(before, after)
    assert after[0, 2] == after.max() > after[0, 0]
    assert np.array_equal(bundle.values(), weights[0])


def test_set_edge_values_shows_gradients_then_goes_back(view, design):
    inp, hidden, _ = ids(design)
    scene = view.canvas_scene
    bundle = scene.bundle_item(inp, hidden)
    grads = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -3.0]])
    scene.set_edge_values({(inp, hidden): grads}, mode="gradients")
    assert np.array_equal(bundle.values(), grads) and bundle.mode() == "gradients"
    scene.set_edge_values(None)
    assert np.array_equal(bundle.values(), design.kernel(inp, hidden))


def show_tooltip(view: CanvasView, scene_point: QPointF) -> None:
    pos = to_view(view, scene_point)
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)


def test_hover_tooltip_shows_the_exact_weight(qtbot, view, design):
    inp, hidden, _ = ids(design)
    bundle = view.canvas_scene.bundle_item(inp, hidden)
    show_tooltip(view, line_point(bundle, 0, 1))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    text = QToolTip.text()
    assert "x1 → h2" in text
    assert format_value(design.kernel(inp, hidden)[0, 1]) in text


def test_hover_tooltip_of_a_neuron_shows_value_and_bias(qtbot, view, design):
    _, hidden, _ = ids(design)
    scene = view.canvas_scene
    scene.set_neuron_values({hidden: np.array([0.25, 1.5, -0.125])})
    item = scene.layer_item(hidden)
    show_tooltip(view, item.mapToScene(QPointF(0, item.offsets[1])))
    qtbot.waitUntil(lambda: QToolTip.isVisible() and "h2" in QToolTip.text(), timeout=2000)
    text = QToolTip.text()
    assert "a = 1.5" in text
    assert format_value(design.bias(hidden)[1]) in text


def test_grab_is_not_blank_and_shows_both_weight_colours(view):
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), -1)[:, : image.width()]
    assert len(np.unique(arr)) > 50
    colors = view.canvas_scene.colors
    for color in (colors.positive, colors.negative):
        rgb = (arr >> 16 & 255, arr >> 8 & 255, arr & 255)
        near = (abs(rgb[0].astype(int) - color.red()) < 12) & (abs(rgb[1].astype(int) - color.green()) < 12) & (
            abs(rgb[2].astype(int) - color.blue()) < 12)
        assert near.sum() > 30


def test_validation_problems_appear_next_to_the_layer(qtbot, view, design):
    scene = view.canvas_scene
    _, hidden, out = ids(design)
    assert scene.problem_items() == []
    with qtbot.waitSignal(scene.sig_problems_changed, timeout=1000) as blocker:
        design.disconnect(hidden, out)
    assert blocker.args[0]
    bubbles = scene.problem_items()
    assert bubbles
    assert any(b.layer is scene.layer_item(hidden) for b in bubbles)


def test_zoom_keys_fit_and_reset(view):
    z = view.zoom()
    QTest.keyClick(view.viewport(), Qt.Key.Key_Plus)
    assert view.zoom() > z
    view.zoom_out()
    view.zoom_out()
    assert view.zoom() < z
    view.reset_zoom()
    assert view.zoom() == pytest.approx(1.0)
    QTest.keyClick(view.viewport(), Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.canvas_scene.content_rect())


def test_a_wide_layer_paints(qtbot):
    design = Design()
    a = design.add_layer("input", x=0, units=300)
    b = design.add_layer("hidden", x=450, units=64)
    c = design.add_layer("output", x=900, units=10)
    design.connect(a, b)
    design.connect(b, c)
    rng = np.random.default_rng(3)
    design.store_weights([rng.normal(size=(300, 64)), rng.normal(size=64),
                          rng.normal(size=(64, 10)), rng.normal(size=10)])
    view = CanvasView(CanvasScene(design))
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    view.fit()
    image = view.grab().toImage()
    assert not image.isNull()
    widths = view.canvas_scene.bundle_item(a, b).edge_widths()
    assert widths.shape == (300, 64) and widths.max() > widths.min()


def test_export_png_and_svg(tmp_path, view):
    png = view.export_image(tmp_path / "net.png")
    image = QImage(str(png))
    assert image.width() > 1000
    svg = view.export_image(tmp_path / "net.svg")
    text = svg.read_text()
    assert "<svg" in text and "Hidden" in text


def _pixels(view: CanvasView) -> np.ndarray:
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), -1)[
        :, : image.width()].copy()


def test_numbers_are_written_on_a_lecture_net_at_fit_and_only_there(view, design):
    _, hidden, _ = ids(design)
    scene = view.canvas_scene
    a = np.array([0.25, 1.5, -0.125])
    scene.set_neuron_values({hidden: a})
    item = scene.layer_item(hidden)
    assert item.neurons.numbers()[0] is a or np.array_equal(item.neurons.numbers()[0], a)
    bare = _pixels(view)
    scene.set_neuron_numbers({hidden: (a, np.array([0.3, 1.5, -0.2]), "z")})
    main, sub, label = item.neurons.numbers()
    np.testing.assert_array_equal(main, a)
    assert label == "z" and sub.shape == (3,)
    written = _pixels(view)
    # The z line under each circle adds ink inside the hidden card.
    card = view.mapFromScene(item.mapToScene(item.card_rect()).boundingRect()).boundingRect()
    box = (slice(card.top(), card.bottom()), slice(card.left(), card.right()))
    assert (bare[box] != written[box]).sum() > 50
    # Switched off, the neurons carry only their names again.
    scene.set_show_numbers(False)
    assert (_pixels(view)[box] != written[box]).sum() > 50


def test_short_numbers_fit_in_a_neuron():
    from ui.canvas.items import short_number

    assert short_number(0.5312) == "0.53"
    assert short_number(-0.001) == "-1e-3"
    assert short_number(-0.0001) != "-0.00"
    assert short_number(0.0) == "0.00"
    assert short_number(-0.004) == "-4e-3"
    assert short_number(1.04e-4) == "1e-4"
    assert short_number(12345.0) == "1e4"
    assert all(len(short_number(v)) <= 5 for v in (1e-4, -0.0049, 0.013, -9.5, 2e5))
    assert short_number(float("nan")) == "nan"


def test_space_tap_on_the_canvas_asks_for_a_step_and_space_drag_pans(qtbot):
    """Space on a focused canvas: a tap emits sig_space_tapped; held with a drag, it pans."""
    design = Design.lecture_example()
    scene = CanvasScene(design)
    view = CanvasView(scene)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.setFocus()
    with qtbot.waitSignal(view.sig_space_tapped, timeout=1000):
        QTest.keyClick(view, Qt.Key.Key_Space)
    taps = []
    view.sig_space_tapped.connect(lambda: taps.append(1))
    before = view.mapToScene(view.viewport().rect().center())
    QTest.keyPress(view, Qt.Key.Key_Space)
    vp = view.viewport()
    start = QPoint(700, 500)   # empty canvas, away from the network
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 6):
        QTest.mouseMove(vp, start - QPoint(20 * k, 10 * k))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start - QPoint(100, 50))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(view.viewport().rect().center())
    assert taps == []
    assert (after - before).manhattanLength() > 50
    assert design.to_dict() == Design.lecture_example().to_dict()  # nothing was moved


def test_animating_chain_ordered_weights_of_a_broken_design_draws_nothing(qtbot):
    """Weights in chain order need a chain: with the output layer gone, nothing animates."""
    design = Design.lecture_example()
    scene = CanvasScene(design)
    view = CanvasView(scene)
    qtbot.addWidget(view)
    model = design.build_model()
    before = model.get_weights()
    output = [spec.id for spec in design.layers if spec.kind == "output"][0]
    design.remove_layer(output)
    scene.animate_update(before, [w * 2 for w in before])   # must not raise
    assert design.validate()  # the design reports its problem instead
