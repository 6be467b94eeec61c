"""The frame presenter: draws the run (counters, canvas, plots, lecture view) from frames.

Frames come from two places: the training thread (a :class:`~ui.training.worker.Frame`
every chunk, coalesced) and the GUI thread itself after a session command (a step, an
undo, Reset, time travel). Either way, the presenter draws the newest frame; it keeps
nothing the session does not have, except what it has already drawn.

A frame costs a handful of Python calls: the canvas gets whole arrays per layer, each plot
curve one ``setData``, the lecture view one ``setHtml``. While training fast the counters
follow every frame, the canvas ~8 times a second and the plots ~2 times.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from nnviz.errors import NnvizError
from nnviz.training import History
from ui.training.worker import Frame, input_plane, output_map, take_frame

__all__ = ["FramePresenter", "CANVAS_INTERVAL", "PLOTS_INTERVAL"]

#: Seconds between two canvas updates while training fast (a step always draws).
CANVAS_INTERVAL = 0.125
#: Seconds between two plot redraws while training fast.
PLOTS_INTERVAL = 0.5

_GROUPS = (("batch_loss", "batch_accuracy"),
           ("epoch_loss", "epoch_accuracy", "val_loss", "val_accuracy"))


class FramePresenter(QObject):
    """Draws frames of a session's run into the window's canvas, panel, plots and lecture.

    Public: ``frame`` (the last one drawn), ``frames`` (how many), ``trace`` (the latest
    stage trace shown), ``layer_ids``, ``sig_frame``; ``show_now()`` draws the session as
    it is, ``draw(frame)`` a frame from the training thread, ``set_selection(sel)``.
    """

    #: A frame was drawn (tests and the benchmark wait on it).
    sig_frame = Signal()

    def __init__(self, window, panel, plots, lecture, session, worker):
        super().__init__(window)
        self.window, self.panel, self.plots, self.lecture = window, panel, plots, lecture
        self.session, self.worker = session, worker
        self.frame: Frame | None = None
        self.frames = 0
        self.trace = None
        self.layer_ids: list[str] = []
        self._selection = None
        self._drawn_lists: dict[str, int] = {}
        self._last_canvas = 0.0
        self._last_plots = 0.0
        self._drawing = False

    # ------------------------------------------------------------------ the run
    def new_run(self) -> None:
        """A new run (or none): the data, the plots and the layer ids start again."""
        session = self.session
        self.trace = None
        self.layer_ids = []
        if session.stepper is not None:
            self.layer_ids = [spec.id for spec in session.design.chain()]
            data = session.dataset()
            plane = input_plane(data)
            self.worker.set_plane(plane)
            self.plots.set_data(data.x_train, data.y_train, data.task)
            labels = data.labels if data.is_classification else data.y[:, 0]
            self.panel.set_preview(data.x, labels)
            self.window.scene.set_output_labels(data.class_names if data.is_classification
                                                else None)
        self._drawn_lists = {}
        self.plots.clear_history()
        self.show_now()

    def show_now(self, trace=None) -> None:
        """Draw the session as it is now (after a command on the GUI thread)."""
        session = self.session
        if session.stepper is None:
            self.frame = None
            self.trace = None
            self._clear_canvas()
            self.panel.stage_label.setText("Next: -")
            self.panel.counters.setText("epoch 0 · step 0 · 0 samples seen")
            self.lecture.show_state(self._selection, None, None, self.info())
            self.sig_frame.emit()
            return
        with session.lock:
            plane = input_plane(session.dataset())
            frame = take_frame(session, trace=trace, running=session.training,
                               boundary=output_map(session.stepper.model, plane))
        if trace is None:
            self.trace = None
        self.draw(frame, full=True)

    def info(self) -> dict:
        """What the lecture view needs to know of the run besides the trace."""
        session = self.session
        t = session.project.training
        names, activations = [], []
        try:
            chain = session.design.chain()
            names = [spec.name for spec in chain]
            activations = [spec.activation for spec in chain[1:]]
        except NnvizError:
            pass
        model = session.model
        return {
            "ids": list(self.layer_ids),
            "names": names,
            "activations": activations,
            "loss": model.loss.name if model is not None else t.loss,
            "optimizer": t.optimizer if t.optimizer != "sgd" or not t.momentum else "momentum",
            "learning_rate": t.learning_rate,
            "diverged": session.stepper.diverged if session.stepper is not None else None,
        }

    def set_selection(self, selection) -> None:
        """The canvas's selection changed: the lecture view explains the new one."""
        self._selection = selection
        weights = self.frame.weights if self.frame is not None else None
        self.lecture.show_state(selection, self.trace, weights, self.info())

    # ------------------------------------------------------------------ frames in
    def on_frame_ready(self) -> None:
        """The training thread left a frame: draw it (after the current one, if any)."""
        if self._drawing:
            # Delivered while a frame sends its posted events: draw it once that is done.
            QTimer.singleShot(0, self.on_frame_ready)
            return
        frame = self.worker.take_frame()
        # A frame that arrives after Pause shows nothing new: the pause drew the run.
        if frame is not None and self.session.training and self.session.stepper is not None:
            self.draw(frame)

    def draw(self, frame: Frame, full: bool = False) -> None:
        """One frame: counters, canvas, plots, lecture view (a handful of calls each).

        Unless only the counters change, the training thread holds back (the worker's
        :class:`~ui.training.worker.FrameGate`) from the start of the frame until it is
        *painted*: the frame's posted work (the scenes' dirty regions, then the window's
        update request) is sent here, inside the hold, instead of a few event-loop turns
        later while training runs again.
        """
        now = time.perf_counter()
        light = (not full and frame.running and frame.trace is None and not frame.finished
                 and now - self._last_canvas < CANVAS_INTERVAL
                 and now - self._last_plots < PLOTS_INTERVAL)
        if light:
            # Only the counters change (a few label paints): not worth holding training.
            self._draw_frame(frame, full)
            return
        with self.worker.gate.hold():
            self._drawing = True
            try:
                self._draw_frame(frame, full)
                QCoreApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
                QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
            finally:
                self._drawing = False

    def _draw_frame(self, frame: Frame, full: bool) -> None:
        self.frame = frame
        self.frames += 1
        p = self.panel
        if frame.trace is not None:
            self.trace = frame.trace
        elif frame.running:
            self.trace = None
        done = f"Done: {self.trace.stage.label} · " if self.trace is not None else ""
        p.stage_label.setText(f"{done}Next: {frame.next_stage}")
        epochs = self.session.project.training.epochs
        p.counters.setText(f"epoch {min(frame.epoch + 1, max(epochs, frame.epoch))} · "
                           f"step {frame.global_step} · {frame.samples_seen} samples seen")
        now = time.perf_counter()
        fast = frame.running and frame.trace is None and not full
        canvas_due = not fast or now - self._last_canvas >= CANVAS_INTERVAL
        plots_due = not fast or now - self._last_plots >= PLOTS_INTERVAL
        self.plots.defer_norms = fast
        self._sync_history(frame, redraw=plots_due)
        if plots_due:
            self._last_plots = now
            self.plots.set_boundary(frame.boundary)
        self._update_time_slider(frame)
        if canvas_due:
            # The bar repaints at once on every new value: it moves with the canvas.
            p.progress.setRange(0, max(1, frame.batches_per_epoch))
            p.progress.setValue(frame.batch_index)
            self._last_canvas = now
            self._draw_canvas(frame)
            self._add_norms(frame)
        if plots_due:
            self.plots.redraw_norms()
        if frame.trace is not None or not frame.running or self._selection is not None:
            self.lecture.show_state(self._selection, self.trace, frame.weights, self.info())
        self.sig_frame.emit()

    # ------------------------------------------------------------------ history
    def _sync_history(self, frame: Frame, redraw: bool) -> None:
        """Copy the history points not drawn yet straight from the session's run.

        Appending to a list is atomic, so copying a tail while training goes on is safe;
        series recorded together (a batch's loss and accuracy) are cut to the same length.
        A history that was replaced (undo, time travel, a new run) is drawn again whole.
        """
        stepper = self.session.stepper
        if stepper is None:
            return
        hist = stepper.history
        lists = {key: getattr(hist, key) for key in History.KEYS}
        if any(self._drawn_lists.get(key) != id(values) for key, values in lists.items()) \
                or any(self.plots.point_count(k) > len(v) for k, v in lists.items()):
            self.plots.clear_history()
            self._drawn_lists = {key: id(values) for key, values in lists.items()}
        tails = {}
        for group in _GROUPS:
            copies = {key: list(lists[key]) for key in group}
            n = min((len(v) for v in copies.values() if v), default=0)
            for key in group:
                tails[key] = copies[key][self.plots.point_count(key):n]
        self.plots.add_history(tails, frame.batches_per_epoch, redraw=redraw)

    def _add_norms(self, frame: Frame) -> None:
        kernels = frame.weights[0::2]
        if not kernels:
            return
        names = self.info()["names"][1:]
        self.plots.add_weights(kernels, names if len(names) == len(kernels) else None)

    # ------------------------------------------------------------------ canvas
    def _clear_canvas(self) -> None:
        scene = self.window.scene
        scene.set_neuron_values(None)
        scene.set_neuron_numbers(None)
        scene.highlight_layer(None)
        scene.set_edge_values(None)

    def _draw_canvas(self, frame: Frame) -> None:
        scene = self.window.scene
        ids, trace = self.layer_ids, self.trace
        if not ids or len(frame.weights) != 2 * (len(ids) - 1):
            return
        edges = list(zip(ids[:-1], ids[1:]))
        if trace is None:
            self._clear_canvas()
            if frame.running or frame.travel_index is not None:
                # Training (or time travel) moves the weights ahead of the document: draw
                # the frame's own (the document gets them when the run pauses).
                scene.set_edge_values(dict(zip(edges, frame.weights[0::2])), mode="weights")
            return
        kind, layer = trace.stage.kind, trace.stage.layer
        values = {ids[0]: trace.x[0]}
        # Written on the neurons (first sample of the batch): inside the value the fill
        # shows, under it z (forward), the target (output, loss stage) or a (backward).
        numbers = {ids[0]: (trace.x[0], None, "")}
        for m, a in enumerate(trace.a):
            if a is not None:
                values[ids[m + 1]] = a[0]
                z = trace.z[m] if m < len(trace.z) else None
                numbers[ids[m + 1]] = (a[0], None if z is None else z[0], "z")
        if kind in ("loss", "backward", "update") and trace.a and trace.a[-1] is not None:
            numbers[ids[-1]] = (trace.a[-1][0], trace.y[0], "target")
        if kind == "backward":
            for m, dz in enumerate(trace.dZ):
                if dz is not None:
                    values[ids[m + 1]] = dz[0]
                    numbers[ids[m + 1]] = (dz[0], trace.a[m][0], "a")
        scene.set_neuron_values(values)
        scene.set_neuron_numbers(numbers)
        if kind in ("forward", "backward"):
            scene.highlight_layer(ids[layer + 1])
        elif kind == "loss":
            scene.highlight_layer(ids[-1])
        else:
            scene.highlight_layer(None)
        grads = {edges[m]: dw for m, dw in enumerate(trace.dW) if dw is not None}
        show_gradients = self.panel.show_gradients.isChecked()
        if kind == "update" and trace.W_after is not None and not show_gradients \
                and not frame.running:
            scene.animate_update(trace.W_before, trace.W_after)
        elif grads and (kind == "backward" or show_gradients):
            scene.set_edge_values(grads, mode="gradients")
        elif frame.running:
            scene.set_edge_values(dict(zip(edges, frame.weights[0::2])), mode="weights")
        else:
            scene.set_edge_values(None)  # the document holds these weights

    def redraw_canvas(self) -> None:
        """Draw the last frame's canvas again (the gradients box was toggled)."""
        if self.frame is not None:
            self._draw_canvas(self.frame)

    def _update_time_slider(self, frame: Frame) -> None:
        s, p = self.panel.time_slider, self.panel
        n = len(frame.snapshot_epochs)
        s.blockSignals(True)
        s.setRange(0, n)  # n = "now"
        s.setValue(n if frame.travel_index is None else frame.travel_index)
        s.blockSignals(False)
        if frame.travel_index is None:
            p.time_label.setText("now")
            p.now_button.setEnabled(False)
            self.plots.set_time_marker(None)
        else:
            epoch = frame.snapshot_epochs[frame.travel_index]
            p.time_label.setText(f"after epoch {epoch}")
            p.now_button.setEnabled(True)
            self.plots.set_time_marker(float(epoch))
