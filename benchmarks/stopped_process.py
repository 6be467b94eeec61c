"""How long does a command wait when the training process is stopped (SIGSTOP)?

Run it by hand (it is not a test; POSIX only) with:

    python benchmarks/stopped_process.py

A child that stops answering (a debugger, a frozen machine, ``kill -STOP``) must never
freeze the window: nothing waits on it while the session's lock is held, and one silent for
a second is ended and replaced (issue 19, point 10). For each command the script starts a
session that trains in its process the way the window does (a worker thread calling
``train_chunk`` again and again), stops the child with SIGSTOP once it trains there, and
prints how long the command took on the calling (the window's) thread, and how long until
the session noticed the silent child (``process_problem``). Before the fix: Pause 27 s,
a rename 32 s, close 32 s.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nnviz.files.project import Project  # noqa: E402
from nnviz.session.runners import ProcessRunner  # noqa: E402
from nnviz.session.session import Session  # noqa: E402


def trains_in_process(epochs: int = 100_000):
    """A session training in its process, and the thread that drives it (the worker)."""
    project = Project.lecture_example()
    project.update_training(epochs=epochs)
    session = Session(project, runner=ProcessRunner())
    assert session.process.wait_ready(), session.process.failure
    assert session.start_training() == ""
    done = threading.Event()

    def worker() -> None:
        while not done.is_set():
            status, _ = session.train_chunk(lambda: True)
            if status == "stopped":
                done.wait(0.002)
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    while not (session.trains_in_process() and session.stepper.global_step > 100):
        time.sleep(0.01)
    return session, done, thread


def measure(name: str, command) -> None:
    session, done, thread = trains_in_process()
    child = session.process._proc
    os.kill(child.pid, signal.SIGSTOP)
    start = time.perf_counter()
    command(session)
    took = time.perf_counter() - start
    while session.process is not None and not session.process_problem \
            and time.perf_counter() - start < 60:
        if not session.training:  # nobody trains: the next Train notices it
            session.start_training()
        time.sleep(0.005)
    noticed = time.perf_counter() - start
    done.set()
    thread.join(60)
    if child.poll() is None:
        child.kill()
        child.wait()
    session.close()
    problem = session.process_problem.splitlines()[0] if session.process_problem else \
        "(closed with its session)"
    print(f"{name:<7} the command took {took:6.3f} s; the child was given up after "
          f"{noticed:6.3f} s: {problem}")


def rename(session) -> None:
    hidden = [spec for spec in session.design.chain() if spec.kind == "hidden"][0]
    session.design.set_name(hidden.id, "Renamed")


def main() -> None:
    if not hasattr(signal, "SIGSTOP"):
        sys.exit("SIGSTOP is POSIX only.")
    measure("Pause", lambda session: session.pause())
    measure("rename", rename)
    measure("close", lambda session: session.close())


if __name__ == "__main__":
    main()
