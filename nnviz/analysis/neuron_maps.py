"""What every neuron sees: each Dense neuron's activation over the input plane, all at once.

TensorFlow Playground draws, inside every neuron, a small map of that neuron's output over
the two inputs. :func:`neuron_maps` computes those maps for *every* Dense layer in ONE
forward pass over a ``grid x grid`` lattice of the input plane (a few hundred points; for the
lecture's 2-3-2 net well under a millisecond), so the training thread can refresh them a few
times a second without slowing training.

For data with more than two inputs there is no plane to draw; :func:`batch_activations`
gives each neuron's activations over a sample of the data instead (the window draws them
as a strip per neuron).

Qt-free: plain NumPy arrays in, plain NumPy arrays out.
"""
from __future__ import annotations

import numpy as np

from nnviz.data.features import plane_inputs
from nnviz.engine.layers import Dense

__all__ = ["neuron_maps", "plane_grid", "batch_activations", "neuron_views", "DEFAULT_GRID",
           "SAMPLE_LIMIT"]

#: Points per side of the lattice the small maps are computed on.
DEFAULT_GRID = 24
#: At most this many samples in the per-neuron strips of data with more than two inputs.
SAMPLE_LIMIT = 64


def plane_grid(plane, grid: int = DEFAULT_GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lattice over ``plane = (x0, x1, y0, y1)``: ``(xs, ys, points)``.

    ``xs`` and ``ys`` have ``grid`` values each (``linspace`` from the low to the high
    bound); ``points`` has shape ``(grid * grid, 2)`` and row ``i * grid + j`` is the point
    ``(xs[i], ys[j])`` (NumPy's ``"ij"`` indexing, as the output map uses).
    """
    x0, x1, y0, y1 = (float(v) for v in plane)
    grid = int(grid)
    if grid < 2:
        raise ValueError(f"grid must be at least 2, not {grid}")
    xs = np.linspace(x0, x1, grid)
    ys = np.linspace(y0, y1, grid)
    xx, yy = np.meshgrid(xs, ys, indexing="ij")
    return xs, ys, np.column_stack([xx.ravel(), yy.ravel()])


def _dense_activations(model, x: np.ndarray) -> list[np.ndarray]:
    """The activations of every Dense layer for the samples ``x`` (one forward pass)."""
    _zs, acts = model.forward_trace(x)
    return [a for layer, a in zip(model.layers, acts) if isinstance(layer, Dense)]


def neuron_maps(model, plane, grid: int = DEFAULT_GRID) -> list[np.ndarray]:
    """Each Dense neuron's activation over the input plane, per layer.

    ``plane = (x0, x1, y0, y1)`` bounds the two inputs. Returns one array per Dense layer
    of ``model`` (input side first), of shape ``(grid, grid, units)``: entry ``[i, j, k]``
    is neuron ``k``'s activation ``a`` at the input ``(xs[i], ys[j])`` of
    :func:`plane_grid`. All layers come from one forward pass over the ``grid**2`` points.
    Diverged weights give inf/NaN entries (as the model's own outputs would).
    """
    inputs = 2 + len(getattr(plane, "features", ()))  # x1, x2 and the plane's crosses
    if model.input_dim not in (None, inputs):
        raise ValueError(f"Neuron maps need a model with {inputs} inputs, not {model.input_dim}.")
    _xs, _ys, points = plane_grid(plane, grid)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        acts = _dense_activations(model, plane_inputs(plane, points))
    g = int(grid)
    return [np.asarray(a).reshape(g, g, a.shape[1]) for a in acts]


def batch_activations(model, x, limit: int = SAMPLE_LIMIT) -> list[np.ndarray]:
    """Each Dense neuron's activations over the samples ``x`` (at most ``limit`` of them).

    Returns one array per Dense layer, shape ``(n, units)`` with ``n = min(len(x), limit)``:
    what each neuron outputs for each of those samples, from one forward pass.
    """
    x = np.asarray(x)[: max(1, int(limit))]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return [np.asarray(a) for a in _dense_activations(model, x)]


def neuron_views(model, plane, x_sample=None, grid: int = DEFAULT_GRID) -> dict | None:
    """What the window draws in the neurons, as one dict (or None when nothing fits).

    With a 2-D ``plane`` (two inputs): ``{"kind": "plane", "rect": plane, "grid": grid,
    "layers": neuron_maps(...)}``. Otherwise, with samples ``x_sample``: ``{"kind":
    "batch", "layers": batch_activations(...)}``. Non-finite values (diverged weights)
    give None: there is nothing sensible to draw.
    """
    if plane is not None and len(plane) == 4:
        layers = neuron_maps(model, plane, grid)
        view = {"kind": "plane", "rect": tuple(float(v) for v in plane), "grid": int(grid),
                "layers": layers}
    elif x_sample is not None and len(x_sample):
        view = {"kind": "batch", "layers": batch_activations(model, x_sample)}
    else:
        return None
    if not all(np.all(np.isfinite(a)) for a in view["layers"]):
        return None
    return view
