"""The layer kind registry: each kind's defaults are valid, the design and the project
file use them, and a kind nobody registered is refused with the registered ones named."""
from __future__ import annotations

import pytest

from nnviz.document import KINDS, Design, layer_kinds
from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.document.specs import allowed_activations
from nnviz.engine import activations
from nnviz.errors import DesignError, ProjectFileError

ALL = list(LAYER_KINDS.values())


def test_the_design_knows_exactly_the_registered_kinds():
    assert KINDS == tuple(layer_kinds.names())
    assert len({k.prefix for k in ALL}) == len(ALL)  # x1 and h1 must not read alike
    assert len({k.stem for k in ALL}) == len(ALL)


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.name)
def test_each_kind_has_valid_defaults(kind):
    assert kind.units >= 1 and kind.label and kind.tooltip and kind.prefix
    assert activations.get(kind.activation).name == kind.activation
    assert kind.activation in allowed_activations(kind.name)
    assert layer_kinds.get(kind.name) is kind


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.name)
def test_a_new_layer_of_each_kind_takes_its_defaults_and_names(kind):
    design = Design()
    first = design.layer(design.add_layer(kind.name))
    second = design.layer(design.add_layer(kind.name, x=200.0))
    assert (first.units, first.activation) == (kind.units, kind.activation)
    if kind.numbered:
        assert (first.name, second.name) == (f"{kind.stem} 1", f"{kind.stem} 2")
    else:
        assert (first.name, second.name) == (kind.stem, f"{kind.stem} 2")


def test_a_kind_nobody_registered_is_refused_naming_the_kinds():
    with pytest.raises(DesignError) as caught:
        Design().add_layer("dropout")
    assert all(f"'{name}'" in str(caught.value) for name in LAYER_KINDS)
    data = Design.lecture_example().to_dict()
    data["layers"][0]["kind"] = "dropout"
    with pytest.raises(ProjectFileError) as caught:
        Design.from_dict(data)
    assert all(f"'{name}'" in str(caught.value) for name in LAYER_KINDS)
    with pytest.raises(ValueError, match="not a kind of layer"):
        layer_kinds.get("dropout")


def test_a_file_without_activations_or_names_gets_each_kinds_defaults():
    data = Design.lecture_example().to_dict()
    for layer in data["layers"]:
        layer.pop("activation", None)
        layer.pop("name", None)
    design = Design.from_dict(data)
    for spec in design.layers:
        assert spec.activation == LAYER_KINDS[spec.kind].activation
        assert spec.name.startswith(LAYER_KINDS[spec.kind].stem)
