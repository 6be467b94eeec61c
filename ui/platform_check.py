"""Before Qt starts on Linux: can its X11 (xcb) platform plugin load? If not, say what to install.

PySide6's wheels bring Qt itself, but Qt's xcb plugin (``libqxcb.so``) needs a few X11
libraries from the system. When one is missing, Qt aborts with a message that often names
the wrong package ("xcb-cursor0 or libxcb-cursor0 is needed ..." when libxcb-cursor0 is
installed and ``libxcb-icccm.so.4`` is what lacks). This module finds the missing libraries
the way the dynamic loader would, before Qt is asked to, and writes one paragraph with the
``apt-get`` and ``dnf`` lines that install them.

How the libraries are found: ``ldd`` on the plugin, which resolves its whole dependency tree
exactly as loading it would; where ``ldd`` is not available, every library in
:data:`XCB_LIBRARIES` is loaded with ``ctypes.CDLL`` (or the loader a test passes in).

``startup_problem(argv)`` is what :func:`ui.app.run` calls; it returns the paragraph (or,
with every library there, :data:`NO_DISPLAY` when there is no X11 display), or None when
the window can start (or when it will not use xcb: not Linux, ``QT_QPA_PLATFORM``
set to another platform such as ``offscreen`` or ``wayland``, ``-platform`` on the command
line, or a Wayland session, where Qt prefers its Wayland plugin).
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "KNOWN_PACKAGES",
    "NO_DISPLAY",
    "XCB_LIBRARIES",
    "advice",
    "apt_command",
    "dnf_command",
    "ldd_missing",
    "loader_missing",
    "missing_libraries",
    "startup_problem",
    "xcb_plugin",
]

#: The system libraries Qt's xcb plugin needs (its own and its ``libQt6XcbQpa``'s
#: dependencies, Qt's bundled libraries aside), in the order Qt's documentation lists them.
XCB_LIBRARIES: tuple[str, ...] = (
    "libxcb.so.1",
    "libxcb-cursor.so.0",
    "libxcb-icccm.so.4",
    "libxcb-image.so.0",
    "libxcb-keysyms.so.1",
    "libxcb-randr.so.0",
    "libxcb-render.so.0",
    "libxcb-render-util.so.0",
    "libxcb-shape.so.0",
    "libxcb-shm.so.0",
    "libxcb-sync.so.1",
    "libxcb-util.so.1",
    "libxcb-xfixes.so.0",
    "libxcb-xkb.so.1",
    "libxkbcommon.so.0",
    "libxkbcommon-x11.so.0",
    "libX11.so.6",
    "libX11-xcb.so.1",
    "libglib-2.0.so.0",
    "libgthread-2.0.so.0",
    "libGL.so.1",
)

#: Library file name -> (Debian/Ubuntu package, Fedora package) that installs it. Covers
#: :data:`XCB_LIBRARIES` and the other libraries ``ldd`` may report for Qt's plugins.
KNOWN_PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}

#: What to say when the libraries are there but there is no X11 display to show a window on.
NO_DISPLAY = (
    "nnviz cannot open its window: there is no display (the DISPLAY environment variable is "
    "not set). Start it from a desktop session, or over SSH with X forwarding (ssh -X). "
    "The commands that need no window, nnviz train, export and info, work here."
)

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.M)


def xcb_plugin() -> Path | None:
    """The installed PySide6's xcb platform plugin (``.../plugins/platforms/libqxcb.so``)."""
    from PySide6.QtCore import QLibraryInfo  # QtCore only: loading it needs no X11 library

    plugin = (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
              / "platforms" / "libqxcb.so")
    return plugin if plugin.is_file() else None


def ldd_missing(plugin: Path, run: Callable = subprocess.run) -> list[str] | None:
    """The libraries ``ldd`` reports "not found" for ``plugin``; None if ldd cannot tell.

    ``run`` is :func:`subprocess.run` (a test may pass a stand-in that returns ldd's text).
    """
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = run([ldd, str(plugin)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    missing = _NOT_FOUND.findall(result.stdout or "")
    if result.returncode != 0 and not missing:
        return None  # ldd failed for a reason of its own: let the other way decide
    return list(dict.fromkeys(missing))


def loader_missing(names: Iterable[str], loader: Callable[[str], object] = ctypes.CDLL
                   ) -> list[str]:
    """Those of the libraries ``names`` that ``loader`` (``ctypes.CDLL``) cannot load."""
    missing = []
    for name in names:
        try:
            loader(name)
        except OSError:
            missing.append(name)
    return missing


def missing_libraries(plugin: Path | None = None, names: Sequence[str] = XCB_LIBRARIES,
                      loader: Callable[[str], object] | None = None,
                      run: Callable = subprocess.run) -> list[str]:
    """The shared libraries that keep Qt's xcb plugin from loading (empty: it can load).

    ``ldd`` on ``plugin`` when there is one and ldd answers; otherwise each of ``names`` is
    tried with ``loader`` (default ``ctypes.CDLL``). Passing ``loader`` always tries
    ``names``, so a test can point the check at a library that is not there.
    """
    if loader is None and plugin is not None:
        found = ldd_missing(plugin, run)
        if found is not None:
            return found
    return loader_missing(names, loader or ctypes.CDLL)


def _packages(missing: Iterable[str], column: int) -> list[str]:
    known = [KNOWN_PACKAGES[name][column] for name in missing if name in KNOWN_PACKAGES]
    return list(dict.fromkeys(known))


def apt_command(missing: Iterable[str] = XCB_LIBRARIES) -> str:
    """The Debian/Ubuntu command that installs the libraries ``missing``."""
    return "sudo apt-get install " + " ".join(_packages(missing, 0))


def dnf_command(missing: Iterable[str] = XCB_LIBRARIES) -> str:
    """The Fedora command that installs the libraries ``missing``."""
    return "sudo dnf install " + " ".join(_packages(missing, 1))


def advice(missing: Sequence[str]) -> str:
    """The paragraph nnviz prints when the libraries ``missing`` keep the window from starting."""
    names = ", ".join(missing)
    lines = [
        f"nnviz cannot open its window: Qt's X11 (xcb) platform plugin needs "
        f"{'this system library, which is' if len(missing) == 1 else 'these system libraries, which are'}"
        f" not installed: {names}.",
    ]
    if _packages(missing, 0):
        lines.append(f"On Debian or Ubuntu:  {apt_command(missing)}")
        lines.append(f"On Fedora:  {dnf_command(missing)}")
    unknown = [name for name in missing if name not in KNOWN_PACKAGES]
    if unknown:
        for name in unknown:
            lines.append(f"The package that has {name}: apt-file search {name} (Debian, "
                         f"Ubuntu) or dnf provides '*/{name}' (Fedora).")
    lines.append("Then start nnviz again. (The commands that need no window, nnviz train, "
                 "export and info, work without them.)")
    return "\n".join(lines)


def _wants_xcb(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether Qt will try its xcb plugin for this command line and environment."""
    if any(arg == "-platform" or arg.startswith("-platform=") for arg in argv):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    # Qt on a Wayland session uses its Wayland plugin first (and falls back to xcb only
    # if that fails), so a missing X11 library does not stop it there.
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def startup_problem(argv: Sequence[str] = (), environ: Mapping[str, str] | None = None,
                    platform: str | None = None,
                    find: Callable[[], list[str]] | None = None) -> str | None:
    """The paragraph to print instead of starting Qt, or None when the window can start.

    Checks only on Linux when Qt will use its xcb plugin (see the module's docstring).
    ``find`` returns the missing libraries (default: :func:`missing_libraries` on the
    installed plugin); tests pass their own.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or not _wants_xcb(argv, environ):
        return None
    if find is None:
        plugin = xcb_plugin()
        if plugin is None:
            return None  # no xcb plugin in this PySide6: Qt says what it has instead
        missing = missing_libraries(plugin)
    else:
        missing = find()
    if missing:
        return advice(missing)
    if not environ.get("DISPLAY"):
        return NO_DISPLAY
    return None
