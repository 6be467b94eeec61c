"""Text on the canvas: fonts sized in device pixels, measured once, and numbers written short.

The canvas's items draw their numbers and labels at sizes that follow the zoom; these
helpers give them the fonts (cached by size) and widths (measured once per text).
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QTransform


def _scale_of(painter: QPainter) -> float:
    t = painter.worldTransform()
    return math.hypot(t.m11(), t.m12()) or 1.0


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


_PIXEL_FONTS: dict[tuple[int, bool, int], QFont] = {}
_EM_WIDTHS: dict[tuple[str, bool, int], float] = {}
#: Presentation mode writes the numbers in the neurons this narrow (percent of the normal
#: width): a five-character "-1.27" then fits a circle at 28 px instead of 25 px, and from
#: a room's back row the height of the digits counts more than their width.
CONDENSED_STRETCH = 78


def pixel_font(pixels: float, bold: bool = False, stretch: int = 100) -> QFont:
    """A font ``pixels`` device pixels tall (its em), ``stretch`` percent wide, cached."""
    key = (max(int(pixels), 1), bool(bold), int(stretch))
    font = _PIXEL_FONTS.get(key)
    if font is None:
        font = QFont()
        font.setPixelSize(key[0])
        font.setBold(bold)
        if stretch != 100:
            font.setStretch(int(stretch))
        _PIXEL_FONTS[key] = font
    return font


def em_width(text: str, bold: bool = False, stretch: int = 100) -> float:
    """How wide ``text`` is in ems (its width at a 1 px font), measured once per text."""
    key = (text, bool(bold), int(stretch))
    width = _EM_WIDTHS.get(key)
    if width is None:
        width = QFontMetricsF(pixel_font(100, bold, stretch)).horizontalAdvance(text) / 100.0
        _EM_WIDTHS[key] = width
    return width


def _map(t: QTransform, x: float, y: float) -> QPointF:
    return t.map(QPointF(x, y))


def short_number(value: float) -> str:
    """A number in at most 5 characters, to fit inside a neuron: ``0.53``, ``-1.20``, ``3e-5``.

    Two decimals between 0.01 and 1000 (and for 0); otherwise one significant digit with a
    short exponent. The tooltip and the lecture view give the exact value.
    """
    v = float(value)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if v == 0 or 0.01 <= abs(v) < 1000:
        text = f"{v:.2f}"
        return "0.00" if text == "-0.00" else text
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"
