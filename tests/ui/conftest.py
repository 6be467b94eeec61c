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
