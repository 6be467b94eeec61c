"""Data sets to train on: the classic 2-D toy sets, two regressions, iris, digits, and CSV files.

Every data set is a :class:`Dataset`: all samples ``x`` (inputs, one row per sample) and
``y`` (targets), and the same samples split into a training part and a validation part.

* Inputs are float64, shape ``(n_samples, n_features)``.
* Classification targets are **one-hot**: sample ``i`` of class ``c`` has ``y[i, c] = 1`` and
  zeros elsewhere, shape ``(n_samples, n_classes)``; a two-class set has two columns, one
  per unit of a softmax output layer.
* Regression targets have shape ``(n_samples, 1)``.

The split: the samples are shuffled with the seed, then the last ``validation_split``
fraction of them is the validation set and the rest the training set.

Everything is deterministic from ``seed`` (``numpy.random.default_rng(seed)``), and every
data set records how it was made in ``params``, so ``load(ds.name, **ds.params)`` makes
exactly the same data again (that is what a project file stores).

Example::

    from nnviz.data import datasets
    ds = datasets.load("moons", n_samples=200, noise=0.1, seed=0, validation_split=0.2)
    ds.x_train.shape, ds.y_train.shape      # (160, 2), (160, 2)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from nnviz import resources
from nnviz.data import features as crosses

# Reading the CSV file's cells: nnviz.data.csv_table.
from nnviz.data.csv_table import _parse_table, _read_table
from nnviz.errors import DatasetError

# load_csv's resource limits live with every other limit (nnviz/limits.py, docs/limits.md);
# kept importable from here (datasets.MAX_CSV_COLUMNS), where they were always found.
from nnviz.limits import (  # noqa: F401
    MAX_CSV_BYTES,
    MAX_CSV_CLASSES,
    MAX_CSV_COLUMNS,
    MAX_CSV_ROWS,
)

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetInfo",
    "DATA_DIR",
    "default_params",
    "get",
    "names",
    "load",
    "load_csv",
]


#: Where the bundled files live: ``nnviz/resources/data``, inside the installed package.
DATA_DIR = resources.DATA_DIR

_DEFAULT_N_SAMPLES = 200
_CSV_NAME = "csv"


# --------------------------------------------------------------------------------------
# The Dataset


@dataclass(eq=False, repr=False)
class Dataset:
    """A data set, split into training and validation samples.

    ``x`` and ``y`` hold all samples in their original order; ``x_train``/``y_train`` and
    ``x_val``/``y_val`` hold the same samples shuffled by the seed and split (the rows of
    ``x`` they come from are ``train_index`` and ``val_index``).

    ``task`` is ``"classification"`` (``y`` one-hot, one column per entry of
    ``class_names``) or ``"regression"`` (``y`` of shape ``(n, 1)``, named by
    ``target_names``). ``params`` are the keyword arguments of :func:`load` that recreate
    this data set: ``load(ds.name, **ds.params)``.

    When the inputs were standardised, ``feature_mean`` and ``feature_std`` are the
    training set's statistics that were used (``x_std = (x - mean) / std``), and
    :meth:`transform` applies them to new inputs; otherwise both are ``None``.
    """

    name: str
    task: str
    x: np.ndarray
    y: np.ndarray
    train_index: np.ndarray
    val_index: np.ndarray
    feature_names: list[str]
    class_names: list[str]
    target_names: list[str]
    params: dict
    description: str = ""
    label: str = ""
    feature_mean: np.ndarray | None = None
    feature_std: np.ndarray | None = None
    #: The feature crosses appended to ``x`` (:mod:`nnviz.data.features`): its last columns.
    features: tuple[str, ...] = ()
    x_train: np.ndarray = field(init=False, repr=False)
    y_train: np.ndarray = field(init=False, repr=False)
    x_val: np.ndarray = field(init=False, repr=False)
    y_val: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.x_train = self.x[self.train_index]
        self.y_train = self.y[self.train_index]
        self.x_val = self.x[self.val_index]
        self.y_val = self.y[self.val_index]
        if not self.label:
            self.label = self.name

    @property
    def n_samples(self) -> int:
        """Number of samples, training and validation together."""
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        """Number of inputs per sample (the size of the input layer)."""
        return int(self.x.shape[1])

    @property
    def n_base_features(self) -> int:
        """Number of the data's own inputs, without its feature crosses (x1, x2: 2)."""
        return self.n_features - len(self.features)

    @property
    def n_targets(self) -> int:
        """Number of target columns (the size of the output layer): classes, or 1."""
        return int(self.y.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for a regression)."""
        return len(self.class_names)

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return int(self.train_index.shape[0])

    @property
    def n_val(self) -> int:
        """Number of validation samples."""
        return int(self.val_index.shape[0])

    @property
    def is_classification(self) -> bool:
        """True when the targets are classes (one-hot)."""
        return self.task == "classification"

    @property
    def labels(self) -> np.ndarray:
        """The class index of every sample (``argmax`` of the one-hot ``y``), shape ``(n,)``."""
        if not self.is_classification:
            raise DatasetError(f"{self.label} is a regression data set; it has no class labels.")
        return np.argmax(self.y, axis=1)

    def __repr__(self) -> str:
        targets = f"{self.n_classes} classes" if self.is_classification else "1 target"
        return (
            f"<Dataset {self.label!r}: {self.task}, {self.n_samples} samples "
            f"({self.n_train} train, {self.n_val} validation), {self.n_features} "
            f"input{'s' if self.n_features != 1 else ''}, "
            f"{targets}>"
        )

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Prepare new inputs the way ``x`` was prepared: ``(x - feature_mean) / feature_std``.

        Returns a float64 copy of ``x`` unchanged when the data set was not standardised.
        Inputs without this data set's feature crosses get them, after standardising.
        """
        x = np.array(x, dtype=np.float64)
        if self.feature_mean is not None and self.feature_std is not None:
            x = (x - self.feature_mean) / self.feature_std
        if self.features and x.ndim == 2 and x.shape[1] == crosses.BASE_INPUTS:
            x = crosses.expand(x, self.features)
        return x


def with_features(data: Dataset, chosen) -> Dataset:
    """``data`` with the feature crosses ``chosen`` appended as inputs (named by their
    labels); ``data`` itself when none are chosen. DatasetError if ``data`` has not two
    inputs (crosses are made from x1 and x2)."""
    chosen = crosses.ordered(chosen)
    if not chosen:
        return data
    if data.n_features != crosses.BASE_INPUTS:
        raise DatasetError(
            f"Feature crosses ({', '.join(crosses.labels(chosen))}) are made from two "
            f"inputs, x1 and x2; {data.label} has {data.n_features}. Turn them off for "
            "this data set.")
    return dataclasses.replace(data, x=crosses.expand(data.x, chosen),
                               feature_names=[*data.feature_names, *crosses.labels(chosen)],
                               features=chosen)


# --------------------------------------------------------------------------------------
# Loading by name


def default_params(name: str) -> dict:
    """The parameters ``load(name)`` uses when none are given.

    The keys say which parameters apply: the generated sets have ``n_samples`` and
    ``noise``; iris and digits have ``n_samples`` (``None``: all of them) but no ``noise``.
    """
    info = get(name)
    params: dict = {"n_samples": None if info.bundled else _DEFAULT_N_SAMPLES}
    if not info.bundled:
        params["noise"] = info.noise
    params.update(seed=0, validation_split=0.2, standardize=False)
    return params


def load(
    name: str,
    n_samples: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    validation_split: float = 0.2,
    standardize: bool = False,
    **csv_options,
) -> Dataset:
    """Make or load the data set called ``name`` (a key of :data:`DATASETS`).

    ``n_samples``: how many samples (``None``: 200 for a generated set, all for iris and
    digits; for those two a number picks that many at random). ``noise``: the standard
    deviation of the Gaussian noise added to each input of a generated classification set,
    or to the target of a regression (``None``: the set's default, see
    :func:`default_params`). ``seed``: the samples, the noise and the split are all drawn
    from ``numpy.random.default_rng(seed)``. ``validation_split``: the fraction of samples
    kept for validation. ``standardize``: scale each input to mean 0 and standard deviation
    1 on the training samples.

    ``load("csv", path=..., target=..., ...)`` reads a CSV file, as :func:`load_csv` does,
    so that ``load(ds.name, **ds.params)`` recreates any data set.
    """
    if isinstance(name, str) and name.strip().lower() == _CSV_NAME:
        if n_samples is not None or noise is not None:
            raise DatasetError(
                "A CSV data set has the samples of its file: give no n_samples or noise."
            )
        return load_csv(
            seed=seed, validation_split=validation_split, standardize=standardize, **csv_options
        )
    info = get(name)
    name = info.name
    if csv_options:
        unknown = ", ".join(sorted(csv_options))
        raise DatasetError(f"load() got options it does not know for '{name}': {unknown}.")
    seed = _check_seed(seed)
    validation_split = _check_split(validation_split)
    rng = np.random.default_rng(seed)

    if info.bundled:
        if noise is not None and noise != 0:
            raise DatasetError(f"{name} is measured data; noise cannot be added to it.")
        x, y_idx, feature_names, class_names = _bundled(name)
        if n_samples is not None:
            n = _check_n_samples(n_samples, maximum=len(x), name=name)
            # A random subset, kept in file order so x still reads like the file.
            keep = np.sort(rng.choice(len(x), size=n, replace=False))
            x, y_idx = x[keep], y_idx[keep]
            _check_two_classes(y_idx, class_names, name)
        y = _one_hot(y_idx, len(class_names))
        task, target_names = "classification", list(class_names)
        params: dict[str, object] = {"n_samples": n_samples}
    else:
        n = _check_n_samples(_DEFAULT_N_SAMPLES if n_samples is None else n_samples, name=name)
        noise = _check_noise(info.noise if noise is None else noise)
        assert info.generator is not None  # a set that is not bundled is generated
        with np.errstate(over="ignore", invalid="ignore"):
            x, y, feature_names, class_names, target_names = info.generator(n, noise, rng)
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise DatasetError(
                f"The noise {noise:g} is so large that some samples of {name} are no longer "
                "finite numbers; choose a smaller noise (a few units at most is plenty).")
        task = "classification" if class_names else "regression"
        params = {"n_samples": n, "noise": noise}
    params.update(seed=seed, validation_split=validation_split, standardize=bool(standardize))

    train_index, val_index = _split(len(x), validation_split, rng)
    return _make(
        name=name,
        task=task,
        x=x,
        y=y,
        train_index=train_index,
        val_index=val_index,
        feature_names=feature_names,
        class_names=class_names,
        target_names=target_names,
        params=params,
        description=info.description,
        label=name,
        standardize=standardize,
    )


def get(name: str) -> DatasetInfo:
    """The registry's record of the built-in data set ``name`` (DatasetError if none)."""
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in DATASETS:
        known = ", ".join(DATASETS)
        raise DatasetError(f"There is no data set called {name!r}; the data sets are: {known}.")
    return DATASETS[key]


def names() -> list[str]:
    """The built-in data sets' names, in the order menus show them."""
    return list(DATASETS)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError(f"The seed must be a whole number of 0 or more, not {seed!r}.")
    return int(seed)


def _check_split(validation_split) -> float:
    try:
        fraction = float(validation_split)
    except (TypeError, ValueError):
        fraction = math.nan
    if not 0.0 <= fraction < 1.0:
        raise DatasetError(
            f"The validation split must be a fraction from 0 up to (not including) 1, "
            f"not {validation_split!r}."
        )
    return fraction


def _check_n_samples(n_samples, name: str, maximum: int | None = None) -> int:
    too_small = 4  # at least two samples of each class for the two-class sets
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, (int, np.integer))
        or n_samples < too_small
        or (maximum is not None and n_samples > maximum)
    ):
        most = f" and at most {maximum}" if maximum is not None else ""
        raise DatasetError(
            f"The number of samples of {name} must be a whole number of at least {too_small}"
            f"{most}, not {n_samples!r}."
        )
    return int(n_samples)


def _check_noise(noise) -> float:
    try:
        value = float(noise)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value >= 0.0):
        raise DatasetError(f"The noise must be a number of 0 or more, not {noise!r}.")
    return value


def _split(
    n: int, validation_split: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``0..n-1`` with ``rng``; the last ``round(n * validation_split)`` are validation.

    A non-zero split always keeps at least one validation and one training sample.
    """
    order = rng.permutation(n)
    n_val = int(round(n * validation_split))
    if validation_split > 0:
        n_val = min(max(n_val, 1), n - 1)
    return order[: n - n_val], order[n - n_val :]


def _one_hot(index: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot rows: ``y[i, index[i]] = 1``, all other entries 0."""
    y = np.zeros((len(index), n_classes), dtype=np.float64)
    y[np.arange(len(index)), index] = 1.0
    return y


def _check_two_classes(index: np.ndarray, class_names: list[str], name: str) -> None:
    present = np.unique(index)
    if present.size < 2:
        raise DatasetError(
            f"{name}: every sample has the class {class_names[int(present[0])]!r}; "
            "a classifier needs samples of at least two classes."
        )


def _make(*, standardize: bool, **fields) -> Dataset:
    """Build the Dataset, standardising the inputs with the training statistics if asked."""
    x = np.ascontiguousarray(fields.pop("x"), dtype=np.float64)
    fields["y"] = np.ascontiguousarray(fields["y"], dtype=np.float64)
    mean = std = None
    if standardize:
        train = x[fields["train_index"]]
        mean = train.mean(axis=0)
        std = train.std(axis=0)
        # A constant input carries no information; leave it at 0 instead of dividing by 0.
        std = np.where(std > 0, std, 1.0)
        x = (x - mean) / std
    return Dataset(x=x, feature_mean=mean, feature_std=std, **fields)


# --------------------------------------------------------------------------------------
# The generated sets. Each takes (n, noise, rng) and returns
# (x, y, feature_names, class_names, target_names). Positions are drawn before the noise,
# and the noise is drawn as standard normals scaled by `noise`, so with one seed a larger
# noise moves the same points further rather than drawing new ones.


def _class_sizes(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def _two_class_result(x0: np.ndarray, x1: np.ndarray, noise: float, rng, class_names):
    x = np.concatenate([x0, x1])
    x = x + noise * rng.standard_normal(x.shape)
    index = np.concatenate([np.zeros(len(x0), dtype=int), np.ones(len(x1), dtype=int)])
    return x, _one_hot(index, 2), ["x1", "x2"], list(class_names), list(class_names)


def _xor(n: int, noise: float, rng: np.random.Generator):
    """Class 0 in the quadrants where x1 and x2 have the same sign, class 1 where they differ.

    Coordinates have magnitude 0.1 to 1.5, so the quadrants stay apart at zero noise.
    """
    n0, n1 = _class_sizes(n)
    magnitude = rng.uniform(0.1, 1.5, size=(n, 2))
    sign_1 = rng.choice([-1.0, 1.0], size=n)
    same = np.concatenate([np.ones(n0), -np.ones(n1)])
    points = magnitude * np.column_stack([sign_1, sign_1 * same])
    return _two_class_result(points[:n0], points[n0:], noise, rng, ["same sign", "opposite sign"])


def _circles(n: int, noise: float, rng: np.random.Generator):
    """Class 0 on a circle of radius 1.5, class 1 on a circle of radius 0.6 inside it."""
    n0, n1 = _class_sizes(n)
    angle = rng.uniform(0.0, 2 * np.pi, size=n)
    ring = np.column_stack([np.cos(angle), np.sin(angle)])
    return _two_class_result(1.5 * ring[:n0], 0.6 * ring[n0:], noise, rng, ["outer", "inner"])


def _two_gaussians(n: int, noise: float, rng: np.random.Generator):
    """Class 0 around (-1, -1), class 1 around (1, 1), each a round cloud of spread 0.4.

    The noise adds to that spread: the clouds overlap as the noise grows beyond about 1.
    """
    n0, n1 = _class_sizes(n)
    cloud = 0.4 * rng.standard_normal((n, 2))
    return _two_class_result(cloud[:n0] - 1.0, cloud[n0:] + 1.0, noise, rng, ["class 0", "class 1"])


def _spiral(n: int, noise: float, rng: np.random.Generator):
    """Two arms: radius r = 0.15 + 1.7 t and angle 3 pi t (+ pi for arm 1), t in [0, 1]."""
    n0, n1 = _class_sizes(n)
    t = np.sqrt(rng.uniform(0.0, 1.0, size=n))  # sqrt: even density along the arm
    radius = 0.15 + 1.7 * t
    angle = 3.0 * np.pi * t
    angle[n0:] += np.pi
    points = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _two_class_result(points[:n0], points[n0:], noise, rng, ["arm 0", "arm 1"])


def _moons(n: int, noise: float, rng: np.random.Generator):
    """Upper moon (cos a, sin a) and lower moon (1 - cos a, 0.5 - sin a), a in [0, pi].

    Shifted by (-0.5, -0.25) so the picture is centred on the origin.
    """
    n0, n1 = _class_sizes(n)
    a = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(a[:n0]), np.sin(a[:n0])])
    lower = np.column_stack([1.0 - np.cos(a[n0:]), 0.5 - np.sin(a[n0:])])
    shift = np.array([-0.5, -0.25])
    return _two_class_result(upper + shift, lower + shift, noise, rng, ["upper", "lower"])


def _sine(n: int, noise: float, rng: np.random.Generator):
    """y = sin(x) + noise, x uniform in [-pi, pi]."""
    x = rng.uniform(-np.pi, np.pi, size=(n, 1))
    y = np.sin(x) + noise * rng.standard_normal((n, 1))
    return x, y, ["x"], [], ["y"]


def _plane(n: int, noise: float, rng: np.random.Generator):
    """y = 0.8 x1 - 0.5 x2 + 0.3 + noise, x1 and x2 uniform in [-2, 2]."""
    x = rng.uniform(-2.0, 2.0, size=(n, 2))
    y = (0.8 * x[:, :1] - 0.5 * x[:, 1:] + 0.3) + noise * rng.standard_normal((n, 1))
    return x, y, ["x1", "x2"], [], ["y"]


@dataclass(frozen=True)
class DatasetInfo:
    """One built-in data set: what menus show and how it is made.

    A generated set has a ``generator(n, noise, rng) -> (x, y, feature_names, class_names,
    target_names)`` and its default ``noise``; a bundled one names its file in
    ``nnviz/resources/data`` (``bundled``), whose inputs are divided by ``input_scale``.
    """

    name: str
    #: The short name (``"Two Gaussians"``).
    title: str
    #: One line on what it is (the data set list's tooltip).
    description: str
    #: How many classes; 0 for a regression.
    classes: int
    generator: Callable | None = None
    #: The default noise of a generated set (standard deviation, in input units; in target
    #: units for a regression), chosen so it looks like a textbook's picture at 200 samples.
    noise: float | None = None
    bundled: str | None = None
    input_scale: float = 1.0

    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return "classification" if self.classes else "regression"


#: The built-in data sets, by name, in menu order. A new data set is one record here.
DATASETS: dict[str, DatasetInfo] = {info.name: info for info in (
    DatasetInfo("xor", "XOR", "XOR: points in the four quadrants; the class says whether x1 "
                "and x2 have the same sign (not linearly separable).", 2, _xor, 0.1),
    DatasetInfo("circles", "Circles", "Circles: a ring of points around a disc of points "
                "(needs a hidden layer).", 2, _circles, 0.1),
    DatasetInfo("two_gaussians", "Two Gaussians", "Two Gaussians: two round clouds of points, "
                "one per class (linearly separable).", 2, _two_gaussians, 0.2),
    DatasetInfo("spiral", "Spiral", "Spiral: two interleaved spiral arms (hard: needs several "
                "hidden neurons).", 2, _spiral, 0.1),
    DatasetInfo("moons", "Moons", "Moons: two interleaving half-moons.", 2, _moons, 0.1),
    DatasetInfo("sine", "Sine", "Sine (regression): y = sin(x) for x in [-pi, pi].", 0, _sine,
                0.1),
    DatasetInfo("plane", "Plane", "Plane (regression): y = 0.8*x1 - 0.5*x2 + 0.3 for x1, x2 in "
                "[-2, 2].", 0, _plane, 0.1),
    DatasetInfo("iris", "Iris", "Iris: 4 measurements (cm) of 150 iris flowers, 3 species "
                "(Fisher, 1936).", 3, bundled="iris.csv"),
    # Each pixel counts the set bits of a 4x4 block: 0..16, scaled to 0..1.
    DatasetInfo("digits", "Digits", "Digits: 1797 handwritten digits as 8x8 images (pixels "
                "scaled to 0..1), 10 classes.", 10, bundled="digits.csv.gz", input_scale=16.0),
)}


# --------------------------------------------------------------------------------------
# The bundled sets


@cache
def _bundled_cached(name: str):
    info = get(name)
    assert info.bundled is not None  # only the bundled sets come here
    path = resources.data_path(info.bundled)
    if not path.is_file():
        raise DatasetError(
            f"The bundled data file {path} is missing; reinstall nnviz to restore it."
        )
    table = _read_table(path, header=True, delimiter=",")
    parsed = _parse_table(table, target=-1, task="classification")
    x, index, feature_names, class_names = parsed[0], parsed[1], parsed[2], parsed[3]
    if info.input_scale != 1.0:
        x = x / info.input_scale
    x.flags.writeable = False
    index.flags.writeable = False
    return x, index, tuple(feature_names), tuple(class_names)


def _bundled(name: str):
    x, index, feature_names, class_names = _bundled_cached(name)
    return x.copy(), index.copy(), list(feature_names), list(class_names)


# --------------------------------------------------------------------------------------
# CSV files


def load_csv(
    path: str | Path,
    target: int | str = -1,
    header: bool | None = None,
    standardize: bool = False,
    validation_split: float = 0.2,
    seed: int = 0,
    task: str | None = None,
    delimiter: str | None = None,
) -> Dataset:
    """Read a data set from a CSV file: one row per sample, one column per input, and a target.

    ``target``: the target column, by name (needs a header row) or by index (0-based; -1 is
    the last column, the default); a string of digits that is not a column name is taken
    as an index. ``header``: whether the first row holds column names; ``None`` decides
    from the file (the first row is a header when it has text where the second row has a
    number). ``task``: ``"classification"`` or ``"regression"``; ``None`` decides from the
    target column (text, or at most 20 different whole numbers, means classes). Class
    labels are sorted and one-hot encoded. ``standardize``: scale each input to mean 0 and
    standard deviation 1 on the training samples. ``delimiter``: ``","``, ``";"`` or tab;
    ``None`` picks the one the first line uses. Files ending in ``.gz`` are decompressed.

    Raises :class:`~nnviz.errors.DatasetError` naming the line and column of the first
    problem: text where a number belongs, a missing value, a row with too few or too many
    values, an empty file, a target column that does not exist, only one class.
    """
    path = Path(path)
    seed = _check_seed(seed)
    validation_split = _check_split(validation_split)
    if task is not None and task not in ("classification", "regression"):
        raise DatasetError(f"The task must be 'classification' or 'regression', not {task!r}.")
    if isinstance(target, bool) or not isinstance(target, (int, np.integer, str)):
        raise DatasetError(f"The target column must be a column name or index, not {target!r}.")
    if isinstance(target, np.integer):
        target = int(target)
    if header is False and isinstance(target, str) and not target.strip().lstrip("-").isdigit():
        raise DatasetError(
            f"{path.name}: the target column is given by name ({target!r}) but the file "
            "has no header row; give its index instead."
        )

    if header is None and isinstance(target, str) and not target.strip().lstrip("-").isdigit():
        header = True  # a target given by name needs names
    table = _read_table(path, header=header, delimiter=delimiter)
    x, y_values, feature_names, class_names, target_name, task = _parse_table(table, target, task)
    if task == "classification":
        y = _one_hot(y_values, len(class_names))
        target_names = list(class_names)
    else:
        y = y_values.reshape(-1, 1)
        target_names = [target_name]

    rng = np.random.default_rng(seed)
    train_index, val_index = _split(len(x), validation_split, rng)
    params = {
        "path": str(path),
        "target": target,
        "header": table.has_header,
        "standardize": bool(standardize),
        "validation_split": validation_split,
        "seed": seed,
        "task": task,
        "delimiter": table.delimiter,
    }
    return _make(
        name=_CSV_NAME,
        task=task,
        x=x,
        y=y,
        train_index=train_index,
        val_index=val_index,
        feature_names=feature_names,
        class_names=class_names,
        target_names=target_names,
        params=params,
        description=f"{path.name}: {len(x)} samples, {x.shape[1]} inputs, target '{target_name}'.",
        label=path.name,
        standardize=standardize,
    )
