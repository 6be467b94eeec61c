"""How the Lecture view writes numbers and names: three significant digits, the canvas's
names (x1, h1, y1, w_x1->h1), sums written out term by term, the page's style sheet and its
sizes. Shared by the view's pages and their formulas."""
from __future__ import annotations

import math
import re

import numpy as np

#: The formulas' size in pixels at font scale 1: readable from the back of a lecture room.
BASE_PIXEL_SIZE = 20
#: The font scales Ctrl+plus / Ctrl+minus step through, and the limits of set_font_scale.
ZOOM_STEP = 1.15
MIN_SCALE, MAX_SCALE = 0.5, 4.0
#: An enlarged page that does not fit the view shrinks, but not below this share of its size.
FIT_FLOOR = 0.7
#: Presentation mode's right column (the steps above the lecture view) takes this share of
#: the window's width: the formulas wrap little, and the canvas keeps the rest for numbers
#: at least 24 px tall at 1920x1080. The controller sizes the column with it too.
PRESENTATION_SHARE = 0.22
#: ... but never narrower than this (the two-line stage heading and the formulas need it).
PRESENTATION_MIN_WIDTH = 400


def presentation_column_width(window_width: int) -> int:
    """The right column's width in presentation mode, for a window ``window_width`` wide."""
    return max(PRESENTATION_MIN_WIDTH, round(window_width * PRESENTATION_SHARE))

#: How many terms of a long sum are written out before "… + (n more)".
MAX_TERMS = 4
MINUS = "\u2212"
#: The anchor on the current stage's heading: the view scrolls it to its top.
STAGE_ANCHOR = "stage"
#: The "per sample" link under a sum, and the anchor of the table it opens.
SAMPLES_LINK = "nnviz:samples"
SAMPLES_ANCHOR = "samples"


def fmt(value: float, digits: int = 3) -> str:
    """A number as the lecture view writes it: ``digits`` decimals, a real minus sign.

    Below 0.1 a number keeps three significant digits (``0.0294``, ``−0.00120``), so the
    terms written out in a sum add up to the sum shown (one significant digit made a
    printed equation 16 % off); below 10⁻⁴ in scientific form (``2.50e−05``), so a
    gradient never reads as 0. ``digits=0`` writes whole numbers (0/1 targets).
    """
    v = float(value)
    if not math.isfinite(v):
        return "NaN" if v != v else ("∞" if v > 0 else MINUS + "∞")
    if digits > 0 and v != 0 and abs(v) < 1e-4:
        text = f"{v:.2e}"
    else:
        places = digits
        if digits > 0 and v != 0 and abs(v) < 0.1:
            # 2 - floor(log10|v|) decimals leave three significant digits.
            places = max(digits, 2 - math.floor(math.log10(abs(v))))
        text = f"{v:.{places}f}"
        if text.startswith("-") and float(text) == 0:
            text = text[1:]
    return text.replace("-", MINUS)


def fmt_lr(value: float) -> str:
    """A learning rate as a person writes it: ``0.1``, ``0.00001`` (no trailing zeros)."""
    return np.format_float_positional(float(value), trim="-")


def _p(value: float) -> str:
    """A number as a factor: negative numbers in parentheses."""
    text = fmt(value)
    return f"({text})" if text.startswith(MINUS) else text


def _sub(name: str, *idx) -> str:
    return f"<i>{name}</i><sub>{','.join(str(i) for i in idx)}</sub>"


def unit_name(pos: int, j, n_layers: int) -> str:
    """The canvas's name of neuron ``j`` (0-based, or a letter index) of layer ``pos``:
    ``x1`` (input), ``h1`` (hidden), ``y1`` (output). With more than one hidden layer the
    hidden names carry the layer's number as a superscript (``h1⁽²⁾``), so no name means
    two neurons."""
    idx = j + 1 if isinstance(j, int) else j
    if pos == 0:
        return f"x{idx}"
    if pos >= n_layers - 1:
        return f"y{idx}"
    return f"h{idx}" + (f"<sup>({pos})</sup>" if n_layers > 3 else "")


class _Names:
    """The symbols of one page, each naming exactly one thing (the canvas's neuron names):
    ``z_h1``, ``a_h1`` (a hidden neuron's output), ``ŷ_1`` (output neuron y1's output; its
    target is ``y_1``), ``x_1``, ``b_h1``, ``w_x1→h1`` (the line from x1 to h1)."""

    def __init__(self, n_layers: int):
        self.n = max(int(n_layers), 2)

    def unit(self, pos: int, j) -> str:
        return unit_name(pos, j, self.n)

    def z(self, pos: int, j) -> str:
        return f"<i>z</i><sub>{self.unit(pos, j)}</sub>"

    def a(self, pos: int, j) -> str:
        """The neuron's output: ``x_1`` (an input), ``a_h1`` (hidden), ``ŷ_1`` (output)."""
        idx = j + 1 if isinstance(j, int) else j
        if pos == 0:
            return f"<i>x</i><sub>{idx}</sub>"
        if pos >= self.n - 1:
            return f"<i>ŷ</i><sub>{idx}</sub>"
        return f"<i>a</i><sub>{self.unit(pos, j)}</sub>"

    def b(self, pos: int, j) -> str:
        return f"<i>b</i><sub>{self.unit(pos, j)}</sub>"

    def w(self, pos: int, i, j) -> str:
        """The weight on the line from neuron ``i`` of layer ``pos - 1`` to ``j`` of ``pos``."""
        return f"<i>w</i><sub>{self.unit(pos - 1, i)}→{self.unit(pos, j)}</sub>"


def _v(text: str) -> str:
    """A computed value, set off in bold colour."""
    return f'<span class="val">{text}</span>'


def _terms(parts: list[str], n_total: int) -> str:
    if n_total > MAX_TERMS:
        return " + ".join(parts[:MAX_TERMS]) + f" + … ({n_total - MAX_TERMS} more)"
    return " + ".join(parts)


# Sizes in pixels (not points) so the text is as large on every screen's DPI setting.
# The hanging indent keeps a wrapped formula's continuation lines under its right side.
_STYLE = """
body { font-size: %(size)spx; }
h3 { font-size: %(h)spx; font-weight: 600; margin-top: %(gap)spx; margin-bottom: 4px; }
p { margin-top: 2px; margin-bottom: %(gap)spx; line-height: 135%%; }
.f { font-family: 'STIX Two Math', 'Cambria Math', 'DejaVu Serif', serif;
     margin-left: %(indent)spx; text-indent: -%(indent)spx; }
.val { color: %(value)s; font-weight: bold; }
.hint { color: %(muted)s; }
.note { color: %(muted)s; font-size: %(small)spx; }
.err { color: %(error)s; font-weight: bold; }
.stage { font-weight: 600; margin-bottom: 0px; }
.run { color: %(value)s; font-weight: 600; }
.predict { color: %(value)s; font-weight: 700; }
table.samples { margin-left: %(indent)spx; font-size: %(small)spx; }
table.samples th, table.samples td { padding-right: %(gap)spx; text-align: right; }
"""


_AUTO_NOTE = ('<p class="note">Neuron 1 of the layer this stage computed: click a neuron or '
              'a connection to follow it instead.</p>')
_ASIDE = '<br><span class="note">each incoming weight likewise (click a connection)</span>'


def _folded(text: str) -> str:
    """A section in its compact form: no asides, no explanatory notes inside a formula's
    paragraph, no sub-heading "Backward: the chain rule" (the stage's heading says it)."""
    text = text.replace(_ASIDE, "")
    text = re.sub(r'<br><span class="note">.*?</span>', "", text)
    text = re.sub(r"<!--b-->.*?<!--/b-->", "", text)
    return re.sub(r"<h3>Backward: the chain rule[^<]*</h3>", "", text)
