"""A session's file work: saving a copy on another thread, opening a project whole or not at all.

:class:`SessionFiles` marks the state a save writes (the undo stack's clean mark) and swaps
an opened project into the session, putting everything back if anything fails on the way.
"""
from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnviz.errors import NnvizError
from nnviz.files.project import Project, TrainingSettings
from nnviz.session.session_commands import _copy_spec, _spec_key

if TYPE_CHECKING:
    from nnviz.session.session import Session


@dataclass
class _Kept:
    """The session before a replacement: content, undo stack and run (see ``_keep``)."""

    project: Project
    undo: tuple
    #: ``(owner, attribute, value)`` of every attribute that makes up the run and its data.
    fields: list


class SessionFiles:
    """Saves and opens for a :class:`~nnviz.session.session.Session` (one per session)."""

    def __init__(self, session: Session):
        self._s = session
        self._saving: list | None = None  # begin_save's copy and the undo stack then

    # ------------------------------------------------------------------ saving
    def begin_save(self, path=None) -> Project:
        """See :meth:`nnviz.session.session.Session.begin_save`."""
        s = self._s
        if self._saving is not None:
            raise RuntimeError("begin_save() while another save is under way")
        s.commit()
        copy = s.project.copy_for_save(path)
        clean = s.undo_stack.clean_index
        s.undo_stack.set_clean()
        self._saving = [copy, clean, False]  # [copy, clean index before, stack moved since]
        s.undo_stack.changed.connect(self._moved_while_saving)
        return copy

    def _moved_while_saving(self) -> None:
        if self._saving is not None:
            self._saving[2] = True

    def end_save(self, copy: Project, ok: bool) -> None:
        """See :meth:`nnviz.session.session.Session.end_save`."""
        s = self._s
        saving = self._saving
        if saving is None or saving[0] is not copy:
            raise RuntimeError("end_save() without its begin_save()")
        self._saving = None
        s.undo_stack.changed.disconnect(self._moved_while_saving)
        _copy, clean, moved = saving
        if ok:
            assert copy.path is not None  # begin_save gave the copy its path
            s.project.saved_to(copy.path)
        else:
            s.undo_stack.set_clean_index(None if moved else clean)

    # ------------------------------------------------------------------ opening
    @contextlib.contextmanager
    def replacing(self, other: Project) -> Iterator[None]:
        """See :meth:`nnviz.session.session.Session.replacing`."""
        s = self._s
        s._run.stop_training()
        with s._run.paused():
            kept = self._keep()
            try:
                self._take(other)
            except BaseException:
                self._put_back(kept)
                raise
        try:
            s.events.state_changed.emit()
            yield
        except BaseException:
            with s._run.paused():
                self._put_back(kept)
            raise

    def _take(self, other: Project) -> None:
        """Swap ``other``'s content in (lock held): the data first, before anything changes."""
        s = self._s
        data, key = None, _spec_key(other.dataset)
        if other.dataset.name is not None:
            try:
                data = other.dataset.load()
            except NnvizError:
                data, key = None, None  # the new run says why (its problem)
        s._run.opened = None
        s._sync.disconnect()
        try:
            s.project.replace_with(other)
        finally:
            s._sync.connect()
        s._run.data, s._run.data_key = data, (key if data is not None else None)
        s.undo_stack.clear()
        s._start_run("", continue_saved=True)

    def _kept_fields(self) -> list[tuple[object, str]]:
        """The attributes (owner, name) that make up the session's run and its data."""
        s = self._s
        return [(s, "stepper"), (s._run, "opened"), (s._travel, "index"), (s._travel, "now"),
                (s._run, "data"), (s._run, "data_key"), (s._sync, "synced"),
                (s._sync, "shapes"), (s, "problem"), (s, "status"), (s, "status_reason")]

    def _keep(self) -> _Kept:
        """What :meth:`_put_back` needs: a copy of the content and the run as it is."""
        s = self._s
        p = s.project
        copy = Project(None, TrainingSettings.from_dict(p.training.to_dict()),
                       _copy_spec(p.dataset), p.history, p.path)
        copy.design.replace_with(p.design)
        copy.run = dict(p.run)
        copy.lesson = p.lesson
        fields = [(owner, name, getattr(owner, name)) for owner, name in self._kept_fields()]
        return _Kept(copy, s.undo_stack.keep(), fields)

    def _put_back(self, kept: _Kept) -> None:
        """Bring back what :meth:`_keep` noted (lock held); then the views hear it all again.

        The content comes back with every signal blocked: a view that failed on the new
        content would fail again on a half-restored one. Then each view is told on its
        own, so one that still fails does not keep the others from showing the document.
        """
        s = self._s
        p = s.project
        s._sync.disconnect()
        try:
            with p.events.blocked(), p.training.events.blocked(), p.design.events.blocked():
                p.replace_with(kept.project)
        finally:
            s._sync.connect()
        s.undo_stack.restore(kept.undo)
        for owner, name, value in kept.fields:
            setattr(owner, name, value)
        t = p.training
        s._sync.disconnect()  # the session has its state back already: only the views hear
        try:
            for tell in (p.design.events.reset.emit,
                         lambda: t.events.learning_rate.emit(t.learning_rate, t.learning_rate),
                         p.events.dataset_changed.emit, p.events.settings_changed.emit,
                         p.events.history_changed.emit, p.events.path_changed.emit,
                         p.events.lesson_changed.emit,
                         lambda: s.events.problem_changed.emit(s.problem),
                         lambda: s.events.run_started.emit(""),
                         s.events.state_changed.emit, s._run.announce):
                try:
                    tell()
                except Exception:  # noqa: BLE001 (the document is back; the others are told)
                    # A view that fails on the document it showed before is a bug of its
                    # own: reported on stderr, not in place of the error that undid the open.
                    traceback.print_exc()
        finally:
            s._sync.connect()
