"""The handout: one batch of training, stage by stage, as a printable PDF (and slides).

:func:`export_handout` writes an A4 portrait PDF with Qt's ``QPdfWriter`` (vector text and
vector drawings):

1. a title page: the network as the canvas draws it, its settings, the data set and the
   lecture's Keras code;
2. one page per stage of one batch (forward through each layer, the loss, backward through
   each layer, the update): the canvas at that stage, with the neurons' values and the
   gradients, and the lecture view's formulas with their numbers;
3. the loss curve of the run so far.

Every page has margins and "page i of n" at its foot. ``slides_dir`` also writes one PNG
per stage (16:9, canvas beside the formulas) for slides.

The user's run is never touched: the batch is stepped on a **copy** of the project in its
own :class:`~nnviz.session.session.Session`, given the user's run state (weights, optimizer memory,
counters, position in the epoch), drawn in a hidden canvas scene and lecture view. The
user's weights, counters, history and undo stack stay exactly as they were. If the user
is in the middle of a batch, the copy finishes that batch first and shows the next one
whole.
"""
from __future__ import annotations

import datetime
import math
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPicture,
)

from nnviz.engine import optimizers
from nnviz.engine.training import Stepper
from nnviz.errors import NnvizError
from nnviz.files.keras_code import lecture_code
from nnviz.files.project import Project
from nnviz.session.lecture_info import LectureInfo, lecture_info
from nnviz.session.session import Session
from ui.canvas import CanvasScene
from ui.training.lecture_view import LectureView

__all__ = ["export_handout", "render_page", "HandoutResult", "LAYOUT_DPI", "SLIDE_SIZE"]

#: The layout is done in CSS pixels (96 per inch) and scaled to the device.
LAYOUT_DPI = 96
#: The PDF's resolution in device units per inch (text and drawings stay vectors).
PDF_DPI = LAYOUT_DPI  # point-size fonts of the canvas items then come out as on screen
#: A slide PNG's size in pixels (16:9).
SLIDE_SIZE = QSize(1920, 1080)
MARGIN_MM = 15.0
_INK = QColor("#202124")
_MUTED = QColor("#5f6368")
_CURVES = {"loss": QColor("#1a73e8"), "val_loss": QColor("#e8710a"),
           "batch_loss": QColor(26, 115, 232, 90)}


#: The printed pages list the batch sample by sample (the live view's "per sample"
#: table) when the batch has at most this many samples; a longer table would not fit a page.
PRINTED_TABLE_SAMPLES = 8
#: The formulas' scale on paper (1 = the live view's 20 px): at most, and at least when a
#: long page is shrunk to fit below the canvas.
PAGE_TEXT_SCALE, PAGE_TEXT_MIN = 0.8, 0.5
#: On a slide the formulas grow to fill their column, up to this scale.
SLIDE_TEXT_MAX = 1.5


class HandoutResult:
    """What :func:`export_handout` wrote: ``pages`` (count), ``stages`` (labels),
    ``slides`` (the PNG paths, empty without a slides folder) and ``texts`` (each PDF
    page's text as drawn, in order; empty without a PDF)."""

    def __init__(self, pages: int, stages: list[str], slides: list[Path],
                 texts: list[str] | None = None):
        self.pages, self.stages, self.slides = pages, stages, slides
        self.texts = texts or []


def _font(pixels: float, bold: bool = False, mono: bool = False) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if mono else QFont()
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(bold)
    return font


class _Copy:
    """A copy of the window's project and run, with its own hidden scene and lecture view."""

    def __init__(self, session: Session):
        project = Project.from_dict(session.project.to_dict())
        project.path = session.project.path
        self.session = Session(project)
        if not self.session.ensure_run():
            raise NnvizError(f"The handout needs a network that can be trained: "
                             f"{self.session.problem}")
        if session.stepper is not None:
            with session.lock:  # the weights shown (a time-travel snapshot too)
                state = session.stepper.get_state()
            if [w.shape for w in state.weights] == \
                    [w.shape for w in self.stepper.model.get_weights()]:
                self.stepper.set_state(state)
        if self.stepper.diverged:
            raise NnvizError(self.stepper.diverged)
        self.scene = CanvasScene(project.design)
        self.scene.set_theme(False)  # paper is white
        self.scene.set_item_caching(False)  # vectors and text, not cached bitmaps
        self.lecture = LectureView()
        self.lecture.set_theme(False)
        # The live view's pages, for paper: the same derivation, nothing to click.
        self.lecture.set_printed(
            True, samples_table=project.training.batch_size <= PRINTED_TABLE_SAMPLES)
        self.ids = [spec.id for spec in project.design.chain()]

    @property
    def stepper(self) -> Stepper:
        """The copy's run (ensure_run built it; stepping never takes it away)."""
        assert self.session.stepper is not None
        return self.session.stepper

    def info(self) -> LectureInfo:
        """What the lecture view needs besides the trace (as the window's presenter gives it)."""
        return lecture_info(self.session, self.ids)

    def show(self, trace) -> None:
        """Draw the stage of ``trace`` on the hidden canvas and fill in the formulas."""
        scene, ids = self.scene, self.ids
        kind = trace.stage.kind
        scene.show_stage(trace, ids)
        edges = list(zip(ids[:-1], ids[1:]))
        grads = {edges[m]: dw for m, dw in enumerate(trace.dW) if dw is not None}
        if kind == "backward" and grads:
            scene.set_edge_values(grads, mode="gradients")
        elif kind == "update" and trace.W_after is not None:
            scene.set_edge_values(dict(zip(edges, trace.W_after)), mode="weights")
        elif trace.W_before is not None:
            scene.set_edge_values(dict(zip(edges, trace.W_before)), mode="weights")
        else:
            scene.set_edge_values(None)
        weights = self.stepper.model.get_weights()
        # Nothing selected: the live view explains neuron 1 of the stage's layer, with the
        # whole chain rule on a backward stage (the output's ∂L/∂z, the hidden layer's
        # Σ w·∂L/∂z and f′, then ∂L/∂b and ∂L/∂w), as the Lecture view shows it.
        self.lecture.show_state(None, trace, weights, self.info())

    def text(self) -> str:
        """The formulas of the stage shown, as plain text."""
        return self.lecture.plain_text()

    def clear(self) -> None:
        """The canvas as the design draws it (no stage)."""
        self.scene.set_neuron_values(None)
        self.scene.set_neuron_numbers(None)
        self.scene.highlight_layer(None)
        self.scene.set_edge_values(None)


# ---------------------------------------------------------------------- drawing
def _draw_scene(painter: QPainter, scene: CanvasScene, rect: QRectF,
                fill: bool = False) -> float:
    """Draw the canvas scene centred at the top of ``rect``; return the height used.

    ``fill`` (a slide): the canvas, its grid included, fills all of ``rect`` with the
    network as large as fits in its middle.
    """
    source = scene.content_rect()
    if source.isEmpty():
        source = QRectF(-200, -150, 400, 300)
    source = source.adjusted(-60, -70, 60, 90)  # labels above cards, bubbles below
    scale = min(rect.width() / source.width(), rect.height() / source.height(),
                2.5 if fill else 1.5)
    if fill:  # more of the canvas around the network, in the rectangle's shape
        centre = source.center()
        source = QRectF(0, 0, rect.width() / scale, rect.height() / scale)
        source.moveCenter(centre)
    w, h = source.width() * scale, source.height() * scale
    # The canvas writes the numbers on the neurons only when they are large on screen:
    # record the drawing at a size where they are (a QPicture keeps it as vectors and
    # text), then play it back at the size the page has room for.
    zoom = max(1.0, 1.6 / scale)
    picture = QPicture()
    recorder = QPainter(picture)
    recorder.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
    scene.render(recorder, QRectF(0, 0, w * zoom, h * zoom), source)
    recorder.end()
    painter.save()
    painter.translate(rect.center().x() - w / 2, rect.top())
    painter.scale(1 / zoom, 1 / zoom)
    painter.drawPicture(0, 0, picture)
    painter.restore()
    return h


def _fit_scale(document, rect: QRectF, largest: float, smallest: float) -> float:
    """The largest scale, from ``largest`` down to ``smallest``, at which ``document``
    wrapped to ``rect``'s width fits its height (``smallest`` when none does)."""
    doc = document.clone()
    scale = largest
    while scale > smallest:
        doc.setTextWidth(rect.width() / scale)
        if doc.size().height() * scale <= rect.height():
            return scale
        scale -= 0.025
    return smallest


def _draw_document(painter: QPainter, document, rect: QRectF, scale: float) -> float:
    """Draw a text document (the lecture view's) into ``rect``; return the height used."""
    doc = document.clone()
    doc.setTextWidth(rect.width() / scale)
    painter.save()
    painter.translate(rect.topLeft())
    painter.scale(scale, scale)
    clip = QRectF(0, 0, rect.width() / scale, rect.height() / scale)
    doc.drawContents(painter, clip)
    painter.restore()
    return min(doc.size().height() * scale, rect.height())


def _text(painter: QPainter, rect: QRectF, text: str, font: QFont, color: QColor = _INK,
          flags=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) -> float:
    """Draw wrapped plain text; return the height it took."""
    painter.setFont(font)
    painter.setPen(color)
    wrap = flags | Qt.TextFlag.TextWordWrap
    bound = painter.boundingRect(rect, wrap, text)
    painter.drawText(rect, wrap, text)
    return bound.height()


def _settings_lines(project: Project) -> list[str]:
    t = project.training
    chain = project.design.chain()
    layers = " → ".join(f"{s.name} ({s.units}{'' if s.kind == 'input' else ', ' + s.activation})"
                        for s in chain)
    opt = optimizers.title(t.optimizer, t.momentum)
    extra = f", momentum {t.momentum:g}" if t.momentum else ""
    if t.regularization != "none":
        extra += f"    Regularization: {t.regularization.upper()}, rate {t.regularization_rate:g}"
    data = project.dataset.name or "none"
    if project.dataset.is_csv and project.dataset.csv_path:
        data = Path(project.dataset.csv_path).name
    return [
        f"Network: {layers}",
        f"Loss: {t.loss.replace('_', ' ')}    Optimizer: {opt}, learning rate {t.learning_rate:g}"
        f"{extra}",
        f"Batch size: {t.batch_size}    Epochs: {t.epochs}    Seed: {t.seed}    "
        f"Numbers: {t.dtype}",
        f"Data set: {data}",
    ]


def nice_ticks(lo: float, hi: float, whole: bool = False) -> tuple[list[float], list[str]]:
    """At most seven round tick values covering ``[lo, hi]`` (steps of 1, 2 or 5 times a
    power of ten; whole numbers only with ``whole``) and their labels, written out in
    full with as many decimals as the step needs (``1000``, never ``1e+03``)."""
    span = hi - lo if hi > lo else (abs(hi) or 1.0)
    raw = span / 5
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    if whole:
        step = max(1.0, float(round(step)))
    first = math.floor(lo / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < hi - step * 1e-9:
        ticks.append(first + len(ticks) * step)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    labels = [f"{t:.{decimals}f}".replace("-", "\u2212") for t in ticks]
    labels = [label[1:] if label.startswith("\u2212") and float(t) == 0 else label
              for label, t in zip(labels, ticks)]
    return ticks, labels


#: Up to this many points a curve also marks each point with a dot (few batches trained).
CURVE_DOTS = 30


def _draw_curve(painter: QPainter, rect: QRectF, history, batches_per_epoch: int) -> list[str]:
    """The loss per batch (light), per epoch and on the validation set, on plain axes with
    round ticks; returns the tick labels drawn."""
    series = {
        "batch_loss": (np.arange(1, len(history.batch_loss) + 1, dtype=float),
                       np.asarray(history.batch_loss, dtype=float)),
        "loss": (np.arange(1, len(history.epoch_loss) + 1, dtype=float) * batches_per_epoch,
                 np.asarray(history.epoch_loss, dtype=float)),
        "val_loss": (np.arange(1, len(history.val_loss) + 1, dtype=float) * batches_per_epoch,
                     np.asarray(history.val_loss, dtype=float)),
    }
    finite = [v[np.isfinite(v)] for _, v in series.values()]
    finite = np.concatenate(finite) if finite else np.zeros(0)
    axis_font = _font(11)
    plot = rect.adjusted(56, 10, -10, -40)
    painter.save()
    painter.setPen(QPen(_INK, 1.2))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())
    if finite.size == 0:
        _text(painter, plot.adjusted(10, 10, 0, 0), "No training yet: the curve starts with "
              "the first batch.", _font(13), _MUTED)
        painter.restore()
        return []
    x_max = max(float(series["batch_loss"][0][-1]) if len(history.batch_loss) else 1.0, 1.0)
    x_ticks, x_labels = nice_ticks(0.0, x_max, whole=True)
    y_lo = min(float(finite.min()), 0.0)
    y_ticks, y_labels = nice_ticks(y_lo, float(finite.max()) * 1.05 or 1.0)
    x_max, y_lo, y_hi = x_ticks[-1], y_ticks[0], y_ticks[-1]

    def point(x, y):
        return QPointF(plot.left() + (x / x_max) * plot.width(),
                       plot.bottom() - (y - y_lo) / (y_hi - y_lo) * plot.height())

    painter.setFont(axis_font)
    painter.setPen(_MUTED)
    for y, label in zip(y_ticks, y_labels):
        p = point(0, y)
        painter.drawText(QRectF(rect.left(), p.y() - 8, 50, 16),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
    for x, label in zip(x_ticks, x_labels):
        p = point(x, y_lo)
        painter.drawText(QRectF(p.x() - 30, plot.bottom() + 4, 60, 16),
                         Qt.AlignmentFlag.AlignHCenter, label)
    painter.drawText(QRectF(plot.left(), plot.bottom() + 20, plot.width(), 16),
                     Qt.AlignmentFlag.AlignHCenter, "batches trained")
    legend_y = plot.top()
    labels = {"batch_loss": "loss per batch", "loss": "loss per epoch (training)",
              "val_loss": "loss per epoch (validation)"}
    for key, (xs, ys) in series.items():
        ok = np.isfinite(ys)
        if not ok.any():
            continue
        pen = QPen(_CURVES[key], 1.0 if key == "batch_loss" else 2.2)
        painter.setPen(pen)
        points = [point(x, y) for x, y in zip(xs[ok], ys[ok])]
        if len(points) > 1:  # a path of one point is no line (and a malformed PDF path)
            path = QPainterPath()
            path.moveTo(points[0])
            for p in points[1:]:
                path.lineTo(p)
            painter.drawPath(path)
        if len(points) <= CURVE_DOTS:  # few points: each one visible
            painter.setBrush(QColor(_CURVES[key].rgb()))
            for p in points:
                painter.drawEllipse(p, 3.5, 3.5)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawLine(QPointF(plot.right() - 230, legend_y + 8),
                         QPointF(plot.right() - 200, legend_y + 8))
        painter.setPen(_INK)
        painter.drawText(QRectF(plot.right() - 194, legend_y, 200, 16),
                         Qt.AlignmentFlag.AlignLeft, labels[key])
        legend_y += 18
    painter.restore()
    return y_labels + x_labels


def _footer(painter: QPainter, page: QRectF, number: int, total: int, name: str,
            what: str = "handout") -> None:
    font = _font(10)
    rect = QRectF(page.left(), page.bottom() - 16, page.width(), 16)
    _text(painter, rect, f"nnviz {what} · {name}", font, _MUTED)
    _text(painter, rect, f"page {number} of {total}", font, _MUTED,
          Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)


def _stage_layout(painter: QPainter, rect: QRectF, copy: _Copy, heading: str,
                  sub: str) -> str:
    """A stage: heading, the canvas and the formulas (stacked on paper, side by side on
    a wide slide, where both fill the frame). Returns the text drawn."""
    y = rect.top()
    y += _text(painter, QRectF(rect.left(), y, rect.width(), 40), heading, _font(20, True))
    y += _text(painter, QRectF(rect.left(), y + 2, rect.width(), 30), sub, _font(12), _MUTED) + 10
    body = QRectF(rect.left(), y, rect.width(), rect.bottom() - y)
    document = copy.lecture.browser.document()
    if body.width() > body.height():  # a slide
        canvas = QRectF(body.left(), body.top(), body.width() * 0.55, body.height())
        _draw_scene(painter, copy.scene, canvas, fill=True)
        text = QRectF(canvas.right() + 20, body.top(), body.width() * 0.45 - 20, body.height())
        scale = _fit_scale(document, text, SLIDE_TEXT_MAX, PAGE_TEXT_MIN)
    else:
        canvas = QRectF(body.left(), body.top(), body.width(), body.height() * 0.42)
        used = _draw_scene(painter, copy.scene, canvas)
        text = QRectF(body.left(), body.top() + used + 14, body.width(),
                      body.bottom() - body.top() - used - 14)
        painter.setPen(QPen(QColor("#dadce0"), 1))
        painter.drawLine(QPointF(text.left(), text.top() - 7), QPointF(text.right(), text.top() - 7))
        scale = _fit_scale(document, text, PAGE_TEXT_SCALE, PAGE_TEXT_MIN)
    _draw_document(painter, document, text, scale)
    return "\n".join([heading, sub, copy.text()])


def _copy_at_batch_start(session: Session) -> tuple[_Copy, list]:
    """A copy of ``session`` at the start of a batch (the one the user is in finished),
    and the stages of a batch: what the handout and the worksheet step through."""
    copy = _Copy(session)
    stepper = copy.stepper
    stages = stepper.stages
    if stepper.next_stage != stages[0]:
        copy.session.step("batch")  # finish the batch the user is in
    return copy, stages


def export_handout(session: Session, path: str | os.PathLike | None, name: str = "network",
                   slides_dir: str | os.PathLike | None = None) -> HandoutResult:
    """Write the handout PDF to ``path`` (and one PNG per stage into ``slides_dir``).

    ``session`` is the window's; it is read, never changed. ``name`` goes into the title
    and the footers. ``path`` None writes only the slides. Raises NnvizError when the
    network cannot be trained (the reason) or a file cannot be written.
    """
    copy, stages = _copy_at_batch_start(session)
    total = len(stages) + 2
    pdf = painter = None
    slides: list[Path] = []
    if slides_dir is not None:
        slides_dir = Path(slides_dir)
        try:
            slides_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise NnvizError(f"Cannot make the folder {slides_dir}: {error.strerror}.") from error
    part = page = content = None
    if path is not None:
        path, part, pdf, painter, page, content = _begin_pdf(path, f"nnviz handout: {name}")
    labels: list[str] = []
    texts: list[str] = []
    try:
        if painter is not None:
            assert page is not None and content is not None  # _begin_pdf gave them with it
            texts.append(_title_page(painter, content, copy, name, "One batch of training, "
                                     "stage by stage"))
            _footer(painter, page, 1, total, name)
        for index in range(len(stages)):
            trace = copy.session.step("stage")
            if trace is None:
                raise NnvizError(copy.session.problem or "The network cannot be stepped.")
            copy.show(trace)
            label = trace.stage.label
            labels.append(label)
            heading, sub = _stage_titles(trace, index, len(stages))
            if painter is not None and pdf is not None:
                assert page is not None and content is not None  # _begin_pdf gave them with it
                pdf.newPage()
                texts.append(_stage_layout(painter, content, copy, heading, sub))
                _footer(painter, page, index + 2, total, name)
            if slides_dir is not None:
                slides.append(_write_slide(slides_dir / f"stage-{index + 1:02d}.png",
                                           copy, heading, sub))
        if painter is not None and pdf is not None:
            assert page is not None and content is not None  # _begin_pdf gave them with it
            pdf.newPage()
            y = content.top()
            y += _text(painter, QRectF(content.left(), y, content.width(), 40),
                       "The loss so far", _font(20, True)) + 6
            history = copy.session.history
            count = len(history.batch_loss)
            note = (f"{count} {'batch' if count == 1 else 'batches'} trained "
                    f"({copy.stepper.batches_per_epoch} per epoch), this handout's batch included.")
            y += _text(painter, QRectF(content.left(), y, content.width(), 30), note,
                       _font(12), _MUTED) + 10
            ticks = _draw_curve(painter, QRectF(content.left(), y, content.width(),
                                                content.height() * 0.5), history,
                                copy.stepper.batches_per_epoch)
            _footer(painter, page, total, total, name)
            texts.append("\n".join(["The loss so far", note, *ticks]))
    except BaseException:
        _end_pdf(painter, part, None)
        raise
    _end_pdf(painter, part, path)
    return HandoutResult(total if path is not None else 0, labels, slides, texts)


def _begin_pdf(path, title: str):
    """An A4 PDF being written to ``path`` + ".part": ``(path, part, pdf, painter, page,
    content)``, the painter scaled to layout pixels, ``page`` inside the margins and
    ``content`` above the footer."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    pdf = QPdfWriter(str(part))
    pdf.setResolution(PDF_DPI)
    pdf.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                  QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    pdf.setTitle(title)
    pdf.setCreator("nnviz")
    painter = QPainter()
    if not painter.begin(pdf):
        raise NnvizError(f"Cannot write the PDF file {path}; check the folder exists and "
                         "is writable.")
    scale = PDF_DPI / LAYOUT_DPI
    margin = MARGIN_MM / 25.4 * LAYOUT_DPI
    painter.scale(scale, scale)
    page = QRectF(0, 0, pdf.width() / scale, pdf.height() / scale).adjusted(
        margin, margin, -margin, -margin)
    return path, part, pdf, painter, page, page.adjusted(0, 0, 0, -24)


def _end_pdf(painter: QPainter | None, part: Path | None, path: Path | None) -> None:
    """Finish the PDF: ``part`` becomes ``path`` (atomically), or is deleted (None)."""
    if painter is not None and painter.isActive():
        painter.end()
    if part is None:
        return
    if path is None:
        if part.exists():
            part.unlink()
        return
    try:
        os.replace(part, path)
    except OSError as error:
        raise NnvizError(f"Cannot write the PDF file {path}: {error.strerror}.") from error


def _title_page(painter: QPainter, content: QRectF, copy: _Copy, name: str,
                what: str) -> str:
    """The first page: the name, ``what`` the document is, the network, its settings and
    the lecture's Keras code. Returns the text drawn."""
    y = content.top()
    y += _text(painter, QRectF(content.left(), y, content.width(), 60),
               f"{name}", _font(28, True))
    y += _text(painter, QRectF(content.left(), y + 2, content.width(), 30),
               f"{what} · nnviz · {datetime.date.today().isoformat()}", _font(13),
               _MUTED) + 14
    copy.clear()
    net = QRectF(content.left(), y, content.width(), content.height() * 0.36)
    y += _draw_scene(painter, copy.scene, net) + 14
    for line in _settings_lines(copy.session.project):
        y += _text(painter, QRectF(content.left(), y, content.width(), 60), line,
                   _font(13)) + 4
    y += 12
    project = copy.session.project
    code = lecture_code(project.design, project.training, project.dataset).text
    _text(painter, QRectF(content.left(), y, content.width(), content.bottom() - y),
          code, _font(10.5, mono=True))
    return "\n".join([name, *_settings_lines(project), code])


def _stage_titles(trace, index: int, count: int) -> tuple[str, str]:
    """A stage page's heading and the line under it."""
    return (f"Stage {index + 1} of {count}: {trace.stage.label}",
            f"Epoch {trace.epoch + 1}, batch {trace.batch + 1} · {len(trace.x)} samples in "
            f"the batch; the numbers are the first sample's")


def render_page(session: Session, stage: str, path: str | os.PathLike, name: str = "network",
                dpi: int = 110) -> Path:
    """Draw the handout's page of the stage labelled ``stage`` (as the PDF lays it out)
    into an A4 PNG at ``dpi``, for documentation. ``session`` is read, never changed."""
    copy = _Copy(session)
    stepper = copy.stepper
    if stepper.next_stage != stepper.stages[0]:
        copy.session.step("batch")
    labels = [s.label for s in stepper.stages]
    if stage not in labels:
        raise NnvizError(f"The network has no stage {stage!r}; it has {', '.join(labels)}.")
    for _ in range(labels.index(stage) + 1):
        trace = copy.session.step("stage")
    copy.show(trace)
    scale = dpi / LAYOUT_DPI
    size = QPageSize(QPageSize.PageSizeId.A4).sizePixels(dpi)
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    painter.scale(scale, scale)
    margin = MARGIN_MM / 25.4 * LAYOUT_DPI
    page = QRectF(0, 0, size.width() / scale, size.height() / scale).adjusted(
        margin, margin, -margin, -margin)
    heading, sub = _stage_titles(trace, labels.index(stage), len(labels))
    _stage_layout(painter, page.adjusted(0, 0, 0, -24), copy, heading, sub)
    _footer(painter, page, labels.index(stage) + 2, len(labels) + 2, name)
    painter.end()
    path = Path(path)
    if not image.save(str(path)):
        raise NnvizError(f"Could not write the image file {path}; check the folder is writable.")
    return path


def _write_slide(path: Path, copy: _Copy, heading: str, sub: str) -> Path:
    image = QImage(SLIDE_SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    painter.scale(1.5, 1.5)  # lay out on 1280 x 720, drawn at 1920 x 1080
    rect = QRectF(0, 0, SLIDE_SIZE.width() / 1.5, SLIDE_SIZE.height() / 1.5).adjusted(32, 28, -32, -28)
    _stage_layout(painter, rect, copy, heading, sub)
    painter.end()
    if not image.save(str(path)):
        raise NnvizError(f"Could not write the image file {path}; check the folder is writable.")
    return path
