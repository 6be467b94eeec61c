"""Where the window's docks go: the default layout, its sizes, and a restored layout's clamp.

Building on the left (palette above inspector), training on the right (panel above the
lecture view, with the Keras code and the loss surface as tabs beside it), the plots
below the canvas. Functions of a :class:`~ui.main_window.MainWindow`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QTabBar

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class _DockTabs(QObject):
    """Keeps the docks' tab bars readable: whole names, scroll arrows when they do not fit.

    Qt elides tab names to fit the column ("Lectur…", "C…" with five tabs in a 380-pixel
    column); a name cut to two letters says nothing to a class. The main window makes its
    tab bars when docks are tabified (and again on a restored layout), so each one is set
    up as it arrives.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.ChildPolished:
            child = event.child()  # pyright: ignore[reportAttributeAccessIssue]  # a QChildEvent
            if isinstance(child, QTabBar):
                readable_tabs(child)
        return False


def readable_tabs(bar: QTabBar) -> None:
    """Whole tab names; scroll arrows instead of cut names when they do not fit."""
    bar.setElideMode(Qt.TextElideMode.ElideNone)
    bar.setUsesScrollButtons(True)


def keep_tabs_readable(window: MainWindow) -> None:
    """Set up the window's dock tab bars, now and whenever it makes a new one."""
    window._dock_tabs = _DockTabs(window)  # pyright: ignore[reportAttributeAccessIssue]  # kept alive with the window
    window.installEventFilter(window._dock_tabs)  # pyright: ignore[reportAttributeAccessIssue]
    for bar in window.findChildren(QTabBar):
        readable_tabs(bar)


def arrange_docks(window: MainWindow) -> None:
    """The default layout: building on the left, training on the right, curves below.

    Left: the palette above the inspector (add layers, then edit what is selected).
    Right: the training panel above the lecture view (run it, read the numbers).
    Bottom: the plots, low enough that the canvas keeps most of the window.
    """
    training = window.training
    panel, lecture, plots = training.panel, training.lecture, training.plots
    # The side columns run the full height; the plots sit under the canvas only.
    window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, window.inspector)
    window.splitDockWidget(window.palette_dock, window.inspector, Qt.Orientation.Vertical)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, lecture)
    window.splitDockWidget(panel, lecture, Qt.Orientation.Vertical)
    window.tabifyDockWidget(lecture, window.code_dock)
    lecture.raise_()
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, plots)
    # The loss surface is a tab beside the lecture view (it wants height more than width).
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.loss_surface)
    window.tabifyDockWidget(lecture, window.loss_surface)
    # The confusion matrices too: two tables stacked want the column's height.
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.confusion)
    window.tabifyDockWidget(lecture, window.confusion)
    # The chain rule too: clicking a weight in a backward stage brings it to the front.
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.chain_rule)
    window.tabifyDockWidget(lecture, window.chain_rule)
    lecture.raise_()
    # Training > Compare…'s curves: a tab beside the plots, hidden until a comparison.
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, window.compare.dock)
    window.tabifyDockWidget(plots, window.compare.dock)
    window.compare.dock.hide()
    keep_tabs_readable(window)


def apply_default_sizes(window: MainWindow) -> None:
    """The docks' default sizes: narrow side columns, a low plot strip, the rest canvas.

    Only meaningful once the window has its real size, hence called on first show.
    """
    training = window.training
    panel, lecture, plots = training.panel, training.lecture, training.plots
    left, right = side_widths(window)
    window.resizeDocks([window.palette_dock, panel], [left, right], Qt.Orientation.Horizontal)
    window.resizeDocks([window.palette_dock, window.inspector], [250, 500],
                       Qt.Orientation.Vertical)
    # The lecture view's formulas are large (read from the back of a room): half the column.
    window.resizeDocks([panel, lecture], [window.height() // 2, window.height() // 2],
                       Qt.Orientation.Vertical)
    window.resizeDocks([plots], [max(220, window.height() // 4)], Qt.Orientation.Vertical)


def side_widths(window: MainWindow) -> tuple[int, int]:
    """Default widths of the left (palette, inspector) and right (training) columns."""
    return (max(200, min(240, int(window.width() * 0.15))),
            max(300, min(380, int(window.width() * 0.24))))


def clamp_docks(window: MainWindow) -> None:
    """Shrink a side column that grew past its default width (a restored layout)."""
    left, right = side_widths(window)
    docks, sizes = [], []
    for dock, width in ((window.palette_dock, left), (window.training.panel, right)):
        if dock.isVisible() and not dock.isFloating() and dock.width() > width * 1.15:
            docks.append(dock)
            sizes.append(width)
    if docks:
        window.resizeDocks(docks, sizes, Qt.Orientation.Horizontal)
