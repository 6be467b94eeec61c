"""The docks' tabs show whole names: a class reads "Code", not "C…"."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QTabBar

pytestmark = pytest.mark.window(size=(1366, 768))


def _dock_tab_bars(window):
    titles = {d.windowTitle() for d in window.findChildren(QDockWidget)}
    return [b for b in window.findChildren(QTabBar)
            if b.count() and all(b.tabText(k) in titles for k in range(b.count()))]


def test_tabs_beside_the_lecture_view_keep_their_whole_names(window, qtbot):
    bars = _dock_tab_bars(window)
    lecture = next(b for b in bars if any(b.tabText(k) == "Lecture view"
                                          for k in range(b.count())))
    assert lecture.count() >= 5  # lecture, code, loss surface, confusion, chain rule
    for bar in bars:
        assert bar.elideMode() == Qt.TextElideMode.ElideNone
        assert bar.usesScrollButtons()
    # The column is too narrow for all five: the first tab's name is whole all the same.
    rect = lecture.tabRect(0)
    assert rect.width() >= lecture.fontMetrics().horizontalAdvance("Lecture view")


def test_a_restored_layout_keeps_whole_names(window, qtbot):
    """Reset Layout rebuilds the tab bars; the new ones are set up too."""
    window.reset_layout_action.trigger()
    qtbot.waitUntil(lambda: bool(_dock_tab_bars(window)), timeout=2000)
    assert all(b.elideMode() == Qt.TextElideMode.ElideNone for b in _dock_tab_bars(window))
