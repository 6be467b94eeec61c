"""Start nnviz: ``python main.py [FILE.nnviz]``."""
import sys

from ui.app import run

if __name__ == "__main__":
    sys.exit(run())
