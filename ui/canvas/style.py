"""The canvas's look in one place: stacking order, sizes, and the colours of values.

Stacking order (z-values) and sizes are named constants so that every item agrees on them.
The colours come from :mod:`ui.theme` (one rule for the whole window: warm orange for a
positive number, cool blue for a negative one); this module turns them into the arrays
and ``QColor`` objects the canvas paints with, computed in NumPy for whole layers at once.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor

from nnviz.document.layer_kinds import LAYER_KINDS
from ui.theme import Theme, theme_for

# The palette's drag payload: the kind of layer's name as bytes (b"hidden"; nnviz.document.layer_kinds).
LAYER_MIME_TYPE = "application/x-nnviz-layer"

# ---------------------------------------------------------------- stacking order
Z_BUNDLE = -10.0  # connections sit under the layer cards, so lines run card edge to card edge
Z_WIRE_PREVIEW = 5.0  # the rubber-band line of a wiring drag, above the cards
Z_LAYER = 0.0
Z_LAYER_SELECTED = 1.0  # a selected card comes to the front
Z_PROBLEM = 20.0  # validation bubbles float above everything

# ---------------------------------------------------------------- geometry (scene units)
CARD_WIDTH = 84.0
CARD_PADDING = 14.0  # between the card's top/bottom edge and the first/last neuron
CARD_RADIUS = 12.0
ACCENT_HEIGHT = 4.0  # the coloured strip on top of a card: the layer's kind
MAX_SPACING = 52.0  # neuron pitch of a small layer (the lecture's 2-3-2 net)
MIN_SPACING = 2.0  # neuron pitch of a very wide layer (784 inputs)
COLUMN_TARGET = 720.0  # a layer of more than ~14 units is squeezed into about this height
MAX_RADIUS = 18.0
PORT_RADIUS_PX = 6.5  # ports keep their size on screen whatever the zoom
GRID_STEP = 24.0

# ---------------------------------------------------------------- level of detail
HIT_TOLERANCE_PX = 4.0  # how close (on screen) the mouse must be to a connection to hit it
LABEL_MIN_RADIUS_PX = 9.0  # neuron labels (x1, h2, ...) appear from this on-screen radius
NUMBER_MIN_RADIUS_PX = 15.0  # a neuron this large on screen has room for its value
# Text written on the canvas is sized in screen pixels from the zoom: it grows with the
# neurons, and where it would be smaller than these it is not written (the tooltip has it).
VALUE_MIN_PX = 11.0  # the number inside a neuron
CAPTION_MIN_PX = 10.0  # the caption under it ("z 0.81") and the neuron's name ("h1")
VALUE_MAX_PX = 40.0
CLASS_NAME_MIN_PX = 11.0  # the class names beside the output neurons
WEIGHT_LABEL_PX = 13.0  # the weights written on the lines (View > Show Weight Values)
WEIGHT_LABEL_MAX = 48  # a layer pair with more lines than this is too dense to label
CIRCLE_MIN_RADIUS_PX = 2.5  # below this a layer's neurons are drawn as one image strip
SMOOTH_LINE_LIMIT = 160  # at most this many visible lines are drawn antialiased (~60 us each)
SMOOTH_INK_PX = 40_000.0  # ... and at most this many device pixels of them in total
INK_BUDGET_PX = 900_000.0  # more visible line length (device px) than this: density image
LINE_BUDGET = 6000  # more visible lines than this: a density image plus the strongest lines
STRONGEST_LINES = 96  # lines kept on top of a density image
# A density image is made again when a block of weights moved by more than this share of
# the densest block's total |w| (an opacity change of about 1/100 at most): while training,
# the picture barely moves from frame to frame and is not recomputed for nothing.
DENSITY_TOLERANCE = 0.01
WIDTH_LEVELS = 8  # pen buckets per sign


def neuron_spacing(units: int) -> float:
    """Vertical pitch of a layer's neurons: generous for small layers, squeezed for wide ones.

    ``spacing = clip(COLUMN_TARGET / units, MIN_SPACING, MAX_SPACING)``, so a layer of up to
    ~14 neurons gets big circles and wider layers share about 720 scene units.
    """
    return float(np.clip(COLUMN_TARGET / max(units, 1), MIN_SPACING, MAX_SPACING))


def neuron_radius(units: int) -> float:
    """Radius of a layer's neuron circles: ``min(MAX_RADIUS, 0.38 * spacing)``."""
    return min(MAX_RADIUS, 0.38 * neuron_spacing(units))


def card_height(units: int) -> float:
    """Height of a layer's card: its column of neurons plus padding above and below."""
    return units * neuron_spacing(units) + 2 * CARD_PADDING


def neuron_offsets(units: int) -> np.ndarray:
    """The ``y`` of each neuron relative to the layer's centre: ``(i + 1/2 - units/2) * spacing``."""
    return (np.arange(units, dtype=np.float64) + 0.5 - units / 2.0) * neuron_spacing(units)


def neuron_prefix(kind: str) -> str:
    """The letter neurons are labelled with (the kind's ``prefix``: x, h, y; else n)."""
    record = LAYER_KINDS.get(kind)
    return record.prefix if record else "n"


# ---------------------------------------------------------------- colours
def _rgb(color: QColor) -> np.ndarray:
    return np.array([color.red(), color.green(), color.blue()], dtype=np.float64)


@dataclass
class CanvasColors:
    """The canvas's colours for one theme, as ``QColor`` and as RGB arrays for NumPy."""

    theme: Theme

    def __post_init__(self) -> None:
        t = self.theme
        self.background = QColor(t.canvas_background)
        self.grid = QColor(t.canvas_grid)
        self.card = QColor(t.layer_fill)
        self.card_border = QColor(t.layer_border)
        self.title = QColor(t.layer_title)
        self.muted = QColor(t.muted_text)
        self.neuron = QColor(t.neuron_fill)
        self.neuron_border = QColor(t.neuron_border)
        self.port = QColor(t.port)
        self.selection = QColor(t.selection)
        self.positive = QColor(t.positive_weight)
        self.negative = QColor(t.negative_weight)
        self.error = QColor(t.error)
        self.warning = QColor(t.warning)
        self.ok = QColor(t.ok)
        self.shadow = QColor(0, 0, 0, 90 if t.dark else 28)
        self.neutral_line = QColor(t.neuron_border)
        self.neutral_line.setAlpha(255)
        self.bubble = QColor(t.tooltip)
        self.rgb_background = _rgb(self.background)
        self.rgb_neuron = _rgb(self.neuron)
        self.rgb_positive = _rgb(self.positive)
        self.rgb_negative = _rgb(self.negative)

    def kind(self, kind: str) -> QColor:
        """The identifying colour of a layer kind."""
        return self.theme.layer_color(kind)

    def line_colors(self, levels: int) -> tuple[list[QColor], list[QColor]]:
        """Opaque pen colours per strength level, for (positive, negative) lines.

        Level ``k`` of ``levels`` mixes the sign's colour into the background by
        ``0.3 + 0.7 * (k + 1) / levels``: weak weights are pale, strong ones saturated.
        Opaque colours (not alpha) keep the raster engine on its fast path.
        """
        mix = 0.3 + 0.7 * (np.arange(levels) + 1) / levels
        out = []
        for rgb in (self.rgb_positive, self.rgb_negative):
            rows = self.rgb_background * (1 - mix[:, None]) + rgb * mix[:, None]
            out.append([QColor(*[int(round(c)) for c in row]) for row in rows])
        return out[0], out[1]


def colors_for(dark: bool) -> CanvasColors:
    """The canvas colours of the dark (``True``) or light theme."""
    return CanvasColors(theme_for(dark))


def value_argb(values: np.ndarray, scale: float, colors: CanvasColors,
               base: np.ndarray | None = None, strength: float = 0.9) -> np.ndarray:
    """Opaque ARGB32 (``0xAARRGGBB``, uint32) fill colours for signed values, one per value.

    ``t = min(|v| / scale, 1)``; the colour is ``base * (1 - strength*t) + sign colour *
    strength*t`` (orange for v > 0, blue for v < 0), so 0 is the neutral ``base`` colour.
    NaN is drawn as the neutral colour.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    base = colors.rgb_neuron if base is None else base
    t = np.minimum(np.abs(v) / scale, 1.0) * strength if scale > 0 else np.zeros_like(v)
    sign_rgb = np.where((v >= 0)[..., None], colors.rgb_positive, colors.rgb_negative)
    rgb = base * (1 - t[..., None]) + sign_rgb * t[..., None]
    rgb = np.clip(np.rint(rgb), 0, 255).astype(np.uint32)
    return (np.uint32(0xFF000000) | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2])


def format_value(value: float) -> str:
    """A number as the canvas shows it exactly: Python's shortest round-trip repr."""
    return repr(float(value))


#: What the connection lines can stand for (``CanvasScene.set_edge_values``'s ``mode``):
#: the weights, one stage's gradients, or (gradient health, while training) the running
#: mean of ``|dL/dw|`` over the last batches.
EDGE_MODES = ("weights", "gradients", "gradient_mean")


def edge_symbol(mode: str, plural: bool = False) -> str:
    """How a line's number is named in its tooltip and labels for an edge ``mode``."""
    if mode == "gradients":
        return "dL/dw"
    if mode == "gradient_mean":
        return "mean |dL/dw|"
    return "weights" if plural else "w"
