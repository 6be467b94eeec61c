"""The training controller: the training docks, the training thread, and the step keys.

``TrainingController(window)`` adds the docks "trainingPanel", "lectureView" and "plots"
to ``window`` and starts the training thread. Its parts each do one job:

* the window's :class:`~nnviz.session.session.Session` owns the run and its undo steps;
* :class:`~ui.training.binder.SettingsBinder` shows the settings and sends their commands;
* :class:`~ui.training.presenter.FramePresenter` draws frames of the run;
* :class:`~ui.training.worker.TrainingWorker` trains on the thread and publishes frames.

The controller turns buttons and keys into session commands (Step, Train, Pause, Reset,
time travel), follows the session's events, and switches presentation mode.
"""
from __future__ import annotations

import gc

import shiboken6
from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontInfo, QKeySequence, QShortcut
from PySide6.QtWidgets import QGraphicsView, QWidget

from nnviz.engine.training import StageTrace
from nnviz.session.run_status import RunStatus
from ui.training.binder import SettingsBinder
from ui.training.lecture_view import LectureView, presentation_column_width
from ui.training.panel import TrainingPanel
from ui.training.plots import PlotsDock
from ui.training.predict_bar import PredictBar
from ui.training.presenter import FramePresenter
from ui.training.worker import TrainingWorker

__all__ = ["TrainingController", "PRESENTATION_MIN_TEXT_PX", "lift_fonts", "restore_fonts",
           "presentation_plots_height"]

#: Presentation mode: no text of the window below this many pixels (a 1920x1080 projector's
#: back row); the steps, the readouts and the lecture view are larger still.
PRESENTATION_MIN_TEXT_PX = 20
#: Presentation mode, training: the plots' share of the window's height, and their least
#: height (the output map is square and at least 300x300 beside its legend and axes).
PRESENTATION_PLOTS_SHARE = 0.45
PRESENTATION_PLOTS_MIN = 440


def presentation_plots_height(window_height: int) -> int:
    """The plots dock's height while training in presentation mode."""
    return max(PRESENTATION_PLOTS_MIN, round(window_height * PRESENTATION_PLOTS_SHARE))


def lift_fonts(root: QWidget, minimum: int, skip=()) -> list:
    """Give every widget under ``root`` whose text is smaller than ``minimum`` pixels a font
    of ``minimum`` pixels; returns what :func:`restore_fonts` needs to undo it.

    Widgets in ``skip`` and their children keep their fonts (views that draw their own
    text at their own sizes: the canvas, the plots, the lecture view).
    """
    saved = []
    skipped = (*skip, *root.findChildren(QGraphicsView))
    for widget in [root, *root.findChildren(QWidget)]:
        if any(s is widget or s.isAncestorOf(widget) for s in skipped):
            continue
        if QFontInfo(widget.font()).pixelSize() >= minimum:
            continue
        explicit = widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
        saved.append((widget, QFont(widget.font()) if explicit else None))
        font = QFont(widget.font())
        font.setPixelSize(minimum)
        widget.setFont(font)
    return saved


def restore_fonts(saved: list) -> None:
    """Undo :func:`lift_fonts`: explicit fonts back, inherited ones inherited again."""
    for widget, font in reversed(saved):
        try:
            widget.setFont(font if font is not None else QFont())
        except RuntimeError:  # deleted since (a dock's contents rebuilt): nothing to undo
            continue


class TrainingController(QObject):
    """Owns the training docks and the training thread of one window.

    Public: ``panel``, ``lecture``, ``plots`` (the docks), ``session``, ``worker``,
    ``thread``, ``presenter``, ``step(kind)``, ``train()``, ``pause()``, ``reset()``,
    ``toggle_training()``, ``travel_to(index)``, ``set_presentation_mode(on)``,
    ``shutdown()``; ``snapshot`` (the last frame drawn), ``frames``, ``trace``,
    ``layer_ids``, ``sig_frame``.
    """

    sig_start = Signal()
    sig_stop = Signal()
    #: The training thread: the name hides QObject.thread() on the controller.
    thread: QThread
    #: A frame was drawn (tests and the benchmark wait on it).
    sig_frame = Signal()
    #: The session's status changed (status, reason), delivered on the GUI thread.
    sig_status = Signal(object, str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.panel = TrainingPanel(window)
        self.lecture = LectureView(window)
        self.plots = PlotsDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lecture)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.plots)

        self._presentation = False
        #: The window's state (maximized, normal, full screen) before presentation mode.
        self._state_before = Qt.WindowState.WindowNoState
        self._hidden_docks: list = []
        self._lifted_fonts: list = []
        #: Presentation mode folded the plots away (stepping): they come back to train.
        self._plots_folded = False
        self._folded_before = False

        self.thread = QThreadWithName()
        self.worker = TrainingWorker(self.session)
        self.worker.moveToThread(self.thread)
        self.sig_start.connect(self.worker.start, Qt.ConnectionType.QueuedConnection)
        self.sig_stop.connect(self.worker.stop, Qt.ConnectionType.QueuedConnection)
        self.thread.start()
        self._alive = True
        # A window deleted without close() (deleteLater, its parent gone) still ends its
        # training: the thread (a running QThread must not be destroyed) and the process.
        # A function of its own: the controller's C++ half is gone by then.
        window.destroyed.connect(
            lambda *_a, s=self.session, t=self.thread, d=self.worker.release:
            _end_training(s, t, d))
        self._told_problem = ""  # the training process's failure, once told

        self.binder = SettingsBinder(self.panel, self.session, window)
        self.presenter = FramePresenter(window, self.panel, self.plots, self.lecture,
                                        self.session, self.worker)
        self.presenter.sig_frame.connect(self._on_frame_drawn)
        # Predict then reveal: the question line over the canvas's top.
        self.predict_bar = PredictBar(window)
        self.presenter.sig_question.connect(self.predict_bar.show_question)
        self.worker.sig_frame_ready.connect(self.presenter.on_frame_ready,
                                            Qt.ConnectionType.QueuedConnection)
        self._wire_panel()
        self._wire_shortcuts()
        self._wire_session()
        self._on_session_run_started("")

    # ------------------------------------------------------------------ wiring
    def _wire_panel(self) -> None:
        p = self.panel
        p.step_button.clicked.connect(lambda: self.step("stage"))
        p.batch_button.clicked.connect(lambda: self.step("batch"))
        p.epoch_button.clicked.connect(lambda: self.step("epoch"))
        p.train_button.toggled.connect(self._on_train_toggled)
        p.reset_button.clicked.connect(self.reset)
        p.predict_button.toggled.connect(self.set_predict)
        p.speed_combo.currentIndexChanged.connect(lambda _i: self._apply_speed())
        self._apply_speed()
        p.show_gradients.toggled.connect(lambda _on: self.presenter.redraw_canvas())
        p.time_slider.valueChanged.connect(self._on_time_slider)
        p.now_button.clicked.connect(lambda: self.travel_to(None))
        # After Enter in a field the canvas takes the keys: Space and PageDown step there
        # (in the field, Space would replace the value just typed).
        p.sig_field_entered.connect(
            lambda: self.window.canvas.setFocus(Qt.FocusReason.OtherFocusReason))

    def _wire_shortcuts(self) -> None:
        w = self.window
        self._shortcuts = []

        def add(keys, slot, presentation_only=False):
            sc = QShortcut(QKeySequence(keys), w)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            sc.setEnabled(not presentation_only)
            self._shortcuts.append((sc, presentation_only))
            return sc

        add(Qt.Key.Key_Space, lambda: self.step("stage"))
        add(Qt.Key.Key_PageDown, lambda: self.step("stage"))
        add(QKeySequence("Shift+Space"), lambda: self.step("batch"))
        add(QKeySequence("Ctrl+E"), lambda: self.step("epoch"))
        add(QKeySequence("Ctrl+Space"), self.toggle_training)
        add(Qt.Key.Key_F5, self.toggle_training)
        add(Qt.Key.Key_Escape, lambda: self.set_presentation_mode(False), presentation_only=True)
        # View > Presentation Mode (F11): the window puts this action in its View menu; it
        # is added to the window too, so F11 works whether or not the menu shows it.
        self.presentation_action = QAction("&Presentation Mode", w)
        self.presentation_action.setObjectName("actionPresentationMode")
        self.presentation_action.setCheckable(True)
        self.presentation_action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.presentation_action.setStatusTip(
            "Full screen, large type, only the step buttons; PageDown steps, Esc leaves")
        self.presentation_action.toggled.connect(self.set_presentation_mode)
        w.addAction(self.presentation_action)

    def _wire_session(self) -> None:
        ev = self.session.events
        ev.run_started.connect(self._on_session_run_started)
        ev.state_changed.connect(self._on_session_state_changed)
        ev.problem_changed.connect(self._on_session_problem)
        # The session announces its status on the thread that changed it (a run ends on
        # the training thread): a Qt signal brings it to this one.
        self.sig_status.connect(self._on_status)
        ev.status_changed.connect(self._status_from_session)
        self.window.scene.sig_selection_changed.connect(self.presenter.set_selection)
        # A tap of Space on the canvas is a step too (held with a drag, Space pans).
        self.window.canvas.sig_space_tapped.connect(lambda: self.step("stage"))

    # ------------------------------------------------------------------ session events
    def _on_session_run_started(self, reason: str) -> None:
        self.presenter.new_run()
        if self.session.problem:
            self.panel.set_message(self.session.problem, error=True)
        else:
            self.panel.set_message("")
        if reason:
            self.window.statusBar().showMessage(reason, 8000)

    def _on_session_state_changed(self) -> None:
        if not self.session.training:
            self.presenter.show_now()

    def _on_session_problem(self, text: str) -> None:
        self.panel.set_message(text, error=bool(text))

    def _on_frame_drawn(self) -> None:
        if self._plots_folded and not self._presentation \
                and self.plots.point_count("batch_loss"):
            self._fold_plots(False)  # something to plot now
        problem = self.session.process_problem
        if problem and problem != self._told_problem:
            # Training goes on, on the window's own thread (slower while it draws).
            self._told_problem = problem
            self.window.statusBar().showMessage(
                "Training continues in the window's thread: " + problem.split("\n")[0], 15000)
        self.sig_frame.emit()

    def _status_from_session(self, status, reason: str) -> None:
        # Any thread: queued to the GUI thread when it is not the GUI's.
        self.sig_status.emit(status, reason)

    def _on_status(self, status, reason: str) -> None:
        """Render the session's run status (the session decided it; nothing is kept here)."""
        if not self._alive:
            return
        session = self.session
        training = session.status is RunStatus.TRAINING
        self.panel.set_running(training)
        self._on_training_changed(training)
        if status in (RunStatus.FINISHED, RunStatus.DIVERGED) and session.status is status \
                and session.run_open():
            # A run the session ended on the training thread: the training since Train
            # becomes its undo step here, on the document's thread.
            session.close_run()
            self.panel.set_message(reason, error=status is RunStatus.DIVERGED)
            self.window.statusBar().showMessage(reason.split(". ")[0], 8000)
        if not training:
            self.presenter.show_now()
    # ------------------------------------------------------------------ commands
    def step(self, kind: str = "stage") -> None:
        """One step: "stage" (forward/loss/backward/update of one layer), "batch" or "epoch".

        In presentation mode a step folds the plots away: the network gets the room. With
        "predict then reveal" on, a stage step hides what the stage computed and the next
        stage step reveals it instead of stepping.
        """
        if kind == "stage" and self.presenter.reveal():
            return
        self.panel.set_message("")
        if self._presentation:
            self._fold_plots(True)
        trace = self.session.step(kind)
        if trace is None and self.session.stepper is None:
            self.panel.set_message(self.session.problem, error=True)
            return
        stepper = self.session.stepper
        if stepper is not None and stepper.diverged:
            self.panel.set_message(stepper.diverged, error=True)
        self.presenter.stepped(trace if kind == "stage" else None)
        self.presenter.show_now(trace)

    def set_predict(self, on: bool) -> None:
        """Training > Predict then Reveal (and the panel's Predict button): each Step first
        hides the stage's results and asks its question, the next Step reveals them."""
        on = bool(on)
        for toggle in (self.panel.predict_button, getattr(self.window, "predict_action", None)):
            if toggle is not None and toggle.isChecked() != on:
                with QSignalBlocker(toggle):
                    toggle.setChecked(on)
        self.predict_bar.setVisible(on)
        self.presenter.set_predict(on)

    @property
    def predict_mode(self) -> bool:
        """Whether "predict then reveal" is on."""
        return self.presenter.predict.on

    def train(self) -> None:
        """Start training (until Pause, the epochs are done, or divergence)."""
        why = self.session.start_training()
        if why:
            self.panel.set_running(False)
            self.panel.set_message(why, error=self.session.stepper is None or
                                   bool(self.session.stepper.diverged))
            return
        self.panel.set_message("")  # the status bar's run state says "Training…" (the session)
        _freeze_startup_objects()
        self.sig_start.emit()

    def pause(self) -> None:
        """Pause training after the current batch; what it did becomes one undo step."""
        was = self.session.training
        self.session.pause()
        if was:  # the status bar's run state says where it paused (the session)
            self.presenter.show_now()

    def toggle_training(self) -> None:
        """Train if paused, pause if training (Ctrl+Space, F5)."""
        if self.session.training:
            self.pause()
        else:
            self.train()

    def reset(self) -> None:
        """New initial weights from the seed; plots and counters cleared (Ctrl+Z undoes it)."""
        self.panel.set_message("")
        self.session.reset()

    def travel_to(self, index: int | None) -> None:
        """Show the weights after epoch snapshot ``index`` (None: back to now)."""
        self.session.travel_to(index)

    def _on_time_slider(self, value: int) -> None:
        n = self.panel.time_slider.maximum()
        self.travel_to(None if value >= n else int(value))

    def _apply_speed(self) -> None:
        speed = float(self.panel.speed_combo.currentData())
        self.worker.speed = speed if speed > 0 else None

    def _on_train_toggled(self, checked: bool) -> None:
        if checked:
            self.train()
        else:
            self.pause()

    # ------------------------------------------------------------------ presentation
    def set_presentation_mode(self, on: bool) -> None:
        """Full screen, large type, controls reduced to the steps; PageDown steps, Esc leaves.

        The layer palette and the inspector are hidden (and shown again on leaving if they
        were open), the canvas writes larger names and keeps the network fitted to the
        screen, so neurons and their numbers are as large as the screen allows. Leaving
        puts back the window's layout as it was (dock sizes included) and fits the
        network to the canvas again.
        """
        on = bool(on)
        if on == self._presentation:
            return
        self._presentation = on
        self.presentation_action.setChecked(on)
        self.panel.set_presentation_mode(on)
        self.plots.set_presentation_mode(on)
        self.lecture.set_font_scale(1.7 if on else 1.0)
        for sc, presentation_only in self._shortcuts:
            if presentation_only:
                sc.setEnabled(on)
        w = self.window
        docks = [w.palette_dock, w.inspector]
        if on:
            self._saved_layout = w.saveState()
            self._hidden_docks = [d for d in docks if d.isVisible()]
            for dock in self._hidden_docks:
                dock.hide()
            self._state_before = w.windowState()
            # Every other text of the window at least 20 px (tabs, Code, counters, menus).
            self._lifted_fonts = lift_fonts(w, PRESENTATION_MIN_TEXT_PX,
                                            skip=(self.lecture.widget(),))
            # The status bar's labels are re-polished on every change (their style sheet
            # states): a style-sheet size outlives that, a font set once would not.
            w.statusBar().setStyleSheet(
                f"QStatusBar, QStatusBar QLabel {{ font-size: {PRESENTATION_MIN_TEXT_PX}px; }}")
            self._folded_before = self._plots_folded
            self._fold_plots(not self.session.training)
            w.showFullScreen()
            w.canvas.set_presentation_mode(True)
            self._size_presentation_docks()
            # A window manager may give the full-screen size a moment later: the column
            # follows the window's size while presenting (see eventFilter).
            w.installEventFilter(self)
            QTimer.singleShot(0, self.window, self._size_presentation_docks)
        else:
            w.removeEventFilter(self)
            restore_fonts(self._lifted_fonts)
            self._lifted_fonts = []
            w.statusBar().setStyleSheet("")
            # The saved layout below brings the plots back as they were (folded or not).
            self._plots_folded = self._folded_before
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = []
            restore_window_state(w, self._state_before)
            w.canvas.set_presentation_mode(False)
            saved, self._saved_layout = getattr(self, "_saved_layout", None), None
            if saved is not None:
                w.restoreState(saved)
            w.canvas.fit()
        self.predict_bar.set_presentation_mode(on)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """While presenting, the window's new size re-sizes the step column (once settled)."""
        if self._presentation and watched is self.window and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self.window, self._size_presentation_docks)
        return False

    def _size_presentation_docks(self) -> None:
        """In presentation mode the canvas gets most of the screen: a narrow step column."""
        w = self.window
        if not self._presentation:
            return
        width = presentation_column_width(w.width())
        w.resizeDocks([self.panel], [width], Qt.Orientation.Horizontal)
        # The column's height: the steps get what they need, the lecture view the rest
        # (the stage's derivation is what the room reads).
        if self.lecture.isVisible() and not self.lecture.isFloating():
            steps = self.panel.steps_height()
            column = self.panel.height() + self.lecture.height()
            w.resizeDocks([self.panel, self.lecture], [steps, max(column - steps, 200)],
                          Qt.Orientation.Vertical)
        if self.plots.isVisible() and not self.plots.isFloating():
            w.resizeDocks([self.plots], [presentation_plots_height(w.height())],
                          Qt.Orientation.Vertical)
        w.canvas.fit()

    def _fold_plots(self, fold: bool) -> None:
        """Presentation mode: the plots away while stepping (their curves wait for a run),
        back while training. A plots dock the user had closed stays closed."""
        if fold == self._plots_folded:
            return
        if fold:
            if self.plots.isHidden():  # closed by the user (isVisible is False before a show)
                return
            self._plots_folded = True
            self.plots.hide()
        else:
            self._plots_folded = False
            self.plots.show()
        if self._presentation:
            QTimer.singleShot(0, self.window, self._size_presentation_docks)

    def fold_plots_until_history(self) -> None:
        """A first start: no plots strip while it has nothing to plot (the canvas gets the
        room); it unfolds with the first point of the loss, or when training starts."""
        if not self._presentation and self.plots.point_count("batch_loss") == 0:
            self._fold_plots(True)

    def _on_training_changed(self, running: bool) -> None:
        """The folded plots return when training starts."""
        if running:
            self._fold_plots(False)

    @property
    def plots_folded(self) -> bool:
        """Whether presentation mode has folded the plots away (stepping)."""
        return self._plots_folded

    @property
    def presentation_mode(self) -> bool:
        """Whether presentation mode is on."""
        return self._presentation

    # ------------------------------------------------------------------ read-only views
    @property
    def snapshot(self):
        """The last frame drawn (:class:`~ui.training.worker.Frame`), or None."""
        return self.presenter.frame

    @property
    def frames(self) -> int:
        """How many frames were drawn."""
        return self.presenter.frames

    @property
    def trace(self) -> StageTrace | None:
        """The latest :class:`~nnviz.engine.training.StageTrace` shown, or None (read-only)."""
        return self.presenter.trace

    @property
    def layer_ids(self) -> list[str]:
        """The design ids of the run's chain, input layer first (a copy)."""
        return list(self.presenter.layer_ids)

    def store_history(self) -> None:
        """Put the run's weights and history into the project now (the session's commit)."""
        self.session.commit()

    def shutdown(self) -> None:
        """Stop training and the thread cooperatively, then wait for it (window close)."""
        if not self._alive:
            return
        self._alive = False
        self.session.stop_training()
        self.worker.release()  # a worker waiting for a frame to be drawn goes on
        if self.thread.isRunning():
            self.sig_stop.emit()
            if not self.thread.wait(10000):
                # Never terminate(): report instead; the stop flag is already set.
                raise RuntimeError("The training thread did not stop within 10 s.")
        self.session.close()  # and its training process


def _end_training(session, thread: QThread, release) -> None:
    """Stop the training thread and the session's process of a window that is gone."""
    session.stop_training()
    release()  # a worker waiting for a frame to be drawn goes on
    if shiboken6.isValid(thread):  # else deleted after shutdown() had ended its loop
        thread.quit()  # the worker's loop ends with the thread's event loop
        thread.wait(10000)
    session.close()


def restore_window_state(window, state) -> None:
    """Show ``window`` full screen, maximized or normal, as ``state`` (a windowState) says.

    Leaving presentation mode gives back the state before it: a maximized window stays
    maximized (``showNormal`` would shrink it to its last normal size).
    """
    if state & Qt.WindowState.WindowFullScreen:
        window.showFullScreen()
    elif state & Qt.WindowState.WindowMaximized:
        window.showMaximized()
    else:
        window.showNormal()


_frozen = False


def _freeze_startup_objects() -> None:
    """Move the objects alive now (Qt wrappers, pyqtgraph, modules) out of the cyclic GC.

    Training allocates fast, so Python's full (generation 2) collection runs now and then
    and walks every object: with the window's ~10^5 of them that took 40-140 ms, holding
    the GIL, and the window froze for that long mid-training. Once frozen, a full
    collection walks only what was made since. Done once per process (what is frozen is
    never collected; the startup objects live as long as the application anyway).
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


class QThreadWithName(QThread):
    """The training thread, named so a debugger or profiler shows what it is."""

    def __init__(self):
        super().__init__()
        self.setObjectName("nnviz-training")
