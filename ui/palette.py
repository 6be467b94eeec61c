"""The palette: the kinds of layer a student drags onto the canvas (nnviz.document.layer_kinds).

A drag carries the private MIME type ``application/x-nnviz-layer`` whose data is the
kind's name as bytes (``b"hidden"``); the canvas reads it on drop.
Double-click or Enter on an entry emits ``sig_add_layer(kind)`` instead, and the window
places the new layer next to the existing ones.
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.document.layer_kinds import LAYER_KINDS
from ui.resources import icon_path

LAYER_MIME_TYPE = "application/x-nnviz-layer"


KIND_ROLE = Qt.ItemDataRole.UserRole
ROW_HEIGHT = 46  # a 32 px icon with breathing room; rows are easy targets on a touchpad


def layer_icon(kind: str) -> QIcon:
    """The palette's icon for a layer kind (an SVG, so it stays crisp at any DPI)."""
    return QIcon(icon_path(kind))


class PaletteWidget(QListWidget):
    """The list of layer kinds (``objectName`` "palette") that drags layers onto the canvas."""

    sig_add_layer = Signal(str)
    """Emitted with the kind when an entry is double-clicked or Enter is pressed on it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("palette")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIconSize(QSize(32, 32))
        self.setSpacing(2)
        self.setUniformItemSizes(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("Drag a layer onto the canvas, or double-click it to add one.")
        for kind in LAYER_KINDS.values():  # the registry's labels: the lecture's own words
            item = QListWidgetItem(layer_icon(kind.name), kind.label)
            item.setData(KIND_ROLE, kind.name)
            item.setToolTip(kind.tooltip)
            item.setSizeHint(QSize(0, ROW_HEIGHT))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            self.addItem(item)
        self.itemDoubleClicked.connect(self._on_item_activated)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """Tall enough for every entry, so the dock need not scroll for its few rows."""
        rows = self.count() * (ROW_HEIGHT + 2 * self.spacing())
        return QSize(super().sizeHint().width(), rows + 2 * self.frameWidth() + 16)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.sizeHint()

    def item_for_kind(self, kind: str) -> QListWidgetItem:
        """The entry for a kind of layer (``"hidden"``); KeyError if it has none."""
        for row in range(self.count()):
            if self.item(row).data(KIND_ROLE) == kind:
                return self.item(row)
        raise KeyError(kind)

    # Qt calls these two when a drag starts: what we hand it is what the canvas receives.
    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt's name)
        """The one MIME type the palette's drags carry."""
        return [LAYER_MIME_TYPE]

    def mimeData(self, items) -> QMimeData:  # noqa: N802 (Qt's name)
        """The drag's payload: the first dragged entry's kind as bytes, e.g. ``b"hidden"``."""
        data = QMimeData()
        if items:
            data.setData(LAYER_MIME_TYPE, items[0].data(KIND_ROLE).encode("ascii"))
            data.setText(items[0].text())
        return data

    def startDrag(self, supported_actions) -> None:  # noqa: N802 (Qt's name)
        """Drag the current entry, shown under the mouse as its icon."""
        item = self.currentItem()
        if item is None:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        size = self.iconSize()
        drag.setPixmap(item.icon().pixmap(size, self.devicePixelRatioF()))
        drag.setHotSpot(QPoint(size.width() // 2, size.height() // 2))
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802 (Qt's name)
        return Qt.DropAction.CopyAction

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        # Enter adds a layer on every platform (Qt's own 'activated' differs per platform
        # and would fire together with the double-click signal).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self.sig_add_layer.emit(self.currentItem().data(KIND_ROLE))
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.sig_add_layer.emit(item.data(KIND_ROLE))


def palette_panel(palette: PaletteWidget) -> QWidget:
    """The Layers dock's content: the palette, with how to use it under it."""
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 8)
    layout.setSpacing(4)
    layout.addWidget(palette)
    hint = QLabel("Drag a layer onto the canvas, or double-click it. "
                  "Wire layers by dragging from a layer's right port to another's left port.")
    hint.setProperty("role", "hint")
    hint.setWordWrap(True)
    hint.setContentsMargins(12, 0, 12, 0)
    layout.addWidget(hint)
    layout.addStretch(1)
    return panel
