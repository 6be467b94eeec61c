"""GUI test fixtures: one window fixture, fresh QSettings per test, and no window outlives
its test.

- Every test gets its own empty QSettings, never a developer's: the application's
  organisation and name are test-only values and QSettings points at a fresh temporary
  folder per test, so a remembered layout, theme or recent-file list cannot leak.
- ``make_window`` / ``window`` are the only way the tests make a window. A test module
  sets the window it wants with a marker, e.g.
  ``pytestmark = pytest.mark.window(size=(1400, 900), ask_unsaved=True)``.
- Every window is closed, its training stopped and its widgets deleted after its test, and
  a test that leaves a ``MainWindow`` (or any top-level widget of ours) alive fails: a
  leaked window keeps its thousands of widgets, and every later test pays for them.
"""
from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication

#: The size of a test window unless its test asks for another.
DEFAULT_SIZE = (1300, 850)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "window(size=..., ask_unsaved=False, fit=False, fast=True): the window "
        "fixture's options for this module or test (see tests/ui/conftest.py)")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Point every QSettings() at an empty per-test folder under a test organisation."""
    folder = tmp_path / "settings"
    folder.mkdir()
    old = (QCoreApplication.organizationName(), QCoreApplication.applicationName())
    QCoreApplication.setOrganizationName("nnviz-tests")
    QCoreApplication.setApplicationName("nnviz-tests")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    QSettings().clear()
    yield folder
    QCoreApplication.setOrganizationName(old[0])
    QCoreApplication.setApplicationName(old[1])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """Before pytest-qt closes the test's widgets: forget those already deleted (a closed
    MainWindow deletes itself), which it would otherwise try to close again."""
    import shiboken6

    widgets = getattr(item, "qt_widgets", None)
    if widgets:
        item.qt_widgets = [(ref, close) for ref, close in widgets
                           if ref() is not None and shiboken6.isValid(ref())]
    return (yield)


def delete_now() -> None:
    """Run the pending ``deleteLater`` calls: ``processEvents`` never does, and between two
    tests no event loop runs that would."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _ours(widget) -> bool:
    return type(widget).__module__.split(".")[0] == "ui"


def _dispose(win) -> None:
    """Close a window for good: no question, training stopped, widgets deleted."""
    try:
        win.maybe_save = lambda: True  # the test is over: nothing is asked any more
        win.files.proof.wait(120)  # an export's check ends before the next test starts
        win.close()
        win.shutdown()
        win.deleteLater()
    except RuntimeError:  # its C++ side is gone already (deleted by the test itself)
        pass


@pytest.fixture(autouse=True)
def no_window_outlives_its_test(qapp):
    """Fail the test that leaves a window of ours alive (after deleting it, so the next test
    starts clean)."""
    delete_now()
    yield
    delete_now()
    leaked = [w for w in QApplication.topLevelWidgets() if _ours(w)]
    if leaked:
        names = sorted({type(w).__name__ for w in leaked})
        for win in leaked:
            _dispose(win) if hasattr(win, "shutdown") else win.deleteLater()
        delete_now()
        pytest.fail(f"the test left {len(leaked)} window(s) alive ({', '.join(names)}): "
                    "make windows with make_window, or qtbot.addWidget() and close them",
                    pytrace=False)


@pytest.fixture
def make_window(qtbot, monkeypatch):
    """``make(project=None, size=(1300, 850), ask_unsaved=False, fit=False, fast=True)``: a
    shown, active MainWindow whose first frame is drawn.

    Unless ``ask_unsaved``, its "save changes?" question always answers "discard" (a test
    that drives the question itself asks for it). ``fit`` fits the network into the view.
    ``fast`` sets Train's speed to "As fast as possible", as a user can: the window starts
    at a pace a class can watch (a minute or more for the lecture's example), and a test
    waiting for a run to end would wait that long; ``fast=False`` keeps the window's own.
    The window is active before it is returned, so window shortcuts (Space, PageDown, F11)
    reach it. After the test it is closed, its training stopped and it is deleted.
    """
    from nnviz.files.project import Project
    from ui.main_window import MainWindow

    windows = []

    def make(project=None, size=DEFAULT_SIZE, ask_unsaved=False, fit=False, fast=True):
        win = MainWindow(project if project is not None else Project.lecture_example())
        windows.append(win)
        if not ask_unsaved:
            monkeypatch.setattr(win, "maybe_save", lambda: True)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=5000)
        # The first frame is drawn (a design that cannot train has no run and no frame).
        qtbot.waitUntil(lambda: win.training.snapshot is not None
                        or win.session.stepper is None, timeout=5000)
        if fit:
            win.fit_network()
        if fast:
            combo = win.training.panel.speed_combo
            combo.setCurrentIndex(combo.findData(0.0))
        return win

    yield make
    for win in windows:
        _dispose(win)
    delete_now()


@pytest.fixture
def window(make_window, request):
    """A shown, active MainWindow on the lecture's example (see ``make_window``); a
    ``pytest.mark.window(...)`` on the test or its module passes options."""
    marker = request.node.get_closest_marker("window")
    options = dict(marker.kwargs) if marker else {}
    options.setdefault("size", (1200, 800))
    return make_window(**options)
