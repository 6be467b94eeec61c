"""What every neuron sees (maps on the canvas, one large in the plots) and the loss surface,
driven as a user would: clicks on the canvas, the View action, the dock's buttons, Train."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget

from nnviz.analysis.neuron_maps import DEFAULT_GRID, neuron_maps
from nnviz.document.selection import NeuronSel
from ui.training.worker import input_plane


@pytest.fixture
def win(window, qtbot):
    qtbot.wait(50)  # the first fit of the canvas (posted on show)
    window.canvas.fit()
    return window


def _chain(win):
    return [spec.id for spec in win.design.chain()]


def _click_scene(win, qtbot, point: QPointF):
    view = win.canvas
    with qtbot.waitSignal(win.scene.sig_selection_changed, timeout=2000):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view.mapFromScene(point))


def _neuron_point(win, layer_id, k) -> QPointF:
    item = win.scene.layer_item(layer_id)
    return item.mapToScene(QPointF(0.0, float(item.offsets[k])))


def _line_point(win, src, tgt, i, j, t=0.25) -> QPointF:
    bundle = win.scene.bundle_item(src, tgt)
    r = bundle.boundingRect().adjusted(4, 0, -4, 0)
    ys = win.scene.layer_item(src).neuron_scene_y()[i]
    yt = win.scene.layer_item(tgt).neuron_scene_y()[j]
    return QPointF(r.left() + t * r.width(), ys + t * (yt - ys))


def _image_bytes(item):
    image = item.image()
    return None if image is None else bytes(image.constBits())


def test_every_neuron_shows_its_map_and_a_click_shows_it_large(win, qtbot):
    inp, hidden, out = _chain(win)
    items = win.scene.neuron_map_items()
    assert set(items) == {hidden, out}  # inputs get none
    for layer_id, units in ((hidden, 3), (out, 2)):
        image = items[layer_id].image()
        assert (image.width(), image.height()) == (DEFAULT_GRID, units * DEFAULT_GRID)

    plots = win.training.plots
    assert plots.neuron_map_title is None
    _click_scene(win, qtbot, _neuron_point(win, hidden, 1))
    assert win.scene.selection() == NeuronSel(hidden, 1)
    assert plots.neuron_map_title == "h2 of Hidden 1"
    shown = plots.boundary_image.image
    assert shown.shape[:2] == (DEFAULT_GRID, DEFAULT_GRID)
    # The plot shows this neuron's activation: 0 in the background colour, the peak in the
    # positive (blue) colour, computed here from the model on its own.
    session = win.session
    values = neuron_maps(session.model, input_plane(session.dataset()))[0][:, :, 1]
    bg = np.array(plots._bg_rgb)
    peak = np.unravel_index(np.argmax(np.abs(values)), values.shape)
    assert not np.allclose(shown[peak].astype(float), bg, atol=20)
    if np.any(values == 0):
        zero = np.argwhere(values == 0)[0]
        np.testing.assert_allclose(shown[tuple(zero)].astype(float), bg, atol=1)
    # An input neuron has no map: the plot goes back to the network's output.
    _click_scene(win, qtbot, _neuron_point(win, inp, 0))
    assert plots.neuron_map_title is None
    assert plots.boundary_plot.getPlotItem().titleLabel.text == "Output over the inputs"


def test_the_view_action_switches_the_maps_off_and_on(win, qtbot):
    action = win.findChild(QAction, "actionNeuronMaps")
    assert action is not None and action.isChecked()
    view_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    items = win.scene.neuron_map_items()
    action.trigger()
    assert not action.isChecked() and not win.training.worker.neuron_maps_on
    assert all(item.image() is None for item in items.values())
    action.trigger()
    assert action.isChecked() and win.training.worker.neuron_maps_on
    assert all(item.image() is not None for item in win.scene.neuron_map_items().values())


def test_the_maps_follow_training(win, qtbot):
    _inp, hidden, _out = _chain(win)
    item = win.scene.neuron_map_items()[hidden]
    before = _image_bytes(item)
    panel = win.training.panel
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: _image_bytes(item) not in (before, None), timeout=15000)
        frame = win.training.presenter.frame
        assert frame.neuron_maps is not None and frame.neuron_maps["kind"] == "plane"
    finally:
        if panel.train_button.isChecked():
            qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)


def test_two_connections_fill_the_surface_and_training_moves_the_point(win, qtbot):
    inp, hidden, out = _chain(win)
    dock = win.findChild(QDockWidget, "lossSurfaceDock")
    dock.raise_()
    qtbot.waitUntil(dock.isVisible)
    assert not dock.axis1_button.isEnabled()
    _click_scene(win, qtbot, _line_point(win, inp, hidden, 0, 1))
    assert dock.axis1_button.isEnabled()
    qtbot.mouseClick(dock.axis1_button, Qt.MouseButton.LeftButton)
    _click_scene(win, qtbot, _line_point(win, hidden, out, 2, 0))
    with qtbot.waitSignal(dock.sig_computed, timeout=10000):
        qtbot.mouseClick(dock.axis2_button, Qt.MouseButton.LeftButton)
    alphas, betas, losses = dock.surface
    assert losses.shape == (41, 41) and np.all(np.isfinite(losses))
    assert dock.image.image is not None
    w = win.session.model.get_weights()
    # The dot sits at the two weights' values, and the surface's centre is the model's loss.
    assert dock.current_point() == pytest.approx((w[0][0, 1], w[2][2, 0]))
    data = win.session.dataset()
    assert losses[20, 20] == pytest.approx(win.session.model.evaluate(
        data.x_train, data.y_train, return_dict=True)["loss"])
    assert "h2" in dock.axes_label.text() and "y1" in dock.axes_label.text()

    start = dock.current_point()
    panel = win.training.panel
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: dock.current_point() != pytest.approx(start), timeout=15000)
    finally:
        if panel.train_button.isChecked():
            qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)


def test_principal_directions_draw_the_runs_path(win, qtbot):
    dock = win.findChild(QDockWidget, "lossSurfaceDock")
    dock.raise_()
    for _ in range(3):
        qtbot.mouseClick(win.training.panel.epoch_button, Qt.MouseButton.LeftButton)
    dock.mode_combo.setFocus()
    with qtbot.waitSignal(dock.sig_computed, timeout=10000):
        QTest.keyClick(dock.mode_combo, Qt.Key.Key_Down)
    assert dock.mode() == "pca"
    x, y = dock.path_curve.getData()
    assert len(x) == len(win.session.stepper.snapshots) == 4  # the start and 3 epochs
    # The run ends where the plane is centred: at the current weights.
    assert (x[-1], y[-1]) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert dock.current_point() == pytest.approx((0.0, 0.0), abs=1e-9)
    assert "principal direction 1" in dock.plot.getPlotItem().getAxis("bottom").labelText


def test_the_surface_opens_on_the_two_largest_weights(win, qtbot):
    dock = win.findChild(QDockWidget, "lossSurfaceDock")
    with qtbot.waitSignal(dock.sig_computed, timeout=10000):
        dock.raise_()  # the user opens its tab: nothing to pick first
    inp, hidden, out = _chain(win)
    w = win.session.model.get_weights()
    ranked = sorted(((abs(float(k[i, j])), (ids, i, j)) for ids, k in
                     (((inp, hidden), w[0]), ((hidden, out), w[2]))
                     for i in range(k.shape[0]) for j in range(k.shape[1])), reverse=True)
    assert dock.axes == [(*ids, i, j) for _size, (ids, i, j) in ranked[:2]]
    alphas, betas, losses = dock.surface
    assert losses.shape == (41, 41) and np.all(np.isfinite(losses))
    assert losses.max() > losses.min()  # a surface, not a flat colour
    assert "largest |w|" in dock.axes_label.text()
    # The dot sits on the two weights' values.
    values = [w[2 * _chain(win).index(src)][i, j] for src, _tgt, i, j in dock.axes]
    assert dock.current_point() == pytest.approx(tuple(values))


def test_the_surface_follows_the_dark_theme(win, qtbot):
    from ui.theme import theme_for
    dock = win.findChild(QDockWidget, "lossSurfaceDock")
    win.set_dark(True)
    qtbot.waitUntil(lambda: dock.plot.backgroundBrush().color().name()
                    == theme_for(True).plot_background, timeout=2000)
    win.set_dark(False)
    qtbot.waitUntil(lambda: dock.plot.backgroundBrush().color().name()
                    == theme_for(False).plot_background, timeout=2000)


@pytest.mark.window(size=(1440, 900))  # the window's first-start size
def test_the_surface_fits_its_dock(win, qtbot):
    dock = win.findChild(QDockWidget, "lossSurfaceDock")
    with qtbot.waitSignal(dock.sig_computed, timeout=10000):
        dock.raise_()
    scroll = dock.widget()
    qtbot.waitUntil(lambda: scroll.widget().height() <= scroll.viewport().height())
    assert scroll.verticalScrollBar().maximum() == 0
    bottom = dock.status.mapTo(scroll.viewport(), dock.status.rect().bottomLeft()).y()
    assert bottom <= scroll.viewport().height()  # the status line is in the dock
    assert dock.plot.height() >= 150
