"""The canvas widget: :class:`CanvasView`, a ``QGraphicsView`` of a :class:`CanvasScene`.

It turns gestures into views of the scene (zoom with the wheel, a pinch or +/-/0 keys,
pan with the middle button or space-drag, F to fit, rubber-band selection) and accepts
the palette's drags: a drop of ``application/x-nnviz-layer`` adds that kind of layer to
the design where it was dropped. It also exports the picture (PNG or SVG) and draws the
legend of the line colours.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontInfo, QImage, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView

from nnviz.errors import DesignError, NnvizError
from ui.canvas import style
from ui.canvas.density import paint_detail_notes
from ui.canvas.scene import CanvasScene
from ui.errors import guarded

MIN_SCALE = 0.02
MAX_SCALE = 12.0
FIT_MAX_SCALE = 2.5  # a tiny net is not blown up beyond this by "fit"
PRESENTATION_FIT_MAX_SCALE = 4.0  # ... except in presentation mode, where it fills the screen
PRESENTATION_TEXT_SCALE = 1.6  # layer names and the legend in presentation mode
ZOOM_STEP = 1.25
LEGEND_SIZE = QSizeF(236.0, 88.0)  # the line-colour legend's box, screen pixels
LEGEND_MARGIN = 14.0  # between the legend and the view's bottom-left corner
#: The legend's size in presentation mode, times its desktop size: its 8.5 pt text (11 px
#: on a 96 dpi screen) becomes 21 px, legible from a room's back row.
PRESENTATION_LEGEND_SCALE = 1.9
LEGEND_POINT_SIZE = 8.5
# Fit's margins around the network, screen pixels: little at the sides (the lines run card
# to card), more above (layer names) and below (message bubbles, the legend's corner).
FIT_MARGIN_SIDE = 28.0
FIT_MARGIN_TOP = 56.0
FIT_MARGIN_BOTTOM = 40.0


def fit_scale(scene, free: QRectF, rect: QRectF, limit: float) -> tuple[float, QRectF]:
    """The scale that draws the scene's ``rect`` as large as fits ``free`` (viewport
    pixels), at most ``limit``, and the part of ``free`` it is centred in.

    The cards' size lines are drawn at screen size: one wider than its card at the
    network's edge (presentation type) may use the side margin, not more, so the
    network is narrowed until it fits.
    """
    def scale_in(area: QRectF) -> float:
        scale = min(area.width() / rect.width(), area.height() / rect.height(), limit)
        return min(max(scale, MIN_SCALE), MAX_SCALE)
    scale, base = scale_in(free), free
    for _ in range(2):
        left, right = (max(0.0, v - FIT_MARGIN_SIDE + 4)
                       for v in scene.overhang_px(rect, scale))
        if left <= 0 and right <= 0 or base.width() - left - right < 50:
            break
        free = base.adjusted(left, 0, -right, 0)
        scale = scale_in(free)
    return scale, free


class CanvasView(QGraphicsView):
    """The canvas (``objectName`` "canvas"): shows a :class:`CanvasScene`.

    ``zoom_in()``, ``zoom_out()``, ``fit()``, ``reset_zoom()`` change the zoom;
    ``export_image(path)`` writes a PNG (at twice the screen resolution) or an SVG.
    """

    #: Space pressed and released without panning: a tap means "next step" in a lecture
    #: (the controller connects it), while Space held with a drag pans the canvas.
    sig_space_tapped = Signal()

    def __init__(self, scene: CanvasScene, parent=None):
        super().__init__(scene, parent)
        # A QGraphicsView does not own its scene: keep it alive as long as the view.
        self._canvas_scene = scene
        self.setObjectName("canvas")
        self.setAcceptDrops(True)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        # A huge scene rectangle with no scroll bars: the canvas pans freely in all directions.
        self.setSceneRect(QRectF(-1e6, -1e6, 2e6, 2e6))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        # One repaint of the whole viewport is cheaper than tracking many overlapping
        # regions of large bundles.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        # The grid is redrawn only when the view scrolls or zooms, not on every training frame.
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._pan_from: QPointF | None = None
        self._space_down = False
        self._space_panned = False
        self._show_legend = True
        self._top_inset = 0.0  # a bar over the view's top (predict then reveal's question)
        self._presentation = False
        self._legend: QPixmap | None = None
        self._legend_key: tuple | None = None
        self._fitted = False
        self.centerOn(0, 0)
        self._scale_changed()

    @property
    def canvas_scene(self) -> CanvasScene:
        """The scene shown (typed)."""
        return self._canvas_scene

    # ------------------------------------------------------------ zoom
    def zoom(self) -> float:
        """The current scale: screen pixels per scene unit."""
        return self.transform().m11()

    def _scale_changed(self) -> None:
        self.canvas_scene.set_view_scale(self.zoom())

    def zoom_by(self, factor: float) -> None:
        """Multiply the zoom by ``factor`` (clamped to a sensible range)."""
        current = self.zoom()
        target = min(max(current * factor, MIN_SCALE), MAX_SCALE)
        if target != current:
            self.scale(target / current, target / current)
            self._scale_changed()
        self._fitted = False

    def zoom_in(self) -> None:
        """Zoom in one step, about the centre of the view."""
        self._zoom_about_centre(ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step, about the centre of the view."""
        self._zoom_about_centre(1 / ZOOM_STEP)

    def _zoom_about_centre(self, factor: float) -> None:
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom_by(factor)
        self.setTransformationAnchor(anchor)

    def reset_zoom(self) -> None:
        """Back to 1 scene unit = 1 pixel, keeping the centre."""
        self._zoom_about_centre(1.0 / self.zoom())

    def fit(self) -> None:
        """Zoom and pan so that the whole network fills the view's free area.

        The free area is the viewport less small margins (layer names above the cards,
        message bubbles below) and less the legend's corner when the network would run
        into it. The network's bounding box then spans the free width or height (up to
        :data:`FIT_MAX_SCALE`, so a one-layer sketch is not blown up). Until the user
        zooms or pans, the view stays fitted when it is resized (docks shown or hidden,
        full screen entered or left).
        """
        rect = self.canvas_scene.content_rect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
            self._scale_changed()
            self._fitted = True
            return
        limit = PRESENTATION_FIT_MAX_SCALE if self._presentation else FIT_MAX_SCALE
        scale, free = fit_scale(self.canvas_scene, self.free_rect(), rect, limit)
        self.resetTransform()
        self.scale(scale, scale)
        # Centre the network in the free area (not the viewport): map the free area's
        # centre onto the network's centre.
        offset = QPointF(free.center()) - QPointF(self.viewport().rect().center())
        self.centerOn(rect.center() - QPointF(offset.x() / scale, offset.y() / scale))
        self._scale_changed()
        self._fitted = True

    def free_rect(self) -> QRectF:
        """The part of the viewport (pixels) that :meth:`fit` fills with the network.

        The viewport less the fit margins; with the legend shown, less the legend's
        corner: the strip beside it if that is the larger part, else the part above it.
        """
        vp = QRectF(self.viewport().rect())
        # The layer names above the cards grow with the label scale (presentation mode).
        top = FIT_MARGIN_TOP * max(self.canvas_scene.label_scale(), 1.0) + self._top_inset
        # Below: room for the message bubbles under the cards, when there are any.
        bottom = max(FIT_MARGIN_BOTTOM, self.canvas_scene.bubble_depth() + 8)
        free = vp.adjusted(FIT_MARGIN_SIDE, top, -FIT_MARGIN_SIDE, -bottom)
        if self._show_legend and self.canvas_scene.bundle_items():
            size = self.legend_size()
            legend_top = vp.bottom() - LEGEND_MARGIN - size.height() - 8
            legend_right = LEGEND_MARGIN + size.width() + 8
            above = QRectF(free.left(), free.top(), free.width(), max(legend_top - free.top(), 50))
            beside = QRectF(max(free.left(), legend_right), free.top(),
                            max(free.right() - legend_right, 50), free.height())
            # Keep the larger of the two, measured by how large a network of this shape
            # would be drawn in it.
            rect = self.canvas_scene.content_rect()
            def reach(area: QRectF) -> float:
                return min(area.width() / max(rect.width(), 1e-9),
                           area.height() / max(rect.height(), 1e-9))
            free = above if reach(above) >= reach(beside) else beside
        if free.width() < 50 or free.height() < 50:
            free = vp.adjusted(4, 4, -4, -4)
        return free

    def set_top_inset(self, pixels: float) -> None:
        """Keep the network clear of a bar of ``pixels`` over the view's top (0: none)."""
        if float(pixels) != self._top_inset:
            self._top_inset = float(pixels)
            if self._presentation or self._fitted:
                self.fit()

    def is_fitted(self) -> bool:
        """True after :meth:`fit` until the user zooms or pans (a resize fits again)."""
        return self._fitted

    def set_presentation_mode(self, on: bool) -> None:
        """Presentation mode: larger layer names, and the network kept fitted to the view.

        While on, every resize (going full screen, docks hidden) fits the network again,
        so it fills the screen as large as it goes; neuron numbers grow with the zoom.
        """
        self._presentation = bool(on)
        self.canvas_scene.set_label_scale(PRESENTATION_TEXT_SCALE if on else 1.0)
        self.fit()

    def presentation_mode(self) -> bool:
        """Whether presentation mode is on."""
        return self._presentation

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._presentation or self._fitted:
            self.fit()

    def wheelEvent(self, event) -> None:  # noqa: N802
        pixel = event.pixelDelta()
        if not pixel.isNull() and not (event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            # A touchpad's two-finger scroll pans; its pinch arrives as a gesture.
            self._pan_by(QPointF(pixel))
            event.accept()
            return
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    def viewportEvent(self, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.NativeGesture:
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1.0 + event.value())
                return True
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None:
                self.zoom_by(pinch.scaleFactor())
                event.accept()
                return True
        return super().viewportEvent(event)

    # ------------------------------------------------------------ pan
    def _pan_by(self, delta: QPointF) -> None:
        self._fitted = False
        s = self.zoom()
        center = self.mapToScene(self.viewport().rect().center())
        self.centerOn(center - QPointF(delta.x() / s, delta.y() / s))

    def event(self, event) -> bool:
        # Take plain Space before the window's "step" shortcut sees it, so that Space held
        # with a drag can pan; a tap is handed back as sig_space_tapped.
        if (event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            event.accept()
            return True
        return super().event(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self._space_down:
            self._space_panned = True
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self._pan_by(delta)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Space and event.isAutoRepeat():
            event.accept()
            return
        if key == Qt.Key.Key_Space:
            self._space_down = True
            self._space_panned = False
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            self.setInteractive(False)  # space-drag pans even over a layer card
            event.accept()
            return
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_0:
            self.reset_zoom()
        elif key == Qt.Key.Key_F and not event.modifiers():
            self.fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._space_down:
            self._space_down = False
            if self._space_panned:
                self._fitted = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self.setInteractive(True)
            event.accept()
            if not self._space_panned:
                self.sig_space_tapped.emit()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------ palette drops
    def _layer_kind(self, event) -> str | None:
        mime = event.mimeData()
        if mime is None or not mime.hasFormat(style.LAYER_MIME_TYPE):
            return None
        return bytes(mime.data(style.LAYER_MIME_TYPE)).decode("ascii", "replace")

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._layer_kind(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if self._layer_kind(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        kind = self._layer_kind(event)
        if kind is None:
            event.ignore()
            return
        pos = self.mapToScene(event.position().toPoint())
        try:
            self.canvas_scene.design.add_layer(kind, pos.x(), pos.y())
        except DesignError as error:
            self.canvas_scene.show_message(str(error), pos)
            event.ignore()
            return
        event.acceptProposedAction()

    # ------------------------------------------------------------ legend
    def set_show_legend(self, on: bool) -> None:
        """Show or hide the legend of line colours in the bottom-left corner."""
        self._show_legend = bool(on)
        self.viewport().update()

    @guarded()
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        if not self._show_legend or not self.canvas_scene.bundle_items():
            return
        # The legend changes only with the theme and the edge mode: drawn once into a
        # pixmap, a frame blits it instead of laying out text and rounded boxes again.
        ratio = self.devicePixelRatioF()
        scale = self.legend_scale()
        size = self.legend_size()
        key = (id(self.canvas_scene.colors), self.canvas_scene.edge_mode(), ratio, scale)
        if self._legend_key != key:
            pixmap = QPixmap(int(size.width() * ratio) + 2, int(size.height() * ratio) + 2)
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            legend_painter = QPainter(pixmap)
            legend_painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            legend_painter.scale(scale, scale)
            self._paint_legend(legend_painter, QPointF(0.5, LEGEND_SIZE.height() + 0.5))
            legend_painter.end()
            self._legend, self._legend_key = pixmap, key
        assert self._legend is not None  # drawn above
        painter.save()
        painter.resetTransform()
        top = self.viewport().height() - LEGEND_MARGIN - size.height()
        painter.drawPixmap(QPointF(LEGEND_MARGIN, top), self._legend)
        painter.restore()
        # The bundles on screen drawn as a density image (their paint, just now, said so).
        notes = [b.detail_note for b in self.canvas_scene.bundle_items()
                 if b.detail_note and b.sceneBoundingRect().intersects(rect)]
        if notes:
            paint_detail_notes(painter, notes, self.canvas_scene.colors,
                               QPointF(LEGEND_MARGIN, top - 6), size.width(),
                               LEGEND_POINT_SIZE * scale)

    def legend_scale(self) -> float:
        """How much larger than on the desktop the line legend is drawn (presentation)."""
        return PRESENTATION_LEGEND_SCALE if self._presentation else 1.0

    def legend_size(self) -> QSizeF:
        """The line legend's box on screen, in pixels."""
        return LEGEND_SIZE * self.legend_scale()

    def legend_text_pixels(self) -> float:
        """How tall the line legend's text is on screen, in pixels."""
        font = QFont()
        font.setPointSizeF(LEGEND_POINT_SIZE)
        return QFontInfo(font).pixelSize() * self.legend_scale()

    def _paint_legend(self, painter: QPainter, bottom_left: QPointF) -> None:
        colors = self.canvas_scene.colors
        mode = self.canvas_scene.edge_mode()
        gradients = mode == "gradients"
        symbol = "dL/dw" if gradients else "weight"
        rows = [(colors.positive, f"{symbol} > 0"), (colors.negative, f"{symbol} < 0")]
        if mode == "gradient_mean":  # a mean of sizes: no sign
            rows, symbol = [(colors.positive, "mean |dL/dw|, last batches")], "mean |dL/dw|"
        font = QFont()
        font.setPointSizeF(LEGEND_POINT_SIZE)
        painter.setFont(font)
        w, h = LEGEND_SIZE.width(), LEGEND_SIZE.height()
        box = QRectF(bottom_left.x(), bottom_left.y() - h, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fill = QColor(colors.card)
        fill.setAlpha(235)
        painter.setBrush(fill)
        painter.setPen(QPen(colors.card_border, 1.0))
        painter.drawRoundedRect(box, 8, 8)
        y = box.top() + 16
        for color, text in rows:
            for k, width in enumerate((1.2, 2.5, 4.5)):
                painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                x = box.left() + 12 + k * 18
                painter.drawLine(QPointF(x, y), QPointF(x + 12, y))
            painter.setPen(colors.title)
            painter.drawText(QRectF(box.left() + 70, y - 9, w - 74, 18),
                             Qt.AlignmentFlag.AlignVCenter, text)
            y += 20
        painter.setPen(colors.muted)
        painter.drawText(QRectF(box.left() + 12, y - 8, w - 16, 34),
                         int(Qt.TextFlag.TextWordWrap),
                         f"thickness = {symbol if '|' in symbol else f'|{symbol}|'}\n"
                         + ("fill = dL/dz (a under it), ring = bias" if gradients
                            else "neuron fill = value, ring = bias"))

    # ------------------------------------------------------------ export
    def export_image(self, path: str | Path, pixel_ratio: float = 2.0) -> Path:
        """Save the whole network as a picture for slides: ``.svg`` (vector) or PNG.

        The PNG is drawn at ``pixel_ratio`` times a 1600 x 1000 slide's size (so 2x by
        default, crisp on a projector); everything, labels included, scales together.
        """
        path = Path(path)
        scene = self.canvas_scene
        source = scene.content_rect()
        if source.isEmpty():
            source = QRectF(-200, -150, 400, 300)
        source = source.adjusted(-60, -70, 60, 90)  # labels above cards, bubbles below
        fit = min(1600.0 / source.width(), 1000.0 / source.height(), 2.0)
        size = QSize(max(int(source.width() * fit), 1), max(int(source.height() * fit), 1))
        target = QRectF(0, 0, size.width(), size.height())
        if path.suffix.lower() == ".svg":
            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(size)
            generator.setViewBox(target)
            generator.setTitle("nnviz network")
            # Cached items would be drawn as bitmaps: draw them afresh, as vectors and text.
            scene.set_item_caching(False)
            try:
                painter = QPainter(generator)
                scene.render(painter, target, source)
                painter.end()
            finally:
                scene.set_item_caching(True)
            return path
        image = QImage(int(size.width() * pixel_ratio), int(size.height() * pixel_ratio),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(pixel_ratio)
        image.fill(scene.colors.background)
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        scene.render(painter, target, source)
        painter.end()
        if not image.save(str(path)):
            raise NnvizError(f"Could not write the image file {path}; check the folder exists and is writable.")
        return path
