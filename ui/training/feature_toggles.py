"""The feature crosses beside the data set: one checkable button per feature of
:data:`nnviz.data.features.FEATURES` (x1², x2², x1·x2, sin x1, sin x2), as TensorFlow Playground
has them. The buttons only show and report; the binder turns a click into the session's
undoable ``set_features``."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from nnviz.data import features


class FeatureToggles(QWidget):
    """A row of checkable buttons, one per feature cross (objectName ``feature_<name>``)."""

    #: The chosen features' names after a click (registry order).
    sig_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("featureToggles")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        self.buttons: dict[str, QToolButton] = {}
        for feature in features.FEATURES.values():
            button = QToolButton(self)
            button.setObjectName(f"feature_{feature.name}")
            button.setText(feature.label)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setToolTip(f"{feature.label} as an input of its own: one more input "
                              "neuron (a feature cross, as TensorFlow Playground has)")
            button.toggled.connect(self._on_toggled)
            row.addWidget(button)
            self.buttons[feature.name] = button
        row.addStretch(1)
        # On or off at a glance, in either theme: a chosen feature in the selection colour.
        self.setStyleSheet("QToolButton:checked { background: palette(highlight); "
                           "color: palette(highlighted-text); font-weight: bold; }")

    def chosen(self) -> list[str]:
        """The names of the checked features, in the registry's order."""
        return [name for name, button in self.buttons.items() if button.isChecked()]

    def show_features(self, chosen, enabled: bool) -> None:
        """Check the buttons of ``chosen`` (without emitting); ``enabled``: whether the data
        set has the two inputs the crosses are made from."""
        for name, button in self.buttons.items():
            blocker = QSignalBlocker(button)
            button.setChecked(name in chosen)
            del blocker
        self.setEnabled(enabled)
        self.setToolTip("" if enabled else "Feature crosses are made from two inputs, "
                        "x1 and x2; this data set has another number of inputs.")

    def _on_toggled(self, _on: bool) -> None:
        self.sig_changed.emit(self.chosen())
