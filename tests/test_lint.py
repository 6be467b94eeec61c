"""The house style is checked with the tests, so CI catches it on every change."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    """ruff with the settings in pyproject.toml: unused names, shadowed loop variables, ..."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "nnviz", "ui", "tests", "benchmarks",
         "tools", "main.py"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
