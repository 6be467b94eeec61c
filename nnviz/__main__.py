"""``python -m nnviz`` is the headless command line: train, export, info (see :mod:`nnviz.cli`).

The installed ``nnviz`` command adds the window (:mod:`ui.launcher`, also ``python -m ui``).
"""
import sys

from nnviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
