"""File > Export Worksheet… (issue 23, point 1): the handout's batch as questions with room
to answer, the results hidden on their pages, the answers on the last page."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from tests.ui.test_handout import assert_same_state, pdf_pages, pdf_text_operators, user_state
from ui.worksheet import export_worksheet


def test_export_worksheet_from_the_file_menu(window, tmp_path, monkeypatch):
    before = user_state(window)
    path = tmp_path / "worksheet.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(path), "PDF document (*.pdf)"))
    window.findChild(QAction, "actionExportWorksheet").trigger()
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and pdf_text_operators(data)
    assert pdf_pages(data) == len(window.session.stepper.stages) + 2  # title, stages, answers
    assert not list(tmp_path.glob("*.part"))
    assert_same_state(before, user_state(window))


def test_the_worksheet_asks_each_stage_and_answers_on_the_last_page(window, tmp_path):
    # The scripting surface: the handout's call, with worksheet=True.
    assert window.export_handout(str(tmp_path / "w.pdf"), worksheet=True)
    result = export_worksheet(window.session, tmp_path / "w2.pdf", "lecture")
    stages, texts = result.stages, result.texts
    assert result.pages == len(texts) == len(stages) + 2
    questions = ["Will h1 fire (a > 0) or stay at 0?",
                 "Which output wins: y1",
                 "Is the loss above ln 2 = 0.693, an even guess?",
                 "Will the gradient push w(h1→y1) up or down?",
                 "Will the gradient push w(x1→h1) up or down?",
                 "Will w(h1→y1) grow or shrink?"]
    for page, question in zip(texts[1:-1], questions):
        assert f"Predict: {question}" in page
    answers = texts[-1]
    assert answers.startswith("Answers")
    for question in questions:
        assert f"Q: {question}" in answers
    assert answers.count("A: ") == len(stages)
    # The first answer is h1's z from the batch; its page writes "?" where z goes.
    first = answers.split("A: ")[1].splitlines()[0]
    assert first.startswith(("h1 fires: z = ", "h1 stays at 0: z = "))
    z_text = first.split("z = ")[1].split(" ")[0].rstrip(",")
    assert "a(h1) = ?" in texts[1] and z_text not in texts[1]
    assert "L = ?" in texts[3]


@pytest.mark.parametrize("slides", [True])
def test_a_worksheet_needs_a_file(window, tmp_path, monkeypatch, slides):
    errors = []
    monkeypatch.setattr("ui.file_actions.show_error",
                        lambda parent, title, error: errors.append((title, str(error))))
    assert not window.export_handout(None, slides_dir=str(tmp_path), worksheet=slides)
    assert errors and errors[0][0] == "Cannot export the worksheet" and "PDF" in errors[0][1]
