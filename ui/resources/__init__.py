"""The files that ship inside the ``ui`` package: the icons and the "How to use" page.

They sit in this package's folder (``icons/*.svg``, ``help.html``), so a wheel carries them
and the window finds them wherever nnviz was installed. (The style sheets are built in
code, :func:`ui.theme.make_stylesheet`, so there is no file for them.)
"""
from __future__ import annotations

import os
from importlib import resources as _resources
from pathlib import Path

__all__ = ["HELP_PAGE", "ICON_DIR", "icon_path"]


def _package_dir() -> Path:
    """This package's folder on disk, as ``importlib.resources`` reports it."""
    root = _resources.files(__name__)
    if not isinstance(root, os.PathLike):  # a zip import: Qt needs files on disk
        raise RuntimeError(f"nnviz's icons are not files on disk ({root!r}); "
                           "install nnviz with pip instead of importing it from a zip.")
    return Path(os.fspath(root))


#: The SVG icons: ``nnviz.svg`` (the application) and one per kind of layer.
ICON_DIR = _package_dir() / "icons"

#: The "How to use" page that Help > How to Use nnviz shows.
HELP_PAGE = _package_dir() / "help.html"


def icon_path(name: str) -> str:
    """The path of the icon ``name`` (``"nnviz"`` or ``"nnviz.svg"``), as Qt wants it."""
    file = name if name.endswith(".svg") else f"{name}.svg"
    return str(ICON_DIR / file)
