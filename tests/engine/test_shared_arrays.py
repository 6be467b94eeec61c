"""A delta's arrays through shared memory (nnviz/session/shared_arrays.py), its pickle and
the framing through the pipe (nnviz/session/training_process.py): the same delta bit for
bit, slots never written over before they are read, and every file removed."""
import os
import pickle
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nnviz.engine.training import Stepper
from nnviz.files.project import Project
from nnviz.session import shared_arrays, training_process
from nnviz.session.runners import ProcessRunner
from nnviz.session.session import Session
from nnviz.session.shared_arrays import HEADER_BYTES, ArenaReader, ArenaWriter


def stepper(units=16, seed=0) -> Stepper:
    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((64, 20))
    y = np.eye(3)[rng.integers(0, 3, 64)]
    model = Sequential([Dense(units, input_shape=(20,), activation="relu"),
                        Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    s = Stepper(model, x, y, batch_size=8, seed=seed)
    s.run(max_epochs=2)
    return s


def through(writer: ArenaWriter, reader: ArenaReader, message):
    """``message`` as the child sends it and the parent's reader reads it."""
    result = None
    for sent in writer.pack(message, give_up=lambda: False):
        sent = pickle.loads(pickle.dumps(sent))  # the pipe
        if sent[0] == "arena":
            reader.open(*sent[1:])
        elif sent[0] == "shared":
            result = reader.unpack(*sent[1:])
        else:
            result = sent
    return result


def test_a_delta_through_shared_memory_is_the_same_delta(tmp_path):
    s = stepper()
    delta = s.take_delta("running", run=3)
    writer, reader = ArenaWriter(str(tmp_path)), ArenaReader(str(tmp_path))
    sent = []
    messages = writer.pack(("delta", delta), give_up=lambda: False)
    sent += [m[0] for m in messages]
    assert sent == ["arena", "shared"]
    # The pipe carries the pickle without the arrays: far less than the delta's bytes.
    in_band = len(pickle.dumps(("delta", delta), protocol=5))
    assert len(pickle.dumps(messages[1])) < in_band / 4
    reader.open(*messages[0][1:])
    kind, got = reader.unpack(*messages[1][1:])
    assert kind == "delta" and got.run == 3
    here = stepper()
    there = stepper()
    here.apply_delta(delta)
    there.apply_delta(got)
    a, b = here.get_state(), there.get_state()
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    for sa, sb in zip(a.optimizer[1], b.optimizer[1]):
        assert all(np.array_equal(sa[k], sb[k]) for k in sa)
    # The arrays are the parent's own copies: writable, and the slot can be reused.
    assert all(w.flags.writeable for w in got.state.weights)
    writer.close()
    reader.close()


def both_slots_taken(folder):
    """A writer of two slots with two deltas the reader has not copied out yet (their
    pipe messages), and a stepper that makes more."""
    s = stepper()
    writer, reader = ArenaWriter(str(folder), slots=2), ArenaReader(str(folder))
    first = writer.pack(("delta", s.take_delta()), give_up=lambda: False)
    reader.open(*first[0][1:])
    second = writer.pack(("delta", s.take_delta()), give_up=lambda: False)
    assert [m[0] for m in first] == ["arena", "shared"] and [m[0] for m in second] == ["shared"]
    return s, writer, reader, [first[1], second[0]]


def test_the_writer_waits_for_a_slot_the_reader_has_not_copied_out(tmp_path):
    s, writer, reader, _pending = both_slots_taken(tmp_path)
    # Both slots hold a message not yet copied out: a third waits; given up, it goes
    # through the pipe whole rather than over a slot being read.
    looks = []
    third = writer.pack(("delta", s.take_delta()), give_up=lambda: looks.append(1) or
                        len(looks) > 3)
    assert len(looks) == 4 and third[0][0] == "delta"
    # (Once the reader copies one out, the writer goes on: the next test.)
    writer.close()
    reader.close()


def test_a_writer_blocked_on_its_slots_goes_on_when_the_reader_copies(tmp_path):
    s, writer, reader, pending = both_slots_taken(tmp_path)
    out = []
    worker = threading.Thread(target=lambda: out.extend(
        writer.pack(("delta", s.take_delta()), give_up=lambda: False)))
    worker.start()
    time.sleep(0.05)
    assert worker.is_alive() and not out  # both slots are the reader's
    reader.unpack(*pending[0][1:])
    worker.join(5)
    assert not worker.is_alive() and [m[0] for m in out] == ["shared"]
    writer.close()
    reader.close()


def test_a_larger_delta_gets_a_larger_arena_and_the_old_file_goes(tmp_path):
    writer, reader = ArenaWriter(str(tmp_path)), ArenaReader(str(tmp_path))
    small = through(writer, reader, ("delta", np.arange(10.0)))
    assert np.array_equal(small[1], np.arange(10.0))
    assert sorted(os.listdir(tmp_path)) == ["arena-1"]
    big = np.random.default_rng(0).standard_normal(200_000)
    got = through(writer, reader, ("delta", big))
    assert np.array_equal(got[1], big)
    assert sorted(os.listdir(tmp_path)) == ["arena-2"]  # the reader removed the first
    assert writer.slot_bytes >= big.nbytes
    writer.close()
    reader.close()
    assert os.listdir(tmp_path) == []


def test_a_delta_too_large_for_shared_memory_goes_through_the_pipe(tmp_path):
    writer = ArenaWriter(str(tmp_path), limit=1 << 20)
    big = np.zeros(200_000)  # 1.6 MB: two slots would be more than the limit
    messages = writer.pack(("delta", big), give_up=lambda: False)
    assert len(messages) == 1 and messages[0][0] == "delta"
    assert messages[0][1] is big
    assert "more than shared memory takes" in writer.refused
    assert os.listdir(tmp_path) == []


def test_no_folder_for_shared_memory_means_the_pipe(tmp_path):
    writer = ArenaWriter(str(tmp_path / "gone"))
    messages = writer.pack(("delta", np.arange(5.0)), give_up=lambda: False)
    assert messages[0][0] == "delta" and "no shared memory" in writer.refused


def test_the_reader_opens_only_arenas_in_its_folder(tmp_path):
    reader = ArenaReader(str(tmp_path))
    for name in ("../arena-1", "/etc/passwd", "notes.txt"):
        with pytest.raises(ValueError):
            reader.open(name, 4096, 2)
    (tmp_path / "arena-9").write_bytes(b"\0" * 100)
    with pytest.raises(ValueError, match="smaller than announced"):
        reader.open("arena-9", 4096, 2)
    with pytest.raises(ValueError, match="before its arena"):
        ArenaReader(str(tmp_path)).unpack(b"", [])


def test_the_header_counts_what_the_reader_copied_out(tmp_path):
    writer, reader = ArenaWriter(str(tmp_path)), ArenaReader(str(tmp_path))
    for n in range(1, 6):
        through(writer, reader, ("delta", np.full(100, float(n))))
        with open(tmp_path / "arena-1", "rb") as f:
            assert int.from_bytes(f.read(HEADER_BYTES)[:8], "little") == n
    writer.close()
    reader.close()


def test_messages_are_read_whole_however_the_pipe_cuts_them():
    read_fd, write_fd = os.pipe()
    messages = [("alive",), ("delta", np.arange(50_000.0)), ("ready",), ("error", "x" * 3000)]
    data = b"".join(len(p).to_bytes(8, "little") + p
                    for p in (pickle.dumps(m, protocol=5) for m in messages))

    def write():
        # In odd pieces: the first length cut after 3 of its 8 bytes, a message over many
        # reads, several in one.
        cuts = [0, 3, 11] + list(range(800, len(data), 777)) + [len(data)]
        for start, end in zip(cuts, cuts[1:]):
            os.write(write_fd, data[start:end])
            time.sleep(0.001)  # each piece its own read
        os.close(write_fd)
    writer = threading.Thread(target=write)
    writer.start()
    frames = training_process._frames(read_fd)
    got = [pickle.loads(next(frames)) for _ in messages]
    with pytest.raises(EOFError):
        next(frames)
    writer.join()
    os.close(read_fd)
    assert [g[0] for g in got] == [m[0] for m in messages]
    assert np.array_equal(got[1][1], messages[1][1]) and got[3] == messages[3]


def test_the_childs_chunks_keep_a_fixed_beat():
    beat = 1 / 60
    # Making and sending a delta (2 ms) does not stretch the beat ...
    assert training_process.next_deadline(10.0, beat, 10.002) == pytest.approx(10.0 + beat)
    # ... but a chunk that overran starts it again from now (no burst of empty chunks).
    assert training_process.next_deadline(10.0, beat, 10.1) == pytest.approx(10.1 + beat)
    # A delta that waited for a slot leaves its chunk half a beat, not a sliver.
    assert training_process.next_deadline(10.0, beat, 10.0 + 0.9 * beat) == \
        pytest.approx(10.0 + 1.4 * beat)


def test_a_run_in_the_process_uses_shared_memory_and_leaves_no_file():
    project = Project.lecture_example()
    project.update_training(epochs=30)
    session = Session(project, runner=ProcessRunner())
    try:
        process = session.process
        assert process.wait_ready(), process.failure
        folder = process._folder
        assert folder is not None and os.path.isdir(folder)
        assert session.start_training() == ""
        while session.train_chunk()[0] == "running":
            pass
        assert session.stepper.epoch == 30
        assert [name for name in os.listdir(folder) if name.startswith("arena-")]
    finally:
        session.close()
    assert not os.path.exists(folder)


def test_shared_memory_lives_in_memory_where_the_system_has_it():
    folder = shared_arrays.make_folder()
    try:
        assert folder is not None and os.path.isdir(folder)
        if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
            assert folder.startswith("/dev/shm/")
    finally:
        shared_arrays.remove_folder(folder)
    assert not os.path.exists(folder)


@pytest.mark.skipif(os.name != "posix", reason="owners hold their folders with POSIX locks")
def test_a_folder_left_by_a_killed_nnviz_is_removed_by_the_next(tmp_path):
    import signal
    import subprocess
    import sys

    # Another nnviz that makes a folder there and lives on ...
    owner = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from nnviz.session import shared_arrays; "
         f"print(shared_arrays.make_folder({str(tmp_path)!r}), flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        theirs = owner.stdout.readline().strip()
        assert os.path.isdir(theirs)
        (tmp_path / "nnviz-run-notes").mkdir()  # no owner lock: not an arena folder of ours
        mine = shared_arrays.make_folder(str(tmp_path))
        assert mine is not None and os.path.dirname(mine) == str(tmp_path)
        assert os.path.isdir(theirs)  # its owner holds it: kept
        # ... is killed: it could remove nothing, and the next folder made removes its.
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        Path(theirs, "arena-1").write_bytes(b"\0" * 64)
        again = shared_arrays.make_folder(str(tmp_path))
        assert not os.path.exists(theirs)
        assert os.path.isdir(mine) and os.path.isdir(again)  # this process's own: kept
        assert (tmp_path / "nnviz-run-notes").is_dir()
        shared_arrays.remove_folder(mine)
        shared_arrays.remove_folder(again)
        assert sorted(os.listdir(tmp_path)) == ["nnviz-run-notes"]
    finally:
        owner.kill()
        owner.wait(10)
        owner.stdout.close()


@pytest.mark.skipif(os.name != "posix", reason="a file-size limit is POSIX's (resource)")
def test_no_room_for_an_arena_means_the_pipe_not_a_crash(tmp_path):
    """A full /dev/shm killed the child with SIGBUS at its first write into the arena (the
    file was only truncated to its size): its memory is now taken when it is made, and no
    room is a refusal. Here the room is a file-size limit (a full tmpfs needs a mount)."""
    import subprocess
    import sys

    code = f"""
import resource, signal
import numpy as np
from nnviz.session.shared_arrays import ArenaWriter
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
writer = ArenaWriter({str(tmp_path)!r})
out = writer.pack(("delta", np.zeros(200_000)), give_up=lambda: False)
print(out[0][0], "|", writer.refused)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    kind, why = result.stdout.strip().split(" | ")
    assert kind == "delta" and why.startswith("no shared memory")


def test_bytes_that_are_not_a_message_end_the_reading_with_a_reason():
    """A C library's warning written to the child's stdout was read as an 8-byte length of
    5.9e18 bytes: the reader waited for ever and the window said "Training…"."""
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"OpenBLAS Warning : Detect OpenMP Loop\n")
    os.close(write_fd)
    with pytest.raises(ValueError, match="not a message"):
        next(training_process._frames(read_fd))
    os.close(read_fd)
    read_fd, write_fd = os.pipe()
    os.write(write_fd, training_process._frame(b"x" * 100)[:50])  # cut short
    os.close(write_fd)
    with pytest.raises(EOFError, match="middle of a message"):
        next(training_process._frames(read_fd))
    os.close(read_fd)


def test_what_a_c_library_prints_in_the_child_goes_to_stderr_not_among_the_messages():
    import subprocess
    import sys

    boot = training_process._BOOT.format(path=training_process.child_path())
    noisy = boot.replace("sys.path[:] =", "os.write(1, b'OpenBLAS Warning\\n')\nsys.path[:] =", 1)
    assert noisy != boot
    child = subprocess.Popen([sys.executable, "-I", "-c", noisy], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = pickle.loads(next(training_process._frames(child.stdout.fileno())))
        assert first == ("ready",)
    finally:
        child.stdin.close()  # the child quits when its input ends
        child.wait(30)
        err = child.stderr.read()
        child.stdout.close()
        child.stderr.close()
    assert b"OpenBLAS Warning" in err
