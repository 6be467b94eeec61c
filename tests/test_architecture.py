"""The boundaries of the code base.

The engine (nnviz) never knows the view (ui, Qt); inside nnviz, the engine modules know
neither the document nor the file formats, the document knows no file format, and no
module imports itself back through a circle of imports.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    """import-linter's contracts in pyproject.toml all hold.

    nnviz imports no PySide6, pyqtgraph or ui; the engine modules import neither the
    document nor a file format; the layers cli > formats > weights_io > document > engine
    are only ever imported downwards.
    """
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken" in result.stdout
    for name in ("The sub-packages sit in layers",
                 "Inside files: export formats over the project file"):
        assert name in result.stdout


def test_engine_runs_without_qt():
    """Importing and training with nnviz in a fresh interpreter loads no Qt module."""
    code = (
        "import sys, numpy as np\n"
        "from nnviz.engine.models import Sequential\n"
        "from nnviz.engine.layers import Dense\n"
        "from nnviz import document; from nnviz.files import project; from nnviz.data import datasets; from nnviz.engine import training\n"
        "m = Sequential([Dense(3, input_shape=(2,), activation='relu'), Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='sgd', loss='categorical_crossentropy')\n"
        "m.fit(np.zeros((4, 2)), np.eye(2)[[0, 1, 0, 1]], epochs=1, verbose=0)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'ui')]\n"
        "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _nnviz_graph():
    import grimp

    return grimp.build_graph("nnviz", exclude_type_checking_imports=True)


def test_no_import_cycle_in_nnviz():
    """No module of nnviz imports itself back through other modules (lazy imports count)."""
    graph = _nnviz_graph()
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" -> ".join((module, *back)))
    assert cycles == []


def test_cycle_check_sees_lazy_imports():
    """The graph the cycle test walks holds imports written inside functions too."""
    graph = _nnviz_graph()
    # nnviz.cli imports nnviz.files.project only inside its command functions.
    assert "nnviz.files.project" in graph.find_modules_directly_imported_by("nnviz.cli")


def test_model_save_works_in_a_fresh_interpreter(tmp_path):
    """model.save()/load_model()/save_weights() find their file formats through nnviz.engine.saving."""
    code = (
        "import sys\n"
        "from nnviz.engine.models import Sequential, load_model\n"
        "from nnviz.engine.layers import Dense\n"
        "m = Sequential([Dense(3, input_shape=(2,), activation='relu'), Dense(2, activation='softmax')])\n"
        "m.compile(optimizer='sgd', loss='categorical_crossentropy')\n"
        "m.save(sys.argv[1] + '/x.nnviz')\n"
        "m.save_weights(sys.argv[1] + '/x.npz')\n"
        "again = load_model(sys.argv[1] + '/x.nnviz')\n"
        "again.load_weights(sys.argv[1] + '/x.npz')\n"
        "print(all((a == b).all() for a, b in zip(m.get_weights(), again.get_weights())))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


#: The words of the run's status line (nnviz.session.run_status.status_text): only the session
#: words the run's status; views render RunStatus and status_text().
STATUS_WORDS = ("Training…", "Training...", "Paused", "Stepping:", "Diverged:",
                "epochs trained", "epoch trained")


def test_the_runs_status_is_decided_and_worded_by_the_session_only():
    """No view words the run's status itself ("Training…" in a status bar message, "Paused.")
    and nothing outside the run controller sets the session's status."""
    worded, set_elsewhere = [], []
    setter = ("set_status(", ".status = ", ".status_reason = ")
    for folder in ("nnviz", "ui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#")[0]
                if folder == "ui" and any(w in code for w in STATUS_WORDS):
                    worded.append(f"{name}:{n}: {line.strip()}")
                if name not in ("nnviz/session/run_controller.py", "nnviz/session/session.py") and \
                        any(s in code for s in setter) and "QLabel" not in code:
                    set_elsewhere.append(f"{name}:{n}: {line.strip()}")
    assert worded == []
    assert set_elsewhere == []
