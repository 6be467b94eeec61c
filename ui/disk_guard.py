"""Save never overwrites a file that changed on disk while it was open, without asking.

The window remembers what the project file looked like on disk when it was opened or
last saved (modification time in nanoseconds, size, inode). Before Save writes the same
file again, the file is looked at once more; if another program (an editor, a second nnviz
window, a sync tool) changed or replaced it meanwhile, the user chooses: overwrite it,
save under another name, or cancel.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.dialogs import plain_text_labels

DIALOG_OBJECT_NAME = "changedOnDiskDialog"
OVERWRITE, SAVE_AS, CANCEL = "overwrite", "save_as", "cancel"


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # gone, unreadable, or a name the OS refuses
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


class DiskStamp:
    """What one file looked like on disk when nnviz last read or wrote it."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._stamp: tuple[int, int, int] | None = None

    def remember(self, path: str | os.PathLike | None) -> None:
        """Record ``path`` as it is now (None forgets: a new, unsaved document)."""
        self._path = None if path is None else os.path.abspath(os.fspath(path))
        self._stamp = None if self._path is None else _stamp(self._path)

    def changed(self, path: str | os.PathLike) -> bool:
        """True if ``path`` is the remembered file and it differs on disk from then.

        A file that no longer exists has not "changed" (saving loses nothing of anyone's).
        """
        path = os.path.abspath(os.fspath(path))
        if path != self._path or self._stamp is None:
            return False
        now = _stamp(path)
        return now is not None and now != self._stamp


def ask_changed_on_disk(parent: QWidget | None, name: str) -> str:
    """Ask what to do with ``name``, changed on disk: OVERWRITE, SAVE_AS or CANCEL."""
    box = QMessageBox(QMessageBox.Icon.Warning, "File changed on disk",
                      f"“{name}” was changed on disk by another program since nnviz opened "
                      "or saved it.\nSaving now replaces those changes with yours.",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName(DIALOG_OBJECT_NAME)
    box.setTextFormat(Qt.TextFormat.PlainText)
    overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
    save_as = box.addButton("Save As…", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(save_as)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    plain_text_labels(box)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is overwrite:
        return OVERWRITE
    if clicked is save_as:
        return SAVE_AS
    return CANCEL
