"""The window's small dialogs: errors, About, and the "How to use" page.

Errors the user can cause (a corrupt file, a network that cannot be exported) are
shown as ``str(error)``: nnviz's error types carry one sentence written for a student,
and a traceback would only hide it.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnviz.version import __version__
from ui.resources import HELP_PAGE

ABOUT_TEXT = """
<h3>nnviz {version}</h3>
<p>A desktop lab in which you build a neural network by hand and watch it learn,
one number at a time: weighted sums, activations, the loss, gradients and SGD updates.</p>
<p>Its numbers are Keras's: the weights you export load in NumPy, Keras and ONNX runtimes.</p>
<p>Built with Python, NumPy, PySide6 (Qt) and pyqtgraph. MIT licence.</p>
"""


def show_error(parent: QWidget | None, title: str, error: BaseException | str) -> None:
    """Show an error message in a modal dialog: ``title`` as the heading, the error's sentence below."""
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(title)
    box.setInformativeText(str(error))
    plain_text_labels(box)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as typed, line breaks kept.

    Qt renders a tooltip as HTML whenever it looks like markup, so text that quotes
    names from files is escaped and wrapped in a paragraph of its own.
    """
    if not text:
        return ""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def plain_text_labels(box: QMessageBox) -> None:
    """Show every text of ``box`` (its text and informative text) as plain text.

    Error messages quote file and layer names, which come from files: Qt's default
    (``AutoText``) would render a name holding markup as HTML, even load an ``<img>``.
    """
    box.setTextFormat(Qt.TextFormat.PlainText)
    for label in box.findChildren(QLabel):
        if label.objectName() in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
            label.setTextFormat(Qt.TextFormat.PlainText)


def show_about(parent: QWidget | None) -> None:
    """The About box."""
    QMessageBox.about(parent, "About nnviz", about_text())


def about_text() -> str:
    """The About box's text, with the installed version (from the package metadata)."""
    return ABOUT_TEXT.format(version=__version__)


class HowToDialog(QDialog):
    """A short "how to use" page (``ui/resources/help.html``) in a non-modal window."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("howToDialog")
        self.setWindowTitle("How to use nnviz")
        self.resize(560, 620)
        browser = QTextBrowser(self)
        browser.setOpenExternalLinks(True)
        browser.setHtml(HELP_PAGE.read_text(encoding="utf-8"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(browser)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
