"""The type checker runs with the tests: pyright in its basic mode on nnviz/ and ui/.

Its settings are ``[tool.pyright]`` in pyproject.toml. The pyright package from PyPI carries
pyright itself and runs it on the machine's Node.js or, without one, on the Node.js of its
``nodejs`` extra: nothing is downloaded when the tests run (``--outputjson`` also skips its
look-up of a newer release).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Files with errors still to fix, and how many: the branch that owns them is changing them
#: now. The list only shrinks: a file fixed leaves it, and no other file may join it.
NOT_YET_CLEAN: dict[str, int] = {}  # every file is clean


def _pyright_errors(*paths: str) -> list[dict]:
    """pyright's errors (as its JSON report gives them) on the project, or on ``paths``."""
    env = dict(os.environ, PYRIGHT_PYTHON_IGNORE_WARNINGS="1")
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable,
         *paths],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=280)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(f"pyright did not run: {result.stdout}{result.stderr}") from error
    return [d for d in report["generalDiagnostics"] if d["severity"] == "error"]


def _where(diagnostic: dict) -> str:
    path = Path(diagnostic["file"]).resolve().relative_to(ROOT).as_posix()
    return f"{path}:{diagnostic['range']['start']['line'] + 1}"


def test_pyright_finds_no_error_in_nnviz_and_ui():
    """Every error is listed with its place and rule; only NOT_YET_CLEAN's are let through."""
    errors = _pyright_errors()
    per_file = Counter(_where(d).rsplit(":", 1)[0] for d in errors)
    unexpected = [f"{_where(d)}: [{d.get('rule')}] {d['message']}" for d in errors
                  if _where(d).rsplit(":", 1)[0] not in NOT_YET_CLEAN]
    assert unexpected == [], "\n".join(unexpected)
    # A listed file with fewer errors leaves the list (or lists its new count).
    assert dict(per_file) == NOT_YET_CLEAN


def test_the_check_sees_an_error(tmp_path):
    """The harness reads pyright's report: a wrong type in a file is one error, named."""
    bad = tmp_path / "bad.py"
    bad.write_text("def twice(n: int) -> int:\n    return 2 * n\n\n\ntwice('3')\n")
    errors = _pyright_errors(str(bad))
    assert [(d["range"]["start"]["line"], d.get("rule")) for d in errors] == \
        [(4, "reportArgumentType")]
