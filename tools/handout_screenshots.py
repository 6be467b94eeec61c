"""Render the handout page and the loss surface pictures, offscreen:
``python tools/handout_screenshots.py``.

Writes ``docs/handout-page.png`` (the lecture example's handout page of the backward pass
through the hidden layer, as the PDF lays it out, after one batch of training) and
``docs/loss-surface.png`` (the XOR example after 100 epochs in a 1500x950 window, its
Loss Surface tab as it opens: over the two largest weights, with the run's path).
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

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget  # noqa: E402
from shots import fresh_settings, save_window  # noqa: E402 (tools/ is the script folder)


def handout_page(out: Path) -> None:
    """The handout's page of the hidden layer's backward pass, after one batch."""
    from nnviz.files.project import Project
    from nnviz.session.session import Session
    from ui.handout import render_page

    session = Session(Project.lecture_example())
    if not session.ensure_run():
        raise SystemExit(session.problem)
    session.step("batch")
    render_page(session, "Backward: hidden layer 1", out / "handout-page.png",
                "Lecture example")


def loss_surface(app, out: Path) -> None:
    """The XOR example trained 100 epochs; the Loss Surface tab as it opens."""
    from nnviz.files.project import Project
    from ui.main_window import MainWindow

    project = Project.load(ROOT / "nnviz" / "resources" / "examples" / "xor.nnviz")
    win = MainWindow(project)
    win.maybe_save = lambda: True  # the trained run is not saved
    win.resize(1500, 950)
    win.show()
    QTest.qWaitForWindowExposed(win)
    QTest.qWait(150)
    for _ in range(100):
        win.session.step("epoch")
    dock = win.findChild(QDockWidget, "lossSurfaceDock")
    dock.raise_()
    for _ in range(500):  # the surface is computed on a worker thread
        QTest.qWait(10)
        if dock.surface is not None:
            break
    else:
        raise SystemExit(f"No loss surface: {dock.status.text()}")
    QTest.qWait(200)
    app.processEvents()
    save_window(win, out / "loss-surface.png")


def main(argv=None) -> int:
    """Render the pictures into ``--out`` (docs/ by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    app = QApplication.instance() or QApplication([])
    with fresh_settings():
        handout_page(out)
        loss_surface(app, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
