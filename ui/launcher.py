"""The installed ``nnviz`` command: the engine's command line, plus the window.

``nnviz train|export|info ...`` run headless (``nnviz.cli``; Qt is never imported for
them); ``nnviz [FILE.nnviz]`` opens the window. The command lives here, in the view, so
that the engine does not depend on the view: it is handed the window as a function.
``python -m ui`` is the same command.
"""
from __future__ import annotations

import sys
from typing import TextIO

from nnviz import cli
from nnviz.session.training_process import run_child_if_asked


def _open_window(argv: list[str]) -> int:
    from ui.app import run  # Qt is loaded only when the window is wanted

    return run(argv)


def main(argv: list[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Run the ``nnviz`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    A frozen app (PyInstaller) starts its training process as itself: that one is the
    training process and never returns (see :func:`nnviz.session.training_process.child_command`).
    """
    run_child_if_asked(sys.argv[1:] if argv is None else argv)
    return cli.main(argv, stdout=stdout, stderr=stderr, open_window=_open_window)
