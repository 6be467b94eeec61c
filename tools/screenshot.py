"""Render the README's screenshot of the window, offscreen: ``python tools/screenshot.py``.

Writes ``docs/screenshot.png`` (light theme) and, with ``--dark``, ``docs/screenshot-dark.png``.
The window opens on the lecture's example exactly as a newcomer sees it; the settings are
read from an empty temporary folder so a developer's saved layout never shows up.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from shots import fresh_settings, save_window, step  # noqa: E402 (tools/ is the script folder)

from ui.app import configure_application_identity  # noqa: E402
from ui.canvas.style import neuron_offsets  # noqa: E402
from ui.theme import default_font  # noqa: E402

WIDTH, HEIGHT = 1600, 960
EPOCHS = 12


def _wait(app_frames: int) -> None:
    for _ in range(app_frames):
        QApplication.processEvents()




def render(path: Path, dark: bool) -> Path:
    """Open the window on the lecture's example, in one theme, and save a picture of it."""
    from ui.main_window import MainWindow

    window = MainWindow()
    window.set_dark(dark)
    window.resize(WIDTH, HEIGHT)
    window.show()
    QApplication.processEvents()
    window.fit_network()
    _wait(app_frames=5)
    # A few epochs of training, then two stages of the next batch, so the plots show a
    # falling loss and the canvas shows values flowing forward, as in a lecture.
    training = window.training
    for _ in range(EPOCHS):
        step(training, "epoch")
    for _ in range(2):
        step(training, "stage")
    # Click the first hidden neuron: the inspector and lecture view show its numbers.
    hidden = next(spec for spec in window.design.layers if spec.kind == "hidden")
    y = hidden.y + float(neuron_offsets(hidden.units)[0])
    point = window.canvas.mapFromScene(QPointF(hidden.x, y))
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    _wait(app_frames=10)
    return save_window(window, path)


def main(argv: list[str] | None = None) -> int:
    """Write the screenshot(s) and print where they went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dark", action="store_true", help="also render the dark theme")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    configure_application_identity()
    with fresh_settings():
        app.setFont(default_font())
        print(render(args.out, dark=False))
        if args.dark:
            print(render(args.out.with_name(args.out.stem + "-dark.png"), dark=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
