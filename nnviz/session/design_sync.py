"""How the document and a session's run stay in step (no Qt).

Between commands the model's weights *are* the design's. While a run is open the model is
ahead; :meth:`DesignSync.publish_weights` puts them into the document when the run is
closed. The other way, :class:`DesignSync` hears the document, the settings and the undo
stack: a typed weight, the learning rate and the optimizer patch the live run; edits that
change shapes, the data set, the loss, the batch size, the seed or the dtype start a new
run (see :data:`RUN_SETTINGS`, :data:`PATCH_SETTINGS`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnviz.engine.regularizers import regularize_kernels
from nnviz.errors import NnvizError
from nnviz.session.session_commands import (
    _SETTING_LABELS,
    _copy_spec,
    _Memento,
    _SessionCommand,
    _show,
)

if TYPE_CHECKING:
    from nnviz.session.session import Session

#: Settings whose change starts a new run (the weights that fit are kept).
RUN_SETTINGS = ("loss", "batch_size", "shuffle", "dtype", "metrics", "seed")
#: Settings that patch the live run: history and counters stay.
PATCH_SETTINGS = ("learning_rate", "optimizer", "momentum", "optimizer_options", "epochs",
                  "regularization", "regularization_rate")


class DesignSync:
    """The document <-> run link of a :class:`~nnviz.session.session.Session` (one per session)."""

    def __init__(self, session: Session):
        self._s = session
        #: The weights the document and the run last agreed on (a typed weight is a diff).
        self.synced: list[np.ndarray] | None = None
        #: ``(layer id, units)`` of the chain the run was built for, or None.
        self.shapes: tuple | None = None

    # ------------------------------------------------------------------ wiring
    def _wiring(self) -> list:
        """The (signal, slot) pairs by which the session follows the document."""
        s = self._s
        ev = s.project.design.events
        pairs = [(signal, self.on_design_structure) for signal in (
            ev.layer_added, ev.layer_removed, ev.connection_added, ev.connection_removed,
            ev.layer_changed)]
        return pairs + [
            (ev.reset, self.on_design_reset),
            (ev.weights_changed, self.on_design_weights),
            (s.project.training.events.all, self.on_setting),
            (s.project.events.dataset_changed, self.on_dataset),
            (s.undo_stack.about_to_change, self.on_stack_about_to_change),
        ]

    def connect(self) -> None:
        """Follow the document, the settings and the undo stack."""
        for signal, slot in self._wiring():
            signal.connect(slot)

    def disconnect(self) -> None:
        """Stop following them (while the session swaps the content itself)."""
        for signal, slot in self._wiring():
            signal.disconnect(slot)

    # ------------------------------------------------------------------ run -> document
    def note_run(self, model) -> None:
        """A new run was built from the document: note its shapes and weights."""
        self.shapes = self.shape_key()
        self.synced = [w.copy() for w in model.get_weights()]

    def publish_weights(self) -> None:
        """The model's weights become the design's (between commands they are the same)."""
        s = self._s
        assert s.stepper is not None  # called while a run is open
        weights = s.stepper.model.get_weights()
        self.synced = [w.copy() for w in weights]
        s.design.store_weights(weights)

    def store_history(self) -> None:
        """The run's history, counters and snapshots become the project's."""
        s = self._s
        stepper = s.stepper
        if stepper is None:
            return
        s.project.set_run(stepper.history.to_dict(), {
            "counters": [stepper.epoch, stepper.global_step, stepper.samples_seen],
            "snapshots": list(stepper.snapshots),
            "diverged": stepper.diverged,
        })

    def shape_key(self) -> tuple | None:
        """``(layer id, units)`` along the design's chain, or None if it has none."""
        try:
            chain = self._s.design.chain()
        except NnvizError:
            return None
        return tuple((spec.id, spec.units) for spec in chain)

    # ------------------------------------------------------------------ document -> run
    def on_stack_about_to_change(self, what: str) -> None:
        # Whatever lands on the stack (or is undone) comes after the training so far.
        run = self._s._run
        if what != "push":
            run.stop_training()
        run.close_run()

    def on_design_structure(self, *_args) -> None:
        s = self._s
        shapes = self.shape_key()
        if s.stepper is not None and shapes == self.shapes:
            # Same shapes (an activation, an initializer, a name): the run goes on with a
            # model rebuilt from the design, its history and counters kept.
            with s._run.paused():
                state = s.stepper.get_state()
                s._start_run("", state=state)
            s.events.state_changed.emit()
            return
        s._run.stop_training()
        s._start_run(_describe_shapes(self.shapes, shapes, s.design))

    def on_design_reset(self) -> None:
        self._s._run.stop_training()
        self._s._start_run("", continue_saved=True)

    def on_design_weights(self) -> None:
        """A weight typed in the design patches the live model (only what was changed)."""
        s = self._s
        stepper = s.stepper
        if stepper is None:
            return
        try:
            current = _design_weights(s.design)
        except NnvizError:
            return
        changed = False
        with s._run.paused():  # read and written with the run held still
            synced = self.synced
            model_weights = stepper.model.get_weights()
            if synced is None or \
                    [w.shape for w in current] != [w.shape for w in model_weights]:
                self.synced = current
                return
            for w, new, old in zip(model_weights, current, synced):
                mask = new != old
                if mask.any():
                    w[mask] = new[mask]
                    changed = True
            if changed:
                stepper.model.set_weights(model_weights)
            self.synced = current
        if changed:
            s.events.state_changed.emit()

    def on_setting(self, info) -> None:
        """A setting changed: the run follows it. A change made straight on the settings
        (``project.training.learning_rate = 0.5``, not ``Session.set_setting``) becomes its
        undo step here, so that every change of a setting is one."""
        s = self._s
        name = info.signal.name
        if s._commands.applying:
            self.follow_setting(name)
            return
        new, old = info.args
        training = s.project.training.to_dict()
        training[name] = old
        run = s._commands.memento().run  # the run before it (a new run may replace it)
        before = _Memento(training, _copy_spec(s.project.dataset), run)
        self.follow_setting(name)
        s.undo_stack.record(_SessionCommand(
            s, f"Set {_SETTING_LABELS.get(name, name)} to {_show(new)}", before=before,
            after=s._commands.memento()))

    def follow_setting(self, name: str) -> None:
        """The run follows the setting ``name``: a new run, or the live run patched."""
        s = self._s
        if name in RUN_SETTINGS:
            s._run.stop_training()
            label = _SETTING_LABELS.get(name, name)
            s._start_run(f"New run: the {label} changed", fresh_weights=name == "seed")
            return
        stepper = s.stepper
        if stepper is None or name == "epochs":
            s._run.refresh_status()  # more epochs: a finished run is not finished any more
            return
        with s._run.paused():
            t = s.project.training
            if name == "learning_rate":
                stepper.set_learning_rate(t.learning_rate)
            elif name.startswith("regularization"):
                regularize_kernels(stepper.model, t.make_regularizer())
            else:
                stepper.set_optimizer(t.make_optimizer())
        s.events.state_changed.emit()

    def on_dataset(self) -> None:
        # Training stops without a word: the new run announces the status once it fits
        # the new data. Announcing "paused" first had the views draw the old network on
        # the new data (a 4-input iris net over 2-input data raised in the window).
        self._s._run.stop_quietly()
        self._s._start_run("New run: the data set changed")


def _design_weights(design) -> list[np.ndarray]:
    chain = design.chain()
    out = []
    for src, tgt in zip(chain[:-1], chain[1:]):
        kernel, bias = design.kernel(src.id, tgt.id), design.bias(tgt.id)
        if kernel is None or bias is None:
            raise NnvizError("The design holds no weights yet.")
        out += [np.array(kernel), np.array(bias)]
    return out


def _describe_shapes(old: tuple | None, new: tuple | None, design) -> str:
    if new is None:
        return ""
    if old is None:
        return "New run: the network can be trained again"
    before = dict(old)
    for layer_id, units in new:
        if layer_id in before and before[layer_id] != units:
            name = design.layer(layer_id).name
            return f"New run: {name} now has {units} neuron{'s' if units != 1 else ''}"
    return "New run: the network's layers or connections changed"
