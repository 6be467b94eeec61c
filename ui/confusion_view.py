"""The confusion matrices (training and validation) in a dock of their own, live.

:class:`ConfusionView` (the dock "confusionDock", a tab beside the Lecture view, the Code
and the Loss Surface: a column tall enough for both tables) shows, for a classification
data set, two tables: the training set's and the validation set's
confusion matrix (row: the true class, column: the class the network answers), each row
ending with that class's accuracy, and the overall accuracy above. The diagonal (right
answers) is shaded green, the confusions red, by their share of the row.

It follows training: after the frames the window draws, at most every
:data:`REFRESH_MS` (less often when one evaluation takes long: it takes at most a tenth of
the window's time), and only while it is shown (a hidden tab catches up when it is
raised), it evaluates a private copy of the network with the frame's weights on the
run's data (:func:`nnviz.analysis.confusion.confusion_of_model`): the session's model, which may
be training on another thread, is never used. For a regression data set it shows one
line saying why there is no matrix.
"""
from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, cast

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.confusion import Confusion, confusion_of_model
from nnviz.errors import DatasetError, ProjectFileError

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["ConfusionView", "REFRESH_MS"]

#: The fewest milliseconds between two evaluations while training.
REFRESH_MS = 250
_RIGHT = QColor(46, 158, 107)
_WRONG = QColor(198, 47, 59)


class _MatrixTable(QTableWidget):
    """One confusion matrix: class rows and columns, then the row's accuracy."""

    def __init__(self, name: str):
        super().__init__()
        self.setObjectName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(24)

    # Typed for the checker (Qt's may be None): set_classes() made every cell and header.
    def item(self, row: int, column: int) -> QTableWidgetItem:
        return cast(QTableWidgetItem, super().item(row, column))

    def horizontalHeaderItem(self, column: int) -> QTableWidgetItem:  # noqa: N802 (Qt's name)
        return cast(QTableWidgetItem, super().horizontalHeaderItem(column))

    def set_classes(self, names: list[str]) -> None:
        """Rows "true <name>", columns the predicted names and "acc." (accuracy)."""
        k = len(names)
        self.clear()
        self.setRowCount(k)
        self.setColumnCount(k + 1)
        self.setHorizontalHeaderLabels([f"→ {n}" for n in names] + ["acc."])
        # The accuracy ("100%") keeps its width; the classes share the rest.
        self.horizontalHeader().setSectionResizeMode(k, QHeaderView.ResizeMode.ResizeToContents)
        for c in range(k):
            self.horizontalHeaderItem(c).setToolTip(f"Answered {names[c]}")
        self.setVerticalHeaderLabels(list(names))
        self.horizontalHeaderItem(k).setToolTip("Accuracy: the share of this class's samples "
                                                "answered right")
        for r in range(k):
            for c in range(k + 1):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(r, c, item)

    def show_confusion(self, result: Confusion | None) -> None:
        """Write the counts (shaded by their share of the row) and each class's accuracy."""
        k = self.rowCount()
        if result is None or result.matrix.shape != (k, k):
            for r in range(k):
                for c in range(k + 1):
                    self.item(r, c).setText("")
                    self.item(r, c).setBackground(QBrush())
            return
        m = result.matrix
        totals = np.maximum(m.sum(axis=1), 1)
        for r in range(k):
            for c in range(k):
                item = self.item(r, c)
                item.setText(str(int(m[r, c])))
                share = m[r, c] / totals[r]
                color = QColor(_RIGHT if r == c else _WRONG)
                color.setAlpha(int(200 * share) if m[r, c] else 0)
                item.setBackground(QBrush(color))
                item.setToolTip(f"{int(m[r, c])} samples of class "
                                f"{self.verticalHeaderItem(r).text()} answered "
                                f"{self.horizontalHeaderItem(c).text()[2:]}")
            acc = result.per_class[r]
            self.item(r, k).setText("–" if np.isnan(acc) else f"{acc:.0%}")

    def values(self) -> np.ndarray:
        """The counts shown (tests compare them with the model's predictions)."""
        k = self.rowCount()
        return np.array([[int(self.item(r, c).text() or 0) for c in range(k)]
                         for r in range(k)], dtype=np.int64).reshape(k, k)


class ConfusionView(QDockWidget):
    """The dock "confusionDock": ``train_table`` ("confusionTrain"), ``val_table``
    ("confusionValidation"), their titles, and ``note`` ("confusionNote": why there is
    no matrix). ``results`` holds the last ``{"train": Confusion, "validation": ...}``;
    ``refresh()`` evaluates now."""

    #: The main window: the name hides QWidget.window() on the dock (the same window).
    window: MainWindow

    def __init__(self, window):
        super().__init__("Confusion Matrix", window)
        self.setObjectName("confusionDock")
        self.window = window
        self.session = window.session
        self.results: dict[str, Confusion | None] = {"train": None, "validation": None}
        self._model = None
        self._data = None
        self._classes: list[str] = []
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.note = QLabel("", objectName="confusionNote")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        layout.addWidget(self.note)
        self.train_title = QLabel("Training", objectName="confusionTrainTitle")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.val_title = QLabel("Validation", objectName="confusionValidationTitle")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.train_table = _MatrixTable("confusionTrain")
        self.val_table = _MatrixTable("confusionValidation")
        for title, table in ((self.train_title, self.train_table),
                             (self.val_title, self.val_table)):
            title.setWordWrap(True)
            layout.addWidget(title)
            layout.addWidget(table, 1)
        hint = QLabel("Rows: the true class; columns: the network's answer; the diagonal "
                      "is right. Accuracy: the share of the class answered right.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.setWidget(body)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._stale = True

        self.visibilityChanged.connect(lambda _shown: self._catch_up())
        window.training.sig_frame.connect(self._schedule)
        events = self.session.events
        events.run_started.connect(lambda _reason: self.new_run())
        events.state_changed.connect(self._schedule)
        self.new_run()

    # ------------------------------------------------------------------ the run
    def new_run(self) -> None:
        """A new run (data set, network): its classes, a private copy of its network."""
        session = self.session
        self._model, self._data = None, None
        self.results = {"train": None, "validation": None}
        try:
            dataset = session.dataset()
        except (DatasetError, ProjectFileError, OSError) as error:
            self._say(f"No confusion matrix: the data set cannot be loaded ({error}).")
            return
        if not dataset.is_classification:
            self._say(f"No confusion matrix: {dataset.label} is a regression data set "
                      "(numbers to predict, not classes).")
            return
        with session.lock:
            stepper = session.stepper
            if stepper is None:
                self._say(f"No confusion matrix: {session.problem or 'no network to run.'}")
                return
            self._model = copy.deepcopy(stepper.model)
            self._data = stepper.run_data()
        self._classes = list(dataset.class_names)
        self.note.hide()
        for table in (self.train_table, self.val_table):
            table.set_classes(self._classes)
            table.show()
        self.train_title.show()
        has_val = self._data.x_val is not None and len(self._data.x_val) > 0
        self.val_title.setVisible(True)
        self.val_table.setVisible(has_val)
        if not has_val:
            self.val_title.setText("Validation: none (the data set's split is 0)")
        self._stale = True
        self._schedule()

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.show()
        for widget in (self.train_table, self.val_table, self.train_title, self.val_title):
            widget.hide()

    # ------------------------------------------------------------------ following it
    def shown(self) -> bool:
        """Whether it is on screen (a closed dock or a tab under another waits)."""
        return self.isVisible()

    def _schedule(self) -> None:
        self._stale = True
        if self._model is not None and self.shown() and not self._timer.isActive():
            self._timer.start()

    def _catch_up(self) -> None:
        if self._stale and self.shown():
            self.refresh()

    def _weights(self):
        frame = self.window.training.presenter.frame
        if frame is not None and frame.weights is not None:
            return frame.weights
        with self.session.lock:
            stepper = self.session.stepper
            return None if stepper is None else stepper.model.get_weights()

    def refresh(self) -> None:
        """Evaluate the network's weights now on the training and validation data."""
        model, data = self._model, self._data
        if model is None or data is None:
            return
        weights = self._weights()
        if weights is None or [np.shape(w) for w in weights] != \
                [np.shape(w) for w in model.get_weights()]:
            return  # a frame of an older network: the new run's comes next
        self._stale = False
        start = time.perf_counter()
        model.set_weights(weights)
        k = len(self._classes)
        with np.errstate(all="ignore"):  # diverged weights: NaN outputs are answers too
            train = confusion_of_model(model, data.x, data.y, k)
            val = confusion_of_model(model, data.x_val, data.y_val, k) \
                if data.x_val is not None and len(data.x_val) else None
        # A big data set or network evaluates less often: at most a tenth of the time.
        spent = time.perf_counter() - start
        self._timer.setInterval(max(REFRESH_MS, int(spent * 10_000)))
        self.results = {"train": train, "validation": val}
        self.train_table.show_confusion(train)
        self.train_title.setText(self._title("Training", train))
        if val is not None:
            self.val_table.show_confusion(val)
            self.val_title.setText(self._title("Validation", val))

    @staticmethod
    def _title(name: str, result: Confusion) -> str:
        right = int(np.trace(result.matrix))
        return f"{name}: {right} of {result.samples} right ({result.accuracy:.1%})"
