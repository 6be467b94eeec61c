"""View > Show Neuron Maps, and a clicked neuron's map shown large in the output-map plot.

:class:`NeuronMapsLink` ties three parts of the window together without them knowing of
each other: the canvas (which draws every neuron's map, :mod:`ui.canvas.neuron_maps`), the
training worker (which computes the maps with the output map, a few times a second) and
the plots dock (whose output-map plot shows one neuron's map when it is clicked).
"""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from nnviz.document.selection import NeuronSel, Selection
from nnviz.errors import NnvizError
from ui.canvas import style
from ui.training.worker import input_plane, neuron_maps_of

__all__ = ["NeuronMapsLink"]


class NeuronMapsLink(QObject):
    """The "Show Neuron Maps" action (``actionNeuronMaps``) and the clicked neuron's map.

    The action is on by default for data with two inputs (maps over the input plane) and
    off otherwise (strips over a data sample); once the user switches it, it stays as set.
    ``selected`` is the ``(layer_id, index)`` of the neuron whose map the plot shows.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.selected: tuple[str, int] | None = None
        self._user_set = False
        self._shown = None
        self.action = QAction("Show Neuron &Maps", window)
        self.action.setObjectName("actionNeuronMaps")
        self.action.setCheckable(True)
        self.action.setChecked(True)
        self.action.setStatusTip("Draw inside every neuron what it computes over the inputs; "
                                 "click a neuron to see its map large in the plots")
        self.action.triggered.connect(self._on_user_toggled)
        self.action.toggled.connect(self._apply)
        window.scene.sig_selection_changed.connect(self._on_selection)
        window.training.sig_frame.connect(self._on_frame)
        window.session.events.run_started.connect(self._on_run_started)
        self._on_run_started("")

    # ------------------------------------------------------------------ the action
    def _on_user_toggled(self, _on: bool) -> None:
        self._user_set = True

    def _on_run_started(self, _reason: str) -> None:
        if self._user_set:
            return
        try:
            two = self.window.session.dataset().n_base_features == 2
        except (NnvizError, OSError):
            two = False
        self.action.setChecked(two)
        self._apply(two)

    def _apply(self, on: bool) -> None:
        """Switch the maps on or off in the worker and on the canvas (and draw them now)."""
        session, training = self.window.session, self.window.training
        training.worker.neuron_maps_on = bool(on)
        scene = self.window.scene
        scene.set_neuron_maps_visible(on)
        if on and session.stepper is not None and not session.training:
            try:
                with session.lock:
                    view = neuron_maps_of(session, input_plane(session.dataset()))
            except (NnvizError, OSError, ValueError):
                view = None
            scene.set_neuron_maps(view, hidden=training.presenter.trace is not None)
        self._show_selected()

    # ------------------------------------------------------------------ the large map
    def _on_selection(self, selection: Selection) -> None:
        if isinstance(selection, NeuronSel):
            layer_id = selection.layer
            try:
                kind = self.window.scene.layer_item(layer_id).kind
            except KeyError:
                kind = "input"
            self.selected = (layer_id, int(selection.index)) if kind != "input" else None
        else:
            self.selected = None
        self._shown = None
        self._show_selected()

    def _on_frame(self) -> None:
        if self.selected is not None:
            self._show_selected()

    def _show_selected(self) -> None:
        plots = self.window.training.plots
        found = None
        if self.selected is not None and self.action.isChecked():
            found = self.window.scene.neuron_map(*self.selected)
        if found is None:
            self._shown = None
            plots.set_neuron_map(None)
            return
        values, view = found
        if view is self._shown:
            return  # the same maps as drawn: nothing new
        self._shown = view
        assert self.selected is not None  # the maps were found for it
        layer_id, k = self.selected
        item = self.window.scene.layer_item(layer_id)
        title = f"{style.neuron_prefix(item.kind)}{k + 1} of {item.name}"
        plots.set_neuron_map(values, view.get("rect"), title)
