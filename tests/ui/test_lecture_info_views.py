"""The Lecture view and the handout explain a run with one LectureInfo, built one way."""
from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

import ui.handout
import ui.training.presenter
from nnviz.session.lecture_info import lecture_info
from ui.handout import _Copy, export_handout


def test_live_view_and_handout_build_the_same_lecture_info(window):
    window.session.set_setting(learning_rate=0.0625, momentum=0.5)
    live = window.training.presenter.info()
    assert live == lecture_info(window.session, window.training.presenter.layer_ids)
    assert live.optimizer == "momentum" and live.learning_rate == 0.0625
    assert _Copy(window.session).info() == live


def test_both_views_show_the_names_their_lecture_info_gives(window, qtbot, tmp_path,
                                                            monkeypatch):
    def renamed(session, ids=None):
        info = lecture_info(session, ids)
        return dataclasses.replace(info, names=tuple(f"Named-{n}" for n in info.names))

    # Both views get their info from the one builder; each module's reference is patched.
    monkeypatch.setattr(ui.training.presenter, "lecture_info", renamed)
    monkeypatch.setattr(ui.handout, "lecture_info", renamed)
    window.canvas.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # the first forward stage
    lecture = window.training.lecture
    qtbot.waitUntil(lambda: "Named-" in lecture.plain_text(), timeout=5000)
    result = export_handout(window.session, tmp_path / "h.pdf", "lecture")
    stage_pages = result.texts[1:-1]
    assert any("Named-" in text for text in stage_pages), stage_pages
