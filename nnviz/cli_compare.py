"""``nnviz compare FILE``: the window's Training > Compare… on the command line (no Qt).

Trains copies of the project's network from the same start and on the same batches at
other learning rates (and optimizers) with :mod:`nnviz.analysis.compare`, and prints one line per
copy: its final losses, or where and why it diverged. Nothing is saved.
"""
from __future__ import annotations

import argparse
from typing import TextIO

from nnviz.errors import NnvizError

__all__ = ["compare_parser", "run_compare"]


def compare_parser(parser_class, prog: str) -> argparse.ArgumentParser:
    """The ``compare`` command's parser (``parser_class``: the command line's own)."""
    from nnviz.analysis.compare import DEFAULT_FACTORS

    parser = parser_class(
        prog=f"{prog} compare",
        description="Train copies of a project's network from the same initial weights and "
        "on the same batches in the same order, each at the learning rate times a factor "
        "(default x0.1, x1, x10), and print how each ended. Nothing is saved.",
    )
    parser.add_argument("file", metavar="FILE.nnviz", help="the project to compare")
    parser.add_argument("--factors", type=float, nargs="+", metavar="F",
                        default=list(DEFAULT_FACTORS),
                        help="factors of the project's learning rate (default: 0.1 1 10)")
    parser.add_argument("--optimizers", nargs="+", metavar="NAME", default=[],
                        help="also train with these optimizers at their own starting rate "
                        "(adam, rmsprop, sgd)")
    parser.add_argument("--epochs", type=int, metavar="N",
                        help="epochs per copy (default: the project's setting)")
    return parser


def run_compare(args, project_path, out: TextIO) -> int:
    """Run the comparison ``args`` asks for and print one line per copy."""
    from nnviz.analysis.compare import Comparison
    from nnviz.files.project import Project
    from nnviz.limits import MAX_EPOCHS
    from nnviz.session.session import Session

    if args.epochs is not None and not 1 <= args.epochs <= MAX_EPOCHS:
        raise NnvizError(f"--epochs must be from 1 to {MAX_EPOCHS:,}, not {args.epochs}.")
    session = Session(Project.load(project_path(args.file)))
    if not session.ensure_run():
        raise NnvizError(session.problem)
    comparison = Comparison.from_session(session, args.factors, args.optimizers, args.epochs)
    comparison.run()
    width = max(len(run.label) for run in comparison.runs)
    for run in comparison.runs:
        h = run.history
        if run.note():
            text = run.note()
        else:
            text = f"loss {h.epoch_loss[-1]:.4f}"
            if h.val_loss:
                text += f", val_loss {h.val_loss[-1]:.4f}"
        print(f"{run.label:<{width}}  {text}", file=out)
    print(f"{len(comparison.runs)} copies, {comparison.epochs} epochs each, from the same "
          "start on the same batches.", file=out)
    return 0
