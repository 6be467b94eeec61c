"""One version, written once in pyproject.toml: ``nnviz --version``, About and saved files show it."""
from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import nnviz
import nnviz.version
from nnviz.files.project import Project
from ui.launcher import main

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]


def test_the_version_is_pyprojects():
    assert nnviz.__version__ == VERSION


def test_nnviz_version_prints_it(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nnviz {VERSION}"


def test_without_metadata_a_source_tree_reads_its_pyproject(monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert nnviz.version._find_version() == VERSION


def test_saved_files_name_the_version(tmp_path):
    path = tmp_path / "lecture.nnviz"
    Project.lecture_example().save(path)
    assert json.loads(path.read_text())["saved_by"] == f"nnviz {VERSION}"
