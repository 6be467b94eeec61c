"""Settings fields ignore the mouse wheel unless they have the keyboard focus.

A panel of spin boxes and lists in a scroll area is scrolled with the wheel; Qt's fields
take every wheel turn that passes over them, so scrolling the Training panel used to
switch the data set and zero the noise on its way down. The convention of form-based
desktop programs is followed: a field the user has not clicked into lets the wheel
scroll the panel; once it has the focus (a click, Tab), the wheel changes it.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QSlider,
    QWidget,
)

__all__ = ["WheelGuard", "guard_wheel"]

#: The kinds of field whose value the wheel changes. Not scroll bars: they are how a
#: scroll area scrolls (it hands them its wheel events).
GUARDED = (QAbstractSpinBox, QComboBox, QSlider)


class WheelGuard(QObject):
    """An event filter: a wheel turn over an unfocused field scrolls its panel instead."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Pass a wheel event on to the enclosing scroll area when ``watched`` has no focus."""
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) \
                or watched.hasFocus():
            return False
        area = _scroll_area_of(watched)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True  # the field itself never sees it


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        # A combo box's own list view is a scroll area too, but not one that encloses it.
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QComboBox):
            return parent
        parent = parent.parentWidget()
    return None


def guard_wheel(root: QWidget, guard: WheelGuard) -> int:
    """Guard every field under ``root``; returns how many. Fields take focus by click or Tab
    only (not by the wheel), so a wheel turn never focuses, and so never changes, one."""
    fields = [w for w in root.findChildren(QWidget) if isinstance(w, GUARDED)]
    for widget in fields:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(guard)
    return len(fields)
