"""File > Export Handout and Export Slides: a PDF of N + 2 pages with vector text, one PNG
per stage, and the user's run left exactly as it was."""
from __future__ import annotations

import re
import zlib

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QFileDialog


def pdf_pages(data: bytes) -> int:
    """How many page objects a PDF holds (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def pdf_text_operators(data: bytes) -> bool:
    """True if a content stream shows text with the PDF text operators (Tj / TJ)."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass
        if re.search(rb"\bBT\b.*?(Tj|TJ)", raw, re.S):
            return True
    return False


def user_state(window) -> dict:
    stepper = window.session.stepper
    return {
        "weights": [w.copy() for w in stepper.model.get_weights()],
        "design": window.design.to_dict(),
        "undo": (window.undo_stack.count, window.undo_stack.index, window.undo_stack.undo_text),
        "counters": (stepper.epoch, stepper.batch_index, stepper.global_step,
                     stepper.samples_seen, stepper.next_stage),
        "history": stepper.history.to_dict(),
        "modified": window.is_modified(),
    }


def assert_same_state(before: dict, after: dict) -> None:
    for a, b in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(a, b)
    assert {k: v for k, v in before.items() if k != "weights"} == \
        {k: v for k, v in after.items() if k != "weights"}


def test_export_handout_pdf(window, qtbot, tmp_path, monkeypatch):
    # The user is in the middle of a batch: two stages stepped with PageDown.
    window.canvas.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: window.session.stepper.global_step == 0
                    and window.undo_stack.count >= 2)
    before = user_state(window)
    path = tmp_path / "handout.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(path), "PDF document (*.pdf)"))
    window.findChild(QAction, "actionExportHandout").trigger()
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    n_stages = len(window.session.stepper.stages)  # forward x2, loss, backward x2, update
    assert n_stages == 6
    assert pdf_pages(data) == n_stages + 2
    assert b"/Font" in data and pdf_text_operators(data)  # text, not pictures of text
    assert not list(tmp_path.glob("*.part"))
    assert_same_state(before, user_state(window))


def test_export_slides_one_png_per_stage(window, tmp_path, monkeypatch):
    before = user_state(window)
    folder = tmp_path / "slides"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *args, **kwargs: str(folder))
    window.findChild(QAction, "actionExportSlides").trigger()
    pngs = sorted(folder.glob("*.png"))
    assert len(pngs) == len(window.session.stepper.stages)
    image = QImage(str(pngs[0]))
    assert (image.width(), image.height()) == (1920, 1080)
    assert_same_state(before, user_state(window))


def test_handout_of_an_untrainable_design_says_why(window, tmp_path, monkeypatch):
    window.design.remove(layer_ids=[window.design.chain()[-1].id])
    errors = []
    monkeypatch.setattr("ui.main_window.show_error",
                        lambda parent, title, error: errors.append(str(error)))
    assert not window.export_handout(str(tmp_path / "h.pdf"))
    assert errors and "trained" in errors[0]
    assert not (tmp_path / "h.pdf").exists()
