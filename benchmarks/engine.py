"""How fast does the nnviz engine train? Samples per second, beside PyTorch and NumPy's matmul.

Run it by hand (it is not a test) with:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/engine.py

Some of our machines set ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE``, which pick a slower
OpenBLAS kernel for NumPy's matmul; unset them for this script only (never change them in
tests or CI). The script prints which BLAS kernel actually ran.

Three networks, all relu hidden layer, softmax output, categorical cross-entropy, plain SGD:

- lecture:  2 -> 3 -> 2,       batch 4    (per-step overhead is everything)
- mid:      64 -> 128 -> 10,   batch 64
- mnist:    784 -> 256 -> 10,  batch 128  (matmul is everything)

A second table puts ``fit()`` beside ``Stepper.run`` (what the window's Train button runs:
divergence checks on, a time-travel snapshot every epoch), timed in turns, float64.
Target: ``Stepper.run`` >= 90 % of ``fit`` on the lecture and the MNIST-size networks.

For each it prints training samples per second of ``nnviz`` ``fit()`` in float64 and float32,
of a plain PyTorch CPU loop (``torch.optim.SGD``, same batch, same shuffling per epoch) when
torch is installed, and their ratio. Targets: nnviz >= 3x PyTorch on the lecture network, and
nnviz >= PyTorch on the MNIST-size network in float32.

It also prints the GFLOP/s the training reached, counting the matmul flops per sample
(2 per weight for ``x @ W``, 2 for ``dW = x.T @ dZ``, 2 for ``dX = dZ @ W.T`` but none for the
first layer's ``dX``), against the GFLOP/s NumPy's own matmul reaches on this machine for the
same shapes. The machine should be otherwise idle: other processes on the cores slow PyTorch's
threads far more than NumPy's, and the ratios then flatter nnviz.

Options: ``--quick`` (shorter runs), ``--blas-threads N`` (NumPy's BLAS and PyTorch on N
threads), ``--profile NET`` (cProfile of nnviz float32 ``fit`` on
that network, the 25 most expensive functions).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from dataclasses import dataclass

import numpy as np

# Runnable from a checkout without installing: the repository root on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Net:
    """A benchmark network: layer sizes from input to output, batch size, samples, epochs."""

    name: str
    sizes: tuple[int, ...]
    batch_size: int
    n_samples: int
    epochs: int

    @property
    def n_weights(self) -> int:
        """Kernel entries; biases are negligible."""
        return sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def flops_per_sample(self) -> int:
        """Matmul flops of one training sample: 2 per weight for ``x @ W``, 2 for
        ``dW = x.T @ dZ`` and 2 for ``dX = dZ @ W.T``, except the first layer, whose ``dX``
        (the gradient of the inputs) nobody needs."""
        kernels = [a * b for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        return 4 * kernels[0] + 6 * sum(kernels[1:])


NETS = [
    Net("lecture 2-3-2", (2, 3, 2), batch_size=4, n_samples=4000, epochs=3),
    Net("mid 64-128-10", (64, 128, 10), batch_size=64, n_samples=16384, epochs=3),
    Net("mnist 784-256-10", (784, 256, 10), batch_size=128, n_samples=8192, epochs=2),
]


def make_data(net: Net, seed: int = 0):
    """Random inputs and one-hot targets (the speed does not depend on what is learned)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((net.n_samples, net.sizes[0]))
    labels = rng.integers(0, net.sizes[-1], size=net.n_samples)
    y = np.eye(net.sizes[-1])[labels]
    return x, y, labels


def best_of(repeats: int, run) -> float:
    """The shortest of ``repeats`` timings of ``run()`` (the least disturbed by the machine)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


# ---- nnviz ------------------------------------------------------------------------------


def nnviz_model(net: Net, dtype: str):
    """The benchmark network in nnviz, compiled with plain SGD."""
    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential
    from nnviz.engine.optimizers import SGD

    layers = [Dense(net.sizes[1], input_shape=(net.sizes[0],), activation="relu")]
    for units in net.sizes[2:-1]:
        layers.append(Dense(units, activation="relu"))
    layers.append(Dense(net.sizes[-1], activation="softmax"))
    model = Sequential(layers, dtype=dtype)
    model.compile(optimizer=SGD(learning_rate=0.01), loss="categorical_crossentropy")
    return model


def nnviz_runner(net: Net, dtype: str):
    """A warmed-up ``run()`` that trains ``net`` with ``model.fit`` (shuffled, as Keras does)."""
    x, y, _ = make_data(net)
    x = x.astype(dtype)
    y = y.astype(dtype)
    model = nnviz_model(net, dtype)
    model.fit(x[: net.batch_size * 4], y[: net.batch_size * 4], epochs=1,
              batch_size=net.batch_size, verbose=0)  # warm-up

    def run():
        model.fit(x, y, epochs=net.epochs, batch_size=net.batch_size, shuffle=True, verbose=0)

    return run


def stepper_runner(net: Net, dtype: str):
    """A warmed-up ``run()`` that trains ``net`` with ``Stepper.run`` as the window does:
    shuffled, divergence checks on, a snapshot every epoch (a new stepper per call)."""
    from nnviz.engine.training import Stepper

    x, y, _ = make_data(net)
    x = x.astype(dtype)
    y = y.astype(dtype)
    model = nnviz_model(net, dtype)
    Stepper(model, x[: net.batch_size * 4], y[: net.batch_size * 4],
            batch_size=net.batch_size, shuffle=True).run(max_epochs=1)  # warm-up

    def run():
        Stepper(model, x, y, batch_size=net.batch_size, shuffle=True).run(max_epochs=net.epochs)

    return run


def fit_and_stepper(net: Net, repeats: int, dtype: str = "float64"):
    """Samples per second of ``fit`` and of ``Stepper.run`` (best of the turns), and the
    median of the turns' ratios (stepper / fit), the two timed in turns."""
    runners = [nnviz_runner(net, dtype), stepper_runner(net, dtype)]
    times: list[list[float]] = [[], []]
    for _ in range(repeats):
        for runner, spent in zip(runners, times):
            spent.append(best_of(1, runner))
    samples = net.n_samples * net.epochs
    ratio = float(np.median([f / s for f, s in zip(times[0], times[1])]))
    return samples / min(times[0]), samples / min(times[1]), ratio


def profile_nnviz(net: Net, dtype: str = "float32") -> str:
    """cProfile of one nnviz ``fit`` on ``net``: the 25 functions with the most own time."""
    x, y, _ = make_data(net)
    model = nnviz_model(net, dtype)
    x = x.astype(dtype)
    y = y.astype(dtype)
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(x, y, epochs=net.epochs, batch_size=net.batch_size, shuffle=True, verbose=0)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


# ---- PyTorch ----------------------------------------------------------------------------


def torch_runner(net: Net, dtype: str):
    """A warmed-up ``run()`` of a plain PyTorch loop on ``net``; ``None`` without torch.

    ``nn.CrossEntropyLoss`` on the last Linear's output is softmax + categorical
    cross-entropy, which is what the nnviz network computes. The loss is read back with
    ``.item()`` every batch because nnviz records every batch's loss too.
    """
    try:
        import torch
    except ImportError:
        return None
    from torch import nn

    torch.manual_seed(0)
    tdtype = getattr(torch, dtype)
    modules = []
    for i, (a, b) in enumerate(zip(net.sizes[:-1], net.sizes[1:])):
        modules.append(nn.Linear(a, b))
        if i < len(net.sizes) - 2:
            modules.append(nn.ReLU())
    model = nn.Sequential(*modules).to(tdtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x, _, labels = make_data(net)
    inputs = torch.from_numpy(x).to(tdtype)
    targets = torch.from_numpy(labels)
    n = net.n_samples

    def run(epochs=net.epochs):
        total = 0.0
        for _ in range(epochs):
            order = torch.randperm(n)
            xs, ys = inputs[order], targets[order]
            for start in range(0, n, net.batch_size):
                xb = xs[start:start + net.batch_size]
                yb = ys[start:start + net.batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                total += loss.item()
        return total

    run(1)  # warm-up
    return run


def measure(net: Net, dtype: str, repeats: int):
    """Samples per second of nnviz and of PyTorch (``None`` without it), and their ratio.

    The two are timed in turns (nnviz, torch, nnviz, torch, ...) so that both see the
    same machine: on a shared machine the load changes from second to second. The rates
    are the best of the turns; the ratio is the median of the turns' ratios.
    """
    runners = [nnviz_runner(net, dtype), torch_runner(net, dtype)]
    times: list[list[float]] = [[], []]
    for _ in range(repeats):
        for runner, spent in zip(runners, times):
            if runner is not None:
                spent.append(best_of(1, runner))
    samples = net.n_samples * net.epochs
    nnviz_rate = samples / min(times[0])
    if runners[1] is None:
        return nnviz_rate, None, None
    ratio = float(np.median([t / n for n, t in zip(times[0], times[1])]))
    return nnviz_rate, samples / min(times[1]), ratio


# ---- NumPy's matmul ---------------------------------------------------------------------


def matmul_gflops(m: int, k: int, n: int, dtype: str, min_seconds: float = 0.2) -> float:
    """GFLOP/s of NumPy's ``(m, k) @ (k, n)`` (2*m*k*n flops each).

    The best of five rounds of ``min_seconds / 5`` each, so that a moment when another
    process had the core does not count as NumPy's speed.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    a @ b  # warm-up
    best = 0.0
    for _ in range(5):
        reps = 0
        start = time.perf_counter()
        while True:
            a @ b
            reps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds / 5:
                break
        best = max(best, 2.0 * m * k * n * reps / elapsed / 1e9)
    return best


def net_matmul_gflops(net: Net, dtype: str) -> float:
    """NumPy's GFLOP/s on this net's training matmuls (forward, dW and dX of each layer)."""
    flops = 0.0
    seconds = 0.0
    for layer, (a, b) in enumerate(zip(net.sizes[:-1], net.sizes[1:])):
        shapes = [(net.batch_size, a, b), (a, net.batch_size, b)]
        if layer > 0:
            shapes.append((net.batch_size, b, a))
        for m, k, n in shapes:
            rate = matmul_gflops(m, k, n, dtype, min_seconds=0.1)
            flops += 2.0 * m * k * n
            seconds += 2.0 * m * k * n / (rate * 1e9)
    return flops / seconds / 1e9


def blas_description() -> str:
    """Which BLAS NumPy calls, its kernel (architecture) and thread count."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed: BLAS unknown"
    lines = []
    for pool in threadpool_info():
        if pool.get("user_api") != "blas":
            continue
        lines.append(
            f"{pool.get('internal_api')} {pool.get('version')} kernel={pool.get('architecture')} "
            f"threads={pool.get('num_threads')} ({os.path.basename(pool.get('filepath', ''))})"
        )
    return "; ".join(lines) or "no BLAS found by threadpoolctl"


def load_average() -> str:
    """The 1-minute load average (other processes competing for the cores), if known."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # not on Windows
        return "unknown"


# ---- the table --------------------------------------------------------------------------


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, fewer samples")
    parser.add_argument("--profile", metavar="NET", choices=["lecture", "mid", "mnist"],
                        help="print a cProfile of nnviz float32 fit on that network and stop")
    parser.add_argument("--blas-threads", type=int, metavar="N",
                        help="limit NumPy's BLAS (and PyTorch) to N threads (threadpoolctl)")
    args = parser.parse_args(argv)
    if args.blas_threads:
        # On a busy machine two OpenBLAS threads that wait for each other can make a
        # matmul ten times slower than one thread; this shows how much.
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
        try:
            import torch

            torch.set_num_threads(args.blas_threads)
        except ImportError:
            pass

    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            print(f"warning: {var}={os.environ[var]} is set; NumPy's matmul may be slower. "
                  "Run with: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/engine.py")
    print(f"NumPy {np.__version__}; BLAS: {blas_description()}")
    print(f"{os.cpu_count()} cores; load average {load_average()} (above ~0.5 the figures "
          "are disturbed by other processes)")
    try:
        import torch

        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("PyTorch not installed: its columns stay empty")

    nets = NETS
    if args.quick:
        nets = [Net(n.name, n.sizes, n.batch_size, n.n_samples // 4, 1) for n in NETS]
    if args.profile:
        net = next(n for n in nets if n.name.startswith(args.profile))
        print(profile_nnviz(net))
        return 0
    repeats = 1 if args.quick else 5

    print()
    header = (f"{'network':<18} {'batch':>5} | {'nnviz f64':>11} {'nnviz f32':>11} | "
              f"{'torch f64':>11} {'torch f32':>11} | {'f64 ratio':>9} {'f32 ratio':>9}")
    print("training samples per second (best of the runs); ratio = nnviz / torch, the median")
    print("of paired runs (nnviz and torch timed in turns)")
    print(header)
    print("-" * len(header))
    rates = {net.name: {} for net in nets}
    peaks = {}
    for net in nets:
        row = rates[net.name]
        for dtype in ("float64", "float32"):
            row["nnviz", dtype], row["torch", dtype], row["ratio", dtype] = measure(
                net, dtype, repeats)
        print(f"{net.name:<18} {net.batch_size:>5} | "
              f"{fmt_rate(row['nnviz', 'float64']):>11} {fmt_rate(row['nnviz', 'float32']):>11} | "
              f"{fmt_rate(row['torch', 'float64']):>11} {fmt_rate(row['torch', 'float32']):>11} | "
              f"{fmt_ratio(row['ratio', 'float64']):>9} {fmt_ratio(row['ratio', 'float32']):>9}")
    for net in nets:
        for dtype in ("float64", "float32"):
            peaks[net.name, dtype] = net_matmul_gflops(net, dtype)
    big64 = matmul_gflops(1024, 1024, 1024, "float64")
    big32 = matmul_gflops(1024, 1024, 1024, "float32")

    print()
    print("GFLOP/s of training (matmul flops) vs NumPy's matmul on the same shapes")
    header = (f"{'network':<18} | {'nnviz f64':>9} {'numpy f64':>9} {'share':>6} | "
              f"{'nnviz f32':>9} {'numpy f32':>9} {'share':>6}")
    print(header)
    print("-" * len(header))
    for net in nets:
        cells = []
        for dtype in ("float64", "float32"):
            achieved = rates[net.name]["nnviz", dtype] * net.flops_per_sample / 1e9
            peak = peaks[net.name, dtype]
            cells.append(f"{achieved:>9.2f} {peak:>9.2f} {achieved / peak:>6.0%}")
        print(f"{net.name:<18} | {cells[0]} | {cells[1]}")
    print(f"NumPy 1024x1024 @ 1024x1024: {big64:.1f} GFLOP/s float64, {big32:.1f} GFLOP/s float32")

    print()
    print("fit() beside Stepper.run (the window's Train: divergence checks, snapshots), float64")
    header = f"{'network':<18} {'batch':>5} | {'fit':>11} {'Stepper.run':>11} | {'ratio':>6}"
    print(header)
    print("-" * len(header))
    stepper_ratios = {}
    for net in nets:
        fit_rate, step_rate, ratio = fit_and_stepper(net, repeats)
        stepper_ratios[net.name] = ratio
        print(f"{net.name:<18} {net.batch_size:>5} | {fmt_rate(fit_rate):>11} "
              f"{fmt_rate(step_rate):>11} | {ratio:>6.0%}")

    print(f"load average at the end {load_average()}")
    print()
    print("targets")
    for net in (nets[0], nets[2]):
        ratio = stepper_ratios[net.name]
        print(f"  Stepper.run >= 90% of fit on {net.name}: {ratio:.0%} "
              f"{'met' if ratio >= 0.9 else 'MISSED'}")
    lecture, mnist = rates[nets[0].name], rates[nets[2].name]
    if lecture["ratio", "float64"] is not None:
        for what, ratio, goal in (
            ("lecture net float64 >= 3x PyTorch", lecture["ratio", "float64"], 3),
            ("lecture net float32 >= 3x PyTorch", lecture["ratio", "float32"], 3),
            ("MNIST net float32 >= PyTorch", mnist["ratio", "float32"], 1),
        ):
            print(f"  {what}: {ratio:.2f}x {'met' if ratio >= goal else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
