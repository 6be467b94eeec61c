"""Classes with one job: no source file of nnviz or ui over 800 lines, no class over 450.

A file or class past the limit is a sign it does more than one thing (issue 24, point 3).
The ones not split yet are listed below, by name and with their size today: the lists
may only shrink. A listed file or class that is back under its limit fails too, so that
it leaves the list in the same change that splits it.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The shipped source (tools/ and benchmarks/ are scripts, not the program).
PACKAGES = ("nnviz", "ui")
MAX_FILE_LINES = 800
MAX_CLASS_LINES = 450

# Not split yet (lines at the time they were listed). Remove an entry when its file or
# class is split; never add one: split the new code instead.
ALLOWED_FILES: dict[str, int] = {}  # every file is within its limit
ALLOWED_CLASSES: dict[str, int] = {}  # every class is within its limit


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _file_lines() -> dict[str, int]:
    return {name: len(text.splitlines()) for name, text in _sources()}


def _class_sizes(text: str) -> dict[str, int]:
    """Each class in ``text`` (nested ones too) -> its lines, first decorator to last line."""
    sizes = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            sizes[node.name] = node.end_lineno - first + 1
    return sizes


def _class_lines() -> dict[str, int]:
    """``"path::Class"`` -> its lines."""
    return {f"{name}::{cls}": n for name, text in _sources()
            for cls, n in _class_sizes(text).items()}


def test_no_source_file_over_the_limit():
    too_long = {name: n for name, n in _file_lines().items()
                if n > MAX_FILE_LINES and name not in ALLOWED_FILES}
    assert too_long == {}, f"split these files (at most {MAX_FILE_LINES} lines)"


def test_no_class_over_the_limit():
    too_long = {name: n for name, n in _class_lines().items()
                if n > MAX_CLASS_LINES and name not in ALLOWED_CLASSES}
    assert too_long == {}, f"split these classes (at most {MAX_CLASS_LINES} lines)"


def test_the_allow_lists_only_shrink():
    """Every listed file and class still exists and is still over its limit: one that
    was split leaves the list, and none grows past the size it was listed with."""
    files, classes = _file_lines(), _class_lines()
    for allowed, sizes, limit in ((ALLOWED_FILES, files, MAX_FILE_LINES),
                                  (ALLOWED_CLASSES, classes, MAX_CLASS_LINES)):
        for name, listed in allowed.items():
            assert name in sizes, f"{name} is gone: take it off the list"
            assert sizes[name] > limit, f"{name} is split ({sizes[name]} lines): take it off the list"
            assert sizes[name] <= listed, f"{name} grew to {sizes[name]} lines (listed at {listed})"


def test_the_measure_counts_a_class_from_its_decorator():
    """The class measure sees decorators and nested classes (a check of the check)."""
    text = "@dataclass\nclass A:\n    x: int = 0\n\n    class B:\n        pass\n"
    assert _class_sizes(text) == {"A": 6, "B": 2}
