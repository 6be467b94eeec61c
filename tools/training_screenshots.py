"""Render the pictures of training, offscreen: ``python tools/training_screenshots.py``.

Writes ``docs/stepping.png`` (the lecture's example stepped to the loss, a hidden neuron's
formula filled in) and ``docs/training.png`` (40 epochs trained, then one more batch stepped
to its update, a connection's gradient and SGD update in the lecture view). ``--dark``
renders both in the dark theme too (``*-dark.png``); ``--checks DIR`` also writes the
pictures a reviewer looks at before changing the training docks: the weight-norm tab, an
8-input neuron in a narrow lecture view, presentation-size text, the panel at 380 px.
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

from PySide6.QtCore import (  # noqa: E402
    QPointF,
    Qt,
)
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from shots import fresh_settings, step  # noqa: E402 (tools/ is the script folder)

from ui.app import configure_application_identity  # noqa: E402
from ui.theme import default_font  # noqa: E402

WIDTH, HEIGHT = 1600, 1000


def settle(frames: int = 10) -> None:
    """Let Qt handle pending events (layouts, paints, the plots' delayed redraws)."""
    for _ in range(frames):
        QApplication.processEvents()
    QTest.qWait(300)  # the weight-norm curves redraw at most every 250 ms
    QApplication.processEvents()




def click_neuron(window, layer_index: int, neuron: int) -> None:
    """Click neuron ``neuron`` of the ``layer_index``-th layer of the chain on the canvas."""
    spec = window.design.chain()[layer_index]
    item = window.scene.layer_item(spec.id)
    point = window.canvas.mapFromScene(item.mapToScene(QPointF(0, item.offsets[neuron])))
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)


def click_connection(window, layer_index: int, i: int, j: int) -> None:
    """Click the line from neuron ``i`` of a layer to neuron ``j`` of the next, near its start."""
    chain = window.design.chain()
    src, tgt = chain[layer_index].id, chain[layer_index + 1].id
    scene = window.scene
    rect = scene.bundle_item(src, tgt).boundingRect().adjusted(4, 0, -4, 0)
    y0 = scene.layer_item(src).neuron_scene_y()[i]
    y1 = scene.layer_item(tgt).neuron_scene_y()[j]
    t = 0.25  # a quarter of the way along, where the lines are still apart
    point = QPointF(rect.left() + t * rect.width(), y0 + t * (y1 - y0))
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.canvas.mapFromScene(point))


def open_window(dark: bool, project=None):
    """A window on ``project`` (the lecture's example by default) in one theme, shown."""
    from ui.main_window import MainWindow

    window = MainWindow(project)
    window.set_dark(dark)
    window.resize(WIDTH, HEIGHT)
    window.show()
    settle()
    window.fit_network()
    settle()
    return window


def save(widget, path: Path) -> Path:
    """Grab ``widget`` into ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"Could not write {path}")
    return path


def close(window) -> None:
    """Stop training and drop the window (not close(): nobody answers "save changes?")."""
    window.shutdown()
    window.hide()
    window.deleteLater()
    QApplication.processEvents()


def stepping(path: Path, dark: bool) -> Path:
    """The lecture's example stepped to its loss, neuron 1 of the hidden layer selected."""
    window = open_window(dark)
    step(window.training, "stage", 3)  # forward hidden, forward output, loss
    click_neuron(window, 1, 0)
    settle()
    out = save(window, path)
    close(window)
    return out


def training(path: Path, dark: bool) -> Path:
    """40 epochs, then a batch stepped to its update; connection h3 -> y1 selected."""
    window = open_window(dark)
    step(window.training, "epoch", 40)
    step(window.training, "stage", 6)  # forward x2, loss, backward x2, update
    click_connection(window, 1, 2, 0)
    # The click brings the weight's Chain rule tab forward (docs/chain-rule.png shows it);
    # this picture shows the Lecture view's SGD update of the same weight.
    window.training.lecture.raise_()
    settle()
    out = save(window, path)
    close(window)
    return out


def checks(folder: Path, dark: bool) -> list[Path]:
    """Pictures to review the training docks by (not for the README)."""
    from nnviz.files.project import Project

    suffix = "-dark" if dark else ""
    out = []
    window = open_window(dark, Project.load(str(ROOT / "nnviz/resources/examples/iris.nnviz")))
    step(window.training, "epoch", 15)
    step(window.training, "stage", 2)
    click_neuron(window, 2, 0)  # an output neuron: 8 inputs
    window.training.plots.tabs.setCurrentWidget(window.training.plots.norms_plot)
    window.resizeDocks([window.training.panel], [380], Qt.Orientation.Horizontal)
    settle()
    out.append(save(window, folder / f"iris-8-inputs{suffix}.png"))
    out.append(save(window.training.lecture, folder / f"lecture{suffix}.png"))
    out.append(save(window.training.panel, folder / f"panel-380{suffix}.png"))
    out.append(save(window.training.plots, folder / f"plots{suffix}.png"))
    window.training.lecture.set_font_scale(1.7)
    settle()
    out.append(save(window.training.lecture, folder / f"lecture-1.7{suffix}.png"))
    close(window)
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the pictures and print where they went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dark", action="store_true", help="also render the dark theme")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--checks", type=Path, default=None,
                        help="also write review pictures into this folder")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    configure_application_identity()
    with fresh_settings():
        app.setFont(default_font())
        for dark in ((False, True) if args.dark else (False,)):
            suffix = "-dark" if dark else ""
            print(stepping(args.out / f"stepping{suffix}.png", dark))
            print(training(args.out / f"training{suffix}.png", dark))
            if args.checks is not None:
                for path in checks(args.checks, dark):
                    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
