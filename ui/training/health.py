"""Gradient health in the window (issue 23, point 3): the plots dock's "Gradients" tab,
the marks on dead and saturated neurons, and the warning when a layer's gradient vanishes
or explodes.

:class:`GradientHealth` listens to the training controller's frames. The numbers come from
the engine (:mod:`nnviz.engine.gradient_health`): the running means travel in each frame (from
the stepper, wherever it trains), the neuron flags are one forward pass over at most
:data:`~nnviz.limits.HEALTH_SAMPLES` samples with the frame's weights. The warning sits in
the status bar ("gradientWarningLabel", the whole sentence in its tooltip) and under the
gradient plot's title; the connection lines' running mean is drawn by the frame presenter
(the panel's "Lines show gradients dL/dw").
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from nnviz.engine.gradient_health import NeuronFlag, gradient_warnings, neuron_flags
from nnviz.errors import NnvizError
from ui.canvas.health_marks import NeuronFlagMarks
from ui.dialogs import plain_tooltip
from ui.training.gradient_plot import GradientNormPlot

__all__ = ["GradientHealth", "FLAGS_INTERVAL"]

#: Seconds between two looks for stuck neurons while training fast (every frame otherwise),
#: at least: a look that took long (a large network) waits 20 times as long, so the flags
#: take at most 5 % of the window's time.
FLAGS_INTERVAL = 0.5
#: The gradient plot is redrawn at most this often while training fast (seconds).
PLOT_INTERVAL = 0.1


class GradientHealth(QObject):
    """Gradient norms plotted, stuck neurons marked, vanishing/exploding layers named."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.plot = GradientNormPlot(window.training.plots)
        self.marks = NeuronFlagMarks()
        #: The flags shown now and the warnings said now (one sentence per layer).
        self.flags: list[NeuronFlag] = []
        self.warnings: list[str] = []
        self.label = QLabel(objectName="gradientWarningLabel")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # layer names as typed
        self.label.setProperty("state", "error")
        self.label.setMaximumWidth(640)
        self.full_text = ""
        self.label.setVisible(False)
        window.statusBar().addPermanentWidget(self.label)
        self._last_flags = self._last_plot = self._flags_cost = 0.0
        window.training.sig_frame.connect(self._on_frame)

    def warning_text(self) -> str:
        """The status bar's warning, whole ("" when every layer's gradient is healthy)."""
        return self.full_text

    def _on_frame(self) -> None:
        window = self.window
        frame, stepper = window.training.snapshot, window.session.stepper
        try:
            chain = window.session.design.chain()[1:]
        except NnvizError:
            chain = []
        if frame is None or stepper is None or not chain:
            self._show([], [], chain)
            return
        names = [spec.name for spec in chain]
        now = time.perf_counter()
        gradients = frame.gradients
        if gradients is None:
            if self.plot.point_count():
                self.plot.clear()  # a new run (Reset, a rebuilt network)
            warnings = []
        else:
            self.plot.add(frame.global_step / max(1, frame.batches_per_epoch),
                          gradients.norms, names)
            warnings = gradient_warnings(gradients.norms, names)
        if not frame.running or now - self._last_plot >= PLOT_INTERVAL:
            self._last_plot = now
            self.plot.redraw()
        flags = self.flags
        if not frame.running or now - self._last_flags >= max(FLAGS_INTERVAL,
                                                              20 * self._flags_cost):
            start, dense = time.perf_counter(), len(frame.weights) == 2 * len(chain)
            flags = neuron_flags(frame.weights, [s.activation for s in chain],
                                 stepper.x) if dense else []
            self._last_flags = time.perf_counter()
            self._flags_cost = self._last_flags - start
        self._show(flags, warnings, chain)

    def _show(self, flags, warnings, chain) -> None:
        ids = self.window.training.layer_ids
        self.flags = list(flags)
        if self.flags and ids:
            self.marks.show(self.window.scene, ids, self.flags)  # no change: no new items
        else:
            self.marks.clear()
        if warnings == self.warnings:
            return
        self.warnings = list(warnings)
        more = f" (+{len(warnings) - 1} more)" if len(warnings) > 1 else ""
        text = f"⚠ {warnings[0]}{more}" if warnings else ""
        # The whole sentence where it fits; all of them in the tooltip.
        self.full_text = text
        self.label.setText(self.label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideMiddle, self.label.maximumWidth()))
        self.label.setToolTip(plain_tooltip("\n\n".join(warnings)) if warnings else "")
        self.label.setVisible(bool(warnings))
        head = warnings[0].split(":")[0] if warnings else ""
        self.plot.widget.setTitle(f"Gradient norm per layer — ⚠ {head}" if warnings
                                  else "Gradient norm per layer")
