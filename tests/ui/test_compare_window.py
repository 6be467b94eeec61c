"""Training > Compare…: the menu, the dialog, the overlaid curves, divergence, cancel, close."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from nnviz.files.project import Project
from nnviz.session.session import Session
from tests.engine.test_compare import diverging_lecture_project

pytestmark = pytest.mark.window(size=(1400, 900))


def click(qtbot, widget, pos=None):
    if pos is None:
        pos = widget.rect().center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def open_compare_dialog(qtbot, window):
    """Training > Compare… with the mouse: the menu bar's title, then the menu's entry."""
    bar = window.menuBar()
    menu = window.findChild(QMenu, "trainingMenu")
    click(qtbot, bar, bar.actionGeometry(menu.menuAction()).center())
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    click(qtbot, menu, menu.actionGeometry(window.compare_action).center())
    qtbot.waitUntil(lambda: window.compare.dialog is not None
                    and window.compare.dialog.isVisible(), timeout=3000)
    return window.compare.dialog


def compare_with_clicks(qtbot, window, timeout=60000):
    dialog = open_compare_dialog(qtbot, window)
    with qtbot.waitSignal(window.compare.sig_finished, timeout=timeout) as done:
        click(qtbot, dialog.start_button)
    return done.args[0]


def legend_names(plot):
    return [label.text for _sample, label in plot.getPlotItem().legend.items]


def test_compare_overlays_three_curves_named_by_their_rates(qtbot, window):
    dialog = open_compare_dialog(qtbot, window)
    assert dialog.rates.text() == "Trains: lr 0.01 · lr 0.1 · lr 1"
    with qtbot.waitSignal(window.compare.sig_finished, timeout=60000) as done:
        click(qtbot, dialog.start_button)
    assert done.args == [True]
    dock = window.compare.dock
    assert dock.isVisible()
    assert legend_names(dock.plot) == ["lr 0.01", "lr 0.1", "lr 1"]
    # The x1 curve is the normal training run, bit for bit (a session of its own here).
    normal = Session(Project.lecture_example())
    normal.train()
    x, y = dock.curve_data("lr 0.1")
    assert list(x) == list(range(1, 51))
    assert list(y) == normal.history.epoch_loss
    for label in ("lr 0.01", "lr 1"):
        assert list(dock.curve_data(label)[1]) != normal.history.epoch_loss
    assert dock.status.text() == "Done: 3 copies, 50 epochs each."
    assert not dock.markers
    # The window's own run was not touched: nothing trained, nothing to undo.
    assert window.session.stepper.epoch == 0
    assert not window.undo_stack.can_undo


def test_a_diverging_copy_is_marked_where_and_why(qtbot, make_window):
    window = make_window(diverging_lecture_project(), size=(1400, 900))
    assert compare_with_clicks(qtbot, window) is True
    dock = window.compare.dock
    assert legend_names(dock.plot) == ["lr 0.03", "lr 0.3", "lr 3"]
    assert list(dock.markers) == ["lr 3"]
    symbol, line, text = dock.markers["lr 3"]
    assert line.value() == 12  # its last finite epoch
    assert symbol.getOriginalDataset()[0].tolist() == [12]
    note = "lr 3: diverged at epoch 13: the loss became infinite"
    assert text.toPlainText() == note
    assert note + "." in dock.status.text()
    assert len(dock.curve_data("lr 3")[0]) == 12
    assert len(dock.curve_data("lr 0.3")[0]) == 50


def test_the_dialog_says_what_it_will_train_and_refuses_bad_factors(qtbot, window):
    dialog = open_compare_dialog(qtbot, window)
    dialog.factors.selectAll()
    qtbot.keyClicks(dialog.factors, "×1, ×ten")
    assert not dialog.start_button.isEnabled()
    assert "“×ten” is not a factor" in dialog.rates.text()
    dialog.factors.selectAll()
    qtbot.keyClicks(dialog.factors, "1 3")
    click(qtbot, dialog.optimizer_boxes["adam"])
    assert dialog.start_button.isEnabled()
    assert dialog.rates.text() == "Trains: SGD, lr 0.1 · SGD, lr 0.3 · Adam, lr 0.01"
    with qtbot.waitSignal(window.compare.sig_finished, timeout=60000):
        click(qtbot, dialog.start_button)
    assert legend_names(window.compare.dock.plot) == ["SGD, lr 0.1", "SGD, lr 0.3",
                                                      "Adam, lr 0.01"]


def long_project(epochs=100_000):
    project = Project.lecture_example()
    project.training.epochs = epochs
    return project


def test_cancel_keeps_the_curves_so_far_and_ends_the_thread(qtbot, make_window):
    window = make_window(long_project())
    dialog = open_compare_dialog(qtbot, window)
    click(qtbot, dialog.start_button)
    compare = window.compare
    thread = compare._thread
    dock = compare.dock
    qtbot.waitUntil(lambda: "lr 1" in dock.curves
                    and len(dock.curve_data("lr 1")[0]) >= 3, timeout=20000)
    assert not window.compare_action.isEnabled()  # one comparison at a time
    with qtbot.waitSignal(compare.sig_finished, timeout=20000) as done:
        click(qtbot, dock.cancel_button)
    assert done.args == [False]
    assert thread.isFinished() and not compare.running
    assert dock.status.text().startswith("Cancelled after epoch ")
    assert len(dock.curve_data("lr 1")[0]) >= 3
    assert window.compare_action.isEnabled()


def test_closing_the_window_mid_compare_loses_nothing_and_leaves_no_thread(qtbot, make_window):
    window = make_window(long_project())
    before = [w.copy() for w in window.session.model.get_weights()]
    dialog = open_compare_dialog(qtbot, window)
    click(qtbot, dialog.start_button)
    compare = window.compare
    thread = compare._thread
    qtbot.waitUntil(lambda: len(compare.dock.curves) == 3, timeout=20000)
    assert thread.isRunning()
    # The user's document is as it was: the comparison trains copies only.
    assert all(np.array_equal(a, b) for a, b in zip(window.session.model.get_weights(),
                                                     before))
    assert not window.is_modified()
    window.close()
    assert thread.isFinished()


def test_the_loss_surface_shows_each_copy_s_path_in_its_curve_s_colour(qtbot, window):
    assert compare_with_clicks(qtbot, window) is True
    surface = window.loss_surface
    surface.show()
    surface.raise_()
    with qtbot.waitSignal(surface.sig_computed, timeout=10000):
        click(qtbot, surface.recompute_button)
    paths = window.compare.path_curves()
    assert len(paths) == 3
    for path, curve in zip(paths, window.compare.dock.curves.values()):
        assert path.opts["pen"].color() == curve.opts["pen"].color()
        assert path in surface.plot.getPlotItem().items
        assert len(path.getData()[0]) == 51  # the start and every epoch
    # Every path starts where the run started: one point for all.
    starts = {tuple(np.round([p.getData()[0][0], p.getData()[1][0]], 9)) for p in paths}
    assert len(starts) == 1
    click(qtbot, window.compare.dock.show_paths)
    assert window.compare.path_curves() == []
    assert not any(p in surface.plot.getPlotItem().items for p in paths)


def test_a_comparison_that_fails_says_why_and_frees_the_action(qtbot, window, monkeypatch):
    from nnviz.analysis import compare

    def no_room(self, should_stop=None, progress=None):
        raise MemoryError("no room for the copies")

    monkeypatch.setattr(compare.Comparison, "run", no_room)
    assert compare_with_clicks(qtbot, window) is False
    assert window.compare.dock.status.text() == \
        "The comparison stopped: no room for the copies"
    assert window.compare_action.isEnabled() and not window.compare.running
