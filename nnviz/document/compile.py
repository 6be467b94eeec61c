"""Compile a design into a model: :func:`build_model` (design -> ``Sequential``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnviz.document.arrays import fit_block
from nnviz.document.validation import chain as _chain
from nnviz.engine.layers import Dense
from nnviz.engine.models import Sequential
from nnviz.engine.utils import set_random_seed
from nnviz.errors import DesignError
from nnviz.limits import MAX_WEIGHTS

if TYPE_CHECKING:
    from nnviz.document.document import Design

__all__ = ["build_model", "dense_name"]


def dense_name(position: int) -> str:
    """The name of the Dense layer at ``position`` (0 = the first after the input).

    ``dense``, ``dense_1``, ``dense_2``, ...: the names Keras gives the layers of the
    first model of a fresh session. A model compiled from a design always gets these, so
    the weight files' keys (``dense.kernel``, ``dense_1.kernel``, ...) do not depend on how
    many models were built before in the process.
    """
    return "dense" if position == 0 else f"dense_{position}"


def build_model(design: Design, dtype: str = "float64", seed: int = 0) -> Sequential:
    """A ``Sequential`` of ``Dense`` layers over the design's chain, weights carried over.

    Each layer's weights start from its initializer (seeded by ``seed``); then every
    stored kernel and bias is copied over them where the shapes fit, and where a
    layer's units changed the overlapping block (the neurons that remain) is kept.
    The document then stores what the model holds (``weights_changed``). The Dense
    layers are named by their place in the chain (:func:`dense_name`).
    """
    chain = _chain(design)
    if len(chain) < 2:
        raise DesignError("The network needs at least one layer after the input.")
    n_weights = sum(a.units * b.units + b.units for a, b in zip(chain[:-1], chain[1:]))
    if n_weights > MAX_WEIGHTS:
        raise DesignError(
            f"The network would have {n_weights:,} weights; nnviz builds networks of at most "
            f"{MAX_WEIGHTS:,}. Give some layers fewer neurons.")
    set_random_seed(seed)
    dense = []
    for k, spec in enumerate(chain[1:]):
        kwargs: dict[str, Any] = {"activation": spec.activation, "kernel_initializer": spec.initializer,
                  "name": dense_name(k)}
        if k == 0:
            kwargs["input_shape"] = (chain[0].units,)
        dense.append(Dense(spec.units, **kwargs))
    model = Sequential(dense, dtype=dtype)
    weights = model.get_weights()
    for k, (src, tgt) in enumerate(zip(chain[:-1], chain[1:], strict=True)):
        kernel = design.kernel(src.id, tgt.id)
        if kernel is not None:
            weights[2 * k] = fit_block(kernel, weights[2 * k]).astype(weights[2 * k].dtype)
        bias = design.bias(tgt.id)
        if bias is not None:
            weights[2 * k + 1] = fit_block(bias, weights[2 * k + 1]).astype(
                weights[2 * k + 1].dtype)
    model.set_weights(weights)
    design.store_weights(model.get_weights())
    return model
