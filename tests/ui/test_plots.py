"""The training docks in the real window: plots follow the theme, axes show real numbers,
legends stay off the curves, the weight-norm tab follows training, the panel fits 380 px."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from ui.theme import DARK, LIGHT
from ui.training.panel import CLASS_COLORS

pytestmark = pytest.mark.window(size=(1400, 900))


def click_epochs(qtbot, win, n: int) -> None:
    ctl = win.training
    for _ in range(n):
        before = ctl.frames
        qtbot.mouseClick(ctl.panel.epoch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda before=before: ctl.frames > before
                        and not ctl.snapshot.running, timeout=5000)


def background(plot) -> str:
    return plot.backgroundBrush().color().name()


def test_the_theme_switch_recolours_plots_preview_and_lecture_numbers(qtbot, window):
    plots, panel = window.training.plots, window.training.panel
    window.light_action.trigger()
    for plot in plots.plot_widgets():
        assert background(plot) == LIGHT.plot_background
    assert background(panel.preview) == LIGHT.plot_background
    window.dark_action.trigger()
    qtbot.waitUntil(lambda: background(plots.loss_plot) == DARK.plot_background, timeout=2000)
    for plot in [*plots.plot_widgets(), panel.preview]:
        assert background(plot) == DARK.plot_background
    axis = plots.loss_plot.getAxis("left")
    assert axis.textPen().color().name() == DARK.plot_foreground
    assert plots.loss_plot.getPlotItem().legend.opts["labelTextColor"].name() == \
        DARK.plot_foreground
    style = window.training.lecture.browser.document().defaultStyleSheet()
    assert DARK.value in style and LIGHT.value not in style
    window.light_action.trigger()
    qtbot.waitUntil(lambda: background(plots.loss_plot) == LIGHT.plot_background, timeout=2000)
    assert LIGHT.value in window.training.lecture.browser.document().defaultStyleSheet()


def test_positive_is_blue_and_negative_orange_everywhere():
    for theme in (LIGHT, DARK):
        pos, neg = (np.array([int(c[k:k + 2], 16) for k in (1, 3, 5)])
                    for c in (theme.positive_weight, theme.negative_weight))
        assert pos[2] > pos[0] and neg[0] > neg[2]
    # Class 1 of two (the positive one) is drawn in the positive weights' blue.
    assert CLASS_COLORS[1] == LIGHT.positive_weight
    assert CLASS_COLORS[0] == LIGHT.negative_weight


def test_no_axis_uses_an_si_prefix_even_for_tiny_losses(qtbot, window):
    plots = window.training.plots
    click_epochs(qtbot, window, 1)
    # A loss of a few thousandths is where pyqtgraph would write "loss (x0.001)" and 8.
    plots.add_history({"batch_loss": [0.0008, 0.0009, 0.0007]}, 40)
    plots.loss_plot.getPlotItem().setRange(yRange=(0.0007, 0.0009), padding=0)
    qtbot.wait(50)
    for plot in plots.plot_widgets():
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            assert axis.autoSIPrefixScale == 1.0, (plot.objectName(), side)
            assert "x0.0" not in axis.labelString() and "(m" not in axis.labelString()
    ticks = plots.loss_plot.getAxis("left").tickValues(0.0007, 0.0009, 200)
    assert all(v < 0.01 for _spacing, values in ticks for v in values)


def test_loss_legend_covers_no_point_of_the_epoch_curves(qtbot, window):
    plots = window.training.plots
    click_epochs(qtbot, window, 5)
    qtbot.waitUntil(lambda: plots.point_count("epoch_loss") == 5, timeout=3000)
    for plot, curves in ((plots.loss_plot, (plots.curve_epoch_loss, plots.curve_val_loss)),
                         (plots.accuracy_plot, (plots.curve_epoch_acc, plots.curve_val_acc))):
        plots.tabs.setCurrentWidget(plots.accuracy_plot)
        qtbot.wait(50)
        legend = plot.getPlotItem().legend.sceneBoundingRect()
        vb = plot.getViewBox()
        for curve in curves:
            xs, ys = curve.getData()
            assert len(xs) == 5
            for x, y in zip(xs, ys):
                assert not legend.contains(vb.mapViewToScene(QPointF(x, y))), \
                    (plot.objectName(), x, y)


def test_weight_norm_tab_follows_the_epochs(qtbot, window):
    plots, design = window.training.plots, window.project.design
    click_epochs(qtbot, window, 3)
    qtbot.waitUntil(lambda: len(plots.norm_series()[0]) >= 4, timeout=3000)
    x, norms = plots.norm_series()
    assert x[0] == 0 and x[-1] == pytest.approx(3.0)
    chain = design.chain()
    expected = [np.linalg.norm(design.kernel(a.id, b.id)) for a, b in zip(chain, chain[1:])]
    np.testing.assert_allclose([series[-1] for series in norms], expected)
    assert not np.allclose(norms[0][0], norms[0][-1])  # training moved the weights
    # The hidden Weights tab is not redrawn; shown, its curves get the whole series, one
    # curve per layer.
    assert plots.tabs.currentWidget() is not plots.norms_plot
    bar = plots.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert plots.tabs.currentWidget() is plots.norms_plot
    qtbot.waitUntil(lambda: len(plots.norm_curves[0].getData()[0]) == len(x), timeout=2000)
    np.testing.assert_allclose(plots.norm_curves[1].getData()[1], norms[1])
    # Reset clears the history, and the initial weights start it again.
    qtbot.mouseClick(window.training.panel.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(plots.norm_series()[0]) == 1, timeout=3000)
    np.testing.assert_allclose([s[0] for s in plots.norm_series()[1]],
                               [s[0] for s in norms])


def test_training_panel_fits_380_px_without_a_sideways_scroll_bar(qtbot, window):
    panel = window.training.panel
    window.resizeDocks([panel], [380], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: panel.width() <= 390, timeout=2000)
    scroll = panel.widget()
    body = scroll.widget()
    assert body.minimumSizeHint().width() <= scroll.viewport().width()
    assert not scroll.horizontalScrollBar().isVisible()
    for name in ("stepButton", "batchButton", "epochButton", "trainButton", "resetButton"):
        button = panel.findChild(type(panel.step_button), name)
        assert button.isVisible()
        right = button.mapTo(body, button.rect().topRight()).x()
        assert right <= scroll.viewport().width(), name


def test_the_learning_rate_reads_as_written_and_takes_five_decimals(qtbot, window):
    box = window.training.panel.learning_rate
    window.project.update_training(learning_rate=0.1)
    qtbot.waitUntil(lambda: box.value() == pytest.approx(0.1), timeout=2000)
    assert box.text() == "0.1"
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    box.selectAll()
    qtbot.keyClicks(box, "0.00001")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.value() == pytest.approx(0.00001)
    assert box.text() == "0.00001"
    qtbot.keyClick(box, Qt.Key.Key_Up)  # the arrows climb 1, 2, 5, 10, ...
    assert box.text() == "0.00002"


def test_legends_sit_outside_the_data_area(qtbot, window):
    plots = window.training.plots
    click_epochs(qtbot, window, 2)
    for plot in (plots.loss_plot, plots.accuracy_plot, plots.norms_plot):
        plots.tabs.setCurrentWidget(plot if plot is not plots.loss_plot else plots.accuracy_plot)
        qtbot.waitUntil(lambda plot=plot: plot.isVisible(), timeout=2000)
        legend = plot.getPlotItem().legend
        assert legend.isVisible() and legend.items, plot.objectName()
        data_area = plot.getViewBox().sceneBoundingRect()
        assert not legend.sceneBoundingRect().intersects(data_area), plot.objectName()


def test_numbers_beside_the_plots_are_the_latest_loss_and_accuracy(qtbot, window):
    plots = window.training.plots
    assert plots.loss_readout.objectName() == "lossReadout"
    click_epochs(qtbot, window, 2)
    hist = window.session.stepper.history
    qtbot.waitUntil(lambda: plots.point_count("val_loss") == 2, timeout=3000)
    text = plots.readout_text()
    assert f"Loss: train {hist.epoch_loss[-1]:.4g} · validation {hist.val_loss[-1]:.4g}" in text
    assert f"Accuracy: train {100 * hist.epoch_accuracy[-1]:.1f} % · validation " \
           f"{100 * hist.val_accuracy[-1]:.1f} %" in text
    # Large: half as large again as the window's text.
    assert plots.loss_readout.font().pointSizeF() >= 1.4 * window.font().pointSizeF()
    assert plots.loss_readout.isVisible() and plots.loss_readout.width() > 200
    # Reset: nothing to read yet.
    qtbot.mouseClick(window.training.panel.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Loss: –" in plots.readout_text(), timeout=3000)


def test_the_per_batch_curve_is_a_visible_line_not_a_hairline(window):
    plots = window.training.plots
    for curve in (plots.curve_batch_loss, plots.curve_batch_acc):
        pen = curve.opts["pen"]
        assert pen.widthF() >= 2 and pen.color().alpha() == 255


def test_the_output_map_is_drawn_before_the_first_step(window):
    plots = window.training.plots
    assert window.training.frames >= 1
    assert plots.boundary_image.image is not None
    assert plots.boundary_image.image.shape[0] > 10


def test_the_fitted_curve_is_drawn_over_its_points(make_window, qtbot):
    from nnviz.files.project import Project
    from nnviz.resources import example_path

    win = make_window(Project.load(example_path("sine")), size=(1400, 900))
    plots = win.training.plots
    xs, _ys = plots.fit_curve.getData()
    assert xs is not None and len(xs) > 10  # from the first frame, before any step
    assert plots.fit_curve.zValue() > plots.data_points.zValue()
    assert len(plots.data_points.data) == len(win.session.dataset().x_train)


def test_the_previews_follow_the_data_set_box(qtbot, window):
    panel, plots = window.training.panel, window.training.plots
    combo = panel.dataset_combo
    for name in ("sine", "plane", "circles"):
        combo.setFocus()
        qtbot.waitUntil(combo.hasFocus, timeout=2000)
        target = combo.findText(name)
        while combo.currentIndex() != target:  # the arrow keys choose, as a user does
            key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
            qtbot.keyClick(combo, key)
        qtbot.waitUntil(lambda name=name: window.project.dataset.name == name, timeout=3000)
        data = window.session.dataset()
        px, _py = panel._preview_points.getData()
        np.testing.assert_allclose(px, data.x[:, 0])
        assert len(plots.data_points.data) == len(data.x_train)


@pytest.mark.window(size=(1600, 960))
def test_every_legend_name_is_shown_whole(window, qtbot):
    qtbot.mouseClick(window.training.panel.epoch_button, Qt.MouseButton.LeftButton)
    plots = window.training.plots
    qtbot.waitUntil(lambda: plots.boundary_plot.isVisible() and bool(plots.class_legend.items))
    for plot in (plots.boundary_plot, plots.loss_plot, plots.accuracy_plot):
        legend = plot.getPlotItem().legend
        plot.getPlotItem().layout.activate()
        for _sample, label in legend.items:
            text = label.item.mapRectToScene(label.item.boundingRect())
            shown = plot.mapFromScene(text).boundingRect()
            assert plot.viewport().rect().contains(shown), (plot.objectName(), label.text)
