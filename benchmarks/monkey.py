"""The GUI monkey for longer: tests/ui/test_monkey.py for 10 minutes (or as long as asked).

Run it by hand (it is not part of the suite's timing):

    python benchmarks/monkey.py                 # 600 seconds, the test's fixed seed
    python benchmarks/monkey.py 1800 --seed 7   # half an hour, another walk

It runs the same test with ``NNVIZ_MONKEY_SECONDS`` (and ``NNVIZ_MONKEY_SEED``) set and the
per-test timeout lifted, offscreen, and exits with pytest's status: 0 when nothing raised,
warned about a removed item, or crashed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main() -> int:
    """Run the monkey test for the given number of seconds; return pytest's status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seconds", nargs="?", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=None, help="another random walk")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NNVIZ_MONKEY_SECONDS=str(args.seconds),
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    if args.seed is not None:
        env["NNVIZ_MONKEY_SEED"] = str(args.seed)
    command = [sys.executable, "-m", "pytest", "tests/ui/test_monkey.py", "-q", "-s",
               "-p", "no:randomly", "-o", f"timeout={int(args.seconds) + 300}"]
    return subprocess.call(command, cwd=root, env=env)


if __name__ == "__main__":
    sys.exit(main())
