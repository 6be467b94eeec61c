"""``python -m nnviz`` is the ``nnviz`` command (see :mod:`nnviz.cli`)."""
import sys

from nnviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
