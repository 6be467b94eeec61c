"""``python -m ui`` is the installed ``nnviz`` command (see :mod:`ui.launcher`)."""
import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
