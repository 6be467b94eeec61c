"""The Lecture view's size: its text scale, the fitting of an enlarged page to the view
and the view's zoom keys (a part of :class:`~ui.training.lecture_view.LectureView`).

Presentation mode enlarges the text (:meth:`LectureFit.set_font_scale`) and widens a docked
view beside the canvas; a page too long for the view is then drawn smaller, down to
``FIT_FLOOR`` of its size, or in its compact form, with the current stage's heading at the
view's top. Ctrl+plus / Ctrl+minus / Ctrl+0 and Ctrl+wheel inside the view set an exact size.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QLayout, QMainWindow

from ui.theme import theme_for
from ui.training.lecture_text import (
    _STYLE,
    BASE_PIXEL_SIZE,
    FIT_FLOOR,
    MAX_SCALE,
    MIN_SCALE,
    STAGE_ANCHOR,
    ZOOM_STEP,
    presentation_column_width,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QDockWidget, QTextBrowser

    # For the type checker the mixin is the dock it is part of; at run time LectureView
    # puts QDockWidget after it.
    _Dock = QDockWidget
else:
    _Dock = object

__all__ = ["LectureFit"]



def style_browser(browser, size: int, dark: bool) -> None:
    """The Lecture view's style sheet and fonts for text of ``size`` pixels on ``browser``
    (a QTextBrowser; the page is not re-parsed). The Chain rule tab uses it too."""
    t = theme_for(dark)
    browser.document().setDefaultStyleSheet(_STYLE % {
        "size": size, "h": size, "small": round(size * 0.8),
        "gap": round(size * 0.4), "indent": round(size * 1.5), "value": t.value,
        "muted": t.muted_text, "error": t.error})
    # The widget's own font, not only the document's: an application style sheet (the
    # theme switch) resets a text browser's document font to the widget's.
    font = QFont(browser.font())
    font.setPixelSize(size)
    browser.setFont(font)
    browser.document().setDefaultFont(font)

class LectureFit(_Dock):
    """The text scale, the fitting and the zoom keys: a mixin of
    :class:`~ui.training.lecture_view.LectureView`, which holds the state it reads."""

    if TYPE_CHECKING:  # what LectureView holds, named for the type checker
        browser: QTextBrowser
        _scale: float
        _dark: bool
        _last_html: str | None
        _shown_size: int
        _compact_html: str | None
        _shown_html: tuple | None
        _fitted_viewport: QSize | None
        _refit_pending: bool
        _fit: bool
        _narrow_width: int | None
        _watched_window: QMainWindow | None
        _focus: str

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

    def shown_pixel_size(self) -> int:
        """The size the formulas are drawn at now: :meth:`pixel_size`, or less when an
        enlarged page (presentation mode) was shrunk to fit the view (never below
        ``FIT_FLOOR`` of it, nor below 20 px)."""
        return self._shown_size

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
        self._shown_size = size
        self._shown_html = None  # the style applies when a page is parsed
        style_browser(self.browser, size, self._dark)

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
