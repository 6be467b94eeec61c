"""What a user installs: the wheel built from this source tree, in a fresh environment.

The module's fixture copies the source tree, builds the wheel there (``pip wheel --no-deps
--no-build-isolation``, so no network), installs it with pip into a new virtual environment
and then runs nnviz from a folder outside the source tree. The environment reuses this
one's installed dependencies through a ``.pth`` file that lists their folders, but none of
the interpreter's own ``.pth`` hooks run there, so the editable install of a checkout (a
finder in site-packages) cannot leak in: ``nnviz`` and ``ui`` are the wheel's or nothing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from nnviz.files import export_formats

ROOT = Path(__file__).resolve().parents[2]
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""
# What a fresh clone does not have: build output and caches.
_NOT_SOURCE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".ruff_cache", ".hypothesis", "*.pyc")


def _run(argv, cwd, env, timeout=180) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result


def _dependency_dirs() -> list[str]:
    """This interpreter's import folders that hold no copy of nnviz's own packages."""
    dirs = []
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if not path.is_dir() or path == ROOT or ROOT in path.parents:
            continue
        if (path / "nnviz" / "__init__.py").exists() or (path / "ui" / "__init__.py").exists():
            continue  # a checkout on the path (an old-style editable install)
        dirs.append(str(path))
    return list(dict.fromkeys(dirs))


class Installed:
    """The wheel installed in a fresh virtual environment: where, and how to run in it."""

    def __init__(self, root: Path):
        self.root = root
        self.source = root / "source"
        self.dist = root / "dist"
        self.venv = root / "venv"
        self.run_dir = root / "elsewhere"
        self.python = self.venv / BIN / f"python{EXE}"
        self.nnviz = self.venv / BIN / f"nnviz{EXE}"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
        self.env.update(PYTHONNOUSERSITE="1", QT_QPA_PLATFORM="offscreen",
                        PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")

    def build_and_install(self) -> None:
        shutil.copytree(ROOT, self.source, ignore=_NOT_SOURCE)
        _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
              "-q", "-w", self.dist], cwd=self.source, env=self.env)
        (self.wheel,) = self.dist.glob("nnviz-*.whl")
        _run([sys.executable, "-m", "venv", "--without-pip", self.venv], cwd=self.root,
             env=self.env)
        # pip from this environment installs into the new one (which has no pip of its own).
        _run([sys.executable, "-m", "pip", "--python", self.python, "install", "--no-deps",
              "--no-index", "-q", self.wheel], cwd=self.root, env=self.env)
        # Only now the dependencies: before, pip would see this environment's nnviz.
        site = _run([self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=self.root, env=self.env).stdout.strip()
        Path(site, "_nnviz_test_dependencies.pth").write_text(
            "\n".join(_dependency_dirs()) + "\n", encoding="utf-8")
        self.run_dir.mkdir()

    def python_code(self, code: str, timeout=180) -> subprocess.CompletedProcess:
        """Run ``code`` with the environment's Python, from outside the source tree."""
        return _run([self.python, "-c", textwrap.dedent(code)], self.run_dir, self.env, timeout)

    def command(self, *argv) -> subprocess.CompletedProcess:
        """Run the installed ``nnviz`` command, from outside the source tree."""
        return _run([self.nnviz, *argv], self.run_dir, self.env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    env = Installed(tmp_path_factory.mktemp("wheel"))
    env.build_and_install()
    return env


def test_the_wheel_carries_every_resource(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for name in ("nnviz/resources/data/iris.csv", "nnviz/resources/data/digits.csv.gz",
                 "nnviz/resources/data/README.md", "ui/resources/help.html",
                 "ui/resources/icons/nnviz.svg"):
        assert name in names, name
    for example in (ROOT / "nnviz" / "resources" / "examples").glob("*.nnviz"):
        assert f"nnviz/resources/examples/{example.name}" in names
    for icon in (ROOT / "ui" / "resources" / "icons").glob("*.svg"):
        assert f"ui/resources/icons/{icon.name}" in names
    # Every module of both packages, and nothing of the checkout's other folders.
    for package in ("nnviz", "ui"):
        for module in (ROOT / package).rglob("*.py"):
            assert module.relative_to(ROOT).as_posix() in names, module
    assert not [n for n in names if n.split("/")[0] in ("tests", "tools", "benchmarks", "docs")]


def test_the_installed_packages_are_the_wheels_not_the_source_tree(installed):
    out = installed.python_code("""\
        import nnviz, ui, nnviz.resources, ui.resources
        for module in (nnviz, ui, nnviz.resources, ui.resources):
            print(module.__file__)
        """).stdout.split()
    venv = str(installed.venv.resolve())
    assert len(out) == 4 and all(str(Path(f).resolve()).startswith(venv) for f in out), out


def test_bundled_data_sets_and_examples_load(installed):
    out = installed.python_code("""\
        from nnviz.data import datasets
        from nnviz import resources
        from nnviz.files.project import Project
        iris, digits = datasets.load("iris"), datasets.load("digits")
        print(iris.x.shape, digits.x.shape, digits.n_targets)
        print((resources.DATA_DIR / "README.md").read_text().count("CC BY 4.0"))
        for title, path in resources.examples():
            project = Project.load(path)
            data = project.load_dataset()
            assert project.build_model().input_dim == data.n_features, title
            print(title)
        """).stdout.splitlines()
    assert out[0] == "(150, 4) (1797, 64) 10"
    assert int(out[1]) >= 1  # the data's licence ships with it
    assert out[2:] == ["Lecture", "XOR", "Spiral", "Sine", "Iris", "Digits"]


def test_version_info_and_every_export_format(installed):
    version = _pyproject_version()
    assert installed.command("--version").stdout.strip() == f"nnviz {version}"
    python_m = _run([installed.python, "-m", "nnviz", "--version"], installed.run_dir,
                    installed.env)
    assert python_m.stdout.strip() == f"nnviz {version}"
    xor = installed.python_code(
        "from nnviz.resources import example_path; print(example_path('xor'))").stdout.strip()
    info = installed.command("info", xor).stdout
    assert "Total params" in info and "(None, 2)" in info
    for suffix in export_formats.suffixes():
        target = installed.run_dir / f"xor{suffix}"
        installed.command("export", xor, "-o", target)
        assert target.stat().st_size > 0, suffix
    assert (installed.run_dir / "xor.weights.h5").is_file()  # the .py's weights, beside it


def test_the_window_starts_offscreen_with_its_icons(installed):
    shot = installed.root / "window.png"
    result = installed.python_code(f"""\
        import sys
        from PySide6.QtWidgets import QApplication, QMenu
        from PySide6.QtGui import QIcon
        app = QApplication(["nnviz"])
        from ui.main_window import MainWindow
        from ui.resources import icon_path
        window = MainWindow()
        window.show()
        app.processEvents()
        menu = window.findChild(QMenu, "examplesMenu")
        print(len(menu.actions()))
        for action in menu.actions():
            if action.objectName() == "actionExample_iris":
                action.trigger()
        app.processEvents()
        print(window.windowTitle().split("[")[0])
        print(all(not QIcon(icon_path(k)).pixmap(32, 32).isNull()
                  for k in ("nnviz", "input", "hidden", "output")))
        window.how_to_action.trigger()
        app.processEvents()
        window.grab().save({str(shot)!r})
        window.shutdown()
        """)
    lines = result.stdout.splitlines()
    assert lines == ["6", "iris (example)", "True"], result.stdout + result.stderr
    assert "Cannot open file" not in result.stderr, result.stderr
    assert shot.stat().st_size > 10_000


def _pyproject_version() -> str:
    import re

    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def test_the_installed_package_trains_in_its_process(installed):
    # The child process imports nnviz from where it is installed (no source tree on the path).
    result = installed.python_code("""\
        from nnviz.session.runners import ProcessRunner
        from nnviz.session.session import Session
        session = Session(runner=ProcessRunner())
        assert session.process.wait_ready(), session.process.failure
        assert session.start_training() == ""
        status = "running"
        while status == "running":
            status, _ = session.train_chunk()
        session.pause()
        print(status, session.stepper.epoch, session.process_problem == "")
        session.close()
        """)
    assert result.stdout.split() == ["finished", "50", "True"], result.stdout + result.stderr


def test_the_readmes_command_lines_run_from_the_wheel(installed):
    """The README's `nnviz train/info/export/examples` lines, as written, from a folder
    with no clone beside it (they name bundled examples, never a clone's files)."""
    from tests.io.test_readme import command_lines, section

    ran = []
    for argv, _comment in command_lines(section("The command line")):
        if argv[:1] in (["train"], ["info"], ["export"], ["examples"]):
            ran.append(installed.command(*argv).stdout)
    assert len(ran) >= 5
    assert (installed.run_dir / "xor-trained.nnviz").is_file()
    assert (installed.run_dir / "xor.onnx").is_file()
