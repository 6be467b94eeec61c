"""Render the proof-of-export picture, offscreen: ``python tools/export_check_screenshot.py``.

Writes ``docs/export-check.png``: the lecture's example trained a few epochs, exported to
ONNX through the window, and the bottom of the window once the check has run, its status
bar saying how far onnxruntime's predictions are from nnviz's. Settings come from an
empty temporary folder, so a developer's layout never shows up.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from shots import fresh_settings, step  # noqa: E402 (tools/ is the script folder)

WIDTH, HEIGHT = 1600, 1000
#: The strip of the window's bottom kept in the picture (the canvas' lower part, the bar).
STRIP = 260


def main(argv=None) -> int:
    """Write the picture into ``--out`` and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "export-check.png")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    from ui.main_window import MainWindow

    with fresh_settings(), tempfile.TemporaryDirectory() as folder:
        window = MainWindow()
        window.maybe_save = lambda: True
        window.resize(WIDTH, HEIGHT)
        window.show()
        QTest.qWaitForWindowExposed(window)
        window.fit_network()
        for _ in range(5):
            step(window.training, "epoch")
        proof = window.files.proof
        if not window.export_weights(str(Path(folder) / "lecture.onnx")):
            raise SystemExit("the export failed")
        for _ in range(600):  # onnxruntime loads in a second or two
            QTest.qWait(50)
            if proof.last is not None:
                break
        if proof.last is None or not proof.last.checked:
            raise SystemExit(f"no check: {proof.last}")
        QTest.qWait(100)
        image = window.grab()
        strip = image.copy(QRect(0, image.height() - STRIP, image.width(), STRIP))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        strip.save(str(args.out))
        window.shutdown()
        window.hide()
        window.deleteLater()
        app.processEvents()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
