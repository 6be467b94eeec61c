"""Render the lecture view's pictures, offscreen: ``python tools/lecture_screenshots.py``.

Writes ``docs/backprop.png`` (the lecture's example at 1600x1000 stepped to the backward
pass through the hidden layer: the chain rule with its numbers), ``docs/chain-rule.png``
(then the line x2→h3 clicked: its paths lit, the Chain rule tab listing their factors),
``docs/presentation.png`` (the same stage in presentation mode at 1920x1080) and
``docs/predict.png`` (predict then reveal at 1600x1000: the update waiting for its reveal,
its question over the canvas, "?" on the changed weights).
Settings come from an empty temporary folder, so a developer's layout never shows up.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from shots import fresh_settings  # noqa: E402 (tools/ is the script folder)


def settle(app, ms: int = 150) -> None:
    """Let posted events, timers and layouts run for ``ms`` milliseconds."""
    QTest.qWait(ms)
    app.processEvents()


def step_to(app, win, label: str, key=Qt.Key.Key_Space) -> None:
    """Press the step key until the stage ``label`` has been done."""
    ctl = win.training
    for _ in range(12):
        before = ctl.frames
        QTest.keyClick(win, key)
        for _ in range(300):
            app.processEvents()
            QTest.qWait(5)
            if ctl.frames > before and not ctl.snapshot.running:
                break
        trace = ctl.snapshot.trace
        if trace is not None and trace.stage.label == label:
            return
    raise RuntimeError(f"never reached {label!r}")


def window(app, size):
    """A shown, active window on the lecture's example."""
    from nnviz.files.project import Project
    from ui.main_window import MainWindow

    win = MainWindow(Project.lecture_example())
    win.maybe_save = lambda: True  # closing never asks about the stepped, unsaved run
    win.resize(*size)
    win.show()
    QTest.qWaitForWindowExposed(win)
    win.activateWindow()
    settle(app)
    return win


def click_line(app, win, src: int, tgt: int, i: int, j: int) -> None:
    """Click the line from neuron ``i`` of layer ``src`` to ``j`` of ``tgt`` (chain order)."""
    from PySide6.QtCore import QPointF

    ids = win.training.layer_ids
    scene = win.scene
    rect = scene.bundle_item(ids[src], ids[tgt]).boundingRect().adjusted(4, 0, -4, 0)
    y0 = scene.layer_item(ids[src]).neuron_scene_y()[i]
    y1 = scene.layer_item(ids[tgt]).neuron_scene_y()[j]
    point = QPointF(rect.left() + 0.25 * rect.width(), y0 + 0.25 * (y1 - y0))
    QTest.mouseClick(win.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=win.canvas.mapFromScene(point))
    settle(app, 300)


def main(argv=None) -> int:
    """Render the pictures into ``--out`` (docs/ by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    app = QApplication.instance() or QApplication([])
    with fresh_settings():

        win = window(app, (1600, 1000))
        win.fit_network()
        win.resizeDocks([win.training.lecture], [560], Qt.Orientation.Horizontal)
        step_to(app, win, "Backward: hidden layer 1")
        settle(app)
        win.grab().save(str(out / "backprop.png"))
        # The chain rule of one weight, clicked on the canvas: its paths lit, its factors.
        click_line(app, win, 0, 1, 1, 2)
        win.grab().save(str(out / "chain-rule.png"))
        win.training.shutdown()
        win.close()

        win = window(app, (1920, 1080))
        QTest.keyClick(win, Qt.Key.Key_F11)
        settle(app)
        # The offscreen screen is small; a projector's is the window at 1920x1080.
        win.showNormal()
        win.resize(1920, 1080)
        settle(app, 300)
        step_to(app, win, "Backward: hidden layer 1", key=Qt.Key.Key_PageDown)
        settle(app, 300)
        win.grab().save(str(out / "presentation.png"))
        win.training.shutdown()
        win.close()

        win = window(app, (1600, 1000))
        win.fit_network()
        win.resizeDocks([win.training.lecture], [560], Qt.Orientation.Horizontal)
        win.show_weights_action.trigger()
        win.predict_action.trigger()  # Training > Predict then Reveal
        settle(app)
        step_to(app, win, next(s.label for s in win.session.stepper.stages
                               if s.kind == "update"))
        settle(app)
        win.grab().save(str(out / "predict.png"))
        win.training.shutdown()
        win.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
