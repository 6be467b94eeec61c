"""nnviz: build a neural network by hand and watch it learn, one number at a time.

This package is the engine and the document, with no screen: Keras-shaped models
(``nnviz.models.Sequential``, ``nnviz.layers.Dense``), the stepping trainer
(``nnviz.training.Stepper``), data sets, the design document the window edits, file
formats and export. The window lives in the separate ``ui`` package.
"""



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

__all__ = ["__version__"]
