"""The session's undo steps: the state a step restores, and the commands that make them.

A session command (:class:`_SessionCommand`) holds the session's state before and after
it (:class:`_Memento`: the settings, the data set and the run's whole state). The
:class:`SessionCommands` of a :class:`~nnviz.session.session.Session` makes them (a setting, the
data set, Reset), records them (a step, a piece of training) and restores them.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnviz.document.undo import Command, array_bytes
from nnviz.engine.training import History, RunState, Stepper
from nnviz.files.project import DatasetSpec

if TYPE_CHECKING:
    from nnviz.session.session import Session

#: How Edit > Undo names each training setting ("Set learning rate to 0.5").
_SETTING_LABELS = {
    "loss": "loss", "optimizer": "optimizer", "learning_rate": "learning rate",
    "momentum": "momentum", "optimizer_options": "optimizer options", "batch_size": "batch size",
    "epochs": "epochs", "seed": "seed", "dtype": "number type", "metrics": "metrics",
    "shuffle": "shuffling", "regularization": "regularization",
    "regularization_rate": "regularization rate",
}


@dataclass(frozen=True)
class _Memento:
    """What a session command restores: settings, data set and the run's whole state."""

    training: dict
    dataset: DatasetSpec
    run: RunState | None


class _SessionCommand(Command):
    """One undo step of the session: the state before it and the state after it.

    Either made from an edit function (:meth:`SessionCommands.command`: the first ``redo``
    runs it and notes the states around it) or recorded from work already done (a
    training run).
    """

    def __init__(self, session: Session, text: str, apply: Callable[[], None] | None = None,
                 before: _Memento | None = None, after: _Memento | None = None):
        super().__init__(text)
        self._session, self._apply = session, apply
        self.before, self.after = before, after

    def redo(self) -> None:
        """Do the edit (first time) or bring back the state after it."""
        s = self._session
        if self.after is None:
            with s._run.paused():  # the run holds still between the two states
                self.before = s._commands.memento()
                assert self._apply is not None  # the first redo applies, once
                self._apply()
                self._apply = None
                self.after = s._commands.memento()
        else:
            s._commands.restore(self.after)

    def undo(self) -> None:
        """Bring back the state before the edit."""
        assert self.before is not None  # undone only after its redo
        self._session._commands.restore(self.before)

    def nbytes(self) -> int:
        """The bytes its two run states hold (see :func:`_run_bytes`)."""
        return sum(_run_bytes(m.run) for m in (self.before, self.after) if m is not None)


def _run_bytes(run: RunState | None) -> int:
    """About the bytes a kept :class:`RunState` holds that no other state shares.

    Its weights, the optimizer's slots, the shuffled order and the traced batch are its
    own copies; the history lists share their numbers with the run (8 bytes a point);
    the time-travel snapshots' arrays are shared with the run (8 bytes an entry).
    """
    if run is None:
        return 0
    position = run.position
    total = array_bytes(run.weights, run.optimizer, position.work, position.order)
    if position.trace is not None:
        total += array_bytes(vars(position.trace))
    total += 8 * sum(len(getattr(run.history, k)) for k in History.KEYS)
    return total + 8 * len(run.snapshots)


class SessionCommands:
    """The session's undoable commands and the states they restore (one per session)."""

    def __init__(self, session: Session):
        self._s = session
        self.applying = 0  # > 0 while a session command changes settings

    # ------------------------------------------------------------------ states
    def memento(self) -> _Memento:
        """The session's state now (time travel is only a view: "now" is the state)."""
        s = self._s
        run = s.stepper.get_state() if s.stepper is not None else None
        if run is not None and s._travel.index is not None and s._travel.now is not None:
            run = s._travel.now
        return _Memento(s.project.training.to_dict(), _copy_spec(s.project.dataset), run)

    def wrap(self, run: RunState) -> _Memento:
        """The settings and data set now with ``run``."""
        s = self._s
        return _Memento(s.project.training.to_dict(), _copy_spec(s.project.dataset), run)

    def restore(self, memento: _Memento) -> None:
        """Bring back a state of the session (undo/redo of a session command)."""
        s = self._s
        with s._run.paused(), self.applying_settings():
            s.project.update_training(**memento.training)
            if _spec_key(s.project.dataset) != _spec_key(memento.dataset):
                s.project.set_dataset(_copy_spec(memento.dataset))
            if memento.run is not None:
                if s.stepper is None or s._sync.shapes != s._sync.shape_key():
                    s._start_run("")
                if s.stepper is not None and _fits(s.stepper, memento.run):
                    s._travel.forget()
                    s.stepper.set_state(memento.run)
                    s._sync.publish_weights()
            s._sync.store_history()
            s._run.refresh_status()
        s.events.state_changed.emit()

    def record(self, text: str, before: RunState) -> None:
        """Record work already done on the run since ``before`` as the undo step ``text``."""
        s = self._s
        s.undo_stack.record(_SessionCommand(s, text, before=self.wrap(before),
                                            after=self.memento()))

    def command(self, text: str, apply: Callable[[], None]) -> None:
        """Push the undo step ``text`` that does ``apply`` (settings changed in it are its own)."""
        def applying() -> None:
            with self.applying_settings():
                apply()
        self._s.undo_stack.push(_SessionCommand(self._s, text, applying))

    @contextlib.contextmanager
    def applying_settings(self) -> Iterator[None]:
        """Settings changed in the block belong to a session command (no undo step of
        their own: see :meth:`nnviz.session.design_sync.DesignSync.on_setting`)."""
        self.applying += 1
        try:
            yield
        finally:
            self.applying -= 1

    # ------------------------------------------------------------------ commands
    def set_setting(self, text: str | None, changes: dict[str, Any]) -> None:
        """See :meth:`nnviz.session.session.Session.set_setting`."""
        s = self._s
        t = s.project.training
        current = t.to_dict()
        changes = {k: v for k, v in changes.items() if current.get(k, object()) != v}
        if not changes:
            return
        s.project.check_training(**changes)
        if text:
            pass
        elif len(changes) == 1:
            (name, value), = changes.items()
            text = f"Set {_SETTING_LABELS.get(name, name)} to {_show(value)}"
        else:
            text = "Change " + ", ".join(_SETTING_LABELS.get(k, k) for k in changes)
        self.command(text, lambda: s.project.update_training(**changes))

    def set_dataset(self, spec: DatasetSpec, data=None) -> None:
        """See :meth:`nnviz.session.session.Session.set_dataset`."""
        s = self._s
        if _spec_key(spec) == _spec_key(s.project.dataset):
            return
        if data is None:
            data = spec.load()  # refuse before anything changes
        s._run.data, s._run.data_key = data, _spec_key(spec)
        label = spec.name if not spec.is_csv else "a CSV file"
        same = spec.name == s.project.dataset.name
        text = f"Change the {label} data set" if same else f"Use the {label} data set"
        self.command(text, lambda: s.project.set_dataset(_copy_spec(spec)))

    def reset(self) -> None:
        """See :meth:`nnviz.session.session.Session.reset`."""
        s = self._s
        s._run.stop_training()

        def apply() -> None:
            s._start_run("Reset: new initial weights from the seed", fresh_weights=True)
            s._sync.store_history()
        self.command("Reset training", apply)
        s.events.state_changed.emit()


# ---------------------------------------------------------------------- helpers
def _spec_key(spec: DatasetSpec):
    return (spec.name, json.dumps(spec.params, sort_keys=True, default=str), spec.csv_path,
            spec.target, tuple(spec.features))


def _copy_spec(spec: DatasetSpec) -> DatasetSpec:
    return spec.copy()


def _fits(stepper: Stepper, run: RunState) -> bool:
    return [w.shape for w in stepper.model.get_weights()] == [w.shape for w in run.weights]


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")
