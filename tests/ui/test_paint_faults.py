"""Issue 19.4: a fault inside a canvas paint never kills the process.

A paint (or ``boundingRect``) that raised inside the canvas's paint pass killed the
process with SIGSEGV when two items failed in one pass: PySide keeps the first exception
pending inside the view's Python ``viewportEvent`` and the second one crashes. File > Open
rebuilds the scene and paints every item at once, so a fault shared by all items (memory
running out on a big design, a deprecation warning turned into an error) crashed there,
while the same fault in one item during a Step was reported. Every paint, boundingRect and
shape of the canvas is now guarded (:func:`ui.errors.guarded`): reported once, nothing
drawn, the window alive.

The crash itself is reproduced in a child process, so the old code fails the test instead
of taking pytest down with it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nnviz.files.project import Project

ROOT = Path(__file__).resolve().parents[2]

# The app as main.py starts it (its excepthook installed), with one helper of the canvas's
# paint code failing for every item; File > Open is triggered from the menu action with
# the file dialog answered. Prints what it saw as one JSON line.
_OPEN_WITH_FAILING_PAINT = r"""
import json, os, sys
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog
app = QApplication([])
QCoreApplication.setOrganizationName("nnviz-tests")
QCoreApplication.setApplicationName("nnviz-tests")
for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(fmt, scope, sys.argv[3])
from ui.errors import install_excepthook
reporter = install_excepthook()
from ui import canvas
from ui.main_window import MainWindow
win = MainWindow()
win.resize(1300, 850)
win.show()
for _ in range(10):
    app.processEvents()
cls, name = sys.argv[2].split(".")
def fail(*args, **kwargs):
    raise MemoryError("out of memory while painting (deliberate)")
setattr(getattr(canvas, cls), name, fail)
QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (sys.argv[1], ""))
win.maybe_save = lambda: True
win.open_action.trigger()
for _ in range(50):
    app.processEvents()
    if reporter.box is not None and reporter.box.isVisible():
        break
result = {"path": win.project.path, "reported": [type(e).__name__ for e in reporter.reported],
          "box": reporter.box is not None and reporter.box.isVisible(),
          "visible": win.isVisible(), "grab": not win.grab().isNull()}
win.training.shutdown()
print(json.dumps(result), flush=True)
"""


@pytest.mark.parametrize("paint_helper", ["LayerItem.card_rect", "NeuronItems._fill_argb",
                                          "ConnectionBundleItem._paint_lines"])
def test_file_open_with_a_paint_failing_in_every_item_reports_and_lives(tmp_path, paint_helper,
                                                                       isolated_settings):
    """A fault in every item's paint during File > Open: reported in the box, no SIGSEGV.

    ``LayerItem.card_rect`` feeds the cards' paint, boundingRect and shape; the neurons'
    fill colours and the bundles' lines are each called from one paint only.
    """
    path = tmp_path / "net.nnviz"
    Project.lecture_example().save(path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", _OPEN_WITH_FAILING_PAINT, str(path), paint_helper,
         str(isolated_settings)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.returncode, result.stderr[-3000:])
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["path"] == str(path)  # the file was opened
    assert seen["reported"] and set(seen["reported"]) == {"MemoryError"}
    assert seen["box"] and seen["visible"] and seen["grab"]
    # The traceback is on stderr once, not once per item and frame.
    assert result.stderr.count("out of memory while painting (deliberate)") >= 1
    assert result.stderr.count("Traceback") <= 3  # paint, boundingRect, shape at most


@pytest.mark.qt_no_exception_capture
def test_a_paint_failing_every_frame_is_one_box_and_one_traceback(make_window, qtbot,
                                                                 monkeypatch, capsys):
    """Open and Step with every neuron column failing to paint: the window lives, draws the
    rest, and the box counts the failures while stderr holds one traceback."""
    from ui.canvas import NeuronItems
    from ui.errors import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    reporter = install_excepthook()
    win = make_window()

    def fail(self):
        raise MemoryError("no memory for the fill colours (deliberate)")

    with pytest.MonkeyPatch.context() as patch:  # undone at the block's end, not by del
        patch.setattr(NeuronItems, "_fill_argb", fail)
        for layer in win.scene.layer_items():
            layer.neurons.update()  # their cached images are stale: painted again
        win.grab()  # every column of neurons fails in this one paint pass
        assert reporter.reported and isinstance(reporter.reported[-1], MemoryError)
        before = len(reporter.reported)
        ctl = win.training
        frames = ctl.frames
        win.canvas.setFocus()
        QTest.keyClick(win.canvas, Qt.Key.Key_PageDown)  # Step: painted again, fails again
        qtbot.waitUntil(lambda: ctl.frames > frames, timeout=3000)
        win.grab()
        assert len(reporter.reported) > before
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible(), timeout=3000)
    assert "times" in reporter.box.text()
    err = capsys.readouterr().err
    assert err.count("Traceback") == 1 and "MemoryError: no memory for the fill" in err, err
    assert win.isVisible() and not win.grab().isNull()
    reporter.box.close()


def test_guarded_geometry_returns_an_empty_rect_and_path(qtbot, monkeypatch):
    """A boundingRect or shape that fails gives Qt an empty rect or path, not an exception."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainterPath

    from ui.errors import guarded

    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: seen.append(info[1]))

    class Broken:
        @guarded(QRectF)
        def boundingRect(self):  # noqa: N802
            raise ZeroDivisionError("deliberate")

        @guarded(QPainterPath)
        def shape(self):
            return 1 / 0

    assert Broken().boundingRect() == QRectF()
    assert Broken().shape().isEmpty()
    assert [type(e) for e in seen] == [ZeroDivisionError, ZeroDivisionError]


def test_a_right_to_left_bundle_density_needs_no_deprecated_qt_call(qapp):
    """The density image of a bundle drawn right to left is the mirror of the left-to-right
    one, made without ``QImage.mirrored`` (a DeprecationWarning in PySide6 6.9+, an error
    when warnings are errors)."""
    from ui.canvas import ConnectionBundleItem, style

    colors = style.colors_for(False)
    weights = np.random.default_rng(3).normal(size=(40, 30))
    ys, yt = np.linspace(-200, 200, 40), np.linspace(-150, 150, 30)
    images = []
    for x0, x1 in ((0.0, 500.0), (500.0, 0.0)):
        bundle = ConnectionBundleItem("a", "b", colors)
        bundle.set_geometry(x0, ys, x1, yt)
        bundle.set_values(weights)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            image, target = bundle._density_image()
        images.append(image)
        assert target.left() == 0.0 and target.right() == 500.0
    left, right = images
    assert left.size() == right.size()
    width = left.width()
    assert any(left.pixel(c, r) != left.pixel(width - 1 - c, r)
               for c in range(width) for r in range(0, left.height(), 8))  # not symmetric
    for r in range(0, left.height(), 4):
        for c in range(width):
            assert right.pixel(c, r) == left.pixel(width - 1 - c, r)
