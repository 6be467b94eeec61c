"""The Linux start-up check: a missing X11 library gets one clear paragraph, not Qt's abort."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

from ui import platform_check
from ui.platform_check import (
    NO_DISPLAY,
    XCB_LIBRARIES,
    advice,
    apt_command,
    dnf_command,
    ldd_missing,
    loader_missing,
    missing_libraries,
    startup_problem,
)

ROOT = Path(__file__).resolve().parents[2]
X11 = {"DISPLAY": ":0"}


def _lacking(*absent: str):
    """A loader like ctypes.CDLL on a machine where the libraries ``absent`` are missing."""
    def load(name: str):
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()
    return load


def test_a_machine_without_libxcb_icccm4_gets_the_paragraph_that_names_it():
    load = _lacking("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    text = startup_problem([], environ=X11, platform="linux",
                           find=lambda: missing_libraries(loader=load))
    assert text is not None
    assert "libxcb-icccm.so.4" in text and "libxcb-keysyms.so.1" in text
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in text
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in text
    # Only what is missing: not the cursor library Qt's own message blames.
    assert "cursor" not in text
    assert "\n\n" not in text  # one paragraph


def test_the_real_loader_reports_a_library_that_is_not_there():
    assert loader_missing(["libc.so.6", "libnnviz-not-there.so.7"]) == ["libnnviz-not-there.so.7"]
    text = advice(["libnnviz-not-there.so.7"])
    assert "libnnviz-not-there.so.7" in text and "apt-file search libnnviz-not-there.so.7" in text


def test_ldd_not_found_lines_are_the_missing_libraries():
    output = textwrap.dedent("""\
        \tlinux-vdso.so.1 (0x00007ffd)
        \tlibQt6XcbQpa.so.6 => /x/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
        \tlibxcb-icccm.so.4 => not found
        \tlibxcb-keysyms.so.1 => not found
        \tlibxcb-icccm.so.4 => not found
        \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
        """)
    run = lambda *a, **k: SimpleNamespace(stdout=output, returncode=0)  # noqa: E731
    assert ldd_missing(Path("/x/libqxcb.so"), run) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    # ldd on a real library answers with a list (nothing missing for Python itself).
    assert ldd_missing(Path(sys.executable)) == []


def test_the_check_runs_only_where_qt_would_load_xcb():
    found = lambda: ["libxcb-icccm.so.4"]  # noqa: E731
    assert startup_problem([], environ=X11, platform="linux", find=found)
    assert startup_problem([], environ={**X11, "QT_QPA_PLATFORM": "xcb"}, platform="linux",
                           find=found)
    for environ in ({"QT_QPA_PLATFORM": "offscreen"}, {"QT_QPA_PLATFORM": "wayland"},
                    {**X11, "WAYLAND_DISPLAY": "wayland-0"}):
        assert startup_problem([], environ=environ, platform="linux", find=found) is None
    assert startup_problem(["-platform", "offscreen"], environ=X11, platform="linux",
                           find=found) is None
    for other in ("darwin", "win32"):
        assert startup_problem([], environ=X11, platform=other, find=found) is None
    # Every library there, but no X11 display: say so instead of Qt's abort.
    assert startup_problem([], environ={}, platform="linux", find=lambda: []) == NO_DISPLAY
    assert startup_problem([], environ=X11, platform="linux", find=lambda: []) is None


def test_every_library_checked_has_its_packages():
    assert set(XCB_LIBRARIES) <= set(platform_check.KNOWN_PACKAGES)
    assert platform_check.xcb_plugin() is not None  # this PySide6 has the plugin the check reads


def test_python_main_py_prints_the_paragraph_and_exits_1():
    """The window's entry point checks before Qt starts (Qt would abort with exit code 134)."""
    code = textwrap.dedent("""\
        import runpy, sys
        from ui import platform_check
        platform_check.missing_libraries = lambda plugin: ["libxcb-icccm.so.4"]
        sys.argv = ["main.py"]
        runpy.run_path("main.py", run_name="__main__")
        """)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY",
                                                            "XDG_SESSION_TYPE")}
    env["DISPLAY"] = ":0"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "libxcb-icccm.so.4" in result.stderr
    assert "sudo apt-get install libxcb-icccm4" in result.stderr
    assert "qt.qpa" not in result.stderr  # Qt never got to try


def test_the_readme_lists_the_same_packages():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    note = re.search(r"\*\*On Linux\*\*(.*?)```bash\n(.*?)```", readme, re.S)
    assert note, "README's install section has no 'On Linux' note"
    lines = note.group(2).splitlines()
    assert apt_command() in lines and dnf_command() in lines
