"""A delta's arrays through shared memory, its pickle through the pipe (no Qt).

The training process sends the window a :class:`~nnviz.engine.training.RunDelta` 60 times
a second: for a 784-128-10 network about a megabyte of weights, optimizer memory and
gradient means each time. Read through a pipe, that megabyte arrives in 64 KB pieces, and
the window's reader thread needs Python's lock (the GIL) back for every piece, while the
window's own thread holds it to draw: each piece waited up to 5 ms, the child stood still
with a full pipe, and the network trained at a fifth of its speed (measured: 83,000
samples/s alone, 18,000 beside the window).

So the arrays go around the pipe. The child pickles a delta with protocol 5 and takes the
arrays out of band (``buffer_callback``: NumPy hands over its memory without copying); it
copies them into a *slot* of a file both processes map (an :class:`ArenaWriter`), and sends
only the pickle's small rest and where the arrays are (``("shared", pickle, spans)``).
The parent's reader copies them out at once (:class:`ArenaReader`, one copy, one turn of the
GIL) and rebuilds the delta: the same objects, bit for bit.

Slots: an arena has ``slots`` of ``slot_bytes`` after a 64-byte header. The header's first
8 bytes count the messages the reader has copied out; the writer puts message ``n`` in
slot ``n % slots`` and waits (briefly, sleeping) while ``slots`` messages are not yet copied
out, so it never writes over one being read. A delta larger than a slot makes a new,
larger arena (announced in the pipe, in order, as ``("arena", name, slot_bytes, slots)``);
one larger than :data:`~nnviz.limits.MAX_SHARED_BYTES` allows, or any failure to make
an arena (no room, no shared folder), goes through the pipe as before: slower, never wrong.
An arena's memory is taken when it is made (``posix_fallocate``, or zeros written where
there is none), so a full ``/dev/shm`` refuses it then instead of killing the child with
SIGBUS at its first write.

The files live in a folder the parent makes (in ``/dev/shm`` where there is one: memory,
not disk) and removes when the process ends (the child too, when it is told to quit or its
parent is gone); the reader removes each arena it is done with. The parent holds a lock on
the folder's ``owner.lock`` while it lives: on POSIX, a folder whose lock can be taken was
left by an nnviz that was killed before it could remove it, and the next nnviz that makes
a folder removes it (process ids are not asked: they are reused, and another container's
are not this one's).

Memory order: the reader counts a message as copied out after copying it, and the writer
reads that count before it writes the slot again. x86's memory model keeps a load before a
later store; on a weakly ordered processor (ARM) nothing here fences the copy from the
count, and the window between them is nanoseconds against the writer's look at the count.
"""
from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from typing import Any

from nnviz.limits import MAX_SHARED_BYTES

__all__ = ["ArenaWriter", "ArenaReader", "make_folder", "remove_folder", "HEADER_BYTES",
           "SLOTS"]

#: Bytes before the first slot: the count of messages copied out (8 bytes), then padding.
HEADER_BYTES = 64
#: Slots per arena: messages the writer may have ahead of the reader.
SLOTS = 4
#: Each array starts at a multiple of this (aligned for NumPy).
_ALIGN = 64
#: The smallest slot made (small networks: one arena for the whole run).
_MIN_SLOT = 1 << 16
#: How long the writer sleeps between two looks at the reader's count.
_POLL_SECONDS = 0.0005
_COUNT = struct.Struct("<q")


def _aligned(n: int, to: int = _ALIGN) -> int:
    return (n + to - 1) // to * to


_PREFIX = "nnviz-run-"
#: The file in a folder whose lock its owner holds while it lives.
OWNER_LOCK = "owner.lock"
#: The owner locks of the folders this process made (kept open: closing one frees it).
_LOCKS: dict[str, int] = {}


def make_folder(base: str | None = None) -> str | None:
    """A new private folder for a process's arenas in ``base`` (by default in memory where
    the system has it, ``/dev/shm``, else the temporary folder), locked by this process
    while it lives; None if none can be made (the deltas then go through the pipe).
    Folders left there by nnviz processes that were killed are removed first (POSIX)."""
    if base is None:
        shm = "/dev/shm"
        base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()
    _remove_orphans(base)
    try:
        folder = tempfile.mkdtemp(prefix=_PREFIX, dir=base)
    except OSError:
        return None
    lock = _lock(os.path.join(folder, OWNER_LOCK), create=True)
    if lock is not None:
        _LOCKS[folder] = lock
    return folder


def _lock(path: str, create: bool = False) -> int | None:
    """An open descriptor of ``path`` with its lock taken (POSIX), or None: the lock is
    another process's, or the system has no such locks (no ``fcntl``: Windows)."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _remove_orphans(base: str) -> None:
    """Remove the folders in ``base`` whose owner no longer holds its lock."""
    try:
        names = [name for name in os.listdir(base) if name.startswith(_PREFIX)]
    except OSError:
        return
    for name in names:
        folder = os.path.join(base, name)
        if folder in _LOCKS:
            continue  # this process's own
        lock = _lock(os.path.join(folder, OWNER_LOCK))
        if lock is not None:  # nobody holds it: its owner is gone
            os.close(lock)
            remove_folder(folder)


def remove_folder(folder: str | None) -> None:
    """Remove a folder of arenas (after the child has ended), and free its lock."""
    if folder:
        lock = _LOCKS.pop(folder, None)
        shutil.rmtree(folder, ignore_errors=True)
        if lock is not None:
            with contextlib.suppress(OSError):
                os.close(lock)


class ArenaWriter:
    """The child's side: puts a message's arrays into slots, or says it cannot."""

    def __init__(self, folder: str, limit: int = MAX_SHARED_BYTES, slots: int = SLOTS):
        self.folder = folder
        self.limit = int(limit)
        self.max_slots = int(slots)
        #: The current arena's slots (fewer than :attr:`max_slots` for large deltas).
        self.slots = self.max_slots
        self.slot_bytes = 0
        self._map: mmap.mmap | None = None
        self._arenas = 0
        self._sent = 0  # messages put into this arena
        #: Why the last message went through the pipe ("" when it did not): a diagnostic.
        self.refused = ""

    def pack(self, message, give_up: Callable[[], bool]) -> list:
        """The pipe messages that carry ``message``: an arena's announcement if a new one
        was made, then ``("shared", pickle, spans)``; or ``[message]`` itself when its
        arrays cannot go through an arena (too large, no room). Waits while every slot
        holds a message the reader has not copied out, unless ``give_up()``."""
        self.refused = ""
        buffers: list[pickle.PickleBuffer] = []
        data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
        views = [buffer.raw() for buffer in buffers]
        size = sum(_aligned(view.nbytes) for view in views)
        out: list = []
        if self._map is None or size > self.slot_bytes:
            announcement = self._new_arena(size)
            if announcement is None:
                return [message]
            out.append(announcement)
        assert self._map is not None  # made above if it was missing
        while self._sent - self._copied_out() >= self.slots:
            if give_up():
                self.refused = "the reader had every slot, and the child was told to stop"
                return [message]
            time.sleep(_POLL_SECONDS)
        offset = HEADER_BYTES + (self._sent % self.slots) * self.slot_bytes
        spans = []
        for view in views:
            self._map[offset:offset + view.nbytes] = view
            spans.append((offset, view.nbytes))
            offset += _aligned(view.nbytes)
        self._sent += 1
        out.append(("shared", data, spans))
        return out

    def _copied_out(self) -> int:
        assert self._map is not None
        return _COUNT.unpack_from(self._map, 0)[0]

    def _new_arena(self, size: int):
        """A larger arena for messages of ``size`` bytes of arrays (a quarter more, for a
        growing history of snapshots); its announcement, or None (then the pipe)."""
        slot = max(_MIN_SLOT, _aligned(size + size // 4, mmap.PAGESIZE))
        slots = min(self.max_slots, self.limit // slot)
        if slots < 2:
            self.refused = (f"a delta of {size:,} bytes of arrays is more than shared memory "
                            f"takes ({self.limit:,} bytes for two)")
            return None
        self._arenas += 1
        name = f"arena-{self._arenas}"
        try:
            mapped = _map_file(os.path.join(self.folder, name), HEADER_BYTES + slots * slot,
                               create=True)
        except (OSError, ValueError) as error:
            self.refused = f"no shared memory ({error})"
            return None
        self.close()
        self._map, self.slot_bytes, self.slots, self._sent = mapped, slot, slots, 0
        return ("arena", name, slot, slots)

    def close(self) -> None:
        """Unmap the arena (the reader removes its file)."""
        mapped, self._map = self._map, None
        if mapped is not None:
            mapped.close()


class ArenaReader:
    """The parent's side: maps the arenas the child announces and copies messages out."""

    def __init__(self, folder: str):
        self.folder = folder
        self._map: mmap.mmap | None = None
        self._path = ""
        self._copied = 0

    def open(self, name: str, slot_bytes: int, slots: int) -> None:
        """Map the arena the child announced (``name`` within the folder: nothing else),
        removing the one before (every message in it has been copied out)."""
        if os.path.basename(name) != name or not name.startswith("arena-"):
            raise ValueError(f"not an arena's name: {name!r}")
        self.close()
        self._path = os.path.join(self.folder, name)
        self._map = _map_file(self._path, HEADER_BYTES + int(slots) * int(slot_bytes))
        self._copied = 0

    def unpack(self, data: bytes, spans) -> Any:
        """The message: its arrays copied out of the arena (the slot is the writer's again
        after this) into memory of its own, its pickle loaded over them."""
        mapped = self._map
        if mapped is None:
            raise ValueError("a shared message came before its arena")
        end = len(mapped)
        for offset, n in spans:
            if not (HEADER_BYTES <= offset and n >= 0 and offset + n <= end):
                raise ValueError(f"a shared message points outside its arena "
                                 f"({os.path.basename(self._path)}: {offset}+{n} of {end} bytes)")
        with memoryview(mapped) as view:
            buffers = [bytearray(view[offset:offset + n]) for offset, n in spans]
        self._copied += 1
        _COUNT.pack_into(mapped, 0, self._copied)
        return pickle.loads(data, buffers=buffers)

    def close(self) -> None:
        """Unmap the arena and remove its file."""
        mapped, self._map = self._map, None
        if mapped is not None:
            mapped.close()
            try:
                os.remove(self._path)
            except OSError:
                pass  # Windows: a file still open cannot go; the folder goes at the end


def _map_file(path: str, size: int, create: bool = False) -> mmap.mmap:
    flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
    fd = os.open(path, flags, 0o600)
    try:
        if create:
            _reserve(fd, size)
        elif os.fstat(fd).st_size < size:
            raise ValueError(f"the arena {path} is smaller than announced")
        return mmap.mmap(fd, size)
    finally:
        os.close(fd)


def _reserve(fd: int, size: int) -> None:
    """Give the new file ``size`` bytes that exist: a file only truncated to its size has
    none yet, and a write through its mapping into a full file system (a small
    ``/dev/shm``) kills the process with SIGBUS. Raises OSError when there is no room."""
    allocate = getattr(os, "posix_fallocate", None)
    if allocate is not None:
        allocate(fd, 0, size)
        return
    zeros = bytes(min(size, 1 << 20))
    written = 0
    while written < size:
        written += os.write(fd, zeros[:size - written])
