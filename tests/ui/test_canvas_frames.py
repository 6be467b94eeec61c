"""Issue 20 point 4 (smooth under load): what a training frame costs the canvas.

A crowded bundle (784 x 128) is drawn as a density image with its strongest lines on top
and says so; the density image is made again only when the weights moved visibly; a frame
that moves no line to another pen repaints nothing, and the picture is the same as a
full repaint's.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from nnviz.document import Design
from ui.canvas import CanvasScene, CanvasView, style
from ui.canvas.density import BundleDensity
from ui.canvas.view import LEGEND_MARGIN


def _chain(sizes: list[int]) -> Design:
    design = Design()
    kinds = ["input"] + ["hidden"] * (len(sizes) - 2) + ["output"]
    ids = [design.add_layer(kind, x=450.0 * i, y=0.0, units=units)
           for i, (kind, units) in enumerate(zip(kinds, sizes))]
    for a, b in zip(ids[:-1], ids[1:]):
        design.connect(a, b)
    return design


def _show(qtbot, design: Design) -> CanvasView:
    view = CanvasView(CanvasScene(design))
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.fit()
    return view


def _flush() -> None:
    """Deliver the posted updates and paints (no waiting: only what is already queued)."""
    for _ in range(3):
        QApplication.processEvents()


def _pixels(view: CanvasView) -> np.ndarray:
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint32).reshape(
        image.height(), -1)[:, : image.width()].copy()


def _muted_text_above_legend(view: CanvasView, arr: np.ndarray) -> int:
    """Pixels of the muted text colour in the strip above the line legend."""
    top = int(view.viewport().height() - LEGEND_MARGIN - view.legend_size().height())
    strip = arr[top - 60:top - 6, int(LEGEND_MARGIN):int(LEGEND_MARGIN + view.legend_size().width())]
    muted = view.canvas_scene.colors.muted
    rgb = np.stack([strip >> 16 & 255, strip >> 8 & 255, strip & 255], axis=-1).astype(int)
    near = np.abs(rgb - [muted.red(), muted.green(), muted.blue()]).max(axis=-1) < 24
    return int(near.sum())


def test_a_crowded_bundle_draws_its_strongest_lines_and_says_so(qtbot):
    design = _chain([784, 128, 10])
    rng = np.random.default_rng(0)
    kernel = rng.normal(0, 0.001, (784, 128))
    strong = [(60, 10), (200, 30), (90, 100)]
    for i, j in strong:
        kernel[i, j] = 1.0
    design.store_weights([kernel, np.zeros(128), rng.normal(0, 0.3, (128, 10)), np.zeros(10)])
    view = _show(qtbot, design)
    a, b, c = (spec.id for spec in design.chain())
    crowded, small = view.canvas_scene.bundle_item(a, b), view.canvas_scene.bundle_item(b, c)
    arr = _pixels(view)
    assert crowded.detail_note == (f"784 × 128 = 100,352 lines: shaded by density, "
                                   f"the {style.STRONGEST_LINES} strongest drawn")
    assert small.detail_note is None  # 1,280 lines: every one drawn
    # ... and the canvas says so, above the legend (where a small net has nothing).
    assert _muted_text_above_legend(view, arr) > 20
    lecture = _chain([2, 3, 2])
    lecture.store_weights([rng.normal(size=(2, 3)), np.zeros(3), rng.normal(size=(3, 2)),
                           np.zeros(2)])
    small_view = _show(qtbot, lecture)
    assert _muted_text_above_legend(small_view, _pixels(small_view)) == 0
    # Each strong line is drawn in the strongest positive pen, over the density image.
    pen = view.canvas_scene.colors.line_colors(style.WIDTH_LEVELS)[0][-1]
    ys, yt = crowded._ys, crowded._yt
    for i, j in strong:
        for t in (0.35, 0.5, 0.65):
            point = crowded.mapToScene(QPointF(crowded._x0 + t * (crowded._x1 - crowded._x0),
                                               ys[i] + t * (yt[j] - ys[i])))
            p = view.mapFromScene(point)
            pixel = int(arr[p.y(), p.x()])
            assert (pixel >> 16 & 255, pixel >> 8 & 255, pixel & 255) == \
                (pen.red(), pen.green(), pen.blue()), (i, j, t)


def test_density_image_is_kept_while_weights_move_invisibly():
    colors = style.colors_for(False)
    density = BundleDensity()
    density.set_geometry(0.0, np.linspace(-360, 360, 784), 450.0, np.linspace(-300, 300, 128))
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.05, (784, 128))
    first, target = density.image(w, colors)
    assert density.builds == 1 and target.width() == 450.0
    # A training step's worth of change (a ten-thousandth): the same image, not made again.
    again, _ = density.image(w * 1.0001 + 1e-6, colors)
    assert density.builds == 1 and again.cacheKey() == first.cacheKey()
    # One block of weights grows by far more than the tolerance: a new, different image.
    moved = w.copy()
    moved[:13, :4] += 0.5
    image, _ = density.image(moved, colors)
    assert density.builds == 2 and image != first
    # Small steps add up: measured against the weights the image was made from, not the
    # last frame's, so a slow drift is drawn once it shows.
    step = moved.copy()
    builds = [density.builds]
    for _ in range(40):
        step[:13, :4] += 0.002
        density.image(step, colors)
        builds.append(density.builds)
    assert builds[1] == 2 and builds[-1] > 2
    # New geometry or new colours: made again.
    density.set_geometry(0.0, np.linspace(-300, 300, 784), 450.0, np.linspace(-300, 300, 128))
    density.image(step, colors)
    assert density.builds == builds[-1] + 1
    density.image(step, style.colors_for(True))
    assert density.builds == builds[-1] + 2


def test_the_bundle_shows_new_weights_once_they_move_visibly(qtbot):
    design = _chain([784, 128, 10])
    rng = np.random.default_rng(2)
    weights = [rng.normal(0, 0.05, (784, 128)), np.zeros(128),
               rng.normal(0, 0.3, (128, 10)), np.zeros(10)]
    design.store_weights(weights)
    view = _show(qtbot, design)
    a, b, _c = (spec.id for spec in design.chain())
    before = _pixels(view)
    # The top half of the first layer's weights turn negative: the picture changes.
    flipped = weights[0].copy()
    flipped[:392] = -np.abs(flipped[:392])
    view.canvas_scene.set_edge_values({(a, b): flipped}, mode="weights")
    after = _pixels(view)
    assert np.count_nonzero(before != after) > 1000


@pytest.mark.parametrize("show_labels", [False, True])
def test_a_frame_that_moves_no_pen_repaints_nothing(qtbot, show_labels):
    design = _chain([2, 3, 2])
    rng = np.random.default_rng(3)
    weights = [rng.normal(0, 1, (2, 3)), np.zeros(3), rng.normal(0, 1, (3, 2)), np.zeros(2)]
    design.store_weights(weights)
    view = _show(qtbot, design)
    scene = view.canvas_scene
    scene.set_show_weight_labels(show_labels)
    edges = [(a.id, b.id) for a, b in zip(design.chain()[:-1], design.chain()[1:])]
    kernels = [weights[0], weights[2]]
    scene.set_edge_values(dict(zip(edges, kernels)), mode="weights")
    _flush()
    shown = _pixels(view)
    painted = [bundle.paint_count for bundle in scene.bundle_items()]
    # Every weight a little larger (a training step): no line changes its pen.
    nudged = [k * 1.001 for k in kernels]
    scene.set_edge_values(dict(zip(edges, nudged)), mode="weights")
    _flush()
    counts = [bundle.paint_count for bundle in scene.bundle_items()]
    if show_labels:
        assert all(c > p for c, p in zip(counts, painted))  # the numbers on them changed
    else:
        assert counts == painted
        # What stays on screen is what a full repaint draws now.
        assert np.array_equal(_pixels(view), shown)
    # One weight crosses to the other sign: repainted.
    crossed = [k.copy() for k in nudged]
    crossed[0][0, 0] = -crossed[0][0, 0]
    painted = [bundle.paint_count for bundle in scene.bundle_items()]
    scene.set_edge_values(dict(zip(edges, crossed)), mode="weights")
    _flush()
    assert all(c > p for c, p in zip((b.paint_count for b in scene.bundle_items()), painted))
    assert not np.array_equal(_pixels(view), shown)
