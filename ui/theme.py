"""The light and dark themes: the widgets' palette, a small style sheet and the canvas colours.

One :class:`Theme` holds every colour the window uses, as ``#rrggbb`` strings so that any
part of the view can turn one into a ``QColor`` without knowing where it came from.
``apply_theme(app, dark)`` sets Qt's Fusion style, the palette and the style sheet;
the canvas reads its own colours from ``theme_for(dark)`` in ``scene.set_theme(dark)``.

Weight colours follow one rule everywhere, TensorFlow Playground's diverging palette that
lecturers already know: blue for positive, orange for negative, so a student reads a
connection's sign the same way in both themes. The decision map agrees: the positive
class (class 1 of two) is blue, class 0 orange.

The plots (pyqtgraph) and the lecture view (rich text) do not draw with the widget
palette, so the theme also names their colours: ``plot_*`` and ``value``.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from nnviz.document.layer_kinds import get as get_kind


@dataclass(frozen=True)
class Theme:
    """Every colour of one theme, as ``#rrggbb`` strings."""

    name: str
    dark: bool
    # widgets
    window: str
    panel: str
    base: str
    alternate_base: str
    text: str
    muted_text: str
    border: str
    accent: str
    accent_text: str
    highlight: str
    tooltip: str
    error: str
    warning: str
    # canvas
    canvas_background: str
    canvas_grid: str
    layer_fill: str
    layer_border: str
    layer_title: str
    neuron_fill: str
    neuron_border: str
    neuron_active: str
    port: str
    selection: str
    positive_weight: str
    negative_weight: str
    ok: str  # a layer that checks out (the green ring); the layer kinds' colours: layer_color
    # plots and lecture view (pyqtgraph and rich text ignore the widget palette)
    plot_background: str
    plot_foreground: str
    plot_grid: str
    value: str

    def color(self, field: str) -> QColor:
        """The named colour as a ``QColor`` (``theme.color("accent")``)."""
        return QColor(getattr(self, field))

    def layer_color(self, kind: str) -> QColor:
        """The identifying colour of a layer kind, the registry's for this theme
        (:mod:`nnviz.document.layer_kinds`)."""
        record = get_kind(kind)
        return QColor(record.colour_dark if self.dark else record.colour)


LIGHT = Theme(
    name="light",
    dark=False,
    window="#eef0f4",
    panel="#f7f8fa",
    base="#ffffff",
    alternate_base="#f3f5f8",
    text="#1d2330",
    muted_text="#5d6676",
    border="#d3d8e0",
    accent="#2f6fde",
    accent_text="#ffffff",
    highlight="#2f6fde",
    tooltip="#ffffff",
    error="#c62f3b",
    warning="#b26a00",
    canvas_background="#fbfcfd",
    canvas_grid="#e9ecf1",
    layer_fill="#ffffff",
    layer_border="#c6ccd6",
    layer_title="#2a3140",
    neuron_fill="#ffffff",
    neuron_border="#6b7587",
    neuron_active="#2f6fde",
    port="#8a94a6",
    selection="#2f6fde",
    positive_weight="#2f78d0",
    negative_weight="#e0702c",
    ok="#2e9e6b",
    plot_background="#ffffff",
    plot_foreground="#3a4252",
    plot_grid="#9aa3b2",
    value="#1f5fc8",
)

DARK = Theme(
    name="dark",
    dark=True,
    window="#1b1e24",
    panel="#21252c",
    base="#16181d",
    alternate_base="#1f2329",
    text="#e4e7ec",
    muted_text="#9aa3b2",
    border="#343a45",
    accent="#5b9cf6",
    accent_text="#0f1115",
    highlight="#3f7fe0",
    tooltip="#2a2f38",
    error="#ff6b74",
    warning="#f0b44c",
    canvas_background="#121418",
    canvas_grid="#1f232a",
    layer_fill="#1d2128",
    layer_border="#3a414d",
    layer_title="#dfe3ea",
    neuron_fill="#262b33",
    neuron_border="#8e98aa",
    neuron_active="#5b9cf6",
    port="#7d889b",
    selection="#5b9cf6",
    positive_weight="#5aa7ff",
    negative_weight="#ff9552",
    ok="#43c28a",
    plot_background="#16181d",
    plot_foreground="#c9cfd9",
    plot_grid="#6b7587",
    value="#7ab8ff",
)


#: One colour per class, shared by every view of the classes: the data preview, the output
#: map's points and its class legend, and the marks beside the canvas's output neurons. With
#: two classes, class 1 (the positive one) is blue and class 0 orange, as positive and
#: negative weights are. The same colours in both themes, so a class keeps its colour when
#: the theme changes; each is mid-light, readable on the light and on the dark canvas.
CLASS_COLORS = [LIGHT.negative_weight, LIGHT.positive_weight, "#2e9e6b", "#8b4fd6", "#c62f3b", "#b28a00",
                "#1b9aaa", "#7a5c3e", "#d6509e", "#5d6676"]


def class_color(k: int) -> str:
    """The colour of class ``k`` (``#rrggbb``): :data:`CLASS_COLORS`, repeated past its end."""
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]

def theme_for(dark: bool) -> Theme:
    """The dark theme when ``dark`` is true, else the light one."""
    return DARK if dark else LIGHT


def make_palette(theme: Theme) -> QPalette:
    """A full ``QPalette`` for the Fusion style, including the disabled colour group."""
    pal = QPalette()
    c = QColor
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alternate_base,
        QPalette.ColorRole.ToolTipBase: theme.tooltip,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted_text,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.panel,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.BrightText: theme.error,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: theme.accent,
        QPalette.ColorRole.LinkVisited: theme.accent,
        QPalette.ColorRole.Light: theme.base,
        QPalette.ColorRole.Midlight: theme.alternate_base,
        QPalette.ColorRole.Mid: theme.border,
        QPalette.ColorRole.Dark: theme.border,
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, value in roles.items():
        pal.setColor(role, c(value))
    disabled = c(theme.muted_text)
    disabled.setAlpha(150)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, c(theme.border))
    return pal


def make_stylesheet(theme: Theme) -> str:
    """The few rules Fusion's palette cannot express: dock titles, the palette list, spacing."""
    t = theme
    return f"""
QMainWindow::separator {{ background: {t.border}; width: 1px; height: 1px; }}
QDockWidget {{ font-weight: 600; }}
QDockWidget::title {{
    background: {t.panel}; padding: 6px 10px; border-bottom: 1px solid {t.border};
}}
QDockWidget > QWidget {{ font-weight: normal; }}
QListWidget#palette {{
    background: transparent; border: none; padding: 6px; outline: 0;
}}
QListWidget#palette::item {{
    padding: 8px 6px; margin: 2px 0px; border-radius: 6px; color: {t.text};
}}
QListWidget#palette::item:hover {{ background: {t.alternate_base}; }}
QListWidget#palette::item:selected {{ background: {t.accent}; color: #ffffff; }}
QLabel[role="heading"] {{ font-size: 11pt; font-weight: 600; color: {t.text}; }}
QLabel[role="hint"] {{ color: {t.muted_text}; }}
QLabel[role="value"] {{ font-family: monospace; }}
QStatusBar {{ background: {t.panel}; border-top: 1px solid {t.border}; }}
QStatusBar QLabel {{ padding: 0px 6px; }}
QLabel#validationLabel[state="error"] {{ color: {t.error}; }}
QLabel#validationLabel[state="ok"] {{ color: {t.muted_text}; }}
QToolTip {{ color: {t.text}; background: {t.tooltip}; border: 1px solid {t.border}; padding: 4px; }}
QMenu {{ padding: 4px; }}
QMenu::item {{ padding: 5px 24px 5px 22px; border-radius: 4px; }}
QMenu::item:selected {{ background: {t.highlight}; color: #ffffff; }}
"""


def apply_theme(app: QApplication, dark: bool) -> Theme:
    """Give the whole application the light or dark theme and return it.

    Fusion draws the same on every platform, so both themes look as designed
    rather than half-native.
    """
    theme = theme_for(dark)
    # Re-styling the application repolishes every widget (slow with many plots), so
    # nothing is done when the application already wears this theme.
    if app.property("nnvizTheme") == theme.name:
        return theme
    # The name first: widgets that restyle themselves on the palette change below
    # (plots, lecture view) ask ``is_dark()`` which theme they are changing to.
    app.setProperty("nnvizTheme", theme.name)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(make_palette(theme))
    app.setStyleSheet(make_stylesheet(theme))
    return theme


def is_dark() -> bool:
    """Whether the application wears the dark theme now (light when no theme was applied).

    Widgets that paint with their own colours (pyqtgraph plots, rich text) call this when
    Qt tells them the palette changed, so they follow the window's theme switch.
    """
    app = QApplication.instance()
    return app is not None and app.property("nnvizTheme") == DARK.name


def default_font() -> QFont:
    """The application font: the system's UI font, at least 10 points so a projector reads it."""
    font = QApplication.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    return font
