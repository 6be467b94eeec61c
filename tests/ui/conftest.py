"""GUI test fixtures: every test gets its own empty QSettings, never a developer's.

The application's organisation and name are set to test-only values and QSettings is
pointed at a fresh temporary folder per test, so a remembered window layout, theme or
recent-file list can neither leak into a test nor out of one.
"""
import pytest
from PySide6.QtCore import QCoreApplication, QSettings


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


@pytest.fixture
def make_window(qtbot, monkeypatch):
    """``make(project=None, size=(1300, 850))``: a shown, active MainWindow.

    Its "save changes?" question always answers "discard" (a test that wants the question
    drives it itself), and its training thread is stopped after the test. The window is
    active before it is returned, so window shortcuts (Space, PageDown, F11) reach it.
    """
    from nnviz.project import Project
    from ui.main_window import MainWindow

    windows = []

    def make(project=None, size=(1300, 850)):
        win = MainWindow(project if project is not None else Project.lecture_example())
        monkeypatch.setattr(win, "maybe_save", lambda: True)
        qtbot.addWidget(win)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=5000)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.training.shutdown()


@pytest.fixture
def window(make_window):
    """A shown, active MainWindow on the lecture's example (see ``make_window``)."""
    return make_window(size=(1200, 800))
