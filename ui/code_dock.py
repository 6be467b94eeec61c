"""The Code dock: the design as the lecture's Keras code, live; and Keras code read back.

The upper box shows :func:`nnviz.files.keras_code.lecture_code` of the open project: rewritten
after every edit of the design, the training settings or the data set, with the line of the
layer selected on the canvas highlighted. **Copy** puts the code on the clipboard.

The lower box takes pasted Keras code; **Import** reads it with
:func:`nnviz.files.keras_import.parse_keras` (the code's syntax tree only: nothing in it runs)
and puts the network and its settings into the project as **one undo step** ("Import Keras
code"): the old layers are deleted, the new ones added and wired, the settings set, all
inside one macro of the session's undo stack, so Edit > Undo brings back the network and
settings as they were. As with any change of the layers, the run starts afresh (the
training history of the old network is not part of that step). A refusal shows its line
and reason under the box and puts the cursor on that line.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from nnviz.document.selection import Selection, layer_of
from nnviz.errors import DesignError, NnvizError
from nnviz.files.keras_code import LectureCode, lecture_code
from nnviz.files.keras_import import parse_keras
from ui.theme import is_dark, theme_for

__all__ = ["CodeDock", "apply_import"]


def apply_import(session, design, settings: dict) -> None:
    """Put ``design`` (from :func:`parse_keras`) and ``settings`` into ``session``'s project
    as one undo step, "Import Keras code". A refusal (DesignError, ProjectFileError) leaves
    the project as it was (the macro undoes what it did)."""
    session.pause()  # a run in progress becomes its own undo step first
    target = session.design
    with session.undo_stack.macro("Import Keras code"):
        target.remove(layer_ids=[spec.id for spec in target.layers])
        ids = {}
        for spec in design.layers:
            ids[spec.id] = target.add_layer(spec.kind, spec.x, spec.y, units=spec.units,
                                            activation=spec.activation, name=spec.name,
                                            initializer=spec.initializer)
        for conn in design.connections:
            target.connect(ids[conn.source], ids[conn.target])
        settings = dict(settings)
        # Code without 'def add_features(x)' has none: the data set's crosses go too.
        chosen = tuple(settings.pop("features", ()))
        if chosen != session.project.dataset.features:
            session.set_features(chosen)
        if settings:
            session.set_setting("Import Keras settings", **settings)


class CodeDock(QDockWidget):
    """The dock "codeDock": the live Keras code, a Copy button and a paste box to import.

    ``code`` is the :class:`~nnviz.files.keras_code.LectureCode` shown; ``highlighted_line`` the
    1-based line marked for the canvas's selection (0: none). ``sig_imported`` fires after a
    successful import, ``sig_message(str)`` with a line for the status bar.
    """

    sig_imported = Signal()
    sig_message = Signal(str)

    def __init__(self, session, parent=None):
        super().__init__("Code", parent)
        self.setObjectName("codeDock")
        self.session = session
        self.code: LectureCode | None = None
        self.highlighted_line = 0
        self._selected_layer: str | None = None
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        mono.setFixedPitch(True)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.text = QPlainTextEdit(objectName="codeText")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.text.setReadOnly(True)
        self.text.setFont(mono)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setToolTip("The network as the Keras code of the lecture; it follows every "
                             "edit. The selected layer's line is highlighted.")
        layout.addWidget(self.text, 4)
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy", objectName="copyCodeButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.copy_button.setToolTip("Copy the code to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.paste = QPlainTextEdit(objectName="pasteCodeBox")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.paste.setFont(mono)
        self.paste.setPlaceholderText("Paste Keras code here (model = Sequential([Dense(...), "
                                      "...]), model.compile(...)) and press Import. "
                                      "Nothing in it is run.")
        layout.addWidget(self.paste, 1)
        row = QHBoxLayout()
        self.import_button = QPushButton("Import", objectName="importCodeButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.import_button.setToolTip("Replace the network and its settings by the pasted "
                                      "code's (one undo step)")
        self.import_button.clicked.connect(self._on_import_clicked)
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.error_label = QLabel(objectName="codeImportError")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)  # quotes the user's code
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.setWidget(body)

        # Many events arrive for one edit: rewrite the code once, after they are all in.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        project = session.project
        events = project.design.events
        for signal in (events.layer_added, events.layer_removed, events.layer_changed,
                       events.connection_added, events.connection_removed, events.reset,
                       project.training.events.all, project.events.dataset_changed):
            signal.connect(self._schedule)
        self.refresh()

    # ------------------------------------------------------------------ the code
    def _schedule(self, *_args) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Write the project's code into the box now (and mark the selected layer's line)."""
        project = self.session.project
        try:
            self.code = lecture_code(project.design, project.training, project.dataset)
            text = self.code.text
        except (DesignError, NnvizError, ValueError) as error:
            self.code = None
            text = "# The network cannot be written as Keras code yet:\n# " + \
                " ".join(str(error).split())
        if text != self.text.toPlainText():
            bar = self.text.verticalScrollBar().value()
            self.text.setPlainText(text)
            self.text.verticalScrollBar().setValue(bar)
        self._highlight()

    def plain_text(self) -> str:
        """The code shown, as text."""
        return self.text.toPlainText()

    def copy(self) -> None:
        """Put the code shown on the clipboard."""
        QGuiApplication.clipboard().setText(self.plain_text())
        self.sig_message.emit("Copied the Keras code to the clipboard")

    def set_selection(self, selection: Selection) -> None:
        """Follow the canvas's selection (a :data:`nnviz.document.selection.Selection`): a layer's
        or neuron's line, or a connection's target's (its weights are that Dense's kernel)."""
        self._selected_layer = layer_of(selection)
        self._highlight()

    def _highlight(self) -> None:
        line = 0
        if self.code is not None and self._selected_layer is not None:
            line = self.code.lines.get(self._selected_layer, 0)
        self.highlighted_line = line
        extra = []
        if line:
            block = self.text.document().findBlockByNumber(line - 1)
            selection = QTextEdit.ExtraSelection()
            colour = QColor(theme_for(is_dark()).highlight)
            colour.setAlpha(90)
            selection.format.setBackground(colour)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            extra.append(selection)
            self.text.setTextCursor(QTextCursor(block))
            self.text.ensureCursorVisible()
        self.text.setExtraSelections(extra)

    # ------------------------------------------------------------------ import
    def _on_import_clicked(self) -> None:
        self.import_code(self.paste.toPlainText())

    def import_code(self, text: str) -> str:
        """Import Keras ``text`` into the project (one undo step); "" or why it could not.

        The reason ("Line 3: ...") shows under the paste box, and the cursor goes to the
        line, when the text is the paste box's.
        """
        try:
            design, settings = parse_keras(text)
            # The settings a lesson locks (nnviz.document.lessons) stay as the lesson set them.
            kept = self.session.project.lesson.locked_settings(settings)
            settings = {k: v for k, v in settings.items() if k not in kept}
            apply_import(self.session, design, settings)
        except NnvizError as error:
            message = str(error)
            self.error_label.setText(message)
            self.error_label.show()
            line = getattr(error, "line", None)
            if line and text == self.paste.toPlainText():
                block = self.paste.document().findBlockByNumber(int(line) - 1)
                if block.isValid():
                    self.paste.setTextCursor(QTextCursor(block))
            return message
        self.error_label.hide()
        self.error_label.clear()
        self.refresh()
        note = f"; the lesson keeps {', '.join(kept).replace('_', ' ')} as it was" if kept else ""
        self.sig_message.emit(f"Imported the Keras code{note} (Edit > Undo takes it back)")
        self.sig_imported.emit()
        return ""
