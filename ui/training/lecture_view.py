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
from typing import cast

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QDockWidget, QLayout, QMainWindow, QTextBrowser

from nnviz.document.selection import ConnectionSel, NeuronSel, Selection
from nnviz.engine import activations
from nnviz.session.lecture_info import LectureInfo
from ui.theme import is_dark, theme_for
from ui.training.lecture_formulas import LectureFormulas
from ui.training.lecture_predict import WAITING_HINT, LecturePredict
from ui.training.lecture_text import (
    _ASIDE,
    _AUTO_NOTE,
    _STYLE,
    BASE_PIXEL_SIZE,
    FIT_FLOOR,
    MAX_SCALE,
    MAX_TERMS,
    MIN_SCALE,
    MINUS,
    SAMPLES_ANCHOR,
    SAMPLES_LINK,
    STAGE_ANCHOR,
    ZOOM_STEP,
    _folded,
    _Names,
    _p,
    _terms,
    _v,
    fmt,
    fmt_lr,
    presentation_column_width,
)

__all__ = ["LectureView", "fmt", "fmt_lr", "MAX_TERMS", "BASE_PIXEL_SIZE", "FIT_FLOOR",
           "presentation_column_width"]




class LectureView(LecturePredict, LectureFormulas, QDockWidget):
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

    # ------------------------------------------------------------------ size and theme
    def set_font_scale(self, factor: float, fit: bool = True) -> None:
        """Scale the text: 1.0 = 20 px formulas, 1.7 for presentation mode (0.5 to 4).

        With ``fit`` (the default, what presentation mode asks for), an enlarged page that
        does not fit the view is drawn smaller, down to ``FIT_FLOOR`` of the size, so its
        result lines need no scrolling. Ctrl+plus / Ctrl+minus set an exact size (no fit).
        """
        self._scale = min(max(float(factor), MIN_SCALE), MAX_SCALE)
        self._fit = bool(fit)
        self._apply_style()
        if self._fit and self._scale > 1:
            win = self._main_window()
            if win is not None and win is not self._watched_window:
                self._watched_window = win
                win.installEventFilter(self)  # its resizes widen the view again
            QTimer.singleShot(0, self, self._widen)  # after the window went full screen
        elif self._scale <= 1:
            self._restore_width()

    def _main_window(self):
        win = self.parentWidget()
        if isinstance(win, QMainWindow) and not self.isFloating() and win.dockWidgetArea(self) \
                in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            return win
        return None

    def _widen(self) -> None:
        """Enlarged and fitted (presentation mode), a docked view beside the canvas takes at
        least ``PRESENTATION_SHARE`` of the window's width, so its lines wrap less."""
        win = self._main_window()
        if win is None or not (self._fit and self._scale > 1):
            return
        cast(QLayout, win.layout()).activate()  # the docks at the window's new size first
        target = presentation_column_width(win.width())
        # Called when presentation starts and when the window resizes: a dock the
        # lecturer then drags narrower stays so.
        if self.width() < target - 8:
            if self._narrow_width is None:
                self._narrow_width = self.width()
            win.resizeDocks([self], [target], Qt.Orientation.Horizontal)
            cast(QLayout, win.layout()).activate()  # a main window always has its layout

    def _restore_width(self) -> None:
        """Back to the width the dock had before :meth:`_widen` (leaving presentation mode)."""
        width, self._narrow_width = self._narrow_width, None
        win = self._main_window()
        if width is not None and win is not None:
            win.resizeDocks([self], [width], Qt.Orientation.Horizontal)

    def font_scale(self) -> float:
        """The current text scale (1.0 = normal)."""
        return self._scale

    def pixel_size(self) -> int:
        """The formulas' font size in pixels now: ``round(20 * scale)``."""
        return round(BASE_PIXEL_SIZE * self._scale)

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Ctrl+plus / Ctrl+minus / Ctrl+0 and Ctrl+wheel scale the text of this view only;
        a font change from outside (a new application style sheet) is undone.

        The window's Ctrl+plus zooms the canvas; while the lecture view has the focus, the
        shortcut is claimed here (ShortcutOverride) so the key reaches this view instead.
        """
        kind = event.type()
        if kind == QEvent.Type.Resize and watched is self.browser.viewport():
            # A new size (presentation mode's full screen) fits the page again, once.
            old, new = self._fitted_viewport, cast(QResizeEvent, event).size()
            if old is None or new.height() != old.height() or \
                    abs(new.width() - old.width()) > 24:
                if not self._refit_pending:
                    self._refit_pending = True
                    QTimer.singleShot(0, self, self._refit)
        if kind == QEvent.Type.Resize and watched is self._watched_window and \
                self._fit and self._scale > 1:
            QTimer.singleShot(0, self, self._widen)  # the window's new width (full screen)
        if kind == QEvent.Type.FontChange and watched is self.browser and \
                self.browser.font().pixelSize() != self._shown_size:
            # The application style sheet (set by the theme switch) gave the browser the
            # dock's font and the document that font's size: put the scale back.
            self._apply_style()
            return False
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and \
                watched is self.browser:
            factor = self._zoom_factor(event)
            if factor is not None:
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self.set_font_scale(1.0 if factor == 0 else self._scale * factor,
                                        fit=False)
                return True
        if kind == QEvent.Type.Wheel and watched is self.browser.viewport() and \
                cast(QWheelEvent, event).modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = cast(QWheelEvent, event).angleDelta().y() / 120
            if steps:
                self.set_font_scale(self._scale * ZOOM_STEP ** steps, fit=False)
            return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _zoom_factor(event) -> float | None:
        """ZOOM_STEP for Ctrl+plus (or Ctrl+=), its inverse for Ctrl+minus, 0 for Ctrl+0."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return None
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) or \
                event.matches(QKeySequence.StandardKey.ZoomIn):
            return ZOOM_STEP
        if key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) or \
                event.matches(QKeySequence.StandardKey.ZoomOut):
            return 1 / ZOOM_STEP
        if key == Qt.Key.Key_0:
            return 0
        return None

    def _apply_style(self) -> None:
        """Set the style sheet and default font for the scale and theme, then re-render."""
        self._set_style(self.pixel_size())
        if self._last_html is not None:
            # The default style sheet applies when HTML is parsed: parse the page again.
            self._render_fitted()

    def _set_style(self, size: int) -> None:
        """The style sheet and fonts for text of ``size`` pixels (the page is not re-parsed)."""
        t = theme_for(self._dark)
        self._shown_size = size
        self._shown_html = None  # the style applies when a page is parsed
        self.browser.document().setDefaultStyleSheet(_STYLE % {
            "size": size, "h": size, "small": round(size * 0.8),
            "gap": round(size * 0.4), "indent": round(size * 1.5), "value": t.value,
            "muted": t.muted_text, "error": t.error})
        # The widget's own font, not only the document's: an application style sheet
        # (the theme switch) resets a text browser's document font to the widget's.
        font = QFont(self.browser.font())
        font.setPixelSize(size)
        self.browser.setFont(font)
        self.browser.document().setDefaultFont(font)

    def shown_pixel_size(self) -> int:
        """The size the formulas are drawn at now: :meth:`pixel_size`, or less when an
        enlarged page (presentation mode) was shrunk to fit the view (never below
        ``FIT_FLOOR`` of it, nor below 20 px)."""
        return self._shown_size

    def _show_pages(self, full: str, compact: str) -> None:
        """Show ``full``; ``compact`` (the same results, fewer lines) when an enlarged page
        does not fit the view. An unchanged page costs no relayout."""
        if (full, compact) != (self._last_html, self._compact_html):
            self._last_html, self._compact_html = full, compact
            self._render_fitted()

    def _set_html(self, text: str, size: int) -> None:
        # Qt's rich text takes the body's size from an inline style, not the default sheet.
        self.browser.setHtml(f'<body style="font-size: {size}px">{text}</body>')

    def _fits(self) -> bool:
        """Whether the stage's part of the page (from its heading to the end) fits the view."""
        return self.browser.document().size().height() - self._scroll_target(STAGE_ANCHOR) \
            <= self.browser.viewport().height()

    def _scroll_target(self, name: str) -> float:
        """The scroll position that puts the anchor ``name`` at the view's top, with the
        page's margin above it as at the page's start (0 without the anchor)."""
        top = self.anchor_top(name)
        return 0.0 if top is None else max(0.0, top - self.browser.document().documentMargin())

    def anchor_top(self, name: str) -> float | None:
        """Where the paragraph holding the anchor ``name`` starts on the page (pixels from
        the page's top), or None when the page has no such anchor."""
        doc = self.browser.document()
        layout = doc.documentLayout()
        doc.size()  # lays the page out
        block = doc.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                if name in it.fragment().charFormat().anchorNames():
                    return layout.blockBoundingRect(block).top()
                it += 1
            block = block.next()
        return None

    def _render_fitted(self) -> None:
        """Render the page; an enlarged page (scale above 1 with ``fit``, as in presentation
        mode) whose current stage (its heading to the page's end) does not fit the view is
        drawn smaller, down to ``FIT_FLOOR`` of its size, then in its compact form; then the
        stage's heading is scrolled to the view's top (earlier stages above it)."""
        wanted = self.pixel_size()
        pages = [self._last_html or ""]
        if self._compact_html and self._compact_html != pages[0]:
            pages.append(self._compact_html)
        self._fitted_viewport = self.browser.viewport().size()
        floor = max(BASE_PIXEL_SIZE, round(wanted * FIT_FLOOR))
        fitting = self._fit and self._scale > 1 and wanted > floor
        chosen = None
        for text in pages if fitting else pages[:1]:
            self._draw(text, wanted)
            if not fitting or self._fits():
                chosen = (text, wanted)
                break
            lo, hi, best = floor, wanted - 1, None
            while lo <= hi:  # the largest size that fits
                mid = (lo + hi) // 2
                self._draw(text, mid)
                if self._fits():
                    best, lo = mid, mid + 1
                else:
                    hi = mid - 1
            if best is not None:
                chosen = (text, best)
                break
        if chosen is None:  # fits nowhere: the compact page at the floor, its heading on top
            chosen = (pages[-1], floor)
        if self._shown_html != chosen:
            self._draw(*chosen)
        self._scroll_to_focus()

    def _draw(self, text: str, size: int) -> None:
        if self._shown_size != size:
            self._set_style(size)
        self._set_html(text, size)
        self._shown_html = (text, size)

    def is_compact(self) -> bool:
        """Whether the view shows the compact page (an enlarged page too long for it)."""
        return self._shown_html is not None and self._shown_html[0] != self._last_html

    def _scroll_to_focus(self) -> None:
        """Scroll the current stage's heading (or the per-sample table just opened) to the
        view's top: what the stage newly derived follows it, earlier stages are above. A
        page without a stage (nothing stepped) starts at its top."""
        name = self._focus if self.anchor_top(self._focus) is not None else STAGE_ANCHOR
        bar = self.browser.verticalScrollBar()
        bar.setValue(min(round(self._scroll_target(name)), bar.maximum()))

    def _refit(self) -> None:
        self._refit_pending = False
        if self._last_html is not None:
            self._render_fitted()

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

    # --- a neuron -------------------------------------------------------------
    def _neuron(self, pos: int, j: int, trace, weights,
                info: LectureInfo) -> list[tuple[str, str]]:
        """[forward pass, backward pass, update] of neuron ``j`` of layer ``pos``, each as
        (the stage kind that computes it, html)."""
        N = self._names
        names = info.names
        name = html.escape(names[pos]) if pos < len(names) else "layer"
        if pos == 0:
            head = f"<h3>Input {N.unit(0, j)} of {name}</h3>"
            if trace is None:
                return [("forward", head + '<p class="hint">Step forward to feed a sample '
                                           'in.</p>')]
            return [("forward", head + f'<p class="f">{N.a(0, j)} = '
                                       f'{_v(fmt(trace.x[0, j]))}</p>')]
        layer = pos - 1
        W, b = self._layer_weights(layer, trace, weights)
        w_col, b_j = W[:, j], float(b[j])
        x = None
        if trace is not None:
            x = trace.x[0] if layer == 0 else (
                trace.a[layer - 1][0] if trace.a[layer - 1] is not None else None)
        n_in = len(w_col)
        zj = N.z(pos, j)
        out = [f"<h3>Neuron {N.unit(pos, j)} of {name}</h3>"]
        symbolic = _terms([f"{N.w(pos, i, j)}·{N.a(pos - 1, i)}" for i in range(n_in)],
                          n_in) + f" + {N.b(pos, j)}"
        updated = trace is not None and trace.W_after is not None
        before = ' <span class="note">(old weights: before this batch\'s update)</span>' \
            if updated else ""
        out.append(f'<p class="f">{zj} = {symbolic}{before}</p>')
        z_val = None
        if trace is not None and trace.z[layer] is not None:
            z_val = float(trace.z[layer][0, j])
        if x is not None:
            filled = _terms([f"{_p(w_col[i])}·{_p(x[i])}" for i in range(n_in)], n_in)
            z_text = _v(fmt(z_val)) if z_val is not None else WAITING_HINT
            out.append(f'<p class="f">&nbsp;&nbsp;= {filled} + {_p(b_j)} = {z_text}</p>')
        else:
            filled = _terms([f"{_p(w_col[i])}·{N.a(pos - 1, i)}" for i in range(n_in)], n_in)
            out.append(f'<p class="f">&nbsp;&nbsp;= {filled} + {_p(b_j)}</p>')
        act = self._act_name(layer, info)
        a_val = None
        if trace is not None and trace.a[layer] is not None:
            a_val = float(trace.a[layer][0, j])
        out.append(self._activation(act, pos, j, z_val, a_val, trace.z[layer][0]
                                    if trace is not None and z_val is not None else None))
        sections = [("forward", "".join(out))]
        if trace is not None and layer < len(trace.dZ) and trace.dZ[layer] is not None:
            sections.append(("backward", self._backward(pos, j, act, trace, weights, info)))
        if updated:
            sections.append(("update", self._neuron_update(pos, j, trace, info)))
        return sections

    def _neuron_summary(self, pos: int, j: int, trace, info: LectureInfo) -> str:
        """The neuron's forward pass in one line: its heading, ``z`` and its output."""
        N = self._names
        names = info.names
        name = html.escape(names[pos]) if pos < len(names) else "layer"
        layer = pos - 1
        z, a = trace.z[layer], trace.a[layer]
        if pos == 0 or z is None or a is None:
            return ""
        return (f"<h3>Neuron {N.unit(pos, j)} of {name}</h3>"
                f'<p class="f">{N.z(pos, j)} = {_v(fmt(z[0, j]))}, '
                f'{N.a(pos, j)} = {_v(fmt(a[0, j]))}</p>')

    @staticmethod
    def _act_name(layer: int, info: LectureInfo) -> str:
        acts = info.activations
        return acts[layer] if layer < len(acts) else "linear"

    def _backward(self, pos: int, j: int, act: str, trace, weights, info: LectureInfo) -> str:
        """Back-propagation through neuron ``j`` of layer ``pos``, with the numbers.

        Output layer: ``∂L/∂ŷ_1`` from the loss's registered gradient (with its ÷B) and
        ``f′(z_y1)``, or the softmax + cross-entropy shortcut ``(ŷ_1 − y_1)/B``. Hidden
        layer: ``∂L/∂a_h1 = w_h1→y1·∂L/∂z_y1 + ...`` over the next layer, then ``· f′``.
        Then ``∂L/∂b`` and ``∂L/∂w`` of its first incoming line, summed over the batch.
        """
        N = self._names
        layer = pos - 1
        zj, aj = N.z(pos, j), N.a(pos, j)
        dz = float(trace.dZ[layer][0, j])
        da = float(trace.dA[layer][0, j])
        n_batch = len(trace.x)
        last = layer == len(trace.dZ) - 1
        # The sample in the heading too: on a long page the top note scrolls away.
        sample = f" · sample 1 of {n_batch}" if n_batch > 1 else ""
        out = [f"<h3>Backward: the chain rule{sample}</h3>"]
        try:
            cls = type(activations.get(act))
        except ValueError:
            cls = None
        element_wise = cls is None or cls.element_wise
        if last:
            loss = self._loss_object(info)
            shortcut = loss.shortcut_html.get(act) if loss is not None else None
            sym, num = self._gradient_fill(loss, trace, j) if loss is not None else ({}, {})
            b_note = (f'<br><span class="note">÷{n_batch}: the loss is the mean over the '
                      f'B = {n_batch} samples of the batch</span>')
            clipped = loss is not None and self._clipped(loss, trace, j)
            if clipped:
                out.append(f'<p class="f">∂L/∂{aj} = {_v(fmt(da))}<br><span class="note">The '
                           f"loss clipped this sample's ŷ to [10<sup>−7</sup>, 1 − "
                           f"10<sup>−7</sup>] (an output outside 0..1): the gradient formula "
                           f"does not apply, and is 0 where it clipped.</span></p>")
                out.append(self._through_activation(cls, pos, j, trace))
            elif shortcut and loss is not None and cls is not None and not element_wise:
                out.append(f'<p class="f">∂L/∂{zj} = {shortcut.format(**sym)} = '
                           f'{shortcut.format(**num)} = {_v(fmt(dz))}'
                           f'<br><span class="note">{html.escape(cls.label)} with '
                           f'{html.escape(loss.label.lower())}: the Jacobian and the ln '
                           f'cancel to ŷ − y; ÷{n_batch}: the mean over the B = {n_batch} '
                           f'samples of the batch</span></p>')
            else:
                if loss is not None:
                    out.append(f'<p class="f">∂L/∂{aj} = {loss.gradient_html.format(**sym)} = '
                               f'{loss.gradient_html.format(**num)} = {_v(fmt(da))}'
                               f'{b_note}</p>')
                else:
                    out.append(f'<p class="f">∂L/∂{aj} = {_v(fmt(da))}</p>')
                out.append(self._through_activation(cls, pos, j, trace))
                if shortcut and loss is not None and cls is not None:
                    out.append(f'<p class="note">{html.escape(cls.label)} with '
                               f'{html.escape(loss.label.lower())}: the same as '
                               f'{shortcut.format(**sym)} = {shortcut.format(**num)} = '
                               f'{fmt(dz)}</p>')
        else:
            names = info.names
            nxt = html.escape(names[pos + 1]) if pos + 1 < len(names) else "next layer"
            W_next = self._layer_weights(layer + 1, trace, weights)[0]
            dz_next = trace.dZ[layer + 1][0]
            count = len(dz_next)
            if count <= MAX_TERMS:  # every term by name: no index to explain
                rule = " + ".join(f"{N.w(pos + 1, j, c)}·∂L/∂{N.z(pos + 1, c)}"
                                  for c in range(count))
                where = ""
            else:
                rule = f"Σ<sub>i</sub> {N.w(pos + 1, j, 'i')} · ∂L/∂{N.z(pos + 1, 'i')}"
                where = (f' <span class="note">(i = 1 … {count}: the neurons of '
                         f'{nxt})</span>')
            terms = _terms([f"{_p(W_next[j, c])}·{_p(dz_next[c])}" for c in range(count)],
                           count)
            out.append(f'<p class="f">∂L/∂{aj} = {rule}{where}</p>'
                       f'<p class="f">&nbsp;&nbsp;= {terms} = {_v(fmt(da))}</p>')
            out.append(self._through_activation(cls, pos, j, trace))
        out.append(self._parameter_gradients(pos, j, trace))
        return "".join(out)

    def _through_activation(self, cls, pos: int, j: int, trace) -> str:
        """``∂L/∂z = ∂L/∂a · f′(z)`` with f′'s value (softmax: its Jacobian)."""
        N = self._names
        layer = pos - 1
        zj, aj = N.z(pos, j), N.a(pos, j)
        dz = float(trace.dZ[layer][0, j])
        da_row = trace.dA[layer][0]
        a_row = trace.a[layer][0]
        da, z, a = float(da_row[j]), float(trace.z[layer][0, j]), float(a_row[j])
        if cls is not None and not cls.element_wise:
            k = len(a_row)
            s = float(np.sum(da_row * a_row))
            terms = _terms([f"{_p(da_row[c])}·{_p(a_row[c])}" for c in range(k)], k)
            a_i = N.a(pos, "i")
            return (f'<p class="f">∂L/∂{zj} = {aj} · (∂L/∂{aj} − Σ<sub>i</sub> '
                    f'∂L/∂{a_i} · {a_i})</p>'
                    f'<p class="f">&nbsp;&nbsp;Σ<sub>i</sub> = {terms} = {fmt(s)}</p>'
                    f'<p class="f">&nbsp;&nbsp;∂L/∂{zj} = {_p(a)} · ({_p(da)} − {_p(s)}) = '
                    f'{_v(fmt(dz))}</p>')
        if cls is None:
            return f'<p class="f">∂L/∂{zj} = {_v(fmt(dz))}</p>'
        with np.errstate(over="ignore", invalid="ignore"):
            fprime = float(cls().derivative(trace.z[layer][:1])[0, j])
        sym_rule = cls.derivative_html.format(z=zj, zp=zj, neg_z=MINUS + zj, a=aj)
        num_rule = cls.derivative_html.format(z=fmt(z), zp=_p(z), neg_z=fmt(-z), a=_p(a))
        # A constant derivative (linear: 1) is its own value.
        rule = f"{sym_rule} = {num_rule} = {_v(fmt(fprime))}" if sym_rule != num_rule else \
            _v(sym_rule)
        return (f'<p class="f">∂L/∂{zj} = ∂L/∂{aj} · f′({zj}) = {_p(da)} · {_p(fprime)} = '
                f'{_v(fmt(dz))}</p>'
                f'<p class="f">&nbsp;&nbsp;f′({zj}) = {rule}</p>')

    def _samples_link(self) -> str:
        if self._printed:
            return ""
        label = "hide the samples" if self._samples_open else "per sample"
        return f'&nbsp; <a href="{SAMPLES_LINK}">{label}</a>'

    def _parameter_gradients(self, pos: int, j: int, trace) -> str:
        """``∂L/∂b`` and ``∂L/∂w`` of the first incoming line: sums over the batch."""
        N = self._names
        layer = pos - 1
        dz = trace.dZ[layer][:, j]
        n = len(dz)
        zj = N.z(pos, j)
        out = []
        link = self._samples_link() if n > 1 else ""
        db = trace.db[layer] if layer < len(trace.db) else None
        if db is not None:
            if n == 1:
                out.append(f'<p class="f">∂L/∂{N.b(pos, j)} = ∂L/∂{zj} = '
                           f'{_v(fmt(db[j]))}</p>')
            else:
                terms = _terms([fmt(dz[0])] + [_p(v) for v in dz[1:]], n)
                # The compact page keeps the link of the ∂L/∂w line below only (one line
                # less): the "<!--b-->" marks this one.
                out.append(f'<p class="f">∂L/∂{N.b(pos, j)} = Σ<sub>samples</sub> '
                           f'∂L/∂{zj} = {terms} = {_v(fmt(db[j]))}<!--b-->{link}<!--/b--></p>')
        dW = trace.dW[layer] if layer < len(trace.dW) else None
        if dW is not None:
            a_prev = trace.x if layer == 0 else trace.a[layer - 1]
            terms = _terms([f"{_p(dz[s])}·{_p(a_prev[s, 0])}" for s in range(n)], n)
            sigma = "Σ<sub>samples</sub> " if n > 1 else ""
            out.append(f'<p class="f">∂L/∂{N.w(pos, 0, j)} = {sigma}∂L/∂{zj} · '
                       f'{N.a(pos - 1, 0)} = {terms} = {_v(fmt(dW[0, j]))}{link}{_ASIDE}</p>')
        if n > 1 and self._samples_open:
            out.append(self._samples_table(pos, 0, j, trace))
        return "".join(out)

    def _samples_table(self, pos: int, i: int, j: int, trace) -> str:
        """Every sample of the batch: its inputs x and targets y, the factors of the sums
        (``a`` of the line's source, ``∂L/∂z`` of its target), their product, and the sums
        (``∂L/∂b``, ``∂L/∂w``) in the last row."""
        N = self._names
        layer = pos - 1
        a_prev = trace.x if layer == 0 else trace.a[layer - 1]
        dz = trace.dZ[layer][:, j]
        a_own = trace.a[layer][:, j]
        n = len(dz)

        def row_of(values) -> str:
            values = np.ravel(values)
            shown = ", ".join(fmt(v, 0 if float(v) in (-1, 0, 1) else 3) for v in values[:MAX_TERMS])
            return shown + (", …" if len(values) > MAX_TERMS else "")

        head = ["sample", "<i>x</i>", "<i>y</i>", N.a(pos, j), N.a(pos - 1, i),
                f"∂L/∂{N.z(pos, j)}", f"∂L/∂{N.z(pos, j)}·{N.a(pos - 1, i)}"]
        rows = [f"<tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>"]
        for s in range(n):
            cells = [str(s + 1), row_of(trace.x[s]), row_of(trace.y[s]), fmt(a_own[s]),
                     fmt(a_prev[s, i]), fmt(dz[s]), fmt(dz[s] * a_prev[s, i])]
            rows.append(f"<tr>{''.join(f'<td>{c}</td>' for c in cells)}</tr>")
        db = trace.db[layer][j] if trace.db[layer] is not None else float(np.sum(dz))
        dw = trace.dW[layer][i, j]
        rows.append(f'<tr><td>Σ</td><td></td><td></td><td></td><td></td>'
                    f'<td>{_v(fmt(db))}</td><td>{_v(fmt(dw))}</td></tr>')
        return (f'<p class="note"><a name="{SAMPLES_ANCHOR}">The batch, sample by sample'
                f'</a> (the canvas shows sample 1):</p>'
                f'<table class="samples" cellspacing="0" cellpadding="3">{"".join(rows)}'
                f'</table>')
