"""BLAS threads on each side of the training process (nnviz/session/blas_threads.py): the
child trains on every core but one, the window's process computes on one, a user's own
count wins, and the numbers do not depend on the count."""
import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from nnviz.session import blas_threads
from nnviz.session.blas_threads import BLAS_THREAD_VARIABLES
from nnviz.session.runners import ProcessRunner


def blas_threads_now() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (4, 3), (16, 15)])
def test_the_child_trains_on_every_core_but_the_windows(cores, threads):
    assert blas_threads.training_threads(cores) == threads
    env = blas_threads.child_environment({"PATH": "/bin"}, cores=cores)
    assert all(env[name] == str(threads) for name in BLAS_THREAD_VARIABLES)
    assert env["PATH"] == "/bin"


def test_a_count_the_user_set_is_kept_on_both_sides(monkeypatch):
    env = blas_threads.child_environment({"OMP_NUM_THREADS": "6"}, cores=2)
    assert env == {"OMP_NUM_THREADS": "6"}
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert blas_threads.user_set()
    assert blas_threads.limit_this_process() is False


def test_the_child_process_gets_its_count(monkeypatch):
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    code = ("import numpy, threadpoolctl; print([p['num_threads'] for p in "
            "threadpoolctl.threadpool_info() if p['user_api'] == 'blas'])")
    out = subprocess.run([sys.executable, "-c", code], env=blas_threads.child_environment(),
                         capture_output=True, text=True, check=True).stdout
    assert set(eval(out)) == {blas_threads.training_threads()}


def test_starting_the_training_process_limits_this_process_to_one_thread(monkeypatch):
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with threadpool_limits(limits=2, user_api="blas"):  # restored after the test
        runner = ProcessRunner()
        try:
            runner.start()
            assert set(blas_threads_now()) == {blas_threads.WINDOW_THREADS}
        finally:
            runner.close()


def test_the_numbers_do_not_depend_on_the_thread_count():
    # The products a 784-128-10 network's batch of 32 and its data set's output make.
    rng = np.random.default_rng(0)
    for m, k, n in [(32, 784, 128), (784, 32, 128), (32, 128, 10), (2000, 784, 128)]:
        a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
        with threadpool_limits(limits=1, user_api="blas"):
            one = a @ b
        with threadpool_limits(limits=4, user_api="blas"):
            four = a @ b
        assert np.array_equal(one, four), (m, k, n)
