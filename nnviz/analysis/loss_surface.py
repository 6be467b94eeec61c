"""The loss surface: the loss over a plane through weight space, and the path across it.

A network's loss depends on all its weights at once; a picture can show it over two
directions only. :func:`loss_surface` evaluates the loss at the weights

    w(alpha, beta) = center + alpha * dir1 + beta * dir2

for a ``grid x grid`` lattice of ``(alpha, beta)`` in ``[-span, span]^2``. The directions
are weight lists shaped like ``model.get_weights()``:

* :func:`connection_direction`: one weight (a connection ``i -> j`` of one layer) - the
  plane of two chosen connections, with every other weight held at ``center``;
* :func:`pca_directions`: the run's two principal directions, from the time-travel
  snapshots (the SVD of ``snapshots - final``), the plane the training path lies closest to;
* :func:`random_directions`: two random directions, *filter-normalised* as in Li et al.,
  "Visualizing the Loss Landscape of Neural Nets" (2018): each neuron's column of the
  direction has the norm of that neuron's incoming weights, so the picture does not depend
  on the weights' scale; biases get no component.

:func:`project` places weights (the snapshots, the current weights) on the plane, so the
path training took can be drawn over the surface.

The grid is evaluated in batches of whole weight settings: one ``einsum`` per layer
computes every sample's pre-activation for a few hundred settings at once, so a 41 x 41
surface of the lecture net takes a few milliseconds, not 1681 model evaluations.
Qt-free: plain NumPy.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnviz.engine.layers import Dense

__all__ = ["loss_surface", "connection_direction", "largest_connections", "pca_directions",
           "random_directions",
           "project", "DEFAULT_GRID"]

#: Points per side of the grid a surface is evaluated on.
DEFAULT_GRID = 41
#: At most this many floats in one batch's activations (keeps memory near 64 MB).
_BATCH_FLOATS = 8_000_000


def _dense_layers(model) -> list[Dense]:
    layers = list(model.layers)
    if not layers or not all(isinstance(layer, Dense) and layer.use_bias for layer in layers):
        raise ValueError("The loss surface needs a model made only of Dense layers with "
                         "biases.")
    return layers


def _check_like(weights, reference, what: str) -> list[np.ndarray]:
    arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    if len(arrays) != len(reference) or any(
            a.shape != tuple(r) for a, r in zip(arrays, reference)):
        raise ValueError(f"{what} must be shaped like model.get_weights().")
    return arrays


def loss_surface(model, x, y, center_weights, dir1, dir2, span: float | Sequence[float] = 1.0,
                 grid: int = DEFAULT_GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss over the plane ``center + alpha * dir1 + beta * dir2``.

    ``span`` is a number (``alpha`` and ``beta`` both run over ``[-span, span]``) or a
    pair ``(span1, span2)``. Returns ``(alphas, betas, losses)``: ``alphas`` and ``betas``
    of shape ``(grid,)``, ``losses`` of shape ``(grid, grid)`` with ``losses[i, j]`` the
    mean loss over ``(x, y)`` (as ``model.evaluate`` reports it) at
    ``(alphas[i], betas[j])``. The model must be compiled (its loss is used); its own
    weights are not touched. A setting whose outputs overflow gets ``inf``/``nan``.
    """
    layers = _dense_layers(model)
    if model.loss is None:
        raise ValueError("Compile the model before computing its loss surface.")
    # Shapes only, read from the layers: the model's weights may be changing on another
    # thread (training) and are never used here.
    reference = []
    for layer in layers:
        if layer.kernel is None:
            raise ValueError("Build the model before computing its loss surface.")
        reference += [layer.kernel.shape, (layer.units,)]
    center = _check_like(center_weights, reference, "center_weights")
    d1 = _check_like(dir1, reference, "dir1")
    d2 = _check_like(dir2, reference, "dir2")
    grid = int(grid)
    if grid < 2:
        raise ValueError(f"grid must be at least 2, not {grid}")
    spans = np.asarray(span, dtype=float)
    s1, s2 = (float(spans), float(spans)) if spans.ndim == 0 else (float(spans[0]),
                                                                   float(spans[1]))
    alphas = np.linspace(-s1, s1, grid)
    betas = np.linspace(-s2, s2, grid)
    aa, bb = np.meshgrid(alphas, betas, indexing="ij")
    coeffs = np.column_stack([aa.ravel(), bb.ravel()])  # (P, 2)

    x = np.asarray(x, dtype=np.float64)
    y_true, _ = model.loss.prepare(np.asarray(y), np.zeros((len(x), layers[-1].units)))
    widest = max(layer.units for layer in layers)
    per_batch = max(1, _BATCH_FLOATS // max(1, len(x) * widest))
    losses = np.empty(len(coeffs))
    # The first layer's pre-activations at the centre and per unit of each direction.
    first = [x @ w[0] + w[1] for w in (center, d1, d2)]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for lo in range(0, len(coeffs), per_batch):
            c = coeffs[lo:lo + per_batch]
            # The first layer is linear in (alpha, beta): three small products, not B.
            z = (first[0][None] + c[:, 0, None, None] * first[1][None]
                 + c[:, 1, None, None] * first[2][None])                # (B, n, units)
            a = layers[0].activation.forward(z)
            for m, layer in enumerate(layers[1:], start=1):
                kernel = (center[2 * m][None] + c[:, 0, None, None] * d1[2 * m][None]
                          + c[:, 1, None, None] * d2[2 * m][None])      # (B, in, out)
                bias = (center[2 * m + 1][None] + c[:, 0, None] * d1[2 * m + 1][None]
                        + c[:, 1, None] * d2[2 * m + 1][None])          # (B, out)
                z = np.matmul(a, kernel)
                z += bias[:, None, :]
                a = layer.activation.forward(z)
            per_sample = model.loss.per_sample(y_true[None], a)          # (B, n)
            losses[lo:lo + len(c)] = per_sample.mean(axis=1)
        losses += _penalties(layers, coeffs, center, d1, d2)
    return alphas, betas, losses.reshape(grid, grid)


def _penalties(layers, coeffs, center, d1, d2) -> np.ndarray | float:
    """The weights' regularization penalty at each point (0.0 without regularizers): the
    loss Keras reports includes it, and so does the surface."""
    regs = [(k, r) for k, r in enumerate(r for layer in layers for r in layer.regularizers)
            if r is not None]
    if not regs:
        return 0.0
    return np.array([sum(r(center[k] + a * d1[k] + b * d2[k]) for k, r in regs)
                     for a, b in coeffs])


def connection_direction(weights, layer: int, i: int, j: int) -> list[np.ndarray]:
    """The unit direction of one weight: kernel ``[i, j]`` of Dense layer ``layer``.

    ``weights`` is a ``get_weights()`` list (for the shapes); the result is zero
    everywhere but a 1 at that entry, so ``alpha`` is that weight's change.
    """
    out = [np.zeros_like(np.asarray(w, dtype=np.float64)) for w in weights]
    kernel = out[2 * int(layer)]
    kernel[int(i), int(j)] = 1.0
    return out


def largest_connections(weights, count: int = 2) -> list[tuple[int, int, int]]:
    """The ``count`` connections with the largest ``|w|``, as ``(layer, i, j)`` (kernel
    ``[i, j]`` of Dense layer ``layer``), largest first: the weights the network leans on
    most, so the plane through them shows the loss changing. Fewer when the network has
    fewer connections; biases are not connections.
    """
    found = []
    for layer, kernel in enumerate(weights[0::2]):
        kernel = np.abs(np.nan_to_num(np.asarray(kernel, dtype=np.float64)))
        for flat in np.argsort(kernel, axis=None)[::-1][:count]:
            i, j = np.unravel_index(int(flat), kernel.shape)
            found.append((float(kernel[i, j]), layer, int(i), int(j)))
    found.sort(key=lambda item: (-item[0], item[1], item[2], item[3]))
    return [(layer, i, j) for _size, layer, i, j in found[:count]]


def _flatten(weights) -> np.ndarray:
    return np.concatenate([np.asarray(w, dtype=np.float64).ravel() for w in weights])


def _unflatten(vector: np.ndarray, like) -> list[np.ndarray]:
    out, at = [], 0
    for w in like:
        n = int(np.size(w))
        out.append(vector[at:at + n].reshape(np.shape(w)).copy())
        at += n
    return out


def pca_directions(snapshots, final) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """The run's two principal directions: ``(dir1, dir2, explained)``.

    ``snapshots`` is a list of weight lists (e.g. one per epoch) and ``final`` the weights
    the plane is centred on. The rows ``snapshot - final`` are decomposed by SVD; the two
    leading right singular vectors are the directions (unit length, orthogonal) and
    ``explained`` the share of the path's variance each one carries. Needs at least two
    snapshots that differ from ``final``.
    """
    f = _flatten(final)
    rows = np.array([_flatten(s) - f for s in snapshots])
    if len(rows) < 2 or np.count_nonzero(np.linalg.norm(rows, axis=1) > 0) < 2:
        raise ValueError("The principal directions need at least two snapshots that differ "
                         "from the current weights: train a few epochs first.")
    _u, s, vt = np.linalg.svd(rows, full_matrices=False)
    power = s ** 2
    explained = power[:2] / power.sum() if power.sum() > 0 else np.zeros(2)
    v2 = vt[1] if len(vt) > 1 else np.zeros_like(vt[0])
    return _unflatten(vt[0], final), _unflatten(v2, final), explained


def random_directions(weights, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Two random directions, filter-normalised (Li et al. 2018) to the weights' scale.

    Each direction is Gaussian noise whose every kernel column (the incoming weights of
    one neuron) is rescaled to the norm of that column of ``weights``; bias entries are
    zero. Reproducible for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    dirs = []
    for _ in range(2):
        d = []
        for w in weights:
            w = np.asarray(w, dtype=np.float64)
            if w.ndim == 2:
                r = rng.standard_normal(w.shape)
                r *= np.linalg.norm(w, axis=0, keepdims=True) / np.maximum(
                    np.linalg.norm(r, axis=0, keepdims=True), 1e-12)
                d.append(r)
            else:
                d.append(np.zeros_like(w))
        dirs.append(d)
    return dirs[0], dirs[1]


def project(weights, center, dir1, dir2) -> np.ndarray:
    """The coordinates ``(alpha, beta)`` of ``weights`` on the plane (least squares).

    ``weights`` is one weight list or a list of them (a path); returns shape ``(2,)`` or
    ``(n, 2)``. Exact for weights on the plane; otherwise the nearest point of it.
    """
    single = len(weights) > 0 and isinstance(weights[0], np.ndarray)
    paths = [weights] if single else list(weights)
    c = _flatten(center)
    basis = np.column_stack([_flatten(dir1), _flatten(dir2)])
    if not len(paths):
        return np.zeros((0, 2))
    rows = np.array([_flatten(w) - c for w in paths]).T          # (params, n)
    coords, *_ = np.linalg.lstsq(basis, rows, rcond=None)
    coords = coords.T
    return coords[0] if single else coords
