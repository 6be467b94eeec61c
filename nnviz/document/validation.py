"""Why a design cannot be trained yet: :func:`validate`, :func:`find_cycles`, :func:`chain`.

nnviz trains a *chain*: one input layer, then each layer feeding exactly one next layer,
ending in one output layer. A student may draw anything while rewiring; :func:`validate`
explains, one sentence per problem, what stands between the drawing and a chain.
Every function here takes time linear in the number of layers and connections.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnviz.document.specs import LayerSpec, quote, quote_names
from nnviz.engine.binary import one_unit_fits
from nnviz.errors import DesignError

if TYPE_CHECKING:
    from nnviz.document.document import Design

__all__ = ["Problem", "chain", "find_cycles", "validate"]


@dataclass(frozen=True)
class Problem:
    """Why a design cannot be trained, in one sentence, and the layer it concerns."""

    message: str
    layer_id: str | None = None


def validate(design: Design, n_features: int | None = None,
             n_targets: int | None = None) -> list[Problem]:
    """Every reason this design cannot be trained, one sentence each; ``[]`` if it can.

    nnviz trains a chain: exactly one input layer, each layer feeding exactly one next
    layer, ending in exactly one output layer. With ``n_features``/``n_targets`` (the
    data set's), the input and output sizes are checked against the data too.
    """
    problems: list[Problem] = []
    layers = design._layers
    by_id = {s.id: s for s in layers}
    inputs = [s for s in layers if s.kind == "input"]
    outputs = [s for s in layers if s.kind == "output"]
    if not inputs:
        problems.append(Problem(
            "The network has no input layer; drag an Input layer from the palette onto the "
            "canvas."))
    elif len(inputs) > 1:
        problems.append(Problem(
            f"The network has {len(inputs)} input layers ({quote_names(inputs)}) but nnviz "
            "trains a network with exactly one; delete the extra ones.", inputs[1].id))
    if not outputs:
        problems.append(Problem(
            "The network has no output layer; drag an Output layer onto the canvas and "
            "connect the last layer to it."))
    elif len(outputs) > 1:
        problems.append(Problem(
            f"The network has {len(outputs)} output layers ({quote_names(outputs)}) but nnviz "
            "trains a network with exactly one; delete the extra ones.", outputs[1].id))

    in_cycle: set[str] = set()
    for cycle in find_cycles(design):
        in_cycle.update(cycle)
        specs = [by_id[i] for i in cycle]
        problems.append(Problem(
            f"The connections between {quote_names(specs)} form a loop; data must flow one way, "
            "from the input to the output.", cycle[0]))

    for spec in layers:
        if spec.id in in_cycle:
            continue
        targets = [by_id[t] for t in design.outgoing(spec.id)]
        if len(targets) > 1:
            problems.append(Problem(
                f"{quote(spec)} feeds {len(targets)} layers ({quote_names(targets)}), but nnviz "
                "trains a chain in which each layer feeds only the next one; remove all but "
                "one of these connections.", spec.id))
        sources = [by_id[s] for s in design.incoming(spec.id)]
        if len(sources) > 1:
            problems.append(Problem(
                f"{quote(spec)} receives connections from {len(sources)} layers "
                f"({quote_names(sources)}), but nnviz trains a chain in which each layer gets its "
                "input from only the one before it; remove all but one of these connections.",
                spec.id))

    # Layers no path from the input reaches are not connected; a reached layer that
    # feeds nothing and is not the output is where the chain stops too early.
    if inputs:
        reached: set[str] = set()
        todo = [s.id for s in inputs]
        while todo:
            node = todo.pop()
            if node not in reached:
                reached.add(node)
                todo.extend(design.outgoing(node))
        for spec in layers:
            if spec.id not in reached or design.outgoing(spec.id) or spec.kind == "output":
                continue
            if not outputs:
                break  # "no output layer" says it already
            if spec.kind == "input" and len(inputs) > 1:
                continue  # "delete the extra ones" says it already
            if spec.kind == "input":
                message = (f"The input layer {quote(spec)} is not connected to anything; "
                           "drag a connection from it to the next layer.")
            else:
                message = (f"The chain stops at {quote(spec)}, which is not the output "
                           "layer; connect it to the next layer.")
            problems.append(Problem(message, spec.id))
        for spec in layers:
            if spec.id in reached or spec.id in in_cycle or spec.kind == "input":
                continue  # extra inputs and loops are reported above
            problems.append(Problem(
                f"{quote(spec)} is not connected to the chain from the input to the output; "
                "connect it or delete it.", spec.id))

    if n_features is not None and len(inputs) == 1 and inputs[0].units != n_features:
        spec = inputs[0]
        problems.append(Problem(
            f"The input layer {quote(spec)} has {spec.units} units but the data set has "
            f"{n_features} features; set its units to {n_features}.", spec.id))
    for spec in outputs:
        if n_targets is not None and spec.units != n_targets \
                and not one_unit_fits(spec.units, spec.activation, n_targets):
            # Two classes also fit one sigmoid or tanh unit (nnviz.engine.binary).
            either = (" (or 1 unit with a sigmoid or tanh activation)" if n_targets == 2
                      else "")
            problems.append(Problem(
                f"The output layer {quote(spec)} has {spec.units} units but the data set has "
                f"{n_targets} targets; set its units to {n_targets}{either}.", spec.id))
        if spec.activation == "softmax" and spec.units == 1:
            problems.append(Problem(
                f"Softmax on the 1-unit output {quote(spec)} always gives 1.0, so the network "
                "cannot learn; use sigmoid or give the output 2 units.", spec.id))
    return problems


def find_cycles(design: Design) -> list[list[str]]:
    """Each strongly connected group of layers that contains a loop (ids, in layer order)."""
    # Tarjan's algorithm, written iteratively so a long chain cannot hit the recursion limit.
    order = [s.id for s in design._layers]
    position = {layer_id: k for k, layer_id in enumerate(order)}
    succ = {i: design.outgoing(i) for i in order}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in order:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(succ[nxt])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                # A group of one is a loop only through a self-connection, which
                # connect() refuses; keep the test anyway for designs read from files.
                if len(group) > 1 or node in succ[node]:
                    groups.append(sorted(group, key=position.__getitem__))
    groups.sort(key=lambda g: position[g[0]])
    return groups


def chain(design: Design) -> list[LayerSpec]:
    """The layers from input to output, in order; DesignError with the first problem."""
    problems = validate(design)
    if problems:
        raise DesignError(problems[0].message, problems[0].layer_id)
    layers = [next(s for s in design._layers if s.kind == "input")]
    while True:
        nxt = design.outgoing(layers[-1].id)
        if not nxt:
            return layers
        layers.append(design.layer(nxt[0]))
