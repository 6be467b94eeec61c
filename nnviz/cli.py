"""The ``nnviz`` command: open the window, or train, export and inspect project files headless.

::

    nnviz                              the window, with the lecture's example
    nnviz FILE.nnviz                   the window, with that project
    nnviz train FILE.nnviz [--epochs N] [--learning-rate R] [--batch-size B] [--seed S]
                           [--regularization {none,l1,l2}] [--regularization-rate R]
                           [-o OUT.nnviz]
    nnviz export FILE.nnviz -o OUT     OUT's suffix picks the format (nnviz.files.export_formats)
    nnviz info FILE.nnviz              the layers, their shapes and parameters, and the
                                       training state
    nnviz compare FILE.nnviz [--factors F ...] [--optimizers NAME ...] [--epochs N]
                                       copies at other learning rates, side by side
    nnviz examples                     the bundled examples, by name

Wherever a project file is asked for, a bundled example's name does too (``nnviz train
xor``, ``nnviz info lecture``); a file of that name in the current folder wins. A bundled
example is never written: ``train`` saves its result to ``NAME.nnviz`` in the current
folder (or ``-o``).

Errors are one line on stderr and a non-zero exit status (1; 2 for a wrong command line),
never a traceback. Only the window imports Qt, so the other commands run on machines
without a display.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import NoReturn, TextIO

from nnviz.cli_compare import compare_parser, run_compare
from nnviz.data import features
from nnviz.errors import NnvizError
from nnviz.files import export_formats

__all__ = ["main", "TextProgressBar"]

PROG = "nnviz"


class _Parser(argparse.ArgumentParser):
    """argparse, but a wrong command line is one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ------------------------------------------------------------------------ progress


class TextProgressBar:
    """A one-line progress bar on a text stream: ``epoch 3/50 [#####-----] 6% loss 0.4512``.

    On a terminal the line is redrawn in place (``\\r``); into a file or pipe one line is
    written every tenth of the way, so logs stay short.
    """

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30):
        self.total = max(int(total), 1)
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_tenth = -1
        self._length = 0

    def update(self, done: int, text: str = "") -> None:
        """Show ``done`` of ``total`` steps, followed by ``text``."""
        done = min(max(int(done), 0), self.total)
        fraction = done / self.total
        filled = int(round(fraction * self.width))
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction * 100:3.0f}% {text}".rstrip()
        if self._tty:
            padding = " " * max(self._length - len(line), 0)
            self.stream.write("\r" + line + padding)
            self._length = len(line)
        else:
            tenth = int(fraction * 10)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self._tty and self._length:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------------ parsers


def _top_parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="nnviz: build a neural network by hand and watch it learn. "
        "Without a command, opens the window (with FILE, or the lecture's example).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands (each has its own --help):\n"
        "  train FILE.nnviz   train headless and save the result\n"
        "  export FILE.nnviz -o OUT\n"
        "                     write the network to OUT, in the format its suffix names\n"
        "                     (nnviz export --help lists them)\n"
        "  info FILE.nnviz    show the layers, parameter counts and training state\n"
        "  compare FILE.nnviz train copies at x0.1, x1, x10 the learning rate\n"
        "  examples           list the bundled examples; FILE.nnviz may be an example's\n"
        "                     name (nnviz train xor, nnviz info lecture)",
    )
    parser.add_argument("file", nargs="?", metavar="FILE.nnviz", help="a project file to open")
    from nnviz.version import __version__

    parser.add_argument("--version", action="version", version=f"nnviz {__version__}")
    return parser


def _train_parser() -> _Parser:
    parser = _Parser(
        prog=f"{PROG} train",
        description="Train a project's network on its data set without the window, with a "
        "progress bar; print the final loss and accuracy and save the project (the weights "
        "and the history; the settings given here are saved too).",
    )
    parser.add_argument("file", metavar="FILE.nnviz", help="the project to train")
    parser.add_argument("--epochs", type=int, metavar="N",
                        help="epochs to train (default: the project's setting)")
    parser.add_argument("--learning-rate", type=float, metavar="R", help="the learning rate")
    parser.add_argument("--batch-size", type=int, metavar="B", help="samples per update")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="seed of the sample order (and of the initial weights if the "
                        "network has none yet)")
    parser.add_argument("--regularization", metavar="{none,l1,l2}",
                        help="a penalty on every layer's weights (Keras's kernel_regularizer)")
    parser.add_argument("--regularization-rate", type=float, metavar="R",
                        help="the penalty's factor λ")
    parser.add_argument("--features", metavar="NAMES",
                        help="feature crosses as further inputs, comma-separated ("
                        f"{', '.join(features.names())}; 'none' for x1, x2 alone); the "
                        "input layer follows")
    parser.add_argument("-o", "--output", metavar="OUT.nnviz",
                        help="save to this file instead of overwriting FILE")
    return parser


def _export_parser() -> _Parser:
    parser = _Parser(
        prog=f"{PROG} export",
        description="Export a project's network. The suffix of OUT picks the format: "
        + export_formats.describe() + ".",
    )
    parser.add_argument("file", metavar="FILE.nnviz", help="the project to export")
    parser.add_argument("-o", "--output", metavar="OUT", required=True, help="the file to write")
    parser.add_argument("--check", action="store_true",
                        help="then load OUT in its runtime (onnxruntime, Keras, or nnviz for "
                        ".npz/.json), predict the project's data set and print the largest "
                        "difference from nnviz's predictions")
    return parser


def _info_parser() -> _Parser:
    parser = _Parser(
        prog=f"{PROG} info",
        description="Show a project's network as a Keras-style summary (layers, output "
        "shapes, parameter counts) and its training settings and state.",
    )
    parser.add_argument("file", metavar="FILE.nnviz", help="the project to describe")
    return parser


# ------------------------------------------------------------------------ commands


def _examples_parser() -> _Parser:
    return _Parser(
        prog=f"{PROG} examples",
        description="List the example projects that ship with nnviz. Any command that takes "
        "FILE.nnviz takes an example's name too (nnviz train xor, nnviz info lecture).",
    )


def project_path(name: str) -> str:
    """The project file a command line names: ``name`` itself when such a file exists (a
    path always wins), else the bundled example of that name (``xor``, ``lecture.nnviz``).

    Raises :class:`NnvizError` naming the examples when it is neither.
    """
    from nnviz import resources

    if os.path.exists(name):
        return name
    if os.sep not in name and "/" not in name:
        try:
            return str(resources.example_path(name))
        except KeyError:
            pass
    if os.sep in name or "/" in name or name.endswith(resources.EXAMPLE_SUFFIX):
        raise NnvizError(f"There is no file '{name}'.")  # plainly a path: say just that
    known = ", ".join(p.stem for _, p in resources.examples())
    raise NnvizError(f"There is no file '{name}', nor a bundled example of that name "
                     f"(examples: {known}).")


def _examples(out: TextIO) -> int:
    from nnviz import resources
    from nnviz.files.project import Project

    for title, path in resources.examples():
        try:
            project = Project.load(path, check_data=False)
            chain = project.design.chain()
            shape = "-".join(str(spec.units) for spec in chain)
            data = project.dataset.name or "no data set"
            what = f"{shape} network on {data}"
        except NnvizError as error:  # a damaged installation: say so, list the rest
            what = f"(cannot be read: {_one_line(error)})"
        print(f"{path.stem:<10} {title:<8} {what}", file=out)
    print("Open one with `nnviz NAME`, train it with `nnviz train NAME -o OUT.nnviz`.",
          file=out)
    return 0


def _open_window(args, open_window) -> int:
    if args.file is not None:
        args.file = project_path(args.file)
    if open_window is None:
        # The engine knows no window: the installed `nnviz` command (ui.launcher) brings it.
        raise NnvizError("This is the headless command line (train, export, info); the "
                         "window opens with the installed `nnviz` command or `python main.py`.")
    return int(open_window([] if args.file is None else [args.file]) or 0)


def _train(args, out: TextIO, err: TextIO) -> int:
    from nnviz import resources
    from nnviz.files.project import Project
    from nnviz.session.session import Session

    source = project_path(args.file)
    session = Session(Project.load(source))
    changes = {}
    if args.learning_rate is not None:
        changes["learning_rate"] = args.learning_rate
    if args.batch_size is not None:
        changes["batch_size"] = args.batch_size
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.epochs is not None:
        changes["epochs"] = args.epochs
    for key in ("regularization", "regularization_rate"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.features is not None:
        chosen = [n.strip() for n in args.features.split(",") if n.strip()]
        chosen = [] if chosen == ["none"] else chosen
        unknown = [n for n in chosen if n not in features.FEATURES]
        if unknown:
            raise NnvizError(f"--features: {unknown[0]!r} is no feature; the features are "
                             f"{', '.join(features.names())} (or 'none').")
        session.set_features(chosen)
    if changes:
        try:
            session.set_setting(**changes)
        except NnvizError as error:
            # The message names the file field ('training.batch_size'); say the option instead.
            text = re.sub(r"'training\.(\w+)'", lambda m: "--" + m.group(1).replace("_", "-"),
                          str(error))
            raise NnvizError(text) from error
    if not session.ensure_run():
        raise NnvizError(session.problem)
    stepper = session.stepper
    assert stepper is not None  # ensure_run() built it
    epochs = session.settings.epochs
    start_epoch = stepper.epoch
    total = epochs * stepper.batches_per_epoch
    bar = TextProgressBar(total, err)

    def progress(s) -> None:
        done = s.epoch - start_epoch
        loss = s.history.epoch_loss[-1] if done and s.history.epoch_loss else None
        text = f"epoch {min(done + 1, epochs)}/{epochs}"
        if loss is not None:
            text += f" loss {loss:.4f}"
        bar.update(done * s.batches_per_epoch + s.batch_index, text)

    bar.update(0, f"epoch 1/{epochs}")
    diverged = session.train(epochs, progress=progress)
    bar.close()
    if diverged:
        raise NnvizError(f"{stepper.diverged} Nothing was saved.")
    target = args.output or source
    if args.output is None and resources.is_example(source):
        # A bundled example is never written: the result goes beside the user instead.
        target = os.path.basename(source)
        if os.path.exists(target):
            raise NnvizError(f"'{target}' exists in this folder; nothing was saved. Give "
                             f"the result a name with -o OUT.nnviz.")
    session.save(target)
    parts = [f"{k} {v:.4f}" for k, v in stepper.history.last_epoch().items()]
    print(f"Trained {epochs} epoch{'s' if epochs != 1 else ''}: " + ", ".join(parts), file=out)
    print(f"Saved {target}", file=out)
    return 0


def _export(args, out: TextIO) -> int:
    from nnviz.files.project import Project

    target = args.output
    fmt = export_formats.for_path(target)  # before loading: a wrong name costs nothing
    project = Project.load(project_path(args.file), check_data=False)
    model = project.build_model()
    written = fmt.export(model, target)
    print("Wrote " + " and ".join(written), file=out)
    if not args.check:
        return 0
    from nnviz.files.export_check import check_export

    result = check_export(target, fmt.suffix, model, project.load_dataset().x)
    print(result.message, file=out)
    if result.how_to_check:
        print(result.how_to_check, file=out)
    # A missing runtime is no failure of the file; a runtime that cannot load it is.
    return 0 if result.checked or not result.installed else 1


def _info(args, out: TextIO) -> int:
    from nnviz.files.project import Project

    project = Project.load(project_path(args.file), check_data=False)
    model = project.build_model()

    def say(text: str = "") -> None:
        print(text, file=out)

    model.summary(print_fn=say)
    values = "value" if model.input_dim == 1 else "values"
    say(f" Input: {model.input_dim} {values} per sample; dtype {project.training.dtype}")
    say()
    t = project.training
    d = project.dataset
    say("Training")
    if d.name is None:
        say("  data set:      (none chosen)")
    elif d.is_csv:
        say(f"  data set:      CSV file {d.csv_path} (target column {d.target!r})")
    else:
        params = ", ".join(f"{k}={v}" for k, v in d.params.items())
        say(f"  data set:      {d.name}" + (f" ({params})" if params else ""))
    if d.features:
        say(f"  features:      x1, x2, {', '.join(features.labels(d.features))}")
    say(f"  loss:          {t.loss}")
    optimizer = f"{t.optimizer} (learning rate {t.learning_rate:g}"
    if t.optimizer in ("sgd", "rmsprop") and t.momentum:
        optimizer += f", momentum {t.momentum:g}"
    for key, value in t.optimizer_options.items():
        optimizer += f", {key} {value}"
    say(f"  optimizer:     {optimizer})")
    if t.regularization != "none":
        say(f"  regularization: {t.regularization.upper()} on the weights, "
            f"rate {t.regularization_rate:g}")
    say(f"  batch size:    {t.batch_size}")
    say(f"  epochs:        {t.epochs} per run, seed {t.seed}")
    history = project.history
    trained = len(history.get("epoch_loss", []))
    if not trained:
        say("  state:         not trained yet")
    else:
        parts = [f"loss {history['epoch_loss'][-1]:.4f}"]
        for key, label in (("epoch_accuracy", "accuracy"), ("val_loss", "val_loss"),
                           ("val_accuracy", "val_accuracy")):
            if history.get(key):
                parts.append(f"{label} {history[key][-1]:.4f}")
        say(f"  state:         trained {trained} epoch{'s' if trained != 1 else ''}; "
            + ", ".join(parts))
    return 0


# ------------------------------------------------------------------------ entry point


_COMMANDS = {"train": _train_parser, "export": _export_parser, "info": _info_parser,
             "examples": _examples_parser,
             "compare": lambda: compare_parser(_Parser, PROG)}


def main(argv: list[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, open_window=None) -> int:
    """Run the ``nnviz`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    ``open_window(argv)`` starts the window for the command without a subcommand; the view
    passes it in (``ui.launcher``), so the engine never imports the view.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    command = argv[0] if argv and argv[0] in _COMMANDS else None
    parser = _COMMANDS[command]() if command else _top_parser()
    try:
        args = parser.parse_args(argv[1:] if command else argv)
    except SystemExit as exit_:  # --help, --version, or a wrong command line
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 2
    prog = parser.prog
    try:
        if command == "train":
            return _train(args, out, err)
        if command == "export":
            return _export(args, out)
        if command == "info":
            return _info(args, out)
        if command == "examples":
            return _examples(out)
        if command == "compare":
            return run_compare(args, project_path, out)
        return _open_window(args, open_window)
    except NnvizError as error:
        print(f"{prog}: error: {_one_line(error)}", file=err)
        return 1
    except ValueError as error:  # a setting the engine refuses, said in its own sentence
        print(f"{prog}: error: {_one_line(error)}", file=err)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing was saved.", file=err)
        return 130
    except BrokenPipeError:
        # The reader went away (`nnviz examples | head -1`): nothing more to say. Python
        # would raise again flushing stdout at exit, so it is pointed at the null device.
        if out is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0


def _one_line(error: Exception) -> str:
    """The error's message on one line (a dialog may wrap it; a terminal line may not)."""
    return " ".join(str(error).split())
