"""File > Export Handout and Export Slides: a PDF of N + 2 pages with vector text, one PNG
per stage, and the user's run left exactly as it was."""
from __future__ import annotations

import re
import zlib

import numpy as np
import pytest
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
    monkeypatch.setattr("ui.file_actions.show_error",
                        lambda parent, title, error: errors.append(str(error)))
    assert not window.export_handout(str(tmp_path / "h.pdf"))
    assert errors and "trained" in errors[0]
    assert not (tmp_path / "h.pdf").exists()


def _numbers(text: str) -> list[float]:
    """The numbers of a printed formula, in order (real minus signs, as the view writes)."""
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?",
                                         text.replace("\u2212", "-"))]


def _line(page: str, start: str) -> str:
    lines = [line for line in page.splitlines() if line.startswith(start)]
    assert lines, f"no line starting {start!r} in:\n{page}"
    return lines[0]


def _stage_page(result, label: str) -> str:
    return result.texts[result.stages.index(label) + 1]  # page 1 is the title


def test_backward_pages_carry_the_chain_rule_with_its_numbers(window, tmp_path):
    from ui.handout import export_handout
    result = export_handout(window.session, tmp_path / "h.pdf", "lecture")
    assert len(result.texts) == result.pages == len(result.stages) + 2
    # The output layer, softmax with cross-entropy: dL/dz = (ŷ − y)/B, its numbers add up.
    out = _stage_page(result, "Backward: output layer")
    line = _line(out, "∂L/∂zy1 = (ŷ1 − y1) / B = ")
    p, y, b, dz = _numbers(line.split("/ B =", 1)[1])
    assert b == 4 and y in (0, 1)
    assert (p - y) / b == pytest.approx(dz, abs=6e-4)
    assert "∂L/∂by1 = Σsamples ∂L/∂zy1" in out and "∂L/∂wh1→y1 = Σsamples" in out
    # The hidden layer: the chain rule over the next layer's weights, then f′.
    hidden = _stage_page(result, "Backward: hidden layer 1")
    assert "∂L/∂ah1 = wh1→y1·∂L/∂zy1 + wh1→y2·∂L/∂zy2" in hidden
    terms = hidden.splitlines()[hidden.splitlines().index(
        _line(hidden, "∂L/∂ah1 = ")) + 1]
    *factors, da = _numbers(terms)
    assert len(factors) == 4
    assert sum(a * b for a, b in zip(factors[::2], factors[1::2])) == pytest.approx(da, abs=1e-3)
    assert "∂L/∂zh1 = ∂L/∂ah1 · f′(zh1)" in hidden
    assert re.search(r"f′\(zh1\) = 1 if zh1 > 0, else 0 = ", hidden)
    # Paper has nothing to click.
    assert "per sample" not in "".join(result.texts) and "click" not in "".join(result.texts)


def _content_box(path) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels that are not the white background."""
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(
        image.height(), image.bytesPerLine() // 4)[:, :image.width()]
    ink = (pixels & 0xFFFFFF) != 0xFFFFFF
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def test_slides_fill_the_16_9_frame(window, tmp_path):
    from ui.handout import export_handout
    result = export_handout(window.session, None, "lecture", slides_dir=tmp_path)
    for path in result.slides:
        left, top, right, bottom = _content_box(path)
        # Margins of 48 x 42 px at 1920 x 1080: the content reaches (nearly) all of them.
        assert left <= 60 and top <= 60, path.name
        assert right >= 1920 - 260 and bottom >= 1080 - 60, (path.name, right, bottom)
    # The formulas fill their column too: on a backward slide they reach its lower half.
    image = QImage(str(result.slides[result.stages.index("Backward: output layer")]))
    column = image.copy(1920 * 6 // 10, 0, 1920 * 4 // 10, 1080)
    column.save(str(tmp_path / "column.png"))
    assert _content_box(tmp_path / "column.png")[3] > 1080 * 0.6


def test_the_loss_page_has_round_readable_ticks(window, tmp_path):
    from ui.handout import export_handout
    result = export_handout(window.session, tmp_path / "h.pdf", "lecture")
    page = result.texts[-1]
    assert "1 batch trained" in page
    ticks = page.splitlines()[2:]
    assert "0" in ticks and "1" in ticks  # whole batches: one point is batch 1
    assert not any("e+" in t or "0.25" == t for t in ticks)


def test_a_long_run_gets_ticks_written_out(qapp):
    from types import SimpleNamespace

    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

    from ui.handout import _draw_curve
    history = SimpleNamespace(batch_loss=list(np.linspace(2.0, 0.1, 1200)),
                              epoch_loss=list(np.linspace(1.8, 0.1, 30)), val_loss=[])
    image = QImage(800, 500, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    labels = _draw_curve(painter, QRectF(0, 0, 800, 500), history, 40)
    painter.end()
    assert "1000" in labels and not any("e+" in label for label in labels)
    assert labels[:3] == ["0.0", "0.5", "1.0"]


def _unclosable_paths(data: bytes) -> int:
    """How many closepath operators (``h``) have no current point, which PDF viewers
    report as a syntax error ("No current point in closepath")."""
    bad = 0
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            raw = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        raw = re.sub(rb"\bBT\b.*?\bET\b", b" ", raw, flags=re.S)  # text objects
        current = False
        for token in raw.split():
            if token in (b"m", b"re"):
                current = True
            elif token == b"h":
                bad += not current
            elif token in (b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*", b"n"):
                current = False
    return bad


def test_the_pdf_renders_without_warnings(window, tmp_path, qtlog, recwarn):
    shown = len(qtlog.records)  # the offscreen platform's notes on showing the window
    assert window.export_handout(str(tmp_path / "h.pdf"))
    assert _unclosable_paths((tmp_path / "h.pdf").read_bytes()) == 0
    assert [r.message for r in qtlog.records[shown:]] == []
    assert [str(w.message) for w in recwarn.list] == []
