"""What is drawn on and around the layer cards stays readable (issue 21, point 9): the
target written under an output neuron lies inside its card, and a message bubble is
drawn over every card, not under the next one."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ui.canvas import ProblemItem


def test_the_target_labels_lie_inside_the_output_card(make_window, qtbot):
    win = make_window(size=(1600, 1000), fit=True)
    ctl = win.training
    for _ in range(3):  # forward hidden, forward output, the loss: the targets are written
        QTest.keyClick(win.canvas, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.scene.layer_items()[-1].neurons.numbers()[2] == "target",
                    timeout=5000)
    out = win.scene.layer_item(win.design.layers[-1].id)
    neurons = out.neurons
    scale = win.canvas.transform().m11()
    card = out.card_rect()  # the neurons' item shares the card's coordinates
    painted = neurons.boundingRect()  # the cached picture is cut at this rectangle
    for k in range(out.units):
        text = neurons.caption_text_rect(k, scale)
        assert text is not None, "no target written at the lecture's zoom"
        assert card.contains(text), (k, text, card)
        assert painted.contains(text), (k, text, painted)
    assert ctl.session.stepper is not None


def _screen_rect(view, item) -> QRectF:
    if isinstance(item, ProblemItem):  # screen-sized: its rect is in pixels
        return QRectF(QPointF(view.mapFromScene(item.scenePos())), item.boundingRect().size())
    return QRectF(view.mapFromScene(item.mapRectToScene(item.card_rect())).boundingRect())


def test_a_message_bubble_is_drawn_over_the_other_cards(window, qtbot):
    inp, hidden, out = (layer.id for layer in window.design.layers)
    window.design.disconnect(hidden, out)  # "Hidden 1" is no longer connected onwards
    QApplication.processEvents()
    scene, view = window.scene, window.canvas
    bubble = next(b for b in scene.problem_items() if b.layer is scene.layer_item(hidden))
    # The output card moved right under that bubble, and selected (a selected card comes
    # to the front of the cards).
    corner = view.mapToScene(view.mapFromScene(bubble.scenePos()) + QPointF(20, 20).toPoint())
    window.design.move_layer(out, corner.x(), corner.y())
    QApplication.processEvents()
    card = scene.layer_item(out)
    card.setSelected(True)
    overlap = _screen_rect(view, bubble).intersected(_screen_rect(view, card))
    assert not overlap.isEmpty()
    point = view.mapToScene(overlap.center().toPoint())
    stack = scene.items(point, Qt.ItemSelectionMode.IntersectsItemBoundingRect,
                        Qt.SortOrder.DescendingOrder, view.viewportTransform())
    assert bubble in stack and card in stack
    assert stack.index(bubble) < stack.index(card), "the card is drawn over the bubble"
    # The bubble stays with its own card when that card moves.
    before = bubble.scenePos()
    window.design.move_layer(hidden, 0.0, -200.0)
    QApplication.processEvents()
    assert bubble.scenePos().y() < before.y() - 100
