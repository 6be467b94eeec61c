"""Issue 21, point 2: one colour code for the classes across the data, the output map, its
class legend and the canvas's output neurons (a coloured mark right of each of them).

Colours are read from the items' accessors and the plots' legend, and checked on the
painted canvas itself, in both themes; the window is driven by its own menus.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from nnviz import resources
from nnviz.files.project import DatasetSpec, Project
from ui.theme import CLASS_COLORS

LECTURE = (1600, 1000)


def output_item(win):
    return win.scene.layer_item(win.design.chain()[-1].id)


def legend_colors(win) -> list[str]:
    return [color for _, color in win.training.plots.class_legend_entries()]


def point_colors(win) -> set[str]:
    return {b.color().name() for b in win.training.plots.data_points.data["brush"]}


def mark_on_screen(win, item, k: int) -> QRectF:
    """Neuron ``k``'s class mark in viewport pixels."""
    rect = item.neurons.class_mark_rect(k)
    return QRectF(win.canvas.mapFromScene(item.neurons.mapRectToScene(rect)).boundingRect())


def painted_color(win, point: QPointF) -> QColor:
    image = win.canvas.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(point.x() * ratio), int(point.y() * ratio))


def close(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in
               zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_output_marks_take_the_colours_of_the_data_and_the_legend(make_window):
    win = make_window(size=LECTURE, fit=True)
    item = output_item(win)
    marks = item.neurons.class_mark_colors()
    legend = legend_colors(win)
    assert len(legend) == item.units == 2
    assert marks == legend == [c.lower() for c in CLASS_COLORS[:2]]
    assert point_colors(win) == set(marks)
    # Neuron k's mark is class k's colour, named in the legend by the neuron's class name.
    names = [name for name, _ in win.training.plots.class_legend_entries()]
    assert item.neurons.class_names() == names == ["outer", "inner"]


def test_the_marks_are_painted_in_both_themes_inside_the_fitted_view(make_window):
    win = make_window(size=LECTURE, fit=True)
    item = output_item(win)
    viewport = QRectF(win.canvas.viewport().rect())
    content = win.scene.content_rect()
    for dark in (False, True):
        win.dark_action.trigger() if dark else win.light_action.trigger()
        QApplication.processEvents()
        win.fit_network()
        QApplication.processEvents()
        for k, color in enumerate(item.neurons.class_mark_colors()):
            rect = item.neurons.class_mark_rect(k)
            assert content.contains(item.neurons.mapRectToScene(rect))
            shown = mark_on_screen(win, item, k)
            assert viewport.contains(shown)
            assert shown.width() >= 8  # a dot, readable at a glance
            assert close(painted_color(win, shown.center()), QColor(color)), (dark, k)
            # Clear of the card: the pixel just right of the mark is the canvas's.
            outside = QPointF(shown.right() + 3, shown.center().y())
            assert not close(painted_color(win, outside), QColor(color), 40), (dark, k)
        assert item.neurons.class_mark_colors() == legend_colors(win)


def test_only_numbered_classes_still_get_their_marks(make_window):
    win = make_window(size=LECTURE)
    win.session.set_dataset(DatasetSpec("two_gaussians", {"n_samples": 200, "seed": 0}))
    QApplication.processEvents()
    item = output_item(win)
    assert item.neurons.class_names() is None  # "class 0", "class 1" are not written
    assert item.neurons.class_mark_colors() == legend_colors(win) == \
        [c.lower() for c in CLASS_COLORS[:2]]
    # The fit keeps room for the marks although no name is written.
    assert item.neurons.names_extent() > 0
    win.fit_network()
    assert QRectF(win.canvas.viewport().rect()).contains(mark_on_screen(win, item, 1))


def test_iris_marks_three_classes(make_window):
    win = make_window(Project.load(resources.example_path("iris")), size=LECTURE, fit=True)
    item = output_item(win)
    assert item.neurons.class_mark_colors() == legend_colors(win) == \
        [c.lower() for c in CLASS_COLORS[:3]]


def test_a_regression_output_gets_no_mark(make_window):
    win = make_window(size=LECTURE)
    action = next(a for a in win.examples_menu.actions() if a.text() == "Sine")
    action.trigger()
    QApplication.processEvents()
    assert not win.session.dataset().is_classification
    item = output_item(win)
    assert item.neurons.class_mark_colors() is None
    assert item.neurons.class_mark_rect(0) is None
    assert item.neurons.names_extent() == 0
    assert win.training.plots.class_legend_entries() == []
