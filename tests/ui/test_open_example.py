"""File > Open Example: the bundled examples, each opened as an untitled copy.

The examples ship inside the installed package (nnviz/resources/examples); a student's
Ctrl+S must ask where to save and never overwrite the file the next class opens.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QTextBrowser

from nnviz import __version__, resources
from nnviz.files.project import Project
from ui import MainWindow
from ui.dialogs import HowToDialog
from ui.resources import icon_path

Ctrl = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(autouse=True)  # every box of the module's windows is answered
def errors(monkeypatch):
    """Every error dialog's text, instead of a modal box; unsaved changes are discarded."""
    shown = []
    def exec_(box):
        if box.objectName() == "unsavedChangesDialog":
            return QMessageBox.StandardButton.Discard
        shown.append(box.informativeText())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


pytestmark = pytest.mark.window(ask_unsaved=True)


@pytest.fixture
def save_dialog(monkeypatch, tmp_path):
    """The Save As dialog, answering with a file in tmp_path; records the suggested name."""
    asked = []

    def answer(parent, caption, start, *args, **kwargs):
        asked.append(start)
        return str(tmp_path / "my-xor.nnviz"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


def test_the_menu_lists_every_bundled_example(window):
    menu = window.examples_menu
    assert menu.menuAction() in window.findChild(QMenu, "fileMenu").actions()
    titles = [action.text() for action in menu.actions()]
    assert titles == [title for title, _ in resources.examples()]
    assert titles[:2] == ["Lecture", "XOR"] and len(titles) == 6
    for _, path in resources.examples():
        assert path.is_file() and path.parent == resources.EXAMPLES_DIR


def test_an_example_opens_as_an_untitled_copy_and_ctrl_s_asks_where(
        window, save_dialog, tmp_path, errors):
    bundled = resources.example_path("xor")
    original = bundled.read_bytes()
    window.findChild(type(window.new_action), "actionExample_xor").trigger()

    assert window.design.to_dict() == Project.load(bundled).design.to_dict()
    assert window.windowTitle().startswith("xor (example)")
    assert window.project.path is None
    assert str(bundled.resolve()) not in window.recent_files()

    # Edit with the keyboard: select everything on the canvas and delete it.
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_A, Ctrl)
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert window.design.layers == [] and window.isWindowModified()

    QTest.keyClick(window.canvas, Qt.Key.Key_S, Ctrl)
    assert len(save_dialog) == 1, "Ctrl+S on an example asks where to save"
    assert save_dialog[0].endswith("xor.nnviz") and save_dialog[0] != str(bundled)
    copy = tmp_path / "my-xor.nnviz"
    assert Project.load(copy).design.layers == []
    assert window.windowTitle().startswith("my-xor.nnviz") and not window.isWindowModified()
    assert bundled.read_bytes() == original
    assert errors == []

    # The copy is now an ordinary file: Ctrl+S saves to it without asking again.
    window.design.add_layer("input", x=0.0, y=0.0, units=2)
    QTest.keyClick(window.canvas, Qt.Key.Key_S, Ctrl)
    assert len(save_dialog) == 1 and len(Project.load(copy).design.layers) == 1
    assert bundled.read_bytes() == original


def test_an_example_given_as_a_path_is_a_copy_too(qtbot, errors):
    """``nnviz .../examples/sine.nnviz`` and a window made on a loaded example both protect it."""
    bundled = resources.example_path("sine")
    original = bundled.read_bytes()
    for make in (lambda: _opened(bundled), lambda: MainWindow(Project.load(bundled))):
        win = make()
        qtbot.addWidget(win)
        assert win.project.path is None
        assert win.windowTitle().startswith("sine (example)")
        assert not win.save_file(bundled)  # a script asking to overwrite it is refused
        assert errors and "bundled example" in errors[-1]
        win.shutdown()
    assert bundled.read_bytes() == original


def _opened(path) -> MainWindow:
    win = MainWindow()
    assert win.open_file(path)
    return win


def test_an_ordinary_file_keeps_its_path(window, tmp_path):
    mine = tmp_path / "xor.nnviz"
    mine.write_bytes(resources.example_path("xor").read_bytes())
    assert window.open_file(mine)
    assert window.project.path == str(mine)
    assert window.windowTitle().startswith("xor.nnviz")


def test_about_shows_the_installed_version(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a: shown.append(a[2])))
    window.about_action.trigger()
    assert len(shown) == 1 and f"nnviz {__version__}" in shown[0]
    assert __version__[0].isdigit()


def test_icons_and_help_page_come_from_the_package(window, qtbot):
    for name in ("nnviz", "input", "hidden", "output"):
        assert not QIcon(icon_path(name)).pixmap(32, 32).isNull(), name
    assert not window.windowIcon().isNull()
    window.how_to_action.trigger()
    dialog = window.findChild(HowToDialog)
    text = dialog.findChild(QTextBrowser).toPlainText()
    assert "How to use nnviz" in text and "Build a network" in text
