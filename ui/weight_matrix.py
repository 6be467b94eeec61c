"""The weight matrix view: a layer's weights as a table that edits and copies/pastes CSV.

View > Weight Matrix… (Ctrl+M), the Inspector's "Weight matrix…" button or a layer's
context menu on the canvas open :class:`WeightMatrixDialog` (one per window, non-modal) on
a hidden or output layer. Its rows are the inputs (the neurons of the layer feeding it,
``x1, x2``) and the bias, its columns the layer's units (``h1, h2, h3``), as
:mod:`nnviz.document.weight_matrix` lays them out.

Every gesture is a command on the session's one undo stack: a typed cell is
``design.set_weight`` / ``design.set_bias``; Ctrl+V pastes CSV (or a spreadsheet's tabs)
from the current cell as one step (:func:`nnviz.document.weight_matrix.set_block`), after checking
every number and the block's size ("Row 2, column 3: 'abc' is not a number": nothing
changes then). Ctrl+C copies the selected cells (or the whole matrix) as CSV. Ctrl+Z and
Ctrl+Shift+Z work in the dialog as in the window. The table follows the document (an
undo, a finished training run, a new file) through the design's events. When the lesson
locks "Editing weights" the table is read-only and a paste says why.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from nnviz.document.selection import LayerSel, layer_of
from nnviz.document.weight_matrix import (
    BIAS_ROW,
    format_block,
    matrix,
    matrix_shape,
    parse_block,
    set_block,
)
from nnviz.errors import DesignError
from ui.canvas import PortItem
from ui.theme import is_dark, theme_for

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["WeightMatrixDialog", "WeightMatrixModel", "install_context_menu",
           "open_weight_matrix"]

#: Digits shown in a cell (the cell's tooltip and its editor have the exact number).
DECIMALS = 4
LOCKED_MESSAGE = "Editing weights is locked by this lesson; the matrix is read-only."


class WeightMatrixModel(QAbstractTableModel):
    """One layer's matrix (inputs and bias x units) read from the design, edited by commands."""

    #: A refused edit: the sentence to show.
    sig_message = Signal(str)

    def __init__(self, window: MainWindow, parent=None):
        super().__init__(parent)
        self._window = window
        self.layer_id: str | None = None
        self.shape = None
        self._values = None

    @property
    def design(self):
        return self._window.design

    def locked(self) -> bool:
        """Whether the lesson forbids editing the weights."""
        return self._window.project.lesson.is_locked("weights")

    def set_layer(self, layer_id: str | None) -> None:
        """Show ``layer_id``'s matrix (DesignError if it has none: an input layer, no wire)."""
        self.beginResetModel()
        try:
            self.layer_id, self.shape, self._values = None, None, None
            if layer_id is not None:
                self.shape = matrix_shape(self.design, layer_id)
                self.layer_id = layer_id
                self._values = matrix(self.design, layer_id)
        finally:
            self.endResetModel()

    def reload(self) -> None:
        """Read the matrix again (the design changed): its values, or its shape too."""
        layer_id = self.layer_id
        if layer_id is None:
            return
        try:
            shape = matrix_shape(self.design, layer_id) if self.design.has_layer(layer_id) \
                else None
        except DesignError:
            shape = None
        if shape != self.shape:
            try:
                self.set_layer(layer_id if shape is not None else None)
            except DesignError:
                self.set_layer(None)
            return
        self._values = matrix(self.design, layer_id)
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))

    def values(self):
        """The matrix shown (inputs and bias x units), or None before there are weights."""
        return self._values

    # ------------------------------------------------------------------ Qt's model
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 (Qt's name)
        return 0 if self.shape is None or parent.isValid() else self.shape.size[0]

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 (Qt's name)
        return 0 if self.shape is None or parent.isValid() else self.shape.size[1]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._values is None:
            return None
        value = float(self._values[index.row(), index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:.{DECIMALS}f}"
        if role == Qt.ItemDataRole.EditRole:
            return repr(value)  # text: the editor is a line edit with the exact number
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._cell_name(index.row(), index.column())} = {value!r}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cell_name(self, row: int, col: int) -> str:
        s = self.shape
        assert s is not None  # cells exist only while a layer is shown
        unit = s.columns[col]
        if s.rows[row] == BIAS_ROW:
            return f"bias of {unit}"
        return f"weight {s.rows[row]} → {unit}"

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        s = self.shape
        if s is None:
            return None
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole:
            if horizontal:
                return s.columns[section]
            return "bias b" if s.rows[section] == BIAS_ROW else s.rows[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            if horizontal:
                return f"Unit {s.columns[section]} of {s.target_name}: this column feeds it"
            if s.rows[section] == BIAS_ROW:
                return f"The bias of each unit of {s.target_name}"
            return f"Input {s.rows[section]} (a neuron of {s.source_name}): this row is its weights"
        return None

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and self._values is not None and not self.locked():
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._values is None:
            return False
        if self.locked():
            self.sig_message.emit(LOCKED_MESSAGE)
            return False
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            self.sig_message.emit(f"'{text}' is not a number; the weight stays as it was.")
            return False
        s, row, col = self.shape, index.row(), index.column()
        assert s is not None  # values exist only while a layer is shown
        try:
            if s.rows[row] == BIAS_ROW:
                self.design.set_bias(s.target, col, number)
            else:
                self.design.set_weight(s.source, s.target, row, col, number)
        except DesignError as error:
            self.sig_message.emit(str(error))
            return False
        self.sig_message.emit("")
        return True

    # ------------------------------------------------------------------ CSV
    def copy_text(self, box: tuple[int, int, int, int] | None) -> str:
        """The cells of ``box`` (top, bottom, left, right; inclusive) as CSV, or the whole
        matrix for None."""
        if self._values is None:
            return ""
        if box is None:
            return format_block(self._values)
        top, bottom, left, right = box
        return format_block(self._values[top:bottom + 1, left:right + 1])

    def paste_text(self, text: str, row: int, col: int) -> bool:
        """Paste CSV ``text`` from ``(row, col)`` as one undo step; False (and a message) if
        it is refused, with nothing changed."""
        if self._values is None:
            self.sig_message.emit("There are no weights to paste into yet (press Next step "
                                  "or Reset).")
            return False
        if self.locked():
            self.sig_message.emit(LOCKED_MESSAGE)
            return False
        assert self.shape is not None and self.layer_id is not None  # values: a layer is shown
        rows, cols = self.shape.size
        try:
            block = parse_block(text, (rows - row, cols - col))
            set_block(self.design, self.layer_id, row, col, block)
        except DesignError as error:
            self.sig_message.emit(f"Nothing was pasted. {error}")
            return False
        self.sig_message.emit(f"Pasted {block.shape[0]} × {block.shape[1]} values "
                              "(Ctrl+Z takes them back).")
        return True


class WeightTable(QTableView):
    """The table: Ctrl+C copies CSV, Ctrl+V pastes it from the current cell."""

    def model(self) -> WeightMatrixModel:  # noqa: D102 (typed for the reader)
        return cast(WeightMatrixModel, super().model())  # the dialog gives it its model

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            event.accept()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            event.accept()
        else:
            super().keyPressEvent(event)

    def copy(self) -> None:
        """Put the selected cells (their bounding block; or the whole matrix) on the
        clipboard as CSV."""
        # The selection's ranges, not its indexes: Select All on a big layer is one range
        # but hundreds of thousands of indexes.
        ranges = self.selectionModel().selection()
        box = None
        if not ranges.isEmpty():
            box = (min(r.top() for r in ranges), max(r.bottom() for r in ranges),  # pyright: ignore[reportGeneralTypeIssues]  # PySide6 stubs: QItemSelection is a list of ranges
                   min(r.left() for r in ranges), max(r.right() for r in ranges))  # pyright: ignore[reportGeneralTypeIssues]  # PySide6 stubs: QItemSelection is a list of ranges
        text = self.model().copy_text(box)
        if text:
            QGuiApplication.clipboard().setText(text)

    def paste(self) -> None:
        """Paste the clipboard's CSV from the current cell (the top-left one if none)."""
        current = self.currentIndex()
        row, col = (current.row(), current.column()) if current.isValid() else (0, 0)
        self.model().paste_text(QGuiApplication.clipboard().text(), row, col)


class WeightMatrixDialog(QDialog):
    """The weight matrix of one layer (objectName "weightMatrixDialog"); see the module."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.setObjectName("weightMatrixDialog")
        self._window = window
        self.model = WeightMatrixModel(window, self)
        layout = QVBoxLayout(self)
        self.caption = QLabel(objectName="weightMatrixCaption")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.caption.setTextFormat(Qt.TextFormat.PlainText)  # layer names from files
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.table = WeightTable(objectName="weightMatrixTable")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(72)
        layout.addWidget(self.table, 1)
        self.message = QLabel(objectName="weightMatrixMessage")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # quotes the pasted text
        self.message.setWordWrap(True)
        # Room for two lines, so that a long refusal is never cut (the table gives way).
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy CSV", objectName="weightMatrixCopy")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.copy_button.setToolTip("Copy the selected cells (or all) as CSV (Ctrl+C)")
        self.copy_button.clicked.connect(self.table.copy)
        self.paste_button = QPushButton("Paste CSV", objectName="weightMatrixPaste")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.paste_button.setToolTip("Paste CSV from the clipboard at the current cell "
                                     "(Ctrl+V); nothing changes if a value is not a number")
        self.paste_button.clicked.connect(self.table.paste)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        # Enter belongs to the table (it ends a cell's edit), never to a default button.
        for button in (self.copy_button, self.paste_button, close):
            button.setAutoDefault(False)
        row.addWidget(self.copy_button)
        row.addWidget(self.paste_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(560, 340)
        # Undo and Redo work here as in the window (the same actions, the same stack).
        self.addAction(window.undo_action)
        self.addAction(window.redo_action)
        self.model.sig_message.connect(self._show_message)
        self.model.modelReset.connect(self._update_caption)
        events = window.design.events
        for signal in (events.weights_changed, events.layer_changed, events.layer_removed,
                       events.connection_added, events.connection_removed, events.reset):
            signal.connect(self._on_design_changed)
        window.project.events.lesson_changed.connect(self._on_lesson_changed)

    def show_layer(self, layer_id: str) -> None:
        """Show ``layer_id``'s matrix (DesignError if it has none) and bring the dialog up."""
        self.model.set_layer(layer_id)
        self._show_message("")
        self._on_lesson_changed()
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()
        self.table.setCurrentIndex(self.model.index(0, 0))

    def _on_design_changed(self, *_args) -> None:
        current = QPersistentModelIndex(self.table.currentIndex())
        self.model.reload()
        if self.model.layer_id is None and self.isVisible():
            self.caption.setText("The layer has no weight matrix any more.")
        elif current.isValid():
            self.table.setCurrentIndex(self.model.index(current.row(), current.column()))

    def _on_lesson_changed(self) -> None:
        if "weights" in self._window.project.lesson.hidden:
            self.close()  # the lesson hides the weights: so is their matrix
            return
        locked = self.model.locked()
        self.paste_button.setEnabled(not locked)
        self._update_caption()
        if locked:
            self._show_message(LOCKED_MESSAGE)

    def _update_caption(self) -> None:
        s = self.model.shape
        if s is None:
            self.caption.setText("")
            return
        self.setWindowTitle(f"Weight matrix of {s.target_name}")
        a, b = s.rows[0].rstrip("0123456789"), s.columns[0].rstrip("0123456789")
        text = (f"Rows: the inputs {s.rows[0]}…{s.rows[-2]} from {s.source_name}, then the "
                f"bias. Columns: the units {s.columns[0]}…{s.columns[-1]} of {s.target_name}. "
                f"Row {a}ᵢ, column {b}ⱼ holds the weight wᵢⱼ from {a}ᵢ to {b}ⱼ: "
                f"z_{b}ⱼ = Σᵢ {a}ᵢ·wᵢⱼ + bⱼ.")
        if self.model.values() is None:
            text += " The weights appear once the network is built (Next step or Reset)."
        self.caption.setText(text)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        error = text.startswith(("Nothing", "'")) or text == LOCKED_MESSAGE
        self.message.setProperty("role", "error" if error else "hint")
        self.message.setStyleSheet(f"color: {theme_for(is_dark()).error}; font-weight: 600;"
                                   if error else "")


def open_weight_matrix(window: MainWindow, layer_id: str | None = None):
    """Open the window's weight matrix dialog on ``layer_id`` (default: the selected layer,
    or a selected connection's target); a layer without one gets a status bar message."""
    if layer_id is None:
        layer_id = layer_of(window.scene.selection())
    if layer_id is None:  # a layer selected with the rubber band
        chosen = [item.layer_id for item in window.scene.layer_items() if item.isSelected()]
        layer_id = chosen[0] if len(chosen) == 1 else None
    if layer_id is None:
        window._show_message("Select a hidden or output layer to see its weight matrix.")
        return None
    dialog = getattr(window, "weight_matrix_dialog", None)
    if dialog is None:
        dialog = window.weight_matrix_dialog = WeightMatrixDialog(window)
    try:
        dialog.show_layer(layer_id)
    except DesignError as error:
        window._show_message(str(error))
        return None
    return dialog


def install_context_menu(window: MainWindow) -> None:
    """A right click on a layer (a neuron, or a line into it) offers its Weight Matrix…."""
    canvas = window.canvas

    def on_request(pos) -> None:
        layer_id = layer_of(_describe(window, canvas.mapToScene(pos)))
        if layer_id is None or not window.weight_matrix_action.isVisible():
            return  # nothing there, or the lesson hides the weights
        menu = QMenu(canvas)
        menu.setObjectName("canvasContextMenu")
        action = menu.addAction(window.weight_matrix_action.text())
        action.setObjectName("actionLayerWeightMatrix")
        action.triggered.connect(lambda: open_weight_matrix(window, layer_id))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.canvas_menu = menu
        menu.popup(canvas.viewport().mapToGlobal(pos))

    canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    canvas.customContextMenuRequested.connect(on_request)


def _describe(window: MainWindow, scene_pos):
    """What is under ``scene_pos`` as a selection (a port stands for its layer)."""
    what = window.scene.describe_at(scene_pos)
    return LayerSel(what.layer.layer_id) if isinstance(what, PortItem) else what
