"""The GUI monkey (issue 10): random actions for a while must never raise, warn or crash.

Random actions from the menus, the keys (Space, PageDown, Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y,
Delete, Ctrl+E, Ctrl+Space), the training panel (buttons clicked, spin boxes and combos
driven by the keyboard), and the canvas (clicks and drags), with every dialog answered
automatically (message boxes, file dialogs to temporary paths). Training runs part of the
time. The seed is fixed; the duration is ``NNVIZ_MONKEY_SECONDS`` (10 by default, so the suite stays fast; run
``benchmarks/monkey.py`` for a longer walk).

It fails on any exception (pytest-qt reports exceptions raised inside Qt virtuals and
slots), on a Qt warning about items removed from a scene, and of course on a crash.
"""
from __future__ import annotations

import os
import random
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMenu,
    QMessageBox,
    QPushButton,
)

from nnviz.files.project import Project

SECONDS = float(os.environ.get("NNVIZ_MONKEY_SECONDS", "10"))
SEED = int(os.environ.get("NNVIZ_MONKEY_SEED", "20240610"))
Ctrl, Shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
NoMod = Qt.KeyboardModifier.NoModifier
KEYS = [
    (Qt.Key.Key_Space, NoMod), (Qt.Key.Key_PageDown, NoMod), (Qt.Key.Key_Z, Ctrl),
    (Qt.Key.Key_Z, Ctrl | Shift), (Qt.Key.Key_Y, Ctrl), (Qt.Key.Key_Delete, NoMod),
    (Qt.Key.Key_E, Ctrl), (Qt.Key.Key_Space, Ctrl),
]
#: Menu entries the monkey leaves alone: they end the walk (the window closes).
SKIPPED_ACTIONS = {"actionQuit"}
#: Qt's words for an item used after it left its scene.
BAD_MESSAGES = ("removeItem", "item's scene", "different from this scene",
                "QGraphicsScene::addItem", "already in this scene")


def write_csv(path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 2))
    lines = ["a,b,label"] + [f"{a:.3f},{b:.3f},{int(a * b > 0)}" for a, b in x]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def answered(monkeypatch, tmp_path):
    """Every dialog answered at once; what was shown is logged."""
    rng = random.Random(SEED + 1)
    log = {"boxes": 0, "files": 0}
    project = tmp_path / "monkey.nnviz"
    Project.lecture_example().save(project)
    csv = write_csv(tmp_path / "monkey.csv")
    Btn = QMessageBox.StandardButton

    def box_exec(box):
        log["boxes"] += 1
        if box.objectName() == "unsavedChangesDialog":
            return rng.choice([Btn.Save, Btn.Discard, Btn.Cancel])
        return Btn.Ok

    def open_name(*_a, **_k):
        log["files"] += 1
        return rng.choice([str(project), csv, ""]), ""

    def save_name(_parent, _caption, start="", *_a, **_k):
        log["files"] += 1
        suffix = os.path.splitext(str(start))[1] or ".nnviz"
        return rng.choice([str(tmp_path / f"out{rng.randint(0, 3)}{suffix}"), ""]), ""

    monkeypatch.setattr(QMessageBox, "exec", box_exec)
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a: None))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: Btn.Discard))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: Btn.Ok))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: Btn.Ok))
    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    monkeypatch.setattr(QMenu, "exec", lambda *a, **k: None)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_name))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    slides = tmp_path / "slides"
    slides.mkdir()

    def folder_name(*_a, **_k):
        log["files"] += 1
        return rng.choice([str(slides), ""])

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(folder_name))
    return log


class Monkey:
    """Random user actions on one window (see the module's text)."""

    def __init__(self, qtbot, window, rng: random.Random):
        self.qtbot, self.window, self.rng = qtbot, window, rng
        self.actions = 0
        self.counts: dict[str, int] = {}

    def act(self) -> None:
        """One random action."""
        kind = self.rng.choices(
            ["key", "menu", "button", "spin", "combo", "click", "drag", "wait"],
            weights=[6, 3, 4, 3, 2, 4, 3, 1])[0]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        getattr(self, kind)()
        self.actions += 1
        QTest.qWait(self.rng.choice([0, 1, 5, 20]))

    def key(self) -> None:
        key, mods = self.rng.choice(KEYS)
        if self.rng.random() < 0.7:
            self.window.canvas.setFocus()
        QTest.keyClick(self.window, key, mods)

    def _menu_actions(self) -> list[QAction]:
        """The entries of the window's menu bar, submenus included."""
        out, todo = [], list(self.window.menuBar().actions())
        while todo:
            action = todo.pop()
            if action.menu() is not None:
                todo.extend(action.menu().actions())
            elif not action.isSeparator() and action.text():
                out.append(action)
        return out

    def menu(self) -> None:
        actions = [a for a in self._menu_actions()
                   if a.isEnabled() and a.objectName() not in SKIPPED_ACTIONS]
        if actions:
            self.rng.choice(actions).trigger()

    def _panel_widgets(self, kind):
        panel = self.window.training.panel
        return [w for w in panel.findChildren(kind) if w.isEnabled() and w.isVisible()]

    def button(self) -> None:
        buttons = self._panel_widgets(QPushButton)
        if buttons:
            QTest.mouseClick(self.rng.choice(buttons), Qt.MouseButton.LeftButton)

    def spin(self) -> None:
        spins = self._panel_widgets(QAbstractSpinBox)
        if not spins:
            return
        spin = self.rng.choice(spins)
        spin.setFocus()
        if self.rng.random() < 0.5:
            key = self.rng.choice([Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                                   Qt.Key.Key_PageDown])
            QTest.keyClick(spin, key)
        else:
            spin.selectAll()
            QTest.keyClicks(spin, self.rng.choice(["0", "1", "3", "0.5", "64", "200", "1e-3"]))
            QTest.keyClick(spin, Qt.Key.Key_Return)

    def combo(self) -> None:
        combos = self._panel_widgets(QComboBox)
        if combos:
            combo = self.rng.choice(combos)
            combo.setFocus()
            QTest.keyClick(combo, self.rng.choice([Qt.Key.Key_Up, Qt.Key.Key_Down]))

    def _point(self) -> QPoint:
        vp = self.window.canvas.viewport()
        return QPoint(self.rng.randrange(max(1, vp.width())), self.rng.randrange(max(1, vp.height())))

    def click(self) -> None:
        vp = self.window.canvas.viewport()
        button = Qt.MouseButton.LeftButton
        if self.rng.random() < 0.2:
            QTest.mouseDClick(vp, button, NoMod, self._point())
        else:
            QTest.mouseClick(vp, button, self.rng.choice([NoMod, Shift, Ctrl]), self._point())

    def drag(self) -> None:
        vp = self.window.canvas.viewport()
        a, b = self._point(), self._point()
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, NoMod, a)
        for t in (0.33, 0.66, 1.0):
            QTest.mouseMove(vp, QPoint(int(a.x() + (b.x() - a.x()) * t),
                                       int(a.y() + (b.y() - a.y()) * t)))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, NoMod, b)

    def wait(self) -> None:
        QTest.qWait(self.rng.choice([50, 200]))


def run_monkey(qtbot, window, seconds: float, seed: int) -> Monkey:
    """Act on ``window`` for ``seconds``; the window stays open (a Quit is never chosen)."""
    monkey = Monkey(qtbot, window, random.Random(seed))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        monkey.act()
        assert window.isVisible() or monkey.rng is None
        if not window.isVisible():  # closed by a menu entry we did not foresee
            window.show()
    return monkey


def test_random_actions_never_raise_warn_or_crash(qtbot, make_window, answered, qtlog):
    window = make_window()
    monkey = run_monkey(qtbot, window, SECONDS, SEED)
    window.session.stop_training()
    bad = [r.message for r in qtlog.records if any(word in r.message for word in BAD_MESSAGES)]
    assert not bad, bad[:5]
    assert monkey.actions > 10
    print(f"monkey: {monkey.actions} actions {monkey.counts}, {answered}")
