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

The files live in a folder the parent makes (in ``/dev/shm`` where there is one: memory,
not disk) and removes when the process ends (the child too, when it is told to quit or its
parent is gone; a folder whose parent was killed before either could is removed by the
next nnviz that makes one); the reader removes each arena it is done with.
"""
from __future__ import annotations

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


def make_folder(base: str | None = None) -> str | None:
    """A new private folder for a process's arenas, named after this process, in ``base``
    (by default in memory where the system has it, ``/dev/shm``, else the temporary
    folder); None if none can be made (the deltas then go through the pipe). Folders
    left there by nnviz processes that no longer run (killed before they could remove
    theirs) are removed first."""
    if base is None:
        shm = "/dev/shm"
        base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()
    _remove_orphans(base)
    try:
        return tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=base)
    except OSError:
        return None


def _remove_orphans(base: str) -> None:
    if os.name != "posix":  # only POSIX can ask whether a process runs without harming it
        return
    try:
        names = [name for name in os.listdir(base) if name.startswith(_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            remove_folder(os.path.join(base, name))
        except (OSError, OverflowError):
            pass  # it runs (as another user), or the name is not a process's


def remove_folder(folder: str | None) -> None:
    """Remove a folder of arenas (after the child has ended)."""
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


class ArenaWriter:
    """The child's side: puts a message's arrays into slots, or says it cannot."""

    def __init__(self, folder: str, limit: int = MAX_SHARED_BYTES, slots: int = SLOTS):
        self.folder = folder
        self.limit = int(limit)
        self.slots = int(slots)
        self.slot_bytes = 0
        self._map: mmap.mmap | None = None
        self._arenas = 0
        self._sent = 0  # messages put into this arena
        #: Why the last message went through the pipe ("" when it did not).
        self.refused = ""

    def pack(self, message, give_up: Callable[[], bool]) -> list:
        """The pipe messages that carry ``message``: an arena's announcement if a new one
        was made, then ``("shared", pickle, spans)``; or ``[message]`` itself when its
        arrays cannot go through an arena (too large, no room). Waits while every slot
        holds a message the reader has not copied out, unless ``give_up()``."""
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
        slots = min(self.slots, self.limit // slot) if slot else self.slots
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
        self.refused = ""
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
                pass  # Windows: the child still maps it; the folder goes when it ends


def _map_file(path: str, size: int, create: bool = False) -> mmap.mmap:
    flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
    fd = os.open(path, flags, 0o600)
    try:
        if create:
            os.ftruncate(fd, size)
        elif os.fstat(fd).st_size < size:
            raise ValueError(f"the arena {path} is smaller than announced")
        return mmap.mmap(fd, size)
    finally:
        os.close(fd)
