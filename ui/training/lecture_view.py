"""The lecture view: the formula of the selected neuron, connection or the loss, filled in.

For a neuron of layer ``l`` (sample 1 of the current batch)::

    z_j = w_1j·x_1 + w_2j·x_2 + ... + b_j = <numbers> = <value>
    a_j = relu(z_j) = max(0, z_j) = <value>          (or softmax with its sum, ...)

then, once the backward pass reached it, back-propagation derived with the numbers::

    output:  ∂L/∂ŷ_j = 2·(ŷ_j − y_j)/(k·B) = <numbers> = <value>   (the loss's registered
             ∂L/∂z_j = ∂L/∂ŷ_j · f′(z_j) = <numbers>                gradient, with its ÷B)
             f′(z_j) = a_j·(1 − a_j) = <numbers> = <value>
             (softmax + cross-entropy: ∂L/∂z_j = (ŷ_j − y_j)/B = <numbers> = <value>)
    hidden:  ∂L/∂a_j = Σ_k w_jk·∂L/∂z_k = <terms> = <value>,  ∂L/∂z_j = ∂L/∂a_j · f′(z_j)
    both:    ∂L/∂b_j = Σ_samples ∂L/∂z_j,  ∂L/∂w_1j = Σ_samples ∂L/∂z_j · a_1

and after the update the bias and the first weight, ``after the update: b = b − lr·∂L/∂b``.
For a connection ``w_ij`` from neuron ``i`` to neuron ``j``: its value (before and after
the batch's update, labelled), ``∂L/∂w_ij = Σ_samples ∂L/∂z_j · a_i`` and its update. For
the loss, the chosen loss's formula with the sample's target and prediction. With nothing
selected, a stepped stage explains neuron 1 of the layer it computed. Every number comes
from the engine's :class:`~nnviz.engine.training.StageTrace` (the written-out terms of a sum are
its factors); the page runs in the order training computes it, so its end is the latest
result, which the view keeps in sight.

Rendered as rich text with real subscripts, in a font large enough for the back of a
room (20 px at scale 1, :meth:`LectureView.set_font_scale` for presentation mode, where a
page too long for the view is drawn smaller, to 70 %, or in a compact form; Ctrl+plus /
Ctrl+minus / Ctrl+0 or Ctrl+wheel inside the view), with the live numbers in bold, in the
theme's colour. While training runs the view says so instead of showing a stale batch.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QDockWidget, QTextBrowser

from nnviz.document.selection import ConnectionSel, NeuronSel, Selection
from nnviz.session.lecture_info import LectureInfo
from ui.theme import is_dark
from ui.training.lecture_fit import LectureFit
from ui.training.lecture_formulas import LectureFormulas
from ui.training.lecture_neuron import LectureNeuron
from ui.training.lecture_predict import LecturePredict
from ui.training.lecture_text import (
    _ASIDE,
    _AUTO_NOTE,
    BASE_PIXEL_SIZE,
    FIT_FLOOR,
    MAX_TERMS,
    SAMPLES_ANCHOR,
    SAMPLES_LINK,
    STAGE_ANCHOR,
    _folded,
    _Names,
    fmt,
    fmt_lr,
    presentation_column_width,
)

__all__ = ["LectureView", "fmt", "fmt_lr", "MAX_TERMS", "BASE_PIXEL_SIZE", "FIT_FLOOR",
           "presentation_column_width"]


class LectureView(LectureFit, LectureNeuron, LecturePredict, LectureFormulas, QDockWidget):
    """The dock "lectureView": a rich-text browser the controller refills every frame.

    :meth:`show_state` takes the selection and the latest trace and weights; it only
    formats text (the numbers come from the engine's trace, never recomputed here, except
    the written-out terms of a sum).
    """

    def __init__(self, parent=None):
        super().__init__("Lecture view", parent)
        self.setObjectName("lectureView")
        self.browser = QTextBrowser(objectName="lectureText")  # pyright: ignore[reportCallIssue]  (PySide6 takes Qt properties as keywords; its stubs do not)
        self.browser.setOpenLinks(False)
        self.browser.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.setWidget(self.browser)
        self._scale = 1.0
        self._dark = is_dark()
        self._last_html: str | None = None  # the page shown (None: nothing rendered yet)
        self._shown_size = 0
        self._compact_html: str | None = None
        self._shown_html: tuple | None = None  # (page, size) drawn now
        self._fitted_viewport = None
        self._refit_pending = False
        self._fit = True
        self._narrow_width: int | None = None  # the width before presentation widened it
        self._watched_window = None
        self._state = None  # the last show_state arguments (the "per sample" link redraws)
        self._names = _Names(3)
        self._samples_open = False
        self._printed = False  # for paper: no links, no "click" notes
        self._focus = STAGE_ANCHOR  # the anchor scrolled to the top after a render
        self._keep_focus = False
        self.browser.anchorClicked.connect(self._on_anchor)
        self._apply_style()
        self.browser.installEventFilter(self)
        self.browser.viewport().installEventFilter(self)
        self.show_state(None, None, None, LectureInfo())

    # ------------------------------------------------------------------ theme
    # (the text's size, its fitting and the zoom keys: LectureFit)
    def set_theme(self, dark: bool) -> None:
        """Colour the live numbers, hints and errors for the light or dark theme.

        The window's theme switch reaches this by itself (see :meth:`changeEvent`); the
        background and the plain text follow the application palette anyway.
        """
        if dark == self._dark:
            return
        self._dark = dark
        self._apply_style()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Follow the application's theme when its palette changes."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.set_theme(is_dark())
        super().changeEvent(event)

    def plain_text(self) -> str:
        """What the view shows, as plain text (for tests and for copying)."""
        return self.browser.toPlainText()

    # ------------------------------------------------------------------ content
    def show_state(self, selection: Selection, trace, weights, info: LectureInfo) -> None:
        """Show the formulas for ``selection`` with the numbers of ``trace``.

        ``selection``: what the canvas announces (an ``nnviz.document.selection.Selection``); with nothing
        selected, a stepped stage explains neuron 1 of the layer it computed (the loss stage:
        the loss). ``weights``: ``model.get_weights()`` as last published. ``info``: the run's
        :class:`~nnviz.session.lecture_info.LectureInfo` (layer ids and names, activations, loss,
        optimizer, learning rate, divergence, whether training runs).

        The page is in the order training computes it (forward, loss, backward, update);
        the stage's heading stands right above what the stage newly derived, and the view
        opens with that heading at its top (earlier stages are scrolled above it).
        """
        self._state = (selection, trace, weights, info)
        if not self._keep_focus:
            self._focus = "stage"
        self._keep_focus = False
        ids = list(info.ids)
        self._names = _Names(len(ids))
        top: list[str] = []
        if info.diverged:
            top.append(f'<p class="err">{html.escape(info.diverged)}</p>')
        running = info.running and trace is None
        if running:
            top.append('<p class="run">Training is running: every batch changes the '
                       'numbers. Pause, then Step (PageDown) to see the formulas filled in '
                       'with one batch again.</p>')
        stage_block = short_block = ""
        if trace is not None:
            n = len(trace.x)
            # The heading carries the anchor the view scrolls to (see _scroll_to_focus).
            heading = (f'<p class="stage"><a name="{STAGE_ANCHOR}">'
                       f'{html.escape(trace.stage.label)}</a>')
            where = f"Epoch {trace.epoch + 1}, batch {trace.batch + 1}"
            stage_block = heading + (
                f'</p><p class="note">{where}: numbers of sample 1 of its {n}'
                + (f"; ∂L/∂w and ∂L/∂b add up all {n}{self._lists_them()}.</p>"
                   if n > 1 else ".</p>"))
            short_block = heading + (f'</p><p class="note">{where} · sample 1 of {n}</p>'
                                     if n > 1 else f'</p><p class="note">{where}</p>')
        if weights is None and (trace is None or trace.W_before is None):
            selection = None
        auto = selection is None and trace is not None and len(ids) > 1
        if auto:
            selection = self._stage_selection(trace, ids)
        sections: list[tuple[str, str]] = []  # (stage kind, html) in training's order
        try:
            if isinstance(selection, NeuronSel) and selection.layer in ids:
                sections = self._neuron(ids.index(selection.layer), int(selection.index),
                                        trace, weights, info)
            elif isinstance(selection, ConnectionSel) and selection.target in ids:
                sections = self._connection(ids.index(selection.target), int(selection.i),
                                            int(selection.j), trace, weights, info)
        except (IndexError, ValueError):
            # The selection refers to neurons the last published model did not have yet
            # (an edit in flight); the next frame brings the rebuilt model.
            sections = []
        loss_html = self._loss(trace, info) if trace is not None and trace.loss is not None else ""
        # Chronological: forward, the loss, backward, update.
        ordered = sections[:1] + ([("loss", loss_html)] if loss_html else []) + sections[1:]
        if not sections and not loss_html and not running:
            ordered = [("", '<p class="hint">Select a neuron or a connection on the canvas to '
                            'see its formula filled in with the live numbers; press Step to '
                            'run training one stage at a time.</p>')]
        ordered = self._with_question(ordered, trace, info)  # predict, then reveal
        # For a page too long for the view (presentation mode): the forward pass in one
        # line when later stages follow it, the loss in one line, no asides.
        short = list(ordered)
        if sections and len(sections) > 1 and isinstance(selection, NeuronSel):
            short[0] = ("forward", self._neuron_summary(ids.index(selection.layer),
                                                        int(selection.index), trace, info))
        short = [(kind, self._loss_line(trace) if kind == "loss" and trace is not None
                  and trace.stage.kind != "loss" else _folded(text)) for kind, text in short]
        # A how-to for the desktop: on paper and on a projector (enlarged) it is left out.
        auto_note = _AUTO_NOTE if auto and sections and not self._printed \
            and self._scale <= 1 else ""
        kind = trace.stage.kind if trace is not None else None
        # Which neuron it is stands at the end: the stage's own lines come first.
        full = self._page(top, stage_block, ordered, kind) + auto_note
        if self._printed:  # paper has nothing to click
            full = full.replace(_ASIDE, "")
        self._show_pages(full, self._page(top, short_block, short, kind))

    @staticmethod
    def _page(top: list[str], stage_block: str, sections: list[tuple[str, str]],
              kind: str | None) -> str:
        """The page: the stage's heading right above the first section the stage computed
        (at the top when the selection shows nothing of this stage)."""
        at = next((k for k, (s_kind, _text) in enumerate(sections) if s_kind == kind), 0)
        texts = [text for _kind, text in sections]
        return "".join(top + texts[:at] + [stage_block] + texts[at:])

    def _on_anchor(self, url) -> None:
        """The "per sample" link: open (or close) the batch's table under the sum."""
        if url.toString() != SAMPLES_LINK or self._state is None:
            return
        self._samples_open = not self._samples_open
        self._focus = SAMPLES_ANCHOR if self._samples_open else "stage"
        self._keep_focus = True
        self.show_state(*self._state)

    def set_printed(self, printed: bool, samples_table: bool = False) -> None:
        """Pages for paper (the handout and its slides): no "per sample" link and no
        "click ..." notes; ``samples_table`` prints the batch's per-sample table under the
        sums. Takes effect with the next :meth:`show_state`."""
        self._printed = bool(printed)
        self._samples_open = bool(printed and samples_table)

    def _lists_them(self) -> str:
        """Where the batch's samples are listed: the link, the printed table, or nowhere."""
        if not self._printed:
            return " (“per sample” lists them)"
        return " (the table lists them)" if self._samples_open else ""

    def samples_open(self) -> bool:
        """Whether the per-sample table of the batch is shown (the "per sample" link)."""
        return self._samples_open

    @staticmethod
    def _stage_selection(trace, ids) -> NeuronSel | None:
        """What a stage explains when nothing is selected: neuron 1 of its layer."""
        kind, layer = trace.stage.kind, trace.stage.layer
        if kind in ("forward", "backward") and layer is not None and layer + 1 < len(ids):
            return NeuronSel(ids[layer + 1], 0)
        if kind == "update":
            return NeuronSel(ids[-1], 0)
        return None
