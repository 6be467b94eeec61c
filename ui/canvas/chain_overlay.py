"""The chain-rule paths lit on the canvas: every line from the loss back to one weight.

:class:`ChainPathsItem` is one item under the connection bundles (so each line keeps its
colour and thickness on top) that draws a broad translucent halo, in the
theme's selection colour, over each line a path of :class:`nnviz.analysis.chain_rule.ChainRule`
runs along, and over the selected weight itself. It knows nothing of the design: the
chain-rule view gives it the rule and the layer ids, and it reads the cards' positions.
"""
from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas import style
from ui.theme import is_dark, theme_for

#: Width of a lit line's halo on screen (pixels, whatever the zoom).
LIT_WIDTH_PX = 16.0


class ChainPathsItem(QGraphicsItem):
    """The lit paths of one chain rule (none until :meth:`show_paths`)."""

    def __init__(self):
        super().__init__()
        # Under the lines: a halo behind them, so their colour and thickness still read.
        self.setZValue(style.Z_BUNDLE - 1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._lines: list[QLineF] = []
        self._rect = QRectF()
        #: The lit lines as (pos of the target layer, source unit, target unit).
        self.lit: set[tuple[int, int, int]] = set()

    def show_paths(self, scene, layer_ids: list[str], rule) -> None:
        """Light the weight of ``rule`` and every line its listed paths run along."""
        lit = {(rule.layer + 1, rule.i, rule.j)}
        for path in rule.paths:
            lit.update((f.pos, f.source, f.unit) for f in path.factors if f.kind == "w")
        self.lit = lit
        half = style.CARD_WIDTH / 2
        lines = []
        for pos, src, tgt in sorted(lit):
            try:
                a = scene.layer_item(layer_ids[pos - 1])
                b = scene.layer_item(layer_ids[pos])
            except (KeyError, IndexError):
                continue
            ya, yb = a.neuron_scene_y(), b.neuron_scene_y()
            if src >= len(ya) or tgt >= len(yb):
                continue
            forward = b.pos().x() >= a.pos().x()
            x0 = a.pos().x() + (half if forward else -half)
            x1 = b.pos().x() - (half if forward else -half)
            lines.append(QLineF(x0, float(ya[src]), x1, float(yb[tgt])))
        self.prepareGeometryChange()
        self._lines = lines
        rect = QRectF()
        for line in lines:
            rect = rect.united(QRectF(line.p1(), line.p2()).normalized())
        self._rect = rect.adjusted(-20, -20, 20, 20)
        self.update()

    def clear(self) -> None:
        """Light nothing."""
        if self._lines or self.lit:
            self.prepareGeometryChange()
            self._lines, self.lit, self._rect = [], set(), QRectF()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self._lines:
            return
        colour = QColor(theme_for(is_dark()).selection)
        colour.setAlpha(110)
        pen = QPen(colour, LIT_WIDTH_PX)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        for line in self._lines:
            painter.drawLine(line)
