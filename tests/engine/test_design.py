"""The design document: commands and their undo, events, validation, weights and files."""
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.document import Connection, Design, LayerSpec, Problem
from nnviz.errors import DesignError, ProjectFileError

# ---------------------------------------------------------------------- helpers


def ids(design):
    return [s.id for s in design.layers]


def with_weights(design, seed=0):
    """Give the design's chain weights of the right shapes (as a built model would)."""
    rng = np.random.default_rng(seed)
    weights = []
    chain = design.chain()
    for src, tgt in zip(chain[:-1], chain[1:], strict=True):
        weights += [rng.normal(size=(src.units, tgt.units)), rng.normal(size=(tgt.units,))]
    design.store_weights(weights)
    return design


def record(design):
    """Every event the design emits, in order, as tuples (name, *args)."""
    log = []
    for name in ("layer_added", "layer_removed", "layer_changed", "layer_moved",
                 "connection_added", "connection_removed", "weights_changed", "reset"):
        getattr(design.events, name).connect(
            lambda *args, _name=name: log.append((_name, *args)))
    return log


def messages(design, **data):
    return [p.message for p in design.validate(**data)]


@pytest.fixture
def lecture():
    return Design.lecture_example()


@pytest.fixture
def trained():
    """The lecture example with a second hidden layer, weights stored on every connection."""
    d = Design()
    i = d.add_layer("input", x=0)
    h1 = d.add_layer("hidden", x=100, units=4)
    h2 = d.add_layer("hidden", x=200)
    o = d.add_layer("output", x=300)
    d.connect(i, h1)
    d.connect(h1, h2)
    d.connect(h2, o)
    d.undo_stack.clear()
    return with_weights(d)


# ---------------------------------------------------------------------- building


def test_new_layers_get_the_defaults_and_unique_names():
    d = Design()
    a = d.add_layer("input")
    b = d.add_layer("hidden", x=5, y=-7)
    c = d.add_layer("hidden")
    e = d.add_layer("output")
    f = d.add_layer("output")
    specs = [d.layer(x) for x in (a, b, c, e, f)]
    assert [(s.kind, s.name, s.units, s.activation, s.initializer) for s in specs] == [
        ("input", "Input", 2, "linear", "glorot_uniform"),
        ("hidden", "Hidden 1", 3, "relu", "glorot_uniform"),
        ("hidden", "Hidden 2", 3, "relu", "glorot_uniform"),
        ("output", "Output", 2, "softmax", "glorot_uniform"),
        ("output", "Output 2", 2, "softmax", "glorot_uniform"),
    ]
    assert (specs[1].x, specs[1].y) == (5.0, -7.0)
    assert len(set(ids(d))) == 5
    # a removed name becomes free again, and a name in use is skipped
    d.set_name(b, "Hidden 3")
    assert d.layer(d.add_layer("hidden")).name == "Hidden 4"


def test_lecture_example_is_the_lectures_network(lecture):
    chain = lecture.chain()
    assert [(s.kind, s.units, s.activation) for s in chain] == [
        ("input", 2, "linear"), ("hidden", 3, "relu"), ("output", 2, "softmax")]
    assert lecture.connections == [Connection(chain[0].id, chain[1].id),
                                   Connection(chain[1].id, chain[2].id)]
    assert lecture.validate(n_features=2, n_targets=2) == []
    assert not lecture.undo_stack.can_undo and lecture.undo_stack.is_clean
    assert lecture.kernel(chain[0].id, chain[1].id) is None and lecture.bias(chain[1].id) is None


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "conv"}, "'conv' is not a kind of layer"),
    ({"kind": "hidden", "units": 0}, "at least 1"),
    ({"kind": "hidden", "units": 2.5}, "whole number"),
    ({"kind": "hidden", "units": True}, "whole number"),
    ({"kind": "hidden", "activation": "relux"}, "'relux' is not an activation"),
    ({"kind": "input", "activation": "relu"}, "no activation function"),
    ({"kind": "hidden", "name": "  "}, "name that is not empty"),
    ({"kind": "hidden", "name": "Input"}, "already called 'Input'"),
])
def test_add_layer_refuses_bad_values(kwargs, message):
    d = Design()
    d.add_layer("input")
    with pytest.raises(DesignError, match=message):
        d.add_layer(**kwargs)
    assert len(d.layers) == 1 and d.undo_stack.count == 1


def test_connect_refusals_are_readable(lecture):
    i, h, o = ids(lecture)
    cases = [
        ((h, h), "'Hidden 1' cannot be connected to itself."),
        ((i, h), "'Input' is already connected to 'Hidden 1'."),
        ((h, i), "'Input' is an input layer: it receives the data, not connections from other layers."),
        ((o, h), "'Output' is the output layer: it gives the prediction and cannot feed another layer."),
        ((i, "nope"), "There is no layer with id 'nope' in this design."),
    ]
    for (a, b), message in cases:
        with pytest.raises(DesignError) as info:
            lecture.connect(a, b)
        assert str(info.value) == message
    assert lecture.undo_stack.count == 0
    with pytest.raises(DesignError, match="'Input' is not connected to 'Output'"):
        lecture.disconnect(i, o)


def test_loops_and_branches_may_be_drawn(lecture):
    i, h, o = ids(lecture)
    h2 = lecture.add_layer("hidden")
    lecture.connect(h, h2)
    lecture.connect(h2, h)  # a loop: allowed while rewiring
    lecture.connect(i, o)   # a skip connection: allowed, reported by validate
    assert len(lecture.connections) == 5
    assert lecture.validate() != []


# ---------------------------------------------------------------------- undo of every command

EDITS = {
    "add input": lambda d, i, h1, h2, o: d.add_layer("input", x=3, y=4),
    "add hidden": lambda d, i, h1, h2, o: d.add_layer("hidden", units=7, activation="tanh"),
    "add output": lambda d, i, h1, h2, o: d.add_layer("output", name="Scores"),
    "remove hidden": lambda d, i, h1, h2, o: d.remove_layer(h1),
    "remove input": lambda d, i, h1, h2, o: d.remove_layer(i),
    "remove selection": lambda d, i, h1, h2, o: d.remove([h2, i], [(h1, h2)]),
    "remove connections": lambda d, i, h1, h2, o: d.remove((), [(h2, o), (i, h1)]),
    "move": lambda d, i, h1, h2, o: d.move_layer(h1, 12.5, -3.0),
    "move several": lambda d, i, h1, h2, o: d.move_layers({i: (1, 2), o: (3, 4)}),
    "connect": lambda d, i, h1, h2, o: d.connect(i, o),
    "disconnect": lambda d, i, h1, h2, o: d.disconnect(h1, h2),
    "units down": lambda d, i, h1, h2, o: d.set_units(h1, 2),
    "units up": lambda d, i, h1, h2, o: d.set_units(h1, 9),
    "input units": lambda d, i, h1, h2, o: d.set_units(i, 5),
    "output units": lambda d, i, h1, h2, o: d.set_units(o, 1),
    "activation": lambda d, i, h1, h2, o: d.set_activation(h2, "sigmoid"),
    "initializer": lambda d, i, h1, h2, o: d.set_initializer(h2, "he_normal"),
    "name": lambda d, i, h1, h2, o: d.set_name(o, "Prediction"),
    "weight": lambda d, i, h1, h2, o: d.set_weight(h1, h2, 3, 1, 0.25),
    "bias": lambda d, i, h1, h2, o: d.set_bias(o, 1, -2.0),
}


@pytest.mark.parametrize("edit", EDITS)
def test_every_command_undoes_and_redoes_exactly(trained, edit):
    before = trained.to_dict()
    EDITS[edit](trained, *ids(trained))
    after = trained.to_dict()
    assert after != before
    assert trained.undo_stack.count == 1 and trained.undo_stack.undo_text
    trained.undo()
    assert trained.to_dict() == before
    trained.redo()
    assert trained.to_dict() == after
    trained.undo()
    assert trained.to_dict() == before
    json.dumps(after)  # plain JSON


def test_an_edit_that_changes_nothing_is_no_undo_step(trained):
    i, h1, h2, o = ids(trained)
    trained.move_layer(h1, 100, 0)
    trained.set_units(h1, 4)
    trained.set_activation(h1, "relu")
    trained.set_name(h1, "Hidden 1")
    trained.remove()
    assert trained.undo_stack.count == 0


def test_undo_puts_removed_layers_and_connections_back_in_their_places(trained):
    i, h1, h2, o = ids(trained)
    trained.connect(i, h2)
    before = trained.to_dict()
    trained.remove([h1, o])
    assert ids(trained) == [i, h2]
    assert trained.connections == [Connection(i, h2)]
    assert trained.undo_stack.undo_text == "Delete 2 items"
    trained.undo()
    assert trained.to_dict() == before and ids(trained) == [i, h1, h2, o]


def test_undo_texts_say_what_will_be_undone(lecture):
    i, h, o = ids(lecture)
    lecture.set_units(h, 5)
    assert lecture.undo_stack.undo_text == "Set Hidden 1 units to 5"
    lecture.move_layer(o, 1, 1)
    assert lecture.undo_stack.undo_text == "Move Output"
    lecture.disconnect(h, o)
    assert lecture.undo_stack.undo_text == "Disconnect Hidden 1 from Output"
    lecture.undo()
    assert lecture.undo_stack.redo_text == "Disconnect Hidden 1 from Output"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=8))
def test_any_sequence_of_edits_unwinds_exactly(names):
    d = Design()
    for kind in ("input", "hidden", "hidden", "output"):
        d.add_layer(kind)
    i, h1, h2, o = ids(d)
    d.connect(i, h1), d.connect(h1, h2), d.connect(h2, o)
    d.set_units(h1, 4)
    with_weights(d)
    d.undo_stack.clear()
    states = [d.to_dict()]
    for name in names:
        try:
            EDITS[name](d, i, h1, h2, o)
        except DesignError:
            pass  # refused in this state (e.g. the layer was removed)
        if d.undo_stack.count == len(states):
            states.append(d.to_dict())
        else:  # refused or changing nothing: no undo step and no change
            assert d.undo_stack.count == len(states) - 1 and d.to_dict() == states[-1]
    for state in reversed(states[:-1]):
        d.undo()
        assert d.to_dict() == state
    for state in states[1:]:
        d.redo()
        assert d.to_dict() == state


# ---------------------------------------------------------------------- events


def test_events_announce_each_change(lecture):
    i, h, o = ids(lecture)
    log = record(lecture)
    h2 = lecture.add_layer("hidden")
    lecture.connect(h, h2)
    lecture.move_layers({h: (1, 1), h2: (2, 2)})
    lecture.set_units(h2, 4)
    lecture.set_activation(h2, "tanh")
    lecture.set_name(h2, "Extra")
    lecture.set_initializer(h2, "he_uniform")
    lecture.disconnect(h, h2)
    assert log == [
        ("layer_added", h2), ("connection_added", h, h2),
        ("layer_moved", h), ("layer_moved", h2),
        ("layer_changed", h2), ("layer_changed", h2), ("layer_changed", h2), ("layer_changed", h2),
        ("connection_removed", h, h2),
    ]
    log.clear()
    lecture.remove_layer(h)
    # the connections go first, so a view never shows a line to a layer that is gone
    assert sorted(log[:2]) == [("connection_removed", i, h), ("connection_removed", h, o)]
    assert log[2:] == [("layer_removed", h)]
    log.clear()
    lecture.undo()
    assert log == [("layer_added", h), ("connection_added", i, h), ("connection_added", h, o)]


def test_weight_events(trained):
    i, h1, h2, o = ids(trained)
    log = record(trained)
    trained.set_weight(i, h1, 0, 0, 1.5)
    trained.set_bias(h1, 2, 0.5)
    trained.set_units(h1, 2)
    with_weights(trained, seed=3)
    trained.undo()
    assert log == [("weights_changed",), ("weights_changed",),
                   ("layer_changed", h1), ("weights_changed",), ("weights_changed",),
                   ("layer_changed", h1), ("weights_changed",)]


def test_replace_with_swaps_content_in_place_and_clears_undo(lecture, trained):
    lecture.add_layer("hidden")
    events = lecture.events
    log = record(lecture)
    lecture.replace_with(trained)
    assert lecture == trained and lecture.events is events
    assert log == [("reset",)]
    assert not lecture.undo_stack.can_undo and lecture.undo_stack.is_clean
    # a copy: editing one does not change the other
    lecture.set_weight(*ids(lecture)[:2], 0, 0, 42.0)
    assert lecture != trained
    assert trained.kernel(*ids(trained)[:2])[0, 0] != 42.0
    new = lecture.add_layer("hidden")
    assert new not in ids(trained)


# ---------------------------------------------------------------------- validation


def build(*kinds, wires=(), **units):
    d = Design()
    for kind in kinds:
        d.add_layer(kind)
    names = {s.name: s.id for s in d.layers}
    for a, b in wires:
        d.connect(names[a], names[b])
    return d, names


def test_validation_no_input_no_output():
    d = Design()
    assert messages(d) == [
        "The network has no input layer; drag an Input layer from the palette onto the canvas.",
        "The network has no output layer; drag an Output layer onto the canvas and connect the "
        "last layer to it.",
    ]
    with pytest.raises(DesignError, match="no input layer"):
        d.chain()


def test_validation_more_than_one_input():
    d, n = build("input", "input", "output", wires=[("Input", "Output")])
    problems = d.validate()
    assert problems[0] == Problem(
        "The network has 2 input layers ('Input' and 'Input 2') but nnviz trains a network "
        "with exactly one; delete the extra ones.", n["Input 2"])
    assert len(problems) == 1


def test_validation_cycle():
    d, n = build("input", "hidden", "hidden", "output",
                 wires=[("Input", "Hidden 1"), ("Hidden 1", "Hidden 2"), ("Hidden 2", "Hidden 1")])
    msgs = messages(d)
    assert msgs[0] == ("The connections between 'Hidden 1' and 'Hidden 2' form a loop; data must "
                       "flow one way, from the input to the output.")
    assert "'Output' is not connected to the chain from the input to the output; connect it or "\
        "delete it." in msgs
    with pytest.raises(DesignError, match="form a loop"):
        d.chain()


def test_validation_branch_and_merge():
    d, n = build("input", "hidden", "hidden", "output",
                 wires=[("Input", "Hidden 1"), ("Input", "Hidden 2"),
                        ("Hidden 1", "Output"), ("Hidden 2", "Output")])
    problems = d.validate()
    assert [p.message for p in problems] == [
        "'Input' feeds 2 layers ('Hidden 1' and 'Hidden 2'), but nnviz trains a chain in which "
        "each layer feeds only the next one; remove all but one of these connections.",
        "'Output' receives connections from 2 layers ('Hidden 1' and 'Hidden 2'), but nnviz "
        "trains a chain in which each layer gets its input from only the one before it; remove "
        "all but one of these connections.",
    ]
    assert problems[0].layer_id == n["Input"] and problems[1].layer_id == n["Output"]


def test_validation_unconnected_layer_and_open_chain():
    d, n = build("input", "hidden", "hidden", "output",
                 wires=[("Input", "Hidden 1"), ("Hidden 1", "Output")])
    assert d.validate() == [Problem(
        "'Hidden 2' is not connected to the chain from the input to the output; connect it or "
        "delete it.", n["Hidden 2"])]
    d.disconnect(n["Hidden 1"], n["Output"])
    assert messages(d)[0] == ("The chain stops at 'Hidden 1', which is not the output layer; "
                              "connect it to the next layer.")
    d2, _ = build("input", "output")
    assert messages(d2)[0] == ("The input layer 'Input' is not connected to anything; drag a "
                               "connection from it to the next layer.")


def test_validation_against_the_data_set(lecture):
    i, h, o = ids(lecture)
    assert messages(lecture, n_features=2, n_targets=3) == [
        "The output layer 'Output' has 2 units but the data set has 3 targets; set its units to 3."]
    assert messages(lecture, n_features=4, n_targets=2) == [
        "The input layer 'Input' has 2 units but the data set has 4 features; set its units to 4."]
    lecture.set_units(o, 1)
    assert messages(lecture, n_targets=1) == [
        "Softmax on the 1-unit output 'Output' always gives 1.0, so the network cannot learn; "
        "use sigmoid or give the output 2 units."]
    lecture.set_activation(o, "sigmoid")
    assert lecture.validate(n_features=2, n_targets=1) == []


def test_chain_follows_connections_not_insertion_order():
    d = Design()
    o = d.add_layer("output")
    h2 = d.add_layer("hidden")
    h1 = d.add_layer("hidden")
    i = d.add_layer("input")
    d.connect(h2, o)
    d.connect(i, h1)
    d.connect(h1, h2)
    assert [s.id for s in d.chain()] == [i, h1, h2, o]
    d.disconnect(i, h1)
    d.connect(i, o)
    with pytest.raises(DesignError) as info:
        d.chain()
    assert info.value.layer_id == o  # two layers now feed the output
    assert messages(d)[1:] == [
        f"'{name}' is not connected to the chain from the input to the output; connect it or "
        "delete it." for name in ("Hidden 1", "Hidden 2")]  # in the order they were added


# ---------------------------------------------------------------------- weights


def test_set_units_keeps_the_weights_of_the_remaining_neurons(trained):
    i, h1, h2, o = ids(trained)
    k_in, k_out, b = (trained.kernel(i, h1).copy(), trained.kernel(h1, h2).copy(),
                      trained.bias(h1).copy())
    trained.set_units(h1, 2)
    np.testing.assert_array_equal(trained.kernel(i, h1), k_in[:, :2])
    np.testing.assert_array_equal(trained.kernel(h1, h2), k_out[:2, :])
    np.testing.assert_array_equal(trained.bias(h1), b[:2])
    trained.undo()
    np.testing.assert_array_equal(trained.kernel(i, h1), k_in)  # the removed neurons come back
    np.testing.assert_array_equal(trained.kernel(h1, h2), k_out)
    np.testing.assert_array_equal(trained.bias(h1), b)

    trained.set_units(h1, 6)
    grown = trained.kernel(i, h1)
    assert grown.shape == (2, 6) and trained.kernel(h1, h2).shape == (6, 3)
    np.testing.assert_array_equal(grown[:, :4], k_in)
    np.testing.assert_array_equal(trained.kernel(h1, h2)[:4], k_out)
    np.testing.assert_array_equal(trained.bias(h1), np.r_[b, 0.0, 0.0])
    # new neurons get distinct, non-zero starting weights (zeros would make them identical)
    assert np.all(grown[:, 4:] != 0) and not np.array_equal(grown[:, 4], grown[:, 5])
    limit = np.sqrt(6 / (2 + 6))
    assert np.all(np.abs(grown[:, 4:]) <= limit)


def test_set_units_undo_keeps_what_training_did_meanwhile(trained):
    i, h1, h2, o = ids(trained)
    removed = trained.kernel(i, h1)[:, 2:].copy()
    trained.set_units(h1, 2)
    with_weights(trained, seed=9)  # training changed the two remaining neurons
    trained_block = trained.kernel(i, h1).copy()
    trained.undo()
    np.testing.assert_array_equal(trained.kernel(i, h1)[:, :2], trained_block)
    np.testing.assert_array_equal(trained.kernel(i, h1)[:, 2:], removed)


def test_set_units_before_any_weights_keeps_none(lecture):
    i, h, o = ids(lecture)
    lecture.set_units(h, 8)
    assert lecture.kernel(i, h) is None and lecture.bias(h) is None


def test_set_units_after_weights_appeared_keeps_shapes_consistent(lecture):
    i, h, o = ids(lecture)
    lecture.set_units(h, 5)
    with_weights(lecture)  # weights appear after the edit (the model was built)
    lecture.undo()
    assert lecture.kernel(i, h).shape == (2, 3) and lecture.kernel(h, o).shape == (3, 2)
    lecture.redo()
    assert lecture.kernel(i, h).shape == (2, 5) and lecture.bias(h).shape == (5,)


def test_set_weight_and_bias_are_undo_steps(trained):
    i, h1, h2, o = ids(trained)
    old = trained.kernel(h1, h2)[3, 1]
    trained.set_weight(h1, h2, 3, 1, 0.5)
    assert trained.kernel(h1, h2)[3, 1] == 0.5
    assert trained.undo_stack.undo_text == "Set weight w[3,1] to 0.5"
    trained.undo()
    assert trained.kernel(h1, h2)[3, 1] == old
    with pytest.raises(DesignError, match="no neuron number 4"):
        trained.set_weight(h1, h2, 4, 0, 1.0)
    with pytest.raises(DesignError, match="finite"):
        trained.set_bias(h1, 0, float("nan"))
    with pytest.raises(DesignError, match="input layer and has no bias"):
        trained.set_bias(i, 0, 1.0)
    with pytest.raises(DesignError, match="not connected"):
        trained.set_weight(i, o, 0, 0, 1.0)


def test_set_weight_before_any_weights_is_refused(lecture):
    i, h, o = ids(lecture)
    with pytest.raises(DesignError, match="no weights yet; build or train the network first"):
        lecture.set_weight(i, h, 0, 0, 1.0)
    with pytest.raises(DesignError, match="no bias yet"):
        lecture.set_bias(h, 0, 1.0)


def test_store_weights_checks_shapes_and_is_not_an_undo_step(lecture):
    i, h, o = ids(lecture)
    log = record(lecture)
    with_weights(lecture)
    assert log == [("weights_changed",)] and lecture.undo_stack.count == 0
    with pytest.raises(DesignError, match="needs 4 weight arrays but 2 were given"):
        lecture.store_weights([np.zeros((2, 3)), np.zeros(3)])
    with pytest.raises(DesignError, match=r"weights into 'Output' have shape \(3, 3\)"):
        lecture.store_weights([np.zeros((2, 3)), np.zeros(3), np.zeros((3, 3)), np.zeros(3)])


def test_kernels_handed_out_are_read_only(trained):
    i, h1 = ids(trained)[:2]
    with pytest.raises(ValueError):
        trained.kernel(i, h1)[0, 0] = 1.0
    with pytest.raises(ValueError):
        trained.bias(h1)[0] = 1.0


def test_removing_a_connection_drops_its_weights_and_undo_brings_them_back(trained):
    i, h1, h2, o = ids(trained)
    kernel = trained.kernel(h1, h2).copy()
    trained.disconnect(h1, h2)
    trained.connect(h1, h2)
    assert trained.kernel(h1, h2) is None  # a new connection starts afresh
    trained.undo()
    trained.undo()
    np.testing.assert_array_equal(trained.kernel(h1, h2), kernel)


# ---------------------------------------------------------------------- files


def test_round_trip_through_json_is_exact(trained):
    trained.set_weight(*ids(trained)[:2], 0, 0, 0.1 + 0.2)  # a float that needs all 17 digits
    text = json.dumps(trained.to_dict())
    again = Design.from_dict(json.loads(text))
    assert again == trained
    assert again.to_dict() == trained.to_dict()
    assert again.kernel(*ids(trained)[:2])[0, 0] == 0.1 + 0.2
    # the loaded design is editable and makes new ids that do not collide
    new = again.add_layer("hidden")
    assert new not in ids(trained)


def test_equality_compares_content():
    a, b = Design.lecture_example(), Design.lecture_example()
    assert a == b
    b.move_layer(ids(b)[0], 1, 1)
    assert a != b
    assert LayerSpec("x", "hidden", "H", 3, "relu") == LayerSpec("x", "hidden", "H", 3, "relu")


def _lecture_dict():
    return Design.lecture_example().to_dict()


def _set(path, value):
    def edit(d):
        target = d
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return d
    return edit


@pytest.mark.parametrize("edit, message", [
    (lambda d: [], "must be a JSON object"),
    (_set(("layers",), KeyError), "'layers' is missing"),
    (_set(("connections",), {}), "'connections' is not a list"),
    (_set(("layers", 1), 3), r"layers\[1\] must be an object"),
    (_set(("layers", 2, "units"), 0), r"layers\[2\].units must be a positive whole number"),
    (_set(("layers", 2, "units"), "3"), r"layers\[2\].units must be a positive whole number"),
    (_set(("layers", 1, "units"), KeyError), r"layers\[1\].units must be a positive whole number"),
    (_set(("layers", 1, "id"), KeyError), r"layers\[1\].id is missing"),
    (_set(("layers", 1, "id"), "layer-1"), r"layers\[1\].id 'layer-1' is used by another layer"),
    (_set(("layers", 0, "kind"), "dense"), r"layers\[0\].kind must be"),
    (_set(("layers", 1, "activation"), "magic"), r"layers\[1\].activation must be one of"),
    (_set(("layers", 0, "activation"), "relu"), r"layers\[0\].activation must be one of linear"),
    (_set(("layers", 1, "initializer"), "magic"), r"layers\[1\].initializer must be one of"),
    (_set(("layers", 1, "name"), "Input"), r"layers\[1\].name 'Input' is used"),
    (_set(("layers", 1, "x"), "left"), r"layers\[1\].x must be a number"),
    (_set(("layers", 1, "bias"), [1.0, 2.0]), r"layers\[1\].bias must be a list of numbers of shape \(3,\)"),
    (_set(("layers", 1, "bias"), ["a", "b", "c"]), r"layers\[1\].bias must be a list"),
    (_set(("layers", 0, "bias"), [1.0, 2.0]), r"layers\[0\].bias must be null"),
    (_set(("connections", 0, "target"), "nope"), r"connections\[0\].target must be the id of a layer"),
    (_set(("connections", 1, "target"), "layer-1"), r"connections\[1\].target is an input layer"),
    (_set(("connections", 1, "kernel"), [[1.0, 2.0]] * 2), r"connections\[1\].kernel must be a list of rows of numbers of shape \(3, 2\)"),
    (_set(("connections", 1, "kernel"), [[1.0, 2.0], [1.0], [1.0, 2.0]]), r"connections\[1\].kernel must be"),
])
def test_from_dict_names_the_bad_field(edit, message):
    with pytest.raises(ProjectFileError, match=message):
        Design.from_dict(edit(_lecture_dict()))


def test_from_dict_refuses_repeated_and_self_connections():
    d = _lecture_dict()
    d["connections"].append(dict(d["connections"][0]))
    with pytest.raises(ProjectFileError, match=r"connections\[2\] repeats an earlier connection"):
        Design.from_dict(d)
    d = _lecture_dict()
    d["connections"][0]["target"] = d["connections"][0]["source"] = "layer-2"
    with pytest.raises(ProjectFileError, match=r"connections\[0\] connects a layer to itself"):
        Design.from_dict(d)


def test_from_dict_fills_optional_fields():
    d = Design.from_dict({"layers": [{"id": "a", "kind": "input", "units": 2},
                                     {"id": "b", "kind": "output", "units": 2}],
                          "connections": [{"source": "a", "target": "b"}]})
    assert [(s.name, s.activation, s.initializer, s.x) for s in d.layers] == [
        ("Input 1", "linear", "glorot_uniform", 0.0), ("Output 2", "softmax", "glorot_uniform", 0.0)]
    assert d.validate() == []


# ---------------------------------------------------------------------- the model


def test_build_model_matches_the_lectures_keras_model_and_stores_its_weights(lecture):
    from nnviz.engine.layers import Dense
    from nnviz.engine.models import Sequential
    from nnviz.engine.utils import set_random_seed

    log = record(lecture)
    model = lecture.build_model(seed=3)
    assert [(layer.units, layer.activation_name) for layer in model.dense_layers] == [
        (3, "relu"), (2, "softmax")]
    assert model.input_dim == 2 and model.dtype == np.float64
    set_random_seed(3)
    reference = Sequential([Dense(3, input_shape=(2,), activation="relu"),
                            Dense(2, activation="softmax")])
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    i, h, o = ids(lecture)
    k0, b0, k1, b1 = model.get_weights()
    np.testing.assert_array_equal(lecture.kernel(i, h), k0)
    np.testing.assert_array_equal(lecture.bias(o), b1)
    assert log == [("weights_changed",)] and lecture.undo_stack.count == 0
    # the model computes z = x @ W + b, a = f(z) with the document's numbers
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    hidden = np.maximum(x @ lecture.kernel(i, h) + lecture.bias(h), 0.0)
    z = hidden @ lecture.kernel(h, o) + lecture.bias(o)
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-12)


def test_build_model_carries_stored_weights_over(trained):
    stored = [a.copy() for a in (trained.kernel(*c) for c in trained.connections)]
    model = trained.build_model(seed=123)  # the seed only matters for missing weights
    np.testing.assert_array_equal(model.get_weights()[0], stored[0])
    np.testing.assert_array_equal(model.get_weights()[2], stored[1])
    np.testing.assert_array_equal(model.get_weights()[4], stored[2])
    again = trained.build_model(seed=0)
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_adding_a_neuron_keeps_the_rest_of_the_training(lecture):
    i, h, o = ids(lecture)
    before = lecture.build_model(seed=0).get_weights()
    lecture.set_units(h, 4)
    k0, b0, k1, b1 = lecture.build_model(seed=0).get_weights()
    assert k0.shape == (2, 4) and k1.shape == (4, 2)
    np.testing.assert_array_equal(k0[:, :3], before[0])
    np.testing.assert_array_equal(b0[:3], before[1])
    np.testing.assert_array_equal(k1[:3], before[2])
    np.testing.assert_array_equal(b1, before[3])


def test_inserting_a_layer_keeps_the_weights_that_still_fit(lecture):
    i, h, o = ids(lecture)
    before = lecture.build_model(seed=0).get_weights()
    with lecture.undo_stack.macro("Insert a layer"):
        lecture.disconnect(h, o)
        h2 = lecture.add_layer("hidden", units=5)
        lecture.connect(h, h2)
        lecture.connect(h2, o)
    k0, b0, k1, b1, k2, b2 = lecture.build_model(seed=0).get_weights()
    np.testing.assert_array_equal(k0, before[0])
    np.testing.assert_array_equal(b0, before[1])
    assert k1.shape == (3, 5) and k2.shape == (5, 2)
    np.testing.assert_array_equal(b2, before[3])  # the output keeps its bias
    lecture.undo()
    assert lecture.kernel(i, h) is not None and len(lecture.layers) == 3


def test_build_model_in_float32_and_without_hidden_layers():
    d, n = build("input", "output", wires=[("Input", "Output")])
    model = d.build_model(dtype="float32", seed=1)
    assert [w.dtype for w in model.get_weights()] == [np.float32, np.float32]
    np.testing.assert_array_equal(d.kernel(n["Input"], n["Output"]), model.get_weights()[0])


def test_build_model_of_an_invalid_design_says_why(lecture):
    i, h, o = ids(lecture)
    lecture.disconnect(h, o)
    with pytest.raises(DesignError, match="The chain stops at 'Hidden 1'"):
        lecture.build_model()


def test_ids_are_not_reused_after_loading_and_deleting():
    d = Design.from_dict(_lecture_dict())
    last = ids(d)[-1]
    d.remove_layer(last)
    new = d.add_layer("output")
    assert new != last
    d.undo()
    d.undo()
    assert ids(d)[-1] == last


# ---------------------------------------------------------------------- a shared undo stack


def test_design_pushes_its_edits_to_a_stack_it_is_given():
    from nnviz.document.undo import Command, UndoStack

    class SetFlag(Command):
        def __init__(self, box):
            super().__init__("Set flag")
            self.box = box

        def redo(self):
            self.box["flag"] = True

        def undo(self):
            self.box["flag"] = False

    stack = UndoStack()
    design = Design(undo_stack=stack)
    assert design.undo_stack is stack
    a = design.add_layer("input")
    box = {"flag": False}
    stack.push(SetFlag(box))  # another part of the project, on the same stack
    b = design.add_layer("output")
    design.connect(a, b)
    assert stack.undo_text == f"Connect {design.layer(a).name} to {design.layer(b).name}"
    design.undo()
    design.undo()
    assert [s.id for s in design.layers] == [a] and box["flag"] is True
    design.undo()  # the other command, in the one history
    assert box["flag"] is False and [s.id for s in design.layers] == [a]
    stack.undo()
    assert design.layers == []
    design.redo()
    design.redo()
    assert box["flag"] is True
    stack.redo()
    stack.redo()
    assert design.has_connection(a, b)


def test_design_has_its_own_stack_by_default():
    one, two = Design(), Design()
    one.add_layer("input")
    assert one.undo_stack is not two.undo_stack
    assert one.undo_stack.can_undo and not two.undo_stack.can_undo
