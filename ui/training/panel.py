"""The training panel: data set and settings, the step controls, progress and time travel.

The panel only holds widgets. :class:`~ui.training.controller.TrainingController` wires
them to the project (settings) and to the worker (commands), and writes the counters.
"""
from __future__ import annotations

import math
import re
from typing import cast

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.engine import losses, optimizers, regularizers
from ui.theme import CLASS_COLORS, is_dark, theme_for  # CLASS_COLORS: re-exported
from ui.training.feature_toggles import FeatureToggles

__all__ = ["TrainingPanel", "LearningRateSpinBox", "StageLabel", "SPEEDS", "DEFAULT_SPEED", "LOAD_CSV",
           "CLASS_COLORS"]

#: The "Load CSV..." entry at the end of the data set list.
LOAD_CSV = "Load CSV..."

#: Speed choices: (label, batches per second; 0 = as fast as possible).
SPEEDS = [("1 step/s", 1.0), ("2 steps/s", 2.0), ("5 steps/s", 5.0), ("10 steps/s", 10.0),
          ("30 steps/s", 30.0), ("As fast as possible", 0.0)]
#: The speed the window starts at: a pace a class can follow. Each step of Train is one
#: batch, so the lecture's example (40 batches an epoch) shows an epoch in about 1.5 s, and
#: the loss and the boundary change in front of the class for a minute or more, rather than
#: 50 epochs in one second "as fast as possible" (still a choice in the list).
DEFAULT_SPEED = 30.0



#: Presentation mode: the steps' buttons, counters and messages, and the step heading at
#: most (it shrinks to two lines, down to 20 px), in pixels: legible from a room's back row.
PRESENTATION_CONTROL_PX = 21
PRESENTATION_STAGE_PX = 28
CONTROLS_TITLE = "Step through training"


class EpochProgress(QProgressBar):
    """The epoch's progress bar, painted with the rest of the window.

    ``QProgressBar.setValue`` repaints at once, and a repaint in the middle of a frame
    paints every widget of the window that is waiting for one (2-3 ms a frame while
    training); :meth:`show_batch` leaves the paint to the window's next one.
    """

    def show_batch(self, index: int, batches: int) -> None:
        """Show batch ``index`` of ``batches`` (painted with the next frame)."""
        if index == self.value() and batches == self.maximum():
            return
        self.setUpdatesEnabled(False)
        try:
            self.setRange(0, max(1, batches))
            self.setValue(index)
        finally:
            self.setUpdatesEnabled(True)  # schedules the paint

class LearningRateSpinBox(QDoubleSpinBox):
    """A learning-rate box from 0.00001 to 10 whose arrows move on a log scale.

    One arrow step multiplies or divides by about 2 (1, 2, 5, 10, ...), so a student gets
    from 0.001 to 10 in a dozen clicks; any value can still be typed.
    """

    _LADDER = [m * 10.0 ** e for e in range(-5, 2) for m in (1, 2, 5)]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDecimals(5)
        self.setRange(0.00001, 10.0)
        self.setValue(0.1)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        """The rate as a person writes it: 0.1, 0.001, 0.00001 (no trailing zeros)."""
        return np.format_float_positional(round(float(value), self.decimals()), trim="-")

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        """Move ``steps`` rungs along 0.00001, 0.00002, 0.00005, 0.0001, ..., 10."""
        ladder = [v for v in self._LADDER if v <= 10.0] + [10.0]
        ladder = sorted(set(round(v, 6) for v in ladder))
        value = self.value()
        # The rung at or just below the current value, then move.
        idx = max(i for i, v in enumerate(ladder) if v <= value + 1e-12) if value >= ladder[0] \
            else 0
        if steps < 0 and not math.isclose(ladder[idx], value, rel_tol=1e-9):
            idx += 1  # between rungs: one step down lands on the lower rung
        idx = min(max(idx + steps, 0), len(ladder) - 1)
        self.setValue(ladder[idx])


class StageLabel(QLabel):
    """The "Done: … · Next: …" heading: word-wrapped; with :meth:`set_max_lines` (presentation
    mode) its font shrinks, down to ``min_pixel_size``, until the text fits in that many
    lines of the label's width, so the steps' buttons and progress stay in view."""

    def __init__(self, text: str = "", objectName: str | None = None):  # noqa: N803 - Qt's
        super().__init__(text)
        if objectName:
            self.setObjectName(objectName)
        self.setWordWrap(True)
        self._max_lines: int | None = None
        #: The text as the controller set it (the label may show it shortened).
        self.full_text = text
        self._wanted = QFont(self.font())
        self.min_pixel_size = 20
        self._fitting = False

    def set_wanted_font(self, font: QFont, max_lines: int | None) -> None:
        """The font to use when the text fits ``max_lines`` lines (None: any number)."""
        self._wanted = QFont(font)
        self._max_lines = max_lines
        super().setText(self._shown(self.full_text))
        self._refit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        """Show ``text``, refitting the font to the line limit.

        With a line limit (presentation mode), "Done: A · Next: B" shows as two lines,
        "✓ A" and "Next: B", without parenthesised details (the lecture view has them);
        :attr:`full_text` keeps the text as given.
        """
        self.full_text = text
        super().setText(self._shown(text))
        self._refit()

    def line_count(self) -> int:
        """How many lines the shown text takes at the label's width and font."""
        metrics = QFontMetrics(self.font())
        width = max(self.contentsRect().width(), 1)
        rect = metrics.boundingRect(QRect(0, 0, width, 100000),
                                    int(Qt.TextFlag.TextWordWrap), self.text())
        return max(1, round(rect.height() / metrics.lineSpacing()))

    def _shown(self, text: str) -> str:
        if not self._max_lines:
            return text
        text = re.sub(r"\s*\([^)]*\)", "", text)
        done, sep, nxt = text.partition(" · Next: ")
        if sep:
            text = f"✓ {done.removeprefix('Done: ')}\nNext: {nxt}"
        return text

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A new width: refit the font."""
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._refit()

    def _refit(self) -> None:
        if self._fitting:
            return
        self._fitting = True
        try:
            font = QFont(self._wanted)
            width = self.contentsRect().width()
            if self._max_lines and width > 40:
                size = QFontMetrics(font).height()
                while size > self.min_pixel_size:
                    metrics = QFontMetrics(font)
                    needed = metrics.boundingRect(QRect(0, 0, width, 100000),
                                                  Qt.TextFlag.TextWordWrap, self.text())
                    if needed.height() <= self._max_lines * metrics.lineSpacing():
                        break
                    size = max(self.min_pixel_size, int(size * 0.93))
                    font.setPixelSize(size)
            if font != self.font():
                self.setFont(font)
        finally:
            self._fitting = False


class TrainingPanel(QDockWidget):
    """The dock holding the training settings and controls (objectName "trainingPanel")."""

    #: The user asked for "Load CSV..." in the data set list.
    sig_load_csv_requested = Signal()
    #: A value was typed into a field and confirmed with Enter (the field keeps the focus
    #: until the controller hands it on).
    sig_field_entered = Signal()
    #: The data set's sample count field: the name hides QWidget.size() on this dock (the
    #: tests and scripts know the field by it); the dock's size is read with geometry().
    size: QSpinBox
    #: The feature-cross toggles: the name hides QDockWidget.features() on this dock (the
    #: dock's features are never read here).
    features: FeatureToggles  # pyright: ignore[reportIncompatibleMethodOverride]

    def __init__(self, parent=None):
        super().__init__("Training", parent)
        self.setObjectName("trainingPanel")
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(8)

        # --- data and settings -------------------------------------------------
        # Every setting is its own form row (no side-by-side fields), so the panel fits
        # ~380 px, the width the window gives it beside a readable canvas.
        self.settings_box = QGroupBox("Data and settings")
        form = QFormLayout(self.settings_box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Narrower still (a docked panel dragged thin), labels go above their fields.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.dataset_combo = QComboBox(objectName="datasetCombo")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.dataset_combo.setToolTip("The data set to learn from; 'Load CSV...' opens a file")
        form.addRow("Data set", self.dataset_combo)
        self.features = FeatureToggles()
        form.addRow("Features", self.features)
        self.noise = QDoubleSpinBox(objectName="datasetNoise", decimals=2, singleStep=0.05)  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.noise.setRange(0.0, 1.0)
        self.noise.setToolTip("How much the generated points scatter")
        form.addRow("Noise", self.noise)
        self.size = QSpinBox(objectName="datasetSize", singleStep=50)  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.size.setRange(10, 100000)
        self.size.setToolTip("How many samples the data set has")
        form.addRow("Samples", self.size)
        self.split = QDoubleSpinBox(objectName="validationSplit", decimals=2, singleStep=0.05)  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.split.setRange(0.0, 0.9)
        self.split.setToolTip("Share of the samples kept apart to validate on")
        form.addRow("Validation", self.split)
        self.preview = pg.PlotWidget()
        self.preview.setObjectName("datasetPreview")
        self.preview.setFixedHeight(110)
        self.preview.setMinimumWidth(120)
        self.preview.hideAxis("left")
        self.preview.hideAxis("bottom")
        self.preview.setMouseEnabled(False, False)
        self.preview.hideButtons()
        self.preview.setMenuEnabled(False)
        self._preview_points = pg.ScatterPlotItem(size=4, pen=None)
        self.preview.addItem(self._preview_points)
        form.addRow(self.preview)
        self.loss_combo = QComboBox(objectName="lossCombo")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        # The lists come from the engine's registries (each concept is defined once).
        for name, label in losses.choices():
            self.loss_combo.addItem(label, name)
        form.addRow("Loss", self.loss_combo)
        self.optimizer_combo = QComboBox(objectName="optimizerCombo")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        for key, label, _name, _settings in optimizers.presets():
            self.optimizer_combo.addItem(label, key)
        form.addRow("Optimizer", self.optimizer_combo)
        self.learning_rate = LearningRateSpinBox()
        self.learning_rate.setObjectName("learningRate")
        self.learning_rate.setToolTip("Learning rate: w ← w − lr · dL/dw (0.00001 to 10; "
                                      "the arrows step 1, 2, 5, 10, ...)")
        form.addRow("Learning rate", self.learning_rate)
        self.regularization_combo = QComboBox(objectName="regularizationCombo")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        for name, label in regularizers.window_choices():
            self.regularization_combo.addItem(label, name)
        self.regularization_combo.setToolTip(
            "A penalty on the weights, added to the loss: L1 λ·Σ|w| (pulls weights to 0), "
            "L2 λ·Σw² (keeps them small); Keras's kernel_regularizer")
        form.addRow("Regularization", self.regularization_combo)
        self.regularization_rate = LearningRateSpinBox()
        self.regularization_rate.setObjectName("regularizationRate")
        self.regularization_rate.setRange(0.0, 10.0)  # 0 is a valid (if idle) rate
        self.regularization_rate.setValue(0.01)
        self.regularization_rate.setToolTip("Regularization rate λ: how much the penalty "
                                            "weighs against the data's loss")
        form.addRow("Regularization rate", self.regularization_rate)
        self.batch_size = QSpinBox(objectName="batchSize")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.batch_size.setRange(1, 100000)
        self.batch_size.setToolTip("Samples per update; 1 = one sample at a time")
        form.addRow("Batch size", self.batch_size)
        self.epochs = QSpinBox(objectName="epochs")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.epochs.setRange(1, 1000000)
        form.addRow("Epochs", self.epochs)
        self.seed = QSpinBox(objectName="seed")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the initial weights and of the shuffling; Reset uses it")
        form.addRow("Seed", self.seed)

        # --- the steps -------------------------------------------------------
        self.controls_box = QGroupBox(CONTROLS_TITLE)
        controls = QVBoxLayout(self.controls_box)
        self.stage_label = StageLabel("Next: -", objectName="stageLabel")
        font = self.stage_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setWeight(QFont.Weight.DemiBold)
        self.stage_label.set_wanted_font(font, None)
        controls.addWidget(self.stage_label)
        self.step_button = QPushButton("Step", objectName="stepButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.step_button.setToolTip("The next stage: forward one layer, the loss, backward one "
                                    "layer, or the update (Space, PageDown)")
        self.batch_button = QPushButton("Batch", objectName="batchButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.batch_button.setToolTip("To the end of the current batch: its update (Shift+Space)")
        self.epoch_button = QPushButton("Epoch", objectName="epochButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.epoch_button.setToolTip("To the end of the current epoch (Ctrl+E)")
        self.train_button = QPushButton("Train", objectName="trainButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.train_button.setCheckable(True)
        self.train_button.setToolTip("Train / Pause (Ctrl+Space or F5)")
        self.predict_button = QPushButton("Predict", objectName="predictButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.predict_button.setCheckable(True)
        self.predict_button.setToolTip("Predict then reveal: Step hides the stage's results "
                                       "and asks its question; Step again reveals them")
        self.reset_button = QPushButton("Reset", objectName="resetButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.reset_button.setToolTip("Weights back to the seeded initial ones; history cleared "
                                     "(Ctrl+R)")
        # A 3-column grid: Step | Batch | Epoch, then Train | Predict | Reset. The
        # buttons share the width equally and ask for no more than their short labels.
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(6)
        for col, b in enumerate((self.step_button, self.batch_button, self.epoch_button)):
            grid.addWidget(b, 0, col)
        grid.addWidget(self.train_button, 1, 0)
        grid.addWidget(self.predict_button, 1, 1)
        grid.addWidget(self.reset_button, 1, 2)
        for b in self._step_buttons():
            b.setMinimumHeight(34)
            b.setMinimumWidth(60)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        controls.addLayout(grid)
        self.speed_combo = QComboBox(objectName="speedCombo")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        for label, value in SPEEDS:
            self.speed_combo.addItem(label, value)
        self.speed_combo.setCurrentIndex(self.speed_combo.findData(DEFAULT_SPEED))
        self.speed_combo.setToolTip("How fast Train goes; slow speeds show every batch's numbers")
        row = QHBoxLayout()
        self.speed_label = lab = QLabel("Speed")
        lab.setProperty("role", "hint")
        row.addWidget(lab)
        row.addWidget(self.speed_combo, 1)
        controls.addLayout(row)
        self.progress = EpochProgress(objectName="epochProgress")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("batch %v of %m")
        controls.addWidget(self.progress)
        self.counters = QLabel("epoch 0 · step 0 · 0 samples seen", objectName="countersLabel")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.counters.setProperty("role", "value")
        self.counters.setWordWrap(True)
        controls.addWidget(self.counters)
        self.show_gradients = QCheckBox("Lines show gradients dL/dw",  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
                                        objectName="showGradients")
        self.show_gradients.setToolTip("Thickness and colour of the connections show the latest "
                                       "gradients instead of the weights; while training, the "
                                       "running mean of |dL/dw| over the last batches")
        controls.addWidget(self.show_gradients)

        # --- time travel -----------------------------------------------------
        self.travel_box = QGroupBox("Time travel")
        travel = QVBoxLayout(self.travel_box)
        self.time_slider = QSlider(Qt.Orientation.Horizontal, objectName="timeSlider")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.time_slider.setRange(0, 0)
        self.time_slider.setToolTip("Scrub back through the weights saved at each epoch; "
                                    "Step or Train continues from the one shown")
        self.time_label = QLabel("now", objectName="timeLabel")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.now_button = QPushButton("Back to now", objectName="nowButton")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.now_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.time_slider, 1)
        row.addWidget(self.time_label)
        travel.addLayout(row)
        travel.addWidget(self.now_button)

        self.message = QLabel("", objectName="messageLabel")  # pyright: ignore[reportCallIssue]  # Qt properties as keywords: PySide6 takes them, its stubs do not
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        # What a lecturer presses comes first (and stays in view in a short dock); the
        # settings, changed less often, below.
        for box in (self.controls_box, self.message, self.travel_box, self.settings_box):
            outer.addWidget(box)
        outer.addStretch(1)
        # A typed number takes effect on Enter or when the field is left, not at every
        # keystroke (typing "100" epochs would otherwise pass through 1 and 10 first).
        for spin in (self.noise, self.size, self.split, self.batch_size, self.epochs, self.seed):
            spin.setKeyboardTracking(False)
        # Enter confirms a field (editingFinished while it still has the focus; leaving it
        # emits editingFinished too, without the focus): the controller then hands the keys
        # back, so Space and PageDown step instead of typing into the field.
        for spin in (self.learning_rate, self.regularization_rate, self.noise, self.size,
                     self.split, self.batch_size, self.epochs, self.seed):
            spin.editingFinished.connect(
                lambda spin=spin: self.sig_field_entered.emit() if spin.hasFocus() else None)

        for combo in (self.dataset_combo, self.loss_combo, self.optimizer_combo,
                      self.regularization_combo, self.speed_combo):
            # A combo box otherwise asks for its longest entry's width ("Categorical
            # cross-entropy"), which alone pushed the panel past 380 px.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # The body fits the dock's width (see above); a sideways scroll bar would only hide
        # the right edge of every field.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self._base_font = QFont(self.font())
        self._dark: bool | None = None
        self.set_theme(is_dark())

    def _step_buttons(self) -> tuple[QPushButton, ...]:
        return (self.step_button, self.batch_button, self.epoch_button, self.train_button,
                self.predict_button, self.reset_button)

    # ------------------------------------------------------------------ theme
    def set_theme(self, dark: bool) -> None:
        """Give the data preview (a pyqtgraph plot, which ignores the palette) the theme.

        The window's theme switch reaches this by itself: Qt sends every widget a
        palette change, and :meth:`changeEvent` calls this with ``ui.theme.is_dark()``.
        """
        if dark == self._dark:
            return
        self._dark = dark
        theme = theme_for(dark)
        self.preview.setBackground(theme.plot_background)
        self._error_color = theme.error
        if self.message.property("error"):
            self.set_message(self.message.text(), error=True)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Follow the application's theme when its palette changes."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.set_theme(is_dark())
        super().changeEvent(event)

    # ------------------------------------------------------------------ display
    def set_datasets(self, entries) -> None:
        """Fill the data set list with ``(name, tooltip)`` entries then "Load CSV..."."""
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.clear()
        for name, tip in entries:
            self.dataset_combo.addItem(name, name)
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, tip,
                                           Qt.ItemDataRole.ToolTipRole)
        self.dataset_combo.addItem(LOAD_CSV, LOAD_CSV)
        self.dataset_combo.blockSignals(False)

    def set_preview(self, x: np.ndarray | None, labels: np.ndarray | None) -> None:
        """Show a small scatter of the data set's first two features (or x against y)."""
        if x is None or len(x) == 0:
            self._preview_points.setData([], [])
            return
        if x.shape[1] >= 2:
            px, py = x[:, 0], x[:, 1]
        else:
            px, py = x[:, 0], labels if labels is not None and labels.dtype.kind == "f" \
                else np.zeros(len(x))
        brushes = None
        if labels is not None and labels.dtype.kind in "iu":
            palette = [pg.mkBrush(c) for c in CLASS_COLORS]
            brushes = [palette[int(k) % len(palette)] for k in labels]
        self._preview_points.setData(px, py, brush=brushes if brushes else pg.mkBrush("#2f6fde"))
        self.preview.autoRange()

    def set_message(self, text: str, error: bool = False) -> None:
        """Show ``text`` under the controls (red when it reports a problem).

        Shown as plain text: messages quote file and layer names, which must never be
        read as HTML (an ``<img src>`` in a name would load a local file).
        """
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setText(text)
        self.message.setProperty("error", bool(error))
        self.message.setStyleSheet(f"color: {self._error_color}; font-weight: 600;" if error
                                   else "")

    def set_running(self, running: bool) -> None:
        """Show Train or Pause on the toggling button without emitting its signal."""
        self.train_button.blockSignals(True)
        self.train_button.setChecked(running)
        self.train_button.setText("Pause" if running else "Train")
        self.train_button.blockSignals(False)

    def steps_height(self) -> int:
        """The height the dock needs to show the steps and the message below them (its
        title bar included): in presentation mode the rest of the column is the lecture
        view's."""
        scroll = cast(QScrollArea, self.widget())  # the dock's body scrolls
        body = cast(QWidget, scroll.widget()).sizeHint().height()  # hidden rows take no room
        title = self.height() - scroll.height()
        # A line to spare: a longer stage name may wrap the heading once more before the
        # column is sized again (a scroll bar would narrow the heading further still).
        spare = QFontMetrics(self.stage_label.font()).lineSpacing()
        return body + title + 2 * scroll.frameWidth() + spare

    def set_presentation_mode(self, on: bool) -> None:
        """Reduce the panel to the steps, in large type, for a lecture hall.

        The step heading ("Done: ... · Next: ...") is larger but stays on at most two
        lines of the narrow column, so the buttons and the progress bar stay in view.
        """
        self.settings_box.setVisible(not on)
        self.travel_box.setVisible(not on)
        self.show_gradients.setVisible(not on)
        # The speed is a setting too, chosen before the lecture: its row would push the
        # progress out of a 1366x768 screen's column at presentation sizes.
        self.speed_combo.setVisible(not on)
        self.speed_label.setVisible(not on)
        # The box's title is a line of height the column lacks on a small screen.
        self.controls_box.setTitle("" if on else CONTROLS_TITLE)
        font = QFont(self._base_font)
        if on:
            font.setPixelSize(PRESENTATION_CONTROL_PX)
        # Each widget of the steps gets the size itself: a group box's font does not reach
        # children the style sheet has polished.
        for widget in (self.controls_box, self.message, *self._step_buttons(),
                       self.speed_combo, self.speed_label, self.progress, self.counters):
            widget.setFont(font)
        stage_font = QFont(font)
        if on:
            stage_font.setPixelSize(PRESENTATION_STAGE_PX)
        else:
            stage_font.setPointSizeF(font.pointSizeF() * 1.35)
        stage_font.setWeight(QFont.Weight.DemiBold)
        # At most two lines on a projector: the step buttons and the progress stay in view.
        self.stage_label.set_wanted_font(stage_font, 2 if on else None)
        for b in self._step_buttons():
            b.setMinimumHeight(40 if on else 34)
