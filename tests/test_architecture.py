"""The one boundary of the code base: the engine (nnviz) never knows the view (ui, Qt)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    """import-linter's contracts in pyproject.toml: nnviz imports no PySide6, pyqtgraph or ui."""
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_engine_runs_without_qt():
    """Importing and training with nnviz in a fresh interpreter loads no Qt module."""
    code = (
        "import sys, numpy as np\n"
        "from nnviz.models import Sequential\n"
        "from nnviz.layers import Dense\n"
        "from nnviz import document, project, datasets, training\n"
        "m = Sequential([Dense(3, input_shape=(2,), activation='relu'), Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='sgd', loss='categorical_crossentropy')\n"
        "m.fit(np.zeros((4, 2)), np.eye(2)[[0, 1, 0, 1]], epochs=1, verbose=0)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'ui')]\n"
        "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
