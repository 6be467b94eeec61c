"""The frame presenter: draws the run (counters, canvas, plots, lecture view) from frames.

Frames come from two places: the training thread (a :class:`~ui.training.worker.Frame`
every chunk, coalesced) and the GUI thread itself after a session command (a step, an
undo, Reset, time travel). Either way, the presenter draws the newest frame; it keeps
nothing the session does not have, except what it has already drawn.

A frame costs a handful of Python calls: the canvas gets whole arrays per layer, each plot
curve one ``setData``, the lecture view one ``setHtml``. While training fast the counters
and the canvas follow every frame (up to the training process's 60 deltas a second); the
plots and the Lecture view's page are spread over the frames so that no frame carries
them all: the loss curves, the weight norms, the output map and the page each come about
10 times a second, each in its own frame (a closed or hidden dock not at all: it catches
up when it shows again), and the epoch bar and the time slider with some of those turns.
Every frame is drawn and painted, then the worker is told
(:meth:`~ui.training.worker.TrainingWorker.frame_done`): a worker training on the
window's thread waits for that.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import cast

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from nnviz.analysis.predict import PredictReveal, QuestionContext, hidden_parts, question_for
from nnviz.document.selection import Selection
from nnviz.engine.training import History, StageTrace
from nnviz.errors import NnvizError
from nnviz.session.lecture_info import LectureInfo, PredictNote, lecture_info
from ui.training.plots import ACCURACY_KEYS, LOSS_KEYS
from ui.training.worker import Frame, input_plane, neuron_maps_of, output_map, take_frame

__all__ = ["FramePresenter", "CANVAS_INTERVAL", "PLOTS_INTERVAL"]

#: Seconds between two canvas updates while training fast: every frame.
CANVAS_INTERVAL = 0.0
#: Seconds between two redraws of each plot part (loss curves, weight norms, output map)
#: while training fast; the parts take turns, one per frame.
PLOTS_INTERVAL = 0.1
#: The plot parts, in the order they take turns (the Lecture view's page is one: its
#: numbers change every batch, and a page laid out 60 times a second is read by no one).
_PLOT_PARTS = ("lecture", "loss", "norms", "accuracy", "boundary")
#: The history series each history part redraws (the points of all are taken every turn).
_PART_KEYS = {"loss": LOSS_KEYS, "accuracy": ACCURACY_KEYS}

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
    #: Predict then reveal: the question line changed (its text, "" for none; whether the
    #: stage's results are hidden).
    sig_question = Signal(str, bool)

    def __init__(self, window, panel, plots, lecture, session, worker):
        super().__init__(window)
        self.window, self.panel, self.plots, self.lecture = window, panel, plots, lecture
        self.session, self.worker = session, worker
        self.frame: Frame | None = None
        self.frames = 0
        self.trace: StageTrace | None = None  # what the views show: the results hidden while they wait
        self.full_trace: StageTrace | None = None  # the same with every result (the answers come from it)
        #: Predict then reveal: the toggle and the stage waiting for its reveal.
        self.predict = PredictReveal()
        self._question: tuple[str, bool] = ("", False)
        self._base_inputs = 2  # the data's own inputs (the crosses are not axes of the plots)
        self.layer_ids: list[str] = []
        self._selection: Selection = None
        self._drawn_lists: dict[str, int] = {}
        self._last_canvas = 0.0
        self._last_plots = 0.0
        self._last_part = dict.fromkeys(_PLOT_PARTS, 0.0)
        self._next_part = 0
        self._drawing = False
        self._ringed = None  # the samples ringed in the output map (a trace's x)
        self._canvas_plain = False  # the canvas shows weights only (no trace): no clearing
        self._slider = None  # what the time slider shows: (snapshots, travel index)
        # A closed (hidden) dock is not drawn while training fast: it catches up
        # when it shows again.
        self._stale_docks: set = set()
        lecture.visibilityChanged.connect(lambda shown: shown and self._catch_up(lecture))
        plots.visibilityChanged.connect(lambda shown: shown and self._catch_up(plots))
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(0)
        self._draw_timer.timeout.connect(self._draw_waiting)

    # ------------------------------------------------------------------ the run
    def new_run(self) -> None:
        """A new run (or none): the data, the plots and the layer ids start again."""
        session = self.session
        self.trace = self.full_trace = None
        self._ringed = None
        self.layer_ids = []
        try:  # the previews follow the data set even when the network does not fit it
            data = session.dataset()
        except NnvizError:
            data = None
        if data is not None:
            # The plots draw the plane of x1 and x2 (the crosses are inputs, not axes).
            self._base_inputs = data.n_base_features
            self.plots.set_data(data.x_train[:, :data.n_base_features], data.y_train, data.task,
                                class_names=data.class_names if data.is_classification
                                else None)
            labels = data.labels if data.is_classification else data.y[:, 0]
            self.panel.set_preview(data.x, labels)
            self.window.scene.set_output_labels(data.class_names if data.is_classification
                                                else None, session.project.training.loss)
            self.window.scene.set_input_labels(data.feature_names if data.features else None)
        if session.stepper is not None:
            self.layer_ids = [spec.id for spec in session.design.chain()]
            self.worker.set_plane(input_plane(data))
        self._drawn_lists = {}
        self.plots.clear_history()
        self.show_now()

    def show_now(self, trace=None) -> None:
        """Draw the session as it is now (after a command on the GUI thread)."""
        session = self.session
        if session.stepper is None:
            self.frame = None
            self.trace = self.full_trace = None
            self._show_question()
            self._clear_canvas()
            self.window.scene.set_neuron_maps(None)
            self.panel.stage_label.setText("Next: -")
            self.panel.counters.setText("epoch 0 · step 0 · 0 samples seen")
            self.lecture.show_state(self._selection, None, None, self.info())
            self.sig_frame.emit()
            return
        with session.lock:
            plane = input_plane(session.dataset())
            frame = take_frame(session, trace=trace, running=session.training,
                               boundary=output_map(session.stepper.model, plane),
                               neuron_maps=neuron_maps_of(session, plane)
                               if self.worker.neuron_maps_on else None)
        if trace is None:
            self.trace = self.full_trace = None
        self.draw(frame, full=True)

    def info(self) -> LectureInfo:
        """What the lecture view needs to know of the run besides the trace."""
        return replace(lecture_info(self.session, self.layer_ids), predict=self._predict_note())

    def set_selection(self, selection: Selection) -> None:
        """The canvas's selection changed: the lecture view explains the new one."""
        self._selection = selection
        weights = self._shown_weights(self.frame) if self.frame is not None else None
        self.lecture.show_state(selection, self.trace, weights, self.info())
        self._show_question()  # a question about the selected neuron or weight

    # ------------------------------------------------------------------ frames in
    def on_frame_ready(self) -> None:
        """The training thread left a frame: draw it at the event loop's next turn.

        Through a zero timer, not at once: frames queued behind each other would otherwise
        be drawn back to back, and the window's timers and input wait for all of them.
        """
        if not self._draw_timer.isActive():
            self._draw_timer.start()

    def _draw_waiting(self) -> None:
        if self._drawing:
            # Delivered while a frame sends its posted events: draw it once that is done.
            self._draw_timer.start()
            return
        frame = self.worker.take_frame()
        # A frame that arrives after Pause shows nothing new: the pause drew the run.
        if frame is not None and self.session.training and self.session.stepper is not None:
            self.draw(frame)
        else:
            self.worker.frame_done()

    def draw(self, frame: Frame, full: bool = False) -> None:
        """One frame: counters, canvas, plots, lecture view (a handful of calls each).

        The frame is drawn *and painted* before the worker hears it is done
        (:meth:`~ui.training.worker.TrainingWorker.frame_done`): its posted work (the
        scenes' dirty regions, then the window's update request) is sent here, while a
        worker training on its thread waits, instead of a few event-loop turns later
        while training runs again.
        """
        self._drawing = True
        try:
            self._draw_frame(frame, full)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
        finally:
            self._drawing = False
        self.worker.frame_done()

    def _draw_frame(self, frame: Frame, full: bool) -> None:
        self.frame = frame
        self.frames += 1
        p = self.panel
        if frame.trace is not None:
            self.full_trace = cast(StageTrace, frame.trace)  # what the worker's frames carry
            self.trace = self.predict.shown(self.full_trace)  # no view gets a hidden result
        elif frame.running:
            self.trace = self.full_trace = None
        trace = self.trace
        hiding = self.predict.waiting(self.full_trace)
        # Between its loss stage and its update, a stepped batch's loss is in no history yet.
        self.plots.set_stage_loss(float(trace.loss) if trace is not None and trace.loss is not None
                                  and trace.stage.kind != "update" and not frame.running
                                  else None)
        done = f"Done: {self.trace.stage.label} · " if self.trace is not None else ""
        ringed = self.trace.x if self.trace is not None else None
        if ringed is not self._ringed:  # the batch being stepped, ringed in the output map
            self._ringed = ringed
            self.plots.set_current_samples(None if ringed is None
                                           else ringed[:, :self._base_inputs])
        stage = f"{done}Next: {frame.next_stage}"
        if stage != p.stage_label.full_text:  # while training it seldom changes: no refit
            p.stage_label.setText(stage)
        # The session's one count (the Lecture view's trace and the status bar say the same).
        p.counters.setText(f"epoch {frame.position.epoch} · "
                           f"step {frame.global_step} · {frame.samples_seen} samples seen")
        now = time.perf_counter()
        fast = frame.running and frame.trace is None and not full
        canvas_due = not fast or now - self._last_canvas >= CANVAS_INTERVAL
        part = self._plot_part_due(now) if fast else None
        # The part drawn this frame: none while its dock is hidden (it catches up when
        # shown, see _catch_up); the canvas's and the norms' share of the turn still comes.
        drawn = part if part is None or not self._skipped(
            self.lecture if part == "lecture" else self.plots) else None
        plots_due = not fast
        self.plots.defer_norms = fast
        if plots_due or drawn in _PART_KEYS:
            # Every point recorded since the last turn is taken (none is lost); the loss
            # and the accuracy plot are redrawn on turns of their own.
            self._sync_history(frame, redraw=True if plots_due else _PART_KEYS[cast(str, drawn)])
        if (plots_due or drawn == "boundary") and not hiding:
            # A stage waiting for its reveal shows no map made with the weights it moved.
            self.plots.set_boundary(frame.boundary)
        if plots_due or part == "boundary":
            self.window.scene.set_neuron_maps(None if hiding else frame.neuron_maps,
                                              hidden=self.trace is not None)
        if not fast or part == "loss":
            # A new epoch's snapshot moves the slider's range (and repaints the panel's
            # box around it): while training fast, with the loss curve's epochs.
            self._update_time_slider(frame)
        if not fast or part in ("loss", "boundary"):
            # The bar repaints itself at once on every new value (a paint of its own): it
            # follows two of the plots' turns while training fast (about 20 times a
            # second), where an epoch can take less than a frame anyway.
            # The session's one position (the status bar and the Lecture view name the
            # same batch): the batch being computed or next, not the batches done.
            p.progress.show_batch(frame.position.batch, frame.batches_per_epoch)
        if canvas_due:
            self._last_canvas = now
            self._draw_canvas(frame)
            if (plots_due or part == "norms") and not hiding:
                self._add_norms(frame)
        if (plots_due or drawn == "norms") and not hiding:
            self.plots.redraw_norms()
        if not fast or drawn == "lecture":
            # While running too, on its turn: the view says so (an unchanged page costs
            # no relayout).
            self.lecture.show_state(self._selection, self.trace, self._shown_weights(frame),
                                    self.info())
        self._show_question()
        if plots_due:
            self._last_plots = now
        self.sig_frame.emit()

    def _skipped(self, dock) -> bool:
        """Whether ``dock`` is hidden (closed, or folded away): then it is left
        out of this frame and noted to catch up."""
        if dock.isHidden():
            self._stale_docks.add(dock)
            return True
        return False

    def _catch_up(self, dock) -> None:
        """A dock hidden while training shows again: draw what it missed."""
        if dock not in self._stale_docks or self.frame is None:
            return
        self._stale_docks.discard(dock)
        if dock is self.lecture:
            self.lecture.show_state(self._selection, self.trace,
                                    self._shown_weights(self.frame), self.info())
            return
        self._sync_history(self.frame, redraw=True)
        if not self.predict.waiting(self.full_trace):
            self.plots.set_boundary(self.frame.boundary)
            self.plots.redraw_norms()

    def _plot_part_due(self, now: float) -> str | None:
        """The plot part this frame redraws while training fast (at most one), if any is due.

        The parts take turns, so a frame carries at most one of them: no frame is a burst.
        """
        for k in range(len(_PLOT_PARTS)):
            part = _PLOT_PARTS[(self._next_part + k) % len(_PLOT_PARTS)]
            if now - self._last_part[part] >= PLOTS_INTERVAL:
                self._last_part[part] = now
                self._next_part = (self._next_part + k + 1) % len(_PLOT_PARTS)
                return part
        return None

    # ------------------------------------------------------------------ history
    def _sync_history(self, frame: Frame, redraw) -> None:
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
            # Only the new points are copied (slicing a list is atomic; the lists only grow
            # while training), never the whole history: a frame costs the same after an hour.
            n = min((len(lists[key]) for key in group if lists[key]), default=0)
            for key in group:
                tails[key] = lists[key][self.plots.point_count(key):n]
        self.plots.add_history(tails, frame.batches_per_epoch, redraw=redraw,
                               batch_segments=getattr(hist.batch_loss, "segments", None))

    def _add_norms(self, frame: Frame) -> None:
        kernels = frame.weights[0::2]
        if not kernels:
            return
        names = list(self.info().names[1:])
        self.plots.add_weights(kernels, names if len(names) == len(kernels) else None)

    # ------------------------------------------------------------------ canvas
    def _clear_canvas(self) -> None:
        self._canvas_plain = False
        scene = self.window.scene
        scene.set_neuron_values(None)
        scene.set_neuron_numbers(None)
        scene.highlight_layer(None)
        scene.set_edge_values(None)
        scene.clear_stage_marks()

    def _draw_canvas(self, frame: Frame) -> None:
        scene = self.window.scene
        ids, trace = self.layer_ids, self.trace
        if not ids or len(frame.weights) != 2 * (len(ids) - 1):
            return
        edges = list(zip(ids[:-1], ids[1:]))
        if trace is None:
            scene.set_hidden_results()
            self.window.inspector.set_hidden()
            if not (self._canvas_plain and frame.running):
                self._clear_canvas()
            self._canvas_plain = True
            means = frame.gradients if self.panel.show_gradients.isChecked() else None
            if means is not None and frame.travel_index is None:
                # Gradient health: the running mean of |dL/dW| over the last batches.
                scene.set_edge_values({e: k for e, k in zip(edges, means.kernels)
                                       if k is not None}, mode="gradient_mean")
            elif frame.running or frame.travel_index is not None:
                # Training (or time travel) moves the weights ahead of the document: draw
                # the frame's own (the document gets them when the run pauses).
                scene.set_edge_values(dict(zip(edges, frame.weights[0::2])), mode="weights")
            return
        self._canvas_plain = False
        kind = trace.stage.kind
        scene.show_stage(trace, ids)
        # After show_stage (which writes what it has), before the lines are drawn.
        hidden = hidden_parts(trace, ids) if self.predict.waiting(trace) else ((), (), ())
        scene.set_hidden_results(*hidden)
        self.window.inspector.set_hidden(hidden[1], hidden[2])
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

    # ------------------------------------------------------------------ predict, then reveal
    def set_predict(self, on: bool) -> None:
        """Turn "predict then reveal" on or off (off reveals a stage that waits)."""
        if bool(on) == self.predict.on:
            return
        self.predict.set_on(on)
        if self.full_trace is not None and self.session.stepper is not None:
            self.show_now(self.full_trace)
        else:
            self._show_question()

    def stepped(self, trace) -> None:
        """A Step showed ``trace`` (None: a batch, an epoch): with predict on, its stage's
        results wait for the next Step."""
        self.predict.stepped(trace)

    def reveal(self) -> bool:
        """Show the results of the stage that waits (True), or do nothing (False)."""
        if not self.predict.waiting(self.full_trace) or self.session.stepper is None:
            return False
        self.predict.reveal()
        self.show_now(self.full_trace)
        return True

    def question(self):
        """The :class:`~nnviz.analysis.predict.StageQuestion` of the stage shown, or None (predict
        off, no stage shown)."""
        if not self.predict.on or self.full_trace is None:
            return None
        context = QuestionContext.of_session(self.session, self._selection)
        if context is None or len(context.ids) != len(self.full_trace.z) + 1:
            return None
        return question_for(self.full_trace, context)

    def _predict_note(self) -> PredictNote | None:
        """The Lecture view's question line: hidden (with the symbol that shows "?"), or
        revealed with its answer."""
        q = self.question()
        if q is None:
            return None
        if self.predict.waiting(self.full_trace):
            return PredictNote(f"Predict: {q.text}", hidden=True, symbol=q.symbol)
        if self.predict.was_revealed(self.full_trace):
            return PredictNote(f"Revealed: {q.answer}")
        return None

    def _show_question(self) -> None:
        """Tell the question line what to say (only when it changes)."""
        note = self._predict_note() if self.predict.on else None
        shown = (note.line, note.hidden) if note else ("", False)
        if shown != self._question:
            self._question = shown
            self.sig_question.emit(*shown)

    def _shown_weights(self, frame: Frame) -> list:
        """The frame's weights, or the ones before the update while its results wait."""
        trace = self.trace
        if trace is not None and trace.stage.kind == "update" and trace.W_after is None \
                and trace.W_before is not None:
            assert trace.b_before is not None  # kept with W_before
            return [w for pair in zip(trace.W_before, trace.b_before) for w in pair]
        return frame.weights

    def redraw_canvas(self) -> None:
        """Draw the last frame's canvas again (the gradients box was toggled)."""
        if self.frame is not None:
            self._draw_canvas(self.frame)

    def _update_time_slider(self, frame: Frame) -> None:
        shown = (tuple(frame.snapshot_epochs), frame.travel_index)
        if shown == self._slider and frame.running:
            return  # nothing new: no Qt call (each one waits for the GIL while training)
        self._slider = shown
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
