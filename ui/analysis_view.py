"""The network analysis in the window: each layer card's size, the totals and the design's
warnings (:mod:`nnviz.analysis.network_analysis` computes them; this module only shows them).

:class:`AnalysisView` recomputes the analysis once after a burst of edits (a zero-time
timer, as the status bar's check does): each layer card gets the line "9 params · out
(None, 3)" under it, and the :class:`AnalysisPanel` under the inspector's page (objectName
"networkAnalysis", above the selection's page) says "17 parameters · 12 multiply-adds per sample" and lists each
warning with its teaching text. While a run trains nothing is recomputed (the trial and the
dead-relu check read the weights the training thread writes): the run's end brings it.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnviz.analysis.network_analysis import Analysis, analyze
from nnviz.errors import NnvizError

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def _label(object_name: str, role: str, parent: QWidget) -> QLabel:
    # Made with its parent: Qt owns it from the start (never Python as well).
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setProperty("role", role)
    label.setWordWrap(True)
    # Never widens the dock: the text wraps instead.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(0)
    return label


class AnalysisPanel(QWidget):
    """"Network": the totals ("analysisSummary") and one "designWarning" label per warning."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkAnalysis")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 14)
        layout.setSpacing(6)
        heading = _label("analysisHeading", "heading", self)
        heading.setText("Network")
        layout.addWidget(heading)
        self.summary = _label("analysisSummary", "", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)
        self._warnings_layout = layout
        self.warning_labels: list[QLabel] = []

    def show_analysis(self, analysis: Analysis) -> None:
        """Show the totals and the warnings of ``analysis``."""
        self.summary.setText(analysis.summary())
        self.summary.setToolTip("Parameters: every weight and bias. Multiply-adds: the "
                                "products one sample's forward pass sums (inputs × units "
                                "per layer).")
        for label in self.warning_labels:
            self._warnings_layout.removeWidget(label)
            label.deleteLater()
        self.warning_labels = []
        for warning in analysis.warnings:
            label = _label("designWarning", "hint", self)
            label.setTextFormat(Qt.TextFormat.RichText)
            # Titles quote layer names: escaped, never read as HTML.
            label.setText(f"<b>⚠ {html.escape(warning.title)}</b><br>{html.escape(warning.text)}")
            label.setProperty("code", warning.code)
            self._warnings_layout.addWidget(label)
            self.warning_labels.append(label)

    def warning_texts(self) -> list[str]:
        """The warnings shown, as plain text ("⚠ title\\ntext")."""
        return [label.text().replace("<br>", "\n").replace("<b>", "").replace("</b>", "")
                for label in self.warning_labels]


class AnalysisView(QObject):
    """Keeps the cards' size lines and the :class:`AnalysisPanel` up to date."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self._window = window
        # Parented when made: Qt owns the panel (a parentless one, put in the inspector's
        # layout, was freed twice when the window went).
        self.panel = AnalysisPanel(window.inspector)
        window.inspector.add_section(self.panel)
        self.analysis: Analysis | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.update)
        session, project = window.session, window.project
        events = project.design.events
        for signal in (events.layer_added, events.layer_removed, events.layer_changed,
                       events.connection_added, events.connection_removed, events.reset,
                       events.weights_changed, project.training.events.all,
                       project.events.dataset_changed, session.events.run_started,
                       session.events.state_changed):
            signal.connect(self.schedule)
        window.training.sig_status.connect(self.schedule)  # a run ended on its thread
        self.update()

    def schedule(self, *_args) -> None:
        """Recompute once the current events are all in."""
        self._timer.start()

    def update(self) -> None:
        """Analyse the project now and show it (not while a run trains)."""
        window = self._window
        session = window.session
        if session.training:
            return
        try:
            data = session.dataset() if window.project.dataset.name is not None else None
        except NnvizError:
            data = None  # the panel's message says why the data cannot be loaded
        model = session.stepper.model if session.stepper is not None else None
        self.analysis = analysis = analyze(window.project, data, model)
        cards = {item.layer_id: item for item in window.scene.layer_items()}
        for stats in analysis.layers:
            if stats.layer_id in cards:
                cards[stats.layer_id].stats.set_text(stats.card_text())
        self.panel.show_analysis(analysis)
