"""How many threads NumPy's linear algebra (BLAS) may use on each side of training (no Qt).

NumPy's matrix products run on a BLAS library (OpenBLAS in NumPy's wheels) that starts a
thread per core, and its idle threads spin for a while before they sleep. While the
window's session trains in its child process, two processes want the cores: the child
that trains and the window that draws. Measured on 2 cores with a 784-128-10 network
(batches of 32; benchmarks/gui_training.py):

- the child with two BLAS threads trained 18,000 samples/s beside the window (80,000
  alone): each product waits for its slower half, and the window took that half's core
  again and again; with one it trains at its full single-core speed (about 60,000);
- the window's own BLAS threads (it computes output maps and neuron maps) spun beside the
  child: frames took twice their CPU time, 42 a second with stalls of 60-70 ms; with
  one thread, 60 a second and stalls under 30 ms.

So the child trains with every usable core but one (:func:`training_threads`) and the window's
process computes on one (:func:`limit_this_process`): the window keeps a core to draw.
A user who set a count (any of :data:`BLAS_THREAD_VARIABLES`) keeps it, on both sides.
The command line trains in its own process, with every core, as before.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["BLAS_THREAD_VARIABLES", "WINDOW_THREADS", "usable_cores", "training_threads",
           "user_set",
           "child_environment", "limit_this_process"]

#: The variables that set how many threads BLAS uses: OpenBLAS (NumPy's wheels), OpenMP,
#: MKL and Apple's Accelerate.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                         "VECLIB_MAXIMUM_THREADS")
#: The window's process, while its session trains in the child: one thread (it draws).
WINDOW_THREADS = 1


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, as in a
    container given 2 of a machine's 64), else the machine's."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        try:
            return max(1, len(affinity(0)))
        except OSError:
            pass
    return os.cpu_count() or 1


def training_threads(cores: int | None = None) -> int:
    """The BLAS threads the child trains with: every usable core but one (the window's)."""
    return max(1, (cores or usable_cores()) - 1)


def user_set(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user chose a BLAS thread count (then nnviz keeps it)."""
    env = os.environ if environ is None else environ
    return any(name in env for name in BLAS_THREAD_VARIABLES)


def child_environment(environ: Mapping[str, str] | None = None,
                      cores: int | None = None) -> dict[str, str]:
    """The training process's environment: the parent's, with :func:`training_threads`
    BLAS threads unless the user set a count (the child's BLAS reads it as it loads)."""
    env = dict(os.environ if environ is None else environ)
    if not user_set(env):
        threads = str(training_threads(cores))
        env.update({name: threads for name in BLAS_THREAD_VARIABLES})
    return env


def limit_this_process(threads: int = WINDOW_THREADS) -> bool:
    """Let this process's BLAS use ``threads`` threads from now on (the libraries already
    loaded), unless the user set a count; whether a BLAS was found and limited. Without
    ``threadpoolctl`` (a frozen app built without it), or a BLAS it cannot set (Apple's
    Accelerate), nothing changes but the frames' speed. The numbers are the same bits on
    NumPy's OpenBLAS (it splits a product's rows and columns between its threads, not its
    sums; tests/engine/test_blas_threads.py compares); other BLAS libraries are not tested.

    The limit stays for the process's life: should the training process be lost for good,
    the window trains on one BLAS thread (on 2 cores, 784-128-10 at 60,000 samples/s
    instead of 80,000), which is also what keeps its frames smooth.
    """
    if user_set():
        return False
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return False
    threadpool_limits(limits=int(threads), user_api="blas")
    return any(pool["user_api"] == "blas" for pool in threadpool_info())
