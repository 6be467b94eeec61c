"""The files that ship inside the ``nnviz`` package: bundled data sets and example projects.

They live in this package's folder (``data/`` and ``examples/``), so a wheel carries them
and an installed nnviz finds them wherever it was installed; nothing is read from beside a
source checkout. The paths are real files on disk (pip installs packages unzipped), so
they can be handed to anything that wants a path, such as ``open`` or ``Project.load``.

Example::

    from nnviz import resources
    resources.data_path("iris.csv")             # .../nnviz/resources/data/iris.csv
    [title for title, _ in resources.examples()]  # ['Lecture', 'XOR', ...]
    resources.example_path("xor")               # .../nnviz/resources/examples/xor.nnviz
"""
from __future__ import annotations

import os
from importlib import resources as _resources
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "EXAMPLES_DIR",
    "data_path",
    "example_path",
    "examples",
    "is_example",
]

EXAMPLE_SUFFIX = ".nnviz"

# The examples in the order a student meets them; any other bundled file comes after,
# titled by its name. The titles are what File > Open Example shows.
_EXAMPLE_TITLES = {
    "lecture": "Lecture",
    "xor": "XOR",
    "spiral": "Spiral",
    "sine": "Sine",
    "iris": "Iris",
    "digits": "Digits",
}


def _package_dir() -> Path:
    """This package's folder on disk, as ``importlib.resources`` reports it."""
    root = _resources.files(__name__)
    # A package installed by pip (or a source tree) is a folder: its Traversable is a
    # pathlib.Path. Anything else (a zip import) cannot hand out file paths.
    if not isinstance(root, os.PathLike):
        raise RuntimeError(f"nnviz's resources are not files on disk ({root!r}); "
                           "install nnviz with pip instead of importing it from a zip.")
    return Path(os.fspath(root))


#: The bundled data files (``iris.csv``, ``digits.csv.gz``) and their licence (README.md).
DATA_DIR = _package_dir() / "data"

#: The example projects (``*.nnviz``).
EXAMPLES_DIR = _package_dir() / "examples"


def data_path(name: str) -> Path:
    """The path of the bundled data file ``name`` (``"iris.csv"``); it may not exist."""
    return DATA_DIR / name


def example_path(name: str) -> Path:
    """The path of the bundled example ``name`` (``"xor"`` or ``"xor.nnviz"``).

    Raises ``KeyError`` naming the examples there are when there is no such example.
    """
    stem = name[: -len(EXAMPLE_SUFFIX)] if name.endswith(EXAMPLE_SUFFIX) else name
    path = EXAMPLES_DIR / f"{stem}{EXAMPLE_SUFFIX}"
    if not path.is_file():
        known = ", ".join(p.stem for _, p in examples())
        raise KeyError(f"There is no bundled example '{name}' (there are: {known}).")
    return path


def examples() -> list[tuple[str, Path]]:
    """The bundled examples as ``(title, path)`` pairs, in teaching order."""
    paths = {p.stem: p for p in EXAMPLES_DIR.glob(f"*{EXAMPLE_SUFFIX}") if p.is_file()}
    ordered = [stem for stem in _EXAMPLE_TITLES if stem in paths]
    ordered += sorted(stem for stem in paths if stem not in _EXAMPLE_TITLES)
    return [(_EXAMPLE_TITLES.get(stem, stem), paths[stem]) for stem in ordered]


def is_example(path: str | os.PathLike) -> bool:
    """Whether ``path`` is one of the bundled example files (which must never be written)."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):  # Python < 3.13 raises RuntimeError for a symlink loop
        return False
    return resolved.parent == EXAMPLES_DIR.resolve() and resolved.suffix == EXAMPLE_SUFFIX
