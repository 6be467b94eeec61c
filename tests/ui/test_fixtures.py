"""The GUI tests' own guard: a test that leaves a window alive fails, and the next test
starts with no window of an earlier one (issue 18: leaked windows made the suite slow).

The two tests run a small test module in a pytest of its own (a subprocess, with this
suite's conftest files), so the guard is seen failing a test, not just passing."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parents[1]

MODULE = textwrap.dedent('''\
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    kept = []

    def test_leaks_a_window(qtbot):
        kept.append(MainWindow())  # neither given to qtbot nor closed

    def test_starts_clean_and_closes_its_own(make_window):
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        make_window()

    def test_after_make_window_nothing_is_left(qapp):
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
''')


@pytest.fixture
def suite(pytester):
    """A folder laid out like this suite, with its conftest files and one test module."""
    shutil.copy(TESTS / "conftest.py", pytester.path / "conftest.py")
    (pytester.path / "ui").mkdir()
    shutil.copy(TESTS / "ui" / "conftest.py", pytester.path / "ui" / "conftest.py")
    (pytester.path / "ui" / "test_module.py").write_text(MODULE, encoding="utf-8")
    return pytester


def test_a_test_that_leaves_a_window_alive_fails_and_the_next_starts_clean(suite):
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-o", "qt_api=pyside6",
                                        "ui/test_module.py")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks_a_window*",
                                 "*the test left 1 window(s) alive (MainWindow)*"])
