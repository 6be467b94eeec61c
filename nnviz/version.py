"""nnviz's version, read from one place: ``pyproject.toml`` (through the package metadata).

A module of its own, so that a file format can name the version without importing the
whole package (which registers every format).
"""

__all__ = ["__version__"]


def _find_version() -> str:
    """The installed distribution's version (``pyproject.toml``'s, through the package
    metadata); in a source tree that was never installed, the version in its pyproject.toml.
    """
    from importlib import metadata
    from pathlib import Path

    try:
        return metadata.version("nnviz")
    except metadata.PackageNotFoundError:
        pass
    import re

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return "0+unknown"
    project = re.search(r"^\[project\]\n(.*?)(?=^\[|\Z)", text, re.S | re.M)
    found = project and re.search(r'^version\s*=\s*"([^"]+)"', project.group(1), re.M)
    return found.group(1) if found else "0+unknown"


#: nnviz's version, as ``nnviz --version`` and Help > About show it. The one place it is
#: written is ``pyproject.toml``; this reads it from the installed package's metadata.
__version__ = _find_version()
