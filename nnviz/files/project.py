"""The project: a design, its training settings, its data set and its history; the ``.nnviz`` file.

A ``.nnviz`` file is human-readable JSON::

    {
      "format": "nnviz-project",
      "version": 2,
      "saved_by": "nnviz 0.1.0",
      "design":   {"layers": [...], "connections": [...]},      # Design.to_dict(): layers
                                                                # with positions, the weights
      "training": {"loss": "categorical_crossentropy", "optimizer": "sgd",
                   "learning_rate": 0.1, "momentum": 0.0, "optimizer_options": {},
                   "batch_size": 4, "epochs": 50, "seed": 0, "dtype": "float64",
                   "metrics": ["accuracy"], "shuffle": true},
      "dataset":  {"name": "moons", "params": {"n_samples": 200, ...}}
               or {"name": "csv", "path": "data/mine.csv", "target": -1, "params": {...}},
      "history":  {"batch_loss": [...], "epoch_loss": [...], ...}, # History.to_dict()
      "run":      {"counters": [...], "snapshots": [...], ...}     # nnviz.files.run_file
      "lesson":   {"hidden": ["dataset"], "locked": ["learning_rate"]} # optional: nnviz.document.lessons
    }

Weights are written with Python's shortest round-trip float text, so a float64 weight reads
back bit for bit. A CSV data set's path is stored relative to the project file, so a
folder with both can be moved as a whole. Numbers JSON cannot hold (a NaN loss in the
history) are written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``.

The time-travel snapshots (``run.snapshots``) are the bulk of a trained big network's
run: since format 2 each of their arrays is the array's bytes in base64 (exact, 10.7
characters a float64 weight instead of about 22), and a save keeps only the snapshots
that fit :data:`~nnviz.limits.SAVED_SNAPSHOT_BYTES`, evenly spread over the run. So the
file of the largest design nnviz allows stays well under what it opens
(:data:`~nnviz.limits.MAX_PROJECT_FILE_BYTES`). Format 1 (snapshots as lists of numbers)
still opens.

Saving is atomic (a temporary file beside the target, then a rename). The window saves
from :meth:`Project.copy_for_save` on a thread of its own. Loading never lets a Python
error through: every problem raises :class:`~nnviz.errors.ProjectFileError` with one
sentence that names the file and the field, fit to show in a dialog. Files of older
format versions are upgraded on load by the functions in ``_MIGRATIONS``.
"""
from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from psygnal import Signal, SignalGroup

# The settings and the data set spec live in modules of their own; they are re-exported
# here, so ``from nnviz.files.project import TrainingSettings, DatasetSpec`` keeps working.
from nnviz.data.dataset_spec import DatasetSpec, _spec_key
from nnviz.document import ACTIVATIONS, Design
from nnviz.document.lessons import Lesson
from nnviz.document.settings import (
    _DTYPES,
    _LOSSES,
    _OPTIMIZER_OPTIONS,
    _OPTIMIZERS,
    TrainingSettings,
)
from nnviz.engine import regularizers as _regularizers
from nnviz.errors import DesignError, NnvizError, ProjectFileError
from nnviz.files.run_file import run_from_dict, run_to_dict
from nnviz.files.weights_io import atomic_output, decode_array, encode_array, iter_readable
from nnviz.limits import (
    MAX_HISTORY_POINTS,
    MAX_JSON_CONTAINERS,
    MAX_JSON_DEPTH,
    MAX_JSON_VALUES,
    MAX_MESSAGE,
    MAX_PROJECT_FILE_BYTES,
    elide,
    json_counts,
)
from nnviz.version import __version__

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "DatasetSpec",
    "Project",
    "ProjectEvents",
    "TrainingSettings",
    "load_model",
    "save_model",
]

FORMAT_NAME = "nnviz-project"
FORMAT_VERSION = 2
PROJECT_SUFFIX = ".nnviz"

_VERSION = __version__  # "saved_by": the nnviz that wrote the file


# ------------------------------------------------------------------------ migrations


def _packed_snapshots(data: dict) -> dict:
    """1 -> 2: snapshot arrays may now be packed bytes; a version-1 file's lists still read.

    Nothing to rewrite: version 2 only added the packed form (``nnviz.files.run_file``), so a
    version-1 file is a valid version-2 file as it stands.
    """
    return data


#: ``version -> function`` upgrading a file's data from that version to the next one.
#: Version 1 is the first; when the format changes, bump FORMAT_VERSION and add the step
#: from the old version here, so every file ever written still opens.
_MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _packed_snapshots}


def migrate(data: dict, version: int) -> dict:
    """Upgrade file data of ``version`` to :data:`FORMAT_VERSION`, one step at a time."""
    while version < FORMAT_VERSION:
        step = _MIGRATIONS.get(version)
        if step is None:
            raise ProjectFileError(
                f"Project files of version {version} can no longer be read by this nnviz."
            )
        data = step(data)
        version += 1
    data["version"] = version
    return data


# ------------------------------------------------------------------------ the project


class ProjectEvents(SignalGroup):
    """The signals a :class:`Project` emits (``project.events.<name>``)."""

    settings_changed = Signal()  # training settings or the data set
    dataset_changed = Signal()   # the data set spec (name, parameters, CSV file)
    history_changed = Signal()   # the history and the run's counters and snapshots
    path_changed = Signal()
    lesson_changed = Signal()    # the controls the lesson hides or locks (nnviz.document.lessons)


class Project:
    """Everything a ``.nnviz`` file holds: design, training settings, data set, history.

    ``project.design`` is the document the canvas edits; ``project.training`` (a
    :class:`TrainingSettings`) and ``project.dataset`` (a :class:`DatasetSpec`) say how to
    train it; ``project.history`` is ``nnviz.engine.training.History.to_dict()`` of the training
    done so far; ``project.path`` is the file it was last loaded from or saved to.
    """

    def __init__(self, design: Design | None = None, training: TrainingSettings | None = None,
                 dataset: DatasetSpec | None = None, history: dict | None = None,
                 path: str | None = None):
        self.events = ProjectEvents()
        self.design = design if design is not None else Design()
        self.training = training if training is not None else TrainingSettings()
        self.dataset = dataset if dataset is not None else DatasetSpec()
        self.history = dict(history) if history else {}
        #: The saved run beyond its history: ``{"counters": [epoch, global_step,
        #: samples_seen], "snapshots": [(epoch, weights), ...], "diverged": str | None}``.
        self.run: dict = {}
        self.path = path
        #: The controls of the window this project hides or locks (:mod:`nnviz.document.lessons`).
        self.lesson = Lesson()

    def __repr__(self) -> str:
        return (f"Project(path={self.path!r}, layers={len(self.design.layers)}, "
                f"dataset={self.dataset.name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return (self.design == other.design and self.training == other.training
                and _spec_key(self.dataset) == _spec_key(other.dataset)
                and _history_key(self.history) == _history_key(other.history)
                and self.lesson == other.lesson)

    # ---------------------------------------------------------------- making one
    @classmethod
    def lecture_example(cls) -> Project:
        """The lecture's network (2 -> 3 relu -> 2 softmax) on a ring around a disc of points.

        Trained with categorical cross-entropy and plain SGD (learning rate 0.1, batches
        of 4): what the window shows when it starts. The circles are not linearly
        separable, so the three hidden neurons matter (they fence the disc in with three
        lines) and the class sees the boundary take shape over some 20 epochs instead of
        one batch.
        """
        dataset = DatasetSpec("circles", {"n_samples": 200, "noise": 0.1, "seed": 0,
                                          "validation_split": 0.2})
        training = TrainingSettings(loss="categorical_crossentropy", optimizer="sgd",
                                    learning_rate=0.1, batch_size=4, epochs=50, seed=0)
        return cls(Design.lecture_example(), training, dataset)

    @classmethod
    def from_model(cls, model) -> Project:
        """A project holding ``model``'s architecture and weights (and its compile settings).

        The layers are laid out left to right; no data set is chosen.
        """
        design = _design_from_model(model)
        training = TrainingSettings()
        optimizer = getattr(model, "optimizer", None)
        loss = getattr(model, "loss", None)
        dtype = str(getattr(model, "dtype", "float64"))
        if dtype in _DTYPES:
            training.dtype = dtype
        if optimizer is not None and loss is not None:
            name = str(getattr(optimizer, "name", "sgd")).lower()
            config = dict(optimizer.get_config()) if hasattr(optimizer, "get_config") else {}
            if name in _OPTIMIZERS:
                training.optimizer = name
                training.learning_rate = float(config.pop("learning_rate", 0.01))
                training.momentum = float(config.pop("momentum", 0.0))
                allowed = _OPTIMIZER_OPTIONS[name]
                training.optimizer_options = {k: v for k, v in config.items() if k in allowed}
            loss_name = getattr(loss, "name", loss)
            if isinstance(loss_name, str) and loss_name in _LOSSES:
                training.loss = loss_name
            metrics = [m for m in getattr(model, "metrics_names", []) if m == "accuracy"]
            training.metrics = metrics
        dense = getattr(model, "dense_layers", [])
        try:
            setting = _regularizers.as_window_setting(
                [getattr(layer, "kernel_regularizer", None) for layer in dense],
                [getattr(layer, "bias_regularizer", None) for layer in dense])
        except ValueError as error:
            raise ProjectFileError(f"A project file cannot hold this model's regularizers: "
                                   f"{error}.") from error
        if setting is not None:
            training.regularization, training.regularization_rate = setting
        return cls(design, training, DatasetSpec())

    # ---------------------------------------------------------------- edits
    def check_training(self, **changes) -> TrainingSettings:
        """The settings ``changes`` would give, validated (ProjectFileError if wrong)."""
        merged = {**self.training.to_dict(), **changes}
        return TrainingSettings.from_dict(merged, where="training")

    def update_training(self, **changes) -> None:
        """Change training settings in place (validated first; ProjectFileError if wrong).

        Each changed field emits its own event (``training.events.<field>``), then the
        project's ``settings_changed`` once.
        """
        checked = self.check_training(**changes)
        changed = False
        for f in fields(TrainingSettings):
            value = getattr(checked, f.name)
            if getattr(self.training, f.name) != value:
                setattr(self.training, f.name, value)
                changed = True
        if changed:
            self.events.settings_changed.emit()

    def set_dataset(self, spec: DatasetSpec) -> None:
        """Train on another data set from now on; emits ``dataset_changed``, ``settings_changed``."""
        self.dataset = spec
        self.events.dataset_changed.emit()
        self.events.settings_changed.emit()

    def set_lesson(self, lesson: Lesson) -> None:
        """Hide or lock other controls from now on; emits ``lesson_changed`` (the window's
        undoable path is :class:`nnviz.document.lessons.SetLesson`)."""
        if lesson != self.lesson:
            self.lesson = lesson
            self.events.lesson_changed.emit()

    def set_history(self, history: dict) -> None:
        """Keep ``History.to_dict()`` of the training done; emits ``history_changed``."""
        self.set_run(history, self.run)

    def set_run(self, history: dict, run: dict) -> None:
        """Keep the run: its history and ``{"counters", "snapshots", "diverged"}``."""
        self.history = {k: [float(x) for x in v] for k, v in history.items() if len(v)}
        self.run = dict(run) if self.history else {}
        self.events.history_changed.emit()

    def replace_with(self, other: Project) -> None:
        """Take ``other``'s content in place (opening a file into a window's one project)."""
        self.history = {k: list(v) for k, v in other.history.items()}
        self.run = dict(other.run)
        self.update_training(**other.training.to_dict())
        self.set_dataset(replace(other.dataset, params=dict(other.dataset.params)))
        self.design.replace_with(other.design)
        self.set_lesson(other.lesson)
        self.path = other.path
        self.events.history_changed.emit()
        self.events.path_changed.emit()

    # ---------------------------------------------------------------- using it
    def load_dataset(self):
        """The data set the project trains on (:class:`nnviz.data.datasets.Dataset`)."""
        return self.dataset.load()

    def build_model(self, fresh: bool = False):
        """The design as a Sequential model, compiled with the training settings.

        The weights stored in the design are carried over (see ``Design.build_model``);
        a design without weights, or ``fresh=True``, gets new ones drawn from
        ``training.seed`` (the design is left as it is then).
        """
        t = self.training
        design = self.design
        if fresh:
            design = Design()
            design.replace_with(self.design)
            design.clear_weights()
        model = design.build_model(dtype=t.dtype, seed=t.seed)
        _regularizers.regularize_kernels(model, t.make_regularizer())
        model.compile(optimizer=t.make_optimizer(), loss=t.loss, metrics=list(t.metrics))
        model.input_features = tuple(self.dataset.features)
        return model

    # ---------------------------------------------------------------- files
    def to_dict(self, base_dir: str | None = None) -> dict:
        """The whole project as JSON-able data, as the ``.nnviz`` file holds it."""
        data = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "saved_by": f"nnviz {_VERSION}",
            "design": self.design.to_dict(),
            "training": self.training.to_file_dict(),
            "dataset": self.dataset.to_dict(base_dir),
            "history": {k: encode_array(v) for k, v in self.history.items()},
        }
        if self.run:
            data["run"] = run_to_dict(self.run)
        if self.lesson:  # optional: a project without a lesson writes no key
            data["lesson"] = self.lesson.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Any, base_dir: str | None = None, path: str | None = None) -> Project:
        """A project from :meth:`to_dict` data (upgraded from older versions).

        ProjectFileError names the bad field; a relative CSV path is resolved against
        ``base_dir``.
        """
        if not isinstance(data, dict):
            raise ProjectFileError("The file does not hold a JSON object.")
        fmt = data.get("format")
        if fmt != FORMAT_NAME:
            if fmt == "nnviz-weights":
                raise ProjectFileError(
                    "This is an nnviz weights file, not a project; load it with "
                    "model.load_weights() into a model of the same shape."
                )
            raise ProjectFileError("This is not an nnviz project file (no \"format\": "
                                   f"\"{FORMAT_NAME}\" in it).")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ProjectFileError("'version' is missing or is not a whole number from 1 on.")
        if version > FORMAT_VERSION:
            raise ProjectFileError(
                f"It was saved by a newer nnviz (project format {version}; this nnviz reads "
                f"up to {FORMAT_VERSION}); update nnviz to open it."
            )
        data = migrate(dict(data), version)
        if "design" not in data:
            raise ProjectFileError("'design' is missing: the file holds no network.")
        try:
            design = Design.from_dict(data["design"])
        except ProjectFileError as err:
            raise ProjectFileError(f"In 'design': {err}") from err
        except (DesignError, TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
            # Design.from_dict checks its fields; anything else it trips on is still a bad file.
            raise ProjectFileError(f"'design' cannot be read: {err}") from err
        training = TrainingSettings.from_dict(data.get("training", {}))
        dataset = DatasetSpec.from_dict(data.get("dataset"), base_dir)
        history = _read_history(data.get("history", {}))
        project = cls(design, training, dataset, history, path)
        project.lesson = Lesson.from_dict(data.get("lesson"))
        if history:
            project.run = run_from_dict(data.get("run"), _weight_shapes(design))
            if isinstance(project.run.get("diverged"), str):
                # Shown in the status bar and the training panel: a message, so elided.
                project.run["diverged"] = elide(project.run["diverged"], MAX_MESSAGE)
        return project

    def copy_for_save(self, path: str | os.PathLike | None = None) -> Project:
        """A copy of the project to :meth:`save` on another thread, taken in milliseconds.

        Made on the thread that owns the project; the copy is then only read, so edits and
        training may go on while it is written. The design's arrays and the history are
        copied; the snapshots' arrays are shared (a run never writes them after it took
        them). The copy's path is ``path`` (default: :attr:`path`); this project's own
        path changes with :meth:`saved_to` once the copy is written.
        """
        if path is None:
            path = self.path
        if path is None:
            raise ProjectFileError("Choose a file name to save the project to.")
        design = Design()
        design.replace_with(self.design)
        training = TrainingSettings(**self.training.to_dict())
        dataset = replace(self.dataset, params=copy.deepcopy(self.dataset.params))
        history = {k: list(v) for k, v in self.history.items()}
        clone = Project(design, training, dataset, history, os.fspath(path))
        clone.run = dict(self.run)
        clone.lesson = self.lesson
        if "snapshots" in clone.run:
            clone.run["snapshots"] = list(clone.run["snapshots"])
        return clone

    def saved_to(self, path: str | os.PathLike) -> None:
        """Remember that the project is now saved at ``path`` (emits ``path_changed``)."""
        path = os.fspath(path)
        changed = self.path != path
        self.path = path
        if changed:
            self.events.path_changed.emit()

    def save(self, path: str | os.PathLike | None = None) -> None:
        """Write the project to ``path`` (default: :attr:`path`) atomically; remember the path.

        A temporary file is written beside the target and renamed over it, so a crash
        mid-save leaves the old file as it was. Every failure is a ProjectFileError that
        says why (a full disk, a read-only file, a NaN weight, text that UTF-8 cannot hold).
        Only the time-travel snapshots that fit ``SAVED_SNAPSHOT_BYTES`` are written
        (:func:`nnviz.files.run_file.thin_snapshots`); the project in memory keeps all of them.
        """
        if path is None:
            path = self.path
        if path is None:
            raise ProjectFileError("Choose a file name to save the project to.")
        path = os.fspath(path)
        base_dir = os.path.dirname(os.path.abspath(path))
        name = os.path.basename(path)
        try:
            # In pieces (a row each): a big network's file is never one string in memory.
            pieces = list(iter_readable(self.to_dict(base_dir)))
        except ValueError as err:  # a NaN or infinite weight: JSON cannot hold it
            raise ProjectFileError(
                f"Cannot save '{name}': a weight is NaN or infinite; "
                "reset or restore the weights first.", path
            ) from err
        try:
            # Encoded before the file is opened: a text that UTF-8 cannot hold never
            # leaves a half-written temporary file behind.
            raw = [piece.encode("utf-8") for piece in pieces]
        except UnicodeEncodeError as err:
            # A lone surrogate ("\ud800"), which a JSON file can spell as an escape.
            bad = ascii(err.object[err.start:err.end])
            raise ProjectFileError(
                f"Cannot save '{name}': it contains the character {bad}, which is not a "
                "letter and cannot be written to a file (a name read from a damaged file?); "
                "rename the layer or change the text that holds it.", path) from err
        del pieces  # one copy of a big network's text in memory at a time, not two
        try:
            with atomic_output(path, "wb") as handle:
                handle.writelines(raw)
                handle.write(b"\n")
        except OSError as err:
            raise ProjectFileError(f"Cannot write '{path}': {err.strerror or err}.", path) from err
        self.saved_to(path)

    @classmethod
    def load(cls, path: str | os.PathLike, check_data: bool = True) -> Project:
        """Read a ``.nnviz`` file; ProjectFileError (one sentence, naming file and field) if bad.

        With ``check_data`` a CSV data set must exist where the file says it is.
        """
        path = os.fspath(path)
        name = os.path.basename(path)
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > MAX_PROJECT_FILE_BYTES:
                    raise ProjectFileError(
                        f"'{name}' is {size / 2**20:.0f} MB; nnviz opens project files of at "
                        f"most {MAX_PROJECT_FILE_BYTES // 2**20} MB.", path)
                raw = handle.read(MAX_PROJECT_FILE_BYTES + 1)
        except FileNotFoundError as err:
            raise ProjectFileError(f"There is no file '{path}'.", path) from err
        except IsADirectoryError as err:
            raise ProjectFileError(f"'{path}' is a folder, not a project file.", path) from err
        except OSError as err:
            raise ProjectFileError(f"Cannot read '{path}': {err.strerror or err}.", path) from err
        other = _sniff_binary(raw)
        if other:
            raise ProjectFileError(f"'{name}' is {other}, not an nnviz project file.", path)
        # Counted in the bytes before parsing: the parsed form of a few MB of "[]," is GBs.
        n_values, n_containers = json_counts(raw)
        if n_containers > MAX_JSON_CONTAINERS:
            raise ProjectFileError(
                f"Cannot open '{name}': it holds {n_containers:,} lists and objects; nnviz "
                f"reads project files of at most {MAX_JSON_CONTAINERS:,}.", path)
        if n_values > MAX_JSON_VALUES:
            raise ProjectFileError(
                f"Cannot open '{name}': its commas and brackets announce {n_values:,} values "
                f"(numbers, texts, lists and objects); nnviz reads project files of at most "
                f"{MAX_JSON_VALUES:,}.",
                path)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ProjectFileError(f"'{name}' is not a text file, so not an nnviz project.",
                                   path) from err
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as err:
            raise ProjectFileError(
                f"'{name}' is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}).",
                path,
            ) from err
        except RecursionError as err:
            raise ProjectFileError(
                f"'{name}' nests lists or objects deeper than nnviz reads (at most "
                f"{MAX_JSON_DEPTH} levels).", path) from err
        except ValueError as err:
            raise ProjectFileError(f"'{name}' is not valid JSON ({err}).", path) from err
        depth_error = _too_deep(data)
        if depth_error:
            raise ProjectFileError(f"Cannot open '{name}': {depth_error}", path)
        base_dir = os.path.dirname(os.path.abspath(path))
        try:
            project = cls.from_dict(data, base_dir, path)
        except ProjectFileError as err:
            raise ProjectFileError(f"Cannot open '{name}': {err}", path) from err
        csv_path = project.dataset.csv_path
        if check_data and project.dataset.is_csv and (csv_path is None
                                                      or not os.path.isfile(csv_path)):
            raise ProjectFileError(
                f"Cannot open '{name}': its data file was not found at "
                f"'{project.dataset.csv_path}'; put the CSV file back there (the path is "
                "relative to the project file).",
                path,
            )
        return project


# ------------------------------------------------------------------------ helpers


def _too_deep(data: Any) -> str | None:
    """A sentence naming the first place nested deeper than MAX_JSON_DEPTH, or None.

    Walks the parsed file with an explicit stack (no recursion), once per value.
    """
    stack = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, (list, dict)):
            if depth >= MAX_JSON_DEPTH:
                return (f"'{where or 'the file'}' nests lists or objects more than "
                        f"{MAX_JSON_DEPTH} levels deep; nnviz allows at most {MAX_JSON_DEPTH}.")
            if isinstance(value, dict):
                stack.extend((v, depth + 1, f"{where}.{k}" if where else str(k))
                             for k, v in value.items() if isinstance(v, (list, dict)))
            else:
                stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(value)
                             if isinstance(v, (list, dict)))
    return None


def _reject_constant(token: str):
    raise ValueError(f"{token} is not a JSON number; nnviz writes it as the text \"{token}\"")


def _sniff_binary(raw: bytes) -> str | None:
    """What a binary file is, by its first bytes, for a helpful message (or None)."""
    if raw.startswith(b"\x89HDF\r\n\x1a\n"):
        return "an HDF5 file (Keras weights?)"
    if raw.startswith(b"PK\x03\x04"):
        return "a ZIP archive (a NumPy .npz or a .keras file?)"
    if raw.startswith(b"\x08"):  # protobuf field 1 (ir_version), never the start of JSON
        return "an ONNX model (or another binary file)"
    return None


def _weight_shapes(design: Design) -> list[tuple] | None:
    """The shapes of ``model.get_weights()`` for the design, or None if it has no chain."""
    try:
        chain = design.chain()
    except NnvizError:
        return None
    shapes = []
    for src, tgt in zip(chain[:-1], chain[1:]):
        shapes += [(src.units, tgt.units), (tgt.units,)]
    return shapes



def _read_history(data: Any) -> dict:
    if not isinstance(data, dict):
        raise ProjectFileError("'history' must be an object of lists of numbers.")
    out = {}
    for key, values in data.items():
        if not isinstance(values, list):
            raise ProjectFileError(f"'history.{key}' must be a list of numbers.")
        if len(values) > MAX_HISTORY_POINTS:
            raise ProjectFileError(
                f"'history.{key}' has {len(values):,} numbers; nnviz allows at most "
                f"{MAX_HISTORY_POINTS:,} in one series.")
        if any(isinstance(x, (list, dict)) for x in values):
            raise ProjectFileError(f"'history.{key}' must be a flat list of numbers.")
        array = decode_array(values, f"'history.{key}'", ndim=1)
        out[key] = [float(x) for x in array]
    if "batch_segments" in out:
        _check_segments(out["batch_segments"])
    return out


def _check_segments(flat: list[float]) -> None:
    """``history.batch_segments`` is ``[stride, count, ...]`` of whole numbers >= 1.

    Each point of a thinned per-batch series stands for ``stride`` batches; the plots
    place the points with integer arithmetic, so the batches they stand for together
    stay below 2**53 (the run's counters' own bound).
    """
    where = "history.batch_segments"
    if len(flat) % 2:
        raise ProjectFileError(f"'{where}' must be pairs [stride, count, ...]; it has an odd "
                               f"number of values ({len(flat):,}).")
    total = 0
    for k, value in enumerate(flat):
        if not (math.isfinite(value) and value >= 1 and value == int(value)
                and value < 2 ** 53):
            raise ProjectFileError(
                f"'{where}[{k}]' is {value!r}; each stride and count must be a whole number "
                "of at least 1.")
        if k % 2:
            total += int(flat[k - 1]) * int(value)
            if total >= 2 ** 53:
                raise ProjectFileError(
                    f"'{where}' stands for more than 2**53 batches; a run has fewer.")



def _history_key(history: dict):
    # NaN != NaN, so compare the text form (which is what the file holds).
    return json.dumps({k: encode_array(v) for k, v in sorted(history.items())})


def _design_from_model(model) -> Design:
    """A design (input, hidden..., output; laid out left to right) with ``model``'s weights."""
    dense = list(model.dense_layers)
    if not dense:
        raise ProjectFileError("A model without Dense layers cannot be saved as a project.")
    for layer in dense:
        if layer.activation_name not in ACTIVATIONS:
            raise ProjectFileError(
                f"Layer '{layer.name}' uses the activation '{layer.activation_name}', which an "
                f"nnviz project cannot hold yet ({', '.join(ACTIVATIONS)}); export its weights "
                "with save_weights() instead."
            )
        if not getattr(layer, "use_bias", True):
            raise ProjectFileError(
                f"Layer '{layer.name}' has no bias (use_bias=False), which an nnviz project "
                "cannot hold; export its weights with save_weights() instead."
            )
    design = Design()
    spacing = 300.0
    x0 = -spacing * len(dense) / 2
    names = {layer.name for layer in dense}
    input_name = next(n for n in ("Input", "input", "Input layer", "Inputs") if n not in names)
    try:
        ids = [design.add_layer("input", x=x0, y=0.0, units=int(model.input_dim), name=input_name)]
        for k, layer in enumerate(dense):
            kind = "output" if k == len(dense) - 1 else "hidden"
            ids.append(design.add_layer(kind, x=x0 + spacing * (k + 1), y=0.0,
                                        units=int(layer.units),
                                        activation=layer.activation_name, name=layer.name))
            design.connect(ids[-2], ids[-1])
        design.store_weights(model.get_weights())
    except DesignError as err:
        raise ProjectFileError(f"The model cannot be saved as a project: {err}") from err
    design.undo_stack.clear()
    return design


# ------------------------------------------------------------------------ Keras's names


def save_model(model, path: str | os.PathLike) -> None:
    """``model.save("x.nnviz")``: the model's architecture, weights and compile settings."""
    path = os.fspath(path)
    if not path.lower().endswith(PROJECT_SUFFIX):
        raise ProjectFileError(
            f"'{os.path.basename(path)}': nnviz saves whole models as {PROJECT_SUFFIX} files; "
            "for the weights only use save_weights() (with a weight file's suffix, e.g. .npz)."
        )
    Project.from_model(model).save(path)


def load_model(path: str | os.PathLike):
    """``nnviz.engine.models.load_model("x.nnviz")``: the compiled Sequential a project file holds."""
    project = Project.load(path, check_data=False)
    try:
        return project.build_model()
    except NnvizError:
        raise
    except ValueError as err:  # settings the engine refuses
        raise ProjectFileError(f"Cannot build the model of '{os.fspath(path)}': {err}") from err
