"""Issue 19.1: a save never blocks the window for seconds.

Saving a 2.3-million-weight run took 33.7 s on the GUI thread, with the window frozen.
Now the window copies the project (milliseconds) and a thread of its own writes the copy;
the GUI thread keeps running its event loop (paints, timers, training frames) meanwhile.
Each test holds the writer until the GUI thread has done something, so it fails if the
write runs on the GUI thread (the wait then ends by its timeout, with nothing done).
"""
import threading

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from nnviz.files.project import Project

GUI_WAIT = 10.0  # seconds the writer waits for the GUI thread before it gives up


@pytest.fixture
def held_save(window, monkeypatch):
    """The window's next save: ``meanwhile()`` runs on the GUI thread while it writes.

    Returns a dict that gets ``thread`` (the writer's), ``gui_ran`` (whether the GUI thread
    ran ``meanwhile`` while the writer waited) and ``meanwhile`` (set it before saving).
    """
    seen = {"meanwhile": lambda: None}
    gui_ran = threading.Event()
    real_save, real_begin = Project.save, window.session.begin_save

    def watched_save(self, path=None):
        seen["thread"] = threading.current_thread()
        seen["gui_ran"] = gui_ran.wait(timeout=GUI_WAIT)
        real_save(self, path)

    def begin_save(path=None):
        copy = real_begin(path)

        def meanwhile():
            seen["meanwhile"]()
            gui_ran.set()

        QTimer.singleShot(0, meanwhile)  # runs once the GUI thread's loop turns
        return copy

    monkeypatch.setattr(Project, "save", watched_save)
    monkeypatch.setattr(window.session, "begin_save", begin_save)
    return seen


def press_save(window):
    seq = QKeySequence(QKeySequence.StandardKey.Save)[0]
    QTest.keyClick(window, seq.key(), seq.keyboardModifiers())


def test_ctrl_s_writes_a_copy_on_another_thread_while_the_window_goes_on(
        qtbot, window, held_save, tmp_path):
    path = tmp_path / "lab.nnviz"
    window.project.path = str(path)  # Ctrl+S saves there without asking
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_PageDown)  # a training step: a change to save
    qtbot.waitUntil(window.isWindowModified, timeout=5000)
    kernel = np.array(window.design.kernel("layer-1", "layer-2"))

    def edit():  # made on the GUI thread while the file is being written
        window.design.set_weight("layer-1", "layer-2", 0, 0, 42.0)

    held_save["meanwhile"] = edit
    press_save(window)
    assert held_save["thread"] is not threading.main_thread()
    assert held_save["gui_ran"], "the GUI thread did not run while the file was written"
    saved = Project.load(path).design.kernel("layer-1", "layer-2")
    assert saved.tobytes() == kernel.tobytes()  # the copy taken at Ctrl+S, exactly
    assert window.design.kernel("layer-1", "layer-2")[0, 0] == 42.0
    assert window.isWindowModified()  # the edit made meanwhile is not saved...
    window.undo_stack.undo()
    assert not window.isWindowModified()  # ...and without it the document is the file


def test_a_close_asked_for_during_the_save_happens_after_it(qtbot, window, held_save,
                                                            tmp_path):
    path = tmp_path / "lab.nnviz"
    window.design.add_layer("hidden", x=50.0, y=60.0)

    def close():
        window.close()
        held_save["visible"] = window.isVisible()

    held_save["meanwhile"] = close
    assert window.save_file(path)  # the scripting call still answers when it is written
    assert held_save["gui_ran"] and held_save["visible"]  # the close waited for the file
    # Closed once the file is written (a closed window deletes itself).
    qtbot.waitUntil(lambda: not shiboken6.isValid(window) or not window.isVisible(),
                    timeout=5000)
    assert len(Project.load(path).design.layers) == 4
