"""Network analysis (nnviz.analysis.network_analysis): sizes by hand, and each warning for a network built to
give it, gone when the mistake is fixed."""
from __future__ import annotations

import numpy as np

from nnviz.analysis.network_analysis import (
    analyze,
    dead_relu_warnings,
    design_warnings,
    layer_stats,
)
from nnviz.data.dataset_spec import DatasetSpec
from nnviz.document import Design
from nnviz.files.project import Project


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


def chain_design(units, activations) -> Design:
    """input -> hidden ... -> output, wired left to right."""
    design = Design()
    ids = [design.add_layer("input", units=units[0])]
    for n, act in zip(units[1:-1], activations[:-1]):
        ids.append(design.add_layer("hidden", units=n, activation=act))
    ids.append(design.add_layer("output", units=units[-1], activation=activations[-1]))
    for a, b in zip(ids, ids[1:]):
        design.connect(a, b)
    return design


def test_lecture_network_has_17_parameters_and_12_multiply_adds():
    analysis = analyze(Project.lecture_example())
    assert [(s.weights, s.biases, s.params) for s in analysis.layers] == [
        (0, 0, 0), (2 * 3, 3, 9), (3 * 2, 2, 8)]
    assert [s.output_shape for s in analysis.layers] == [(None, 2), (None, 3), (None, 2)]
    assert analysis.total_params == 17 == 2 * 3 + 3 + 3 * 2 + 2
    assert analysis.total_macs == 12
    assert analysis.summary() == "17 parameters · 12 multiply-adds per sample"
    assert analysis.layers[1].card_text() == "9 params · out (None, 3)"


def test_sizes_by_hand_for_a_deeper_net_and_the_engine_agrees():
    design = chain_design([4, 5, 7, 3], ["tanh", "relu", "softmax"])
    stats = layer_stats(design)
    assert [s.params for s in stats] == [0, 4 * 5 + 5, 5 * 7 + 7, 7 * 3 + 3]
    assert sum(s.macs for s in stats) == 4 * 5 + 5 * 7 + 7 * 3
    assert sum(s.params for s in stats) == design.build_model().count_params() == 91


def test_a_layer_not_wired_yet_counts_what_is_drawn():
    design = Design()
    a = design.add_layer("input", units=2)
    h = design.add_layer("hidden", units=3)
    stats = {s.layer_id: s for s in layer_stats(design)}
    assert stats[h].params == 3 and stats[h].inputs == 0  # its biases only
    design.connect(a, h)
    assert {s.layer_id: s for s in layer_stats(design)}[h].params == 9


def test_softmax_with_mse_warns_and_crossentropy_fixes_it():
    design = Project.lecture_example().design
    found = design_warnings(design, "mean_squared_error", "classification")
    assert codes(found) == ["softmax_mse"]
    assert found[0].layer_id == design.chain()[-1].id and "ŷ − y" in found[0].text
    assert design_warnings(design, "categorical_crossentropy", "classification") == []


def test_no_hidden_activation_warns_that_the_net_is_linear():
    design = chain_design([2, 4, 4, 2], ["linear", "linear", "softmax"])
    found = design_warnings(design, "categorical_crossentropy")
    assert codes(found) == ["linear_net"] and "(W₂W₁)x" in found[0].text
    design.set_activation(design.chain()[2].id, "tanh")  # one nonlinear layer is enough
    assert design_warnings(design, "categorical_crossentropy") == []
    # No hidden layer at all is a linear model on purpose (logistic regression), no mistake.
    assert design_warnings(chain_design([2, 2], ["softmax"]), "categorical_crossentropy") == []


def test_relu_or_softmax_output_on_a_regression_warns():
    for activation in ("relu", "softmax"):
        design = chain_design([1, 8, 1], ["tanh", activation])
        found = design_warnings(design, "mean_squared_error", "regression")
        assert codes(found) == ["regression_output"], activation
        assert "should be linear" in found[0].text
        # The same output on classes is no regression mistake.
        assert "regression_output" not in codes(
            design_warnings(design, "mean_squared_error", "classification"))
    assert design_warnings(chain_design([1, 8, 1], ["tanh", "linear"]), "mean_squared_error",
                           "regression") == []


def test_relus_all_zero_on_the_data_warn():
    design = chain_design([2, 3, 2], ["relu", "softmax"])
    model = design.build_model(seed=0)
    x = np.random.default_rng(0).normal(size=(50, 2))
    assert dead_relu_warnings(design, model, x) == []
    kernel, bias, *rest = model.get_weights()
    model.set_weights([kernel, np.full(3, -100.0), *rest])  # z < 0 for every sample
    found = dead_relu_warnings(design, model, x)
    assert codes(found) == ["dead_relus"] and found[0].layer_id == design.chain()[1].id
    assert "3 relus of Hidden 1 output 0 on every sample" in found[0].text
    model.set_weights([kernel, np.array([-100.0, 0.5, -100.0]), *rest])  # one alive
    assert dead_relu_warnings(design, model, x) == []


def test_a_learning_rate_that_diverges_in_the_trial_warns_on_a_copy():
    project = Project.lecture_example()
    data = project.load_dataset()
    weights = [w.copy() for w in project.build_model().get_weights()]
    project.design.store_weights(weights)
    assert "diverges" not in codes(analyze(project, data).warnings)
    project.update_training(learning_rate=10.0)
    found = [w for w in analyze(project, data).warnings if w.code == "diverges"]
    assert len(found) == 1 and "Learning rate 10 diverges" == found[0].title
    assert "such as 1." in found[0].text
    # The trial trained a copy: the project's weights are as they were.
    for ours, before in zip(project.build_model().get_weights(), weights):
        np.testing.assert_array_equal(ours, before)


def test_data_checks_need_data_that_fits():
    project = Project.lecture_example()
    project.update_training(learning_rate=10.0)
    # Iris has 4 inputs: the network does not fit it, so nothing is tried on it.
    iris = DatasetSpec("iris", {"seed": 0}).load()
    assert codes(analyze(project, iris).warnings) == []


def test_the_analysis_changes_nothing_in_the_design():
    """A design without weights yet: building its model draws and stores them (an event the
    window answers by analysing again, forever); the analysis builds from a copy."""
    project = Project.lecture_example()
    project.design.clear_weights()
    data = project.load_dataset()
    events = []
    project.design.events.weights_changed.connect(lambda *a: events.append(a))
    before = project.design.to_dict()
    analyze(project, data)
    assert events == [] and project.design.to_dict() == before
