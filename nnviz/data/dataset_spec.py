"""Which data set a project trains on: :class:`DatasetSpec` and the checks of its options.

The ``"dataset"`` object of a ``.nnviz`` file (:mod:`nnviz.files.project`). Re-exported by
:mod:`nnviz.files.project`.
"""
from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nnviz.data import features as features_mod
from nnviz.errors import ProjectFileError
from nnviz.limits import MAX_PATH, MAX_SAMPLES, MAX_SEED, MAX_TEXT

__all__ = ["DatasetSpec"]


@dataclass
class DatasetSpec:
    """Which data set a project trains on: a built-in one by name, or a CSV file.

    Built-in: ``DatasetSpec("moons", {"n_samples": 200, "noise": 0.1, "seed": 0})`` means
    ``nnviz.data.datasets.load("moons", **params)``. CSV: ``DatasetSpec("csv", params,
    csv_path="data.csv", target=-1)`` means ``nnviz.data.datasets.load_csv(csv_path,
    target=target, **params)``; in memory ``csv_path`` is absolute (or relative to the
    working folder), in the file it is relative to the project file. ``name=None``: no data
    set chosen yet.
    """

    name: str | None = None
    params: dict = field(default_factory=dict)
    csv_path: str | None = None
    target: int | str | None = None
    #: Feature crosses added as inputs (names of :data:`nnviz.data.features.FEATURES`, in its
    #: order); only for data sets with two inputs.
    features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.features = features_mod.ordered(self.features)

    def copy(self) -> DatasetSpec:
        """An independent copy (its options dict is its own)."""
        return DatasetSpec(self.name, copy.deepcopy(self.params), self.csv_path, self.target,
                           self.features)

    def with_features(self, chosen) -> DatasetSpec:
        """This spec with the feature crosses ``chosen`` instead of its own."""
        spec = self.copy()
        spec.features = features_mod.ordered(chosen)
        return spec

    @property
    def is_csv(self) -> bool:
        """Whether the data come from a CSV file."""
        return self.name == "csv"

    def load(self):
        """The :class:`nnviz.data.datasets.Dataset` this spec names (DatasetError if it cannot)."""
        from nnviz.data import datasets
        from nnviz.errors import DatasetError

        if self.name is None:
            raise DatasetError("This project has no data set yet; choose one first.")
        if self.is_csv:
            if not self.csv_path:
                raise DatasetError("The project's CSV data set names no file.")
            target = -1 if self.target is None else self.target
            data = datasets.load_csv(self.csv_path, target=target, **self.params)
        else:
            data = datasets.load(self.name, **self.params)
        return datasets.with_features(data, self.features)

    def to_dict(self, base_dir: str | None = None) -> dict:
        """JSON-able data; a CSV path is made relative to ``base_dir`` (with ``/``)."""
        out: dict = {"name": self.name, "params": copy.deepcopy(self.params)}
        if self.is_csv:
            path = self.csv_path
            if path and base_dir is not None:
                absolute = os.path.abspath(path)
                try:
                    path = os.path.relpath(absolute, base_dir)
                except ValueError:  # another drive on Windows: keep it absolute
                    path = absolute
            out["path"] = None if path is None else path.replace(os.sep, "/")
            out["target"] = self.target
        if self.features:  # optional: a file without crosses reads as before
            out["features"] = list(self.features)
        return out

    @classmethod
    def from_dict(cls, data: Any, base_dir: str | None = None,
                  where: str = "dataset") -> DatasetSpec:
        """A spec from :meth:`to_dict` data; a relative CSV path is resolved against ``base_dir``."""
        from nnviz.data import datasets

        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ProjectFileError(f"'{where}' must be an object naming the data set.")
        name = data.get("name")
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ProjectFileError(f"'{where}.params' must be an object of the data set's options.")
        if not all(isinstance(k, str) for k in params):
            raise ProjectFileError(f"'{where}.params' has a key that is not a text.")
        _check_dataset_params(params, where)
        chosen = _read_features(data.get("features", []), where)
        if name is None:
            return cls()
        if name == "csv":
            path = data.get("path")
            if not isinstance(path, str) or not path:
                raise ProjectFileError(f"'{where}.path' must be the CSV file's path.")
            if len(path) > MAX_PATH:
                raise ProjectFileError(
                    f"'{where}.path' has {len(path):,} characters; nnviz reads paths of at "
                    f"most {MAX_PATH:,}.")
            target = data.get("target", -1)
            if isinstance(target, bool) or not isinstance(target, (int, str)):
                raise ProjectFileError(f"'{where}.target' must be a column name or index.")
            if isinstance(target, str) and len(target) > MAX_TEXT:
                raise ProjectFileError(
                    f"'{where}.target' has {len(target):,} characters; nnviz reads column "
                    f"names of at most {MAX_TEXT:,}.")
            columns = datasets.MAX_CSV_COLUMNS
            if isinstance(target, int) and not -columns <= target < columns:
                raise ProjectFileError(
                    f"'{where}.target' is {target}; a CSV file has at most {columns:,} "
                    "columns.")
            allowed = {"header", "standardize", "validation_split", "seed", "task", "delimiter"}
            for key in params:
                if key not in allowed:
                    raise ProjectFileError(f"'{where}.params.{key}' is not an option of a CSV data set.")
            path = path.replace("/", os.sep)
            if base_dir is not None and not os.path.isabs(path):
                path = os.path.normpath(os.path.join(base_dir, path))
            return cls("csv", dict(params), path, target, chosen)
        if not isinstance(name, str) or name not in datasets.DATASETS:
            raise ProjectFileError(
                f"'{where}.name' must be 'csv' or a built-in data set "
                f"({', '.join(datasets.DATASETS)}), not {name!r}."
            )
        allowed = set(datasets.default_params(name))
        for key in params:
            if key not in allowed:
                raise ProjectFileError(f"'{where}.params.{key}' is not an option of the {name} data set.")
        return cls(name, dict(params), features=chosen)


def _read_features(value: Any, where: str) -> tuple[str, ...]:
    """The ``features`` list of a file: known feature names, each once."""
    known = ", ".join(features_mod.names())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectFileError(f"'{where}.features' must be a list of feature names ({known}).")
    for v in value:
        if v not in features_mod.FEATURES:
            raise ProjectFileError(
                f"'{where}.features' names {_show_value(v)}, which is no feature; the "
                f"features are: {known}.")
    if len(set(value)) != len(value):
        raise ProjectFileError(f"'{where}.features' names a feature twice.")
    return features_mod.ordered(value)


def _check_dataset_params(params: dict, where: str) -> None:
    """Every data set option is one value of its own type, within its limit.

    The window shows these in its boxes (Size, Noise, Split) as they are, so a text where
    a number belongs is refused here, not met by a view half-way through opening.
    """
    for key, value in params.items():
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise ProjectFileError(
                f"'{where}.params.{key}' must be a number, a text, true/false or null.")
    limits = {"n_samples": MAX_SAMPLES, "seed": MAX_SEED}
    for key, high in limits.items():
        value = params.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > high:
            raise ProjectFileError(
                f"'{where}.params.{key}' is {value}; nnviz allows at most {high:,} ({key}).")
    for key, value in params.items():
        rule = _PARAM_RULES.get(key)
        if rule is not None and not rule[1](value):
            raise ProjectFileError(
                f"'{where}.params.{key}' must be {rule[0]}, not {_show_value(value)}.")


def _is_whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_real(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


#: What each data set option may be: (what the message says, the test).
_PARAM_RULES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "n_samples": ("a whole number of at least 1, or null",
                  lambda v: v is None or (_is_whole(v) and v >= 1)),
    "noise": ("a number of 0 or more, or null", lambda v: v is None or (_is_real(v) and v >= 0)),
    "seed": ("a whole number of 0 or more", lambda v: _is_whole(v) and v >= 0),
    "validation_split": ("a number from 0 up to (not including) 1",
                         lambda v: _is_real(v) and 0 <= v < 1),
    "standardize": ("true or false", lambda v: isinstance(v, bool)),
    "header": ("true, false or null", lambda v: v is None or isinstance(v, bool)),
    "task": ("'classification', 'regression' or null",
             lambda v: v in (None, "classification", "regression")),
    "delimiter": ("',', ';', a tab or null", lambda v: v in (None, ",", ";", "\t")),
}


def _show_value(value: Any) -> str:
    """``value`` for a message, a long text cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _spec_key(spec: DatasetSpec):
    path = None if spec.csv_path is None else os.path.abspath(spec.csv_path)
    return (spec.name, json.dumps(spec.params, sort_keys=True, default=str), path, spec.target,
            tuple(spec.features))
