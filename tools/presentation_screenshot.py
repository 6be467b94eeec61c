"""Render presentation mode as a projector shows it, offscreen.

``python tools/presentation_screenshot.py [--size 1920x1080] [--out PATH]`` writes
``docs/screenshot-presentation.png``: the lecture's example after a few epochs, in
presentation mode, weights written on the lines, stopped at a backward stage so the lines
carry their gradients dL/dw. ``--predict`` turns on "predict then reveal" first: the
picture shows that stage waiting for its reveal, its question across the top.
Settings come from an empty temporary folder.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402
from shots import fresh_settings, save_window, step  # noqa: E402 (tools/ is the script folder)

from ui.app import configure_application_identity  # noqa: E402
from ui.theme import default_font  # noqa: E402


def _settle(frames: int = 8) -> None:
    for _ in range(frames):
        QApplication.processEvents()




def render(path: Path, width: int, height: int, predict: bool = False) -> Path:
    """Presentation mode at ``width`` x ``height``, at the first backward stage (with
    ``predict``: its results hidden behind its question)."""
    from ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1300, 850)
    window.show()
    _settle()
    training = window.training
    for _ in range(3):
        step(training, "epoch")
    training.set_presentation_mode(True)
    _settle()
    # The offscreen screen is small: give the window the projector's size.
    window.resize(width, height)
    _settle()
    window.show_weights_action.trigger()
    if predict:
        window.predict_action.trigger()
        _settle()
    # forward, forward, loss, backward (output layer); predicting, each stage but the
    # last is revealed by a second Step.
    for _ in range(7 if predict else 4):
        step(training, "stage")
    _settle(12)
    return save_window(window, path)


def main(argv: list[str] | None = None) -> int:
    """Parse the size and the output path, render, print the path."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot-presentation.png"))
    parser.add_argument("--predict", action="store_true",
                        help="predict then reveal: the stage waits for its reveal")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    app = QApplication.instance() or QApplication([])
    configure_application_identity()
    with fresh_settings():
        app.setFont(default_font())
        print(render(Path(args.out), width, height, predict=args.predict))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
