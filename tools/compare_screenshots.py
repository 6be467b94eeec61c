"""Render the comparison and confusion-matrix pictures, offscreen:
``python tools/compare_screenshots.py``.

Writes ``docs/compare.png`` (the lecture's net with a linear output and MSE at learning
rate 0.3, Training > Compare… at ×0.1, ×1 and ×10: the ×10 copy diverges and is marked)
and ``docs/confusion-matrix.png`` (the iris example after 20 epochs: its Confusion Matrix
dock). Both from a 1600x1000 window; settings from an empty temporary folder.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from shots import fresh_settings, save_window  # noqa: E402 (tools/ is the script folder)


def _window(project):
    from ui.main_window import MainWindow

    win = MainWindow(project)
    win.maybe_save = lambda: True  # nothing here is saved
    win.resize(1600, 1000)
    win.show()
    QTest.qWaitForWindowExposed(win)
    QTest.qWait(150)
    return win


def _wait(condition, what: str, ms: int = 60000) -> None:
    for _ in range(ms // 20):
        if condition():
            return
        QTest.qWait(20)
    raise SystemExit(f"Timed out waiting for {what}")


def compare(out: Path) -> None:
    """Three learning rates from the same start; the largest diverges."""
    from nnviz.files.project import Project

    project = Project.lecture_example()
    project.design.set_activation(project.design.chain()[-1].id, "linear")
    project.training.loss = "mean_squared_error"
    project.training.learning_rate = 0.3
    win = _window(project)
    if not win.compare.start():
        raise SystemExit(win.compare.dock.status.text())
    _wait(lambda: not win.compare.running, "the comparison")
    QTest.qWait(50)
    if not win.compare.dock.grab().save(str(out / "compare.png")):
        raise SystemExit("Could not write compare.png")
    save_window(win, out / "compare-window.png").unlink()


def confusion(out: Path) -> None:
    """The iris example after 20 epochs, its Confusion Matrix dock."""
    from nnviz import resources
    from nnviz.files.project import Project

    win = _window(Project.load(resources.example_path("iris")))
    for _ in range(20):
        win.session.step("epoch")
    win.training.presenter.show_now()
    win.confusion.show()
    win.confusion.raise_()
    QTest.qWait(50)
    win.confusion.refresh()
    if not win.confusion.grab().save(str(out / "confusion-matrix.png")):
        raise SystemExit("Could not write confusion-matrix.png")
    save_window(win, out / "confusion-window.png").unlink()


def main() -> None:
    """Write both pictures into docs/."""
    QApplication.instance() or QApplication([])
    out = ROOT / "docs"
    with fresh_settings():
        compare(out)
        confusion(out)
    print(f"wrote {out / 'compare.png'} and {out / 'confusion-matrix.png'}")


if __name__ == "__main__":
    main()
