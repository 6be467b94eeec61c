"""Network analysis, as MATLAB's ``analyzeNetwork`` and Sony NNC's statistics show it.

:func:`analyze` answers, for a project's design and settings (and, given them, its data and
its current model): each layer's parameter count, output shape and multiply-adds per
sample (:class:`LayerStats`), the totals (:class:`Analysis`), and the design's mistakes as
warnings that teach (:class:`DesignWarning`: a short title and why, in a lecture's words):

- ``softmax_mse``: a softmax output trained with mean squared error;
- ``linear_net``: hidden layers without an activation (the net is linear);
- ``regression_output``: a relu or softmax output on a regression;
- ``dead_relus``: a layer whose relus are all zero on every sample of the data;
- ``diverges``: a learning rate that diverges in a quick trial on a copy of the network.

The lecture's network (2 inputs, 3 relu, 2 softmax) has 2·3+3 + 3·2+2 = 17 parameters and
2·3 + 3·2 = 12 multiply-adds per sample. Qt-free; the window renders it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from nnviz.engine.inline_runner import InlineRunner
from nnviz.errors import DesignError, NnvizError
from nnviz.limits import ANALYSIS_SAMPLES, ANALYSIS_TRIAL_BATCHES, ANALYSIS_WORK

__all__ = ["LayerStats", "DesignWarning", "Analysis", "analyze", "layer_stats",
           "design_warnings", "dead_relu_warnings", "divergence_warning"]

#: How much the loss may grow in the trial before the learning rate counts as diverging.
DIVERGE_FACTOR = 3.0


@dataclass(frozen=True)
class LayerStats:
    """One layer's size: ``params = weights + biases``; ``output_shape`` as Keras writes it
    (``(None, units)``: any number of samples); ``macs``: multiply-adds per sample
    (its kernel's entries, ``inputs × units``)."""

    layer_id: str
    name: str
    inputs: int
    units: int
    weights: int
    biases: int
    macs: int

    @property
    def params(self) -> int:
        """Weights and biases together."""
        return self.weights + self.biases

    @property
    def output_shape(self) -> tuple[None, int]:
        """``(None, units)``: a batch of any size, ``units`` values per sample."""
        return (None, self.units)

    def card_text(self) -> str:
        """The line a layer card shows: ``"9 params · out (None, 3)"``."""
        word = "param" if self.params == 1 else "params"
        return f"{self.params:,} {word} · out (None, {self.units})"


@dataclass(frozen=True)
class DesignWarning:
    """A design mistake: ``code`` (which check), ``title`` (a few words), ``text`` (why it
    is a mistake and what to do, as a lecture would say it), ``layer_id`` (the layer it is
    about, or None for the whole network)."""

    code: str
    title: str
    text: str
    layer_id: str | None = None


@dataclass(frozen=True)
class Analysis:
    """The whole network: its layers' :class:`LayerStats` (input side first), totals and
    warnings."""

    layers: list[LayerStats] = field(default_factory=list)
    warnings: list[DesignWarning] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        """Every weight and bias of the network."""
        return sum(s.params for s in self.layers)

    @property
    def total_macs(self) -> int:
        """Multiply-adds for one sample's forward pass."""
        return sum(s.macs for s in self.layers)

    def summary(self) -> str:
        """``"17 parameters · 12 multiply-adds per sample"``."""
        params = "parameter" if self.total_params == 1 else "parameters"
        macs = "multiply-add" if self.total_macs == 1 else "multiply-adds"
        return f"{self.total_params:,} {params} · {self.total_macs:,} {macs} per sample"

    def stats(self, layer_id: str) -> LayerStats | None:
        """The stats of layer ``layer_id`` (None if it is not in the analysis)."""
        return next((s for s in self.layers if s.layer_id == layer_id), None)


# ---------------------------------------------------------------------- sizes
def layer_stats(design) -> list[LayerStats]:
    """Each layer's parameters, output shape and multiply-adds, from the connections.

    A layer's inputs are the units of the layers wired into it (none for an input layer,
    which has no weights); so a design that is not a chain yet is counted as drawn.
    Layers are listed in the design's chain order when it is a chain, else as added.
    """
    try:
        order = design.chain()
    except DesignError:
        order = list(design.layers)
    units = {spec.id: int(spec.units) for spec in design.layers}
    stats = []
    for spec in order:
        inputs = sum(units[c.source] for c in design.connections if c.target == spec.id)
        weights = 0 if spec.kind == "input" else inputs * int(spec.units)
        biases = 0 if spec.kind == "input" else int(spec.units)
        stats.append(LayerStats(spec.id, spec.name, inputs, int(spec.units), weights, biases,
                                weights))
    return stats


# ---------------------------------------------------------------------- warnings
def _walk(design) -> list:
    """The layers from the input along the wires, as far as they make one path: the
    chain, also when the validation refuses it for a reason these warnings explain (a
    1-unit softmax output)."""
    try:
        return design.chain()
    except DesignError:
        return _path_from_input(design)


def _path_from_input(design) -> list:
    inputs = [s for s in design.layers if s.kind == "input"]
    if len(inputs) != 1:
        return []
    path = [inputs[0]]
    while len(path) <= len(design.layers):
        nexts = [c.target for c in design.connections if c.source == path[-1].id]
        if len(nexts) != 1:
            break
        path.append(design.layer(nexts[0]))
    return path


def design_warnings(design, loss: str, task: str | None = None) -> list[DesignWarning]:
    """The warnings the design and loss alone give (no data, no weights): softmax with MSE,
    a linear net, a relu or softmax output on a regression (``task`` from the data set)."""
    chain = _walk(design)
    if len(chain) < 2 or chain[0].kind != "input" or chain[-1].kind != "output":
        return []  # not a network yet: the validation says what is missing
    out: list[DesignWarning] = []
    output = chain[-1]
    hidden = [s for s in chain[1:-1]]
    if output.activation == "softmax" and loss == "mean_squared_error" and task != "regression":
        out.append(DesignWarning(
            "softmax_mse", "Softmax output with mean squared error",
            "When softmax is sure and wrong, its gradient through mean squared error is "
            "almost 0, so the network learns slowest where it is most wrong. With "
            "categorical crossentropy the gradient is simply ŷ − y: use that loss for "
            "classes.", output.id))
    if hidden and all(s.activation == "linear" for s in hidden):
        out.append(DesignWarning(
            "linear_net", "No hidden activation: the network is linear",
            "Linear layers in a row are one linear layer: W₂(W₁x + b₁) + b₂ = (W₂W₁)x + "
            "(W₂b₁ + b₂). The hidden layers add nothing, and the network can only draw "
            "straight boundaries. Give the hidden layers an activation such as relu or tanh.",
            hidden[0].id))
    if task == "regression" and output.activation in ("relu", "softmax"):
        why = ("a relu output is never below 0 and passes no gradient where z < 0, so "
               "negative targets cannot be reached" if output.activation == "relu" else
               "softmax outputs always sum to 1 (one output is always exactly 1), so they "
               "cannot follow the target")
        out.append(DesignWarning(
            "regression_output", f"{output.activation.capitalize()} output on a regression",
            f"This data set asks for numbers, but {why}. A regression's output layer "
            "should be linear.", output.id))
    return out


def dead_relu_warnings(design, model, x: np.ndarray,
                       samples: int = ANALYSIS_SAMPLES) -> list[DesignWarning]:
    """A warning for each relu layer of ``model`` (built from ``design``'s chain) whose
    units are all 0 on every one of the first ``samples`` samples of ``x``."""
    try:
        chain = design.chain()[1:]
    except DesignError:
        return []
    x = np.asarray(x)[:samples]
    if len(chain) != len(model.dense_layers) or not len(x):
        return []
    with np.errstate(all="ignore"):
        _zs, acts = model.forward_trace(x.astype(model.dtype, copy=False))
    out = []
    for spec, a in zip(chain, acts):
        if spec.activation == "relu" and np.all(np.asarray(a) == 0):
            units = "relu" if spec.units == 1 else f"{spec.units} relus"
            out.append(DesignWarning(
                "dead_relus", f"All relus of {spec.name} are 0",
                f"The {units} of {spec.name} output 0 on every sample: their z is below 0, "
                "where relu's slope is 0, so no gradient flows through them and the layers "
                "before them stop learning. Reset for new weights, lower the learning rate, "
                "or try leaky_relu.", spec.id))
    return out


def divergence_warning(model, x: np.ndarray, y: np.ndarray, batch_size: int,
                       learning_rate: float) -> DesignWarning | None:
    """Train ``model`` (a *copy*: its weights change) for a few batches on the first
    samples of ``(x, y)`` and warn when the loss grows :data:`DIVERGE_FACTOR` times or
    stops being a number: the learning rate is too large for this network and data."""
    from nnviz.engine.training import Stepper

    n = min(len(x), ANALYSIS_SAMPLES)
    if n == 0:
        return None
    x = np.asarray(x[:n], dtype=model.dtype)
    y = np.asarray(y[:n], dtype=model.dtype)
    batch_size = max(1, min(int(batch_size), n))
    with np.errstate(all="ignore"):
        before = float(model.evaluate(x, y, batch_size=n, return_dict=True)["loss"])
        if not np.isfinite(before):
            return None  # diverged already: the run says so itself
        stepper = Stepper(model, x, y, batch_size=batch_size, shuffle=False, seed=0,
                          snapshot_every_epoch=False, stop_on_divergence=False)
        runner = InlineRunner()  # the one code that moves a stepper's weights
        for _ in range(ANALYSIS_TRIAL_BATCHES):
            runner.step(stepper, "batch")
            if not np.all([np.all(np.isfinite(w)) for w in model.get_weights()]):
                break
        after = float(model.evaluate(x, y, batch_size=n, return_dict=True)["loss"])
    if np.isfinite(after) and after <= DIVERGE_FACTOR * before + 1e-9:
        return None
    grown = "no longer a number" if not np.isfinite(after) else f"{after:.3g}"
    return DesignWarning(
        "diverges", f"Learning rate {learning_rate:g} diverges",
        f"In a quick trial ({ANALYSIS_TRIAL_BATCHES} batches on a copy of the network) the "
        f"loss went from {before:.3g} to {grown}: each step jumps past the minimum and "
        f"lands higher up the other side. Try a smaller learning rate, such as "
        f"{learning_rate / 10:g}.")


def _detached_model(project):
    """The project's compiled model, built from a copy of its design: ``build_model``
    stores the weights it draws in the design it builds from, and the analysis must
    change nothing (a stored weight is an event the window answers, by analysing again)."""
    from nnviz.document import Design

    design = Design()
    design.replace_with(project.design)
    t = project.training
    built = design.build_model(dtype=t.dtype, seed=t.seed)
    built.compile(optimizer=t.make_optimizer(), loss=t.loss, metrics=list(t.metrics))
    return built


def analyze(project, data=None, model=None, trial: bool = True) -> Analysis:
    """The analysis of ``project`` (its design and training settings).

    With ``data`` (its :class:`~nnviz.data.datasets.Dataset`), a network that fits it is also
    checked on the data: dead relus on ``model`` (the run's model; by default one built
    from the design) and, with ``trial``, the learning rate in a quick trial on a copy
    built from the design's weights. Neither the project (its design emits nothing) nor
    ``model`` is changed.
    """
    design, t = project.design, project.training
    task = data.task if data is not None else None
    warnings = design_warnings(design, t.loss, task)
    stats = layer_stats(design)
    macs = max(1, sum(s.macs for s in stats))
    samples = min(ANALYSIS_SAMPLES, ANALYSIS_WORK // macs)
    # A training step costs about three forward passes (forward, backward, update).
    trial = trial and 3 * macs * t.batch_size * ANALYSIS_TRIAL_BATCHES <= ANALYSIS_WORK
    if data is not None and samples >= 16 and not design.validate(data.n_features,
                                                                   data.n_targets):
        try:
            current = model if model is not None else _detached_model(project)
            warnings += dead_relu_warnings(design, current, data.x_train, samples)
            if trial:
                # A copy of the run's model (a new Design per analysis left cycles of
                # evented objects for the collector), else one from a copy of the design.
                trial_model = copy.deepcopy(model) if model is not None \
                    else _detached_model(project)
                trial_model.compile(optimizer=t.make_optimizer(), loss=t.loss,
                                    metrics=list(t.metrics))
                found = divergence_warning(trial_model, data.x_train, data.y_train,
                                           t.batch_size, t.learning_rate)
                warnings += [found] if found is not None else []
        except (NnvizError, ValueError):
            # The run reports what keeps this network from training on these data.
            return Analysis(stats, warnings)
    return Analysis(stats, warnings)
