"""Guard against the PySide6 release that drops a reference to ``None`` on every paint call.

PySide6 6.12.0 on Python 3.11 decrements ``None``'s reference count once per
``QPainter.drawLines`` / ``drawPolygon`` call; the canvas makes thousands of such calls,
and when the count reaches zero the interpreter aborts. This test paints a few hundred
times onto a ``QImage`` (no window needed) and checks the count stays put, so a release
that brings the bug back fails CI instead of crashing a lecture.
"""
import sys

from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

PAINTS = 400
# Unrelated code may take or drop a handful of references to None while we paint;
# the bug drops one per call, i.e. hundreds.
TOLERANCE = 20


def _paint_many(image: QImage) -> None:
    lines = [QLineF(0, i, 64, 64 - i) for i in range(8)]
    polygon = QPolygonF([QPointF(2, 2), QPointF(60, 10), QPointF(30, 60)])
    painter = QPainter(image)
    try:
        painter.setPen(QPen(QColor("#2f6fde"), 1.5))
        for _ in range(PAINTS):
            painter.drawLines(lines)
            painter.drawPolygon(polygon)
    finally:
        painter.end()


def test_paint_calls_keep_none_refcount(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    _paint_many(image)  # warm up caches that may legitimately hold None once
    before = sys.getrefcount(None)
    _paint_many(image)
    after = sys.getrefcount(None)
    assert abs(after - before) <= TOLERANCE, (
        f"None's reference count moved by {after - before} over {2 * PAINTS} paint calls: "
        "this PySide6 release has the drawLines/drawPolygon refcount bug"
    )
    # The painting itself happened (a blank image would mean the calls were no-ops).
    assert image.pixelColor(32, 32) != QColor("white") or image.pixelColor(2, 2) != QColor("white")
