"""The selection seam: what the canvas emits is a typed value, read by field name.

``nnviz.document.selection`` holds ``LayerSel``, ``NeuronSel`` and ``ConnectionSel``; no module of
nnviz or ui builds a selection as a tagged tuple or reads one by position any more (a
reader that wrote ``sel[2]`` silently read the wrong field when the tuple's shape changed).
"""
import dataclasses
import re
from pathlib import Path

import pytest

from nnviz.document.selection import ConnectionSel, LayerSel, NeuronSel, layer_of, touches

ROOT = Path(__file__).resolve().parent.parent

# The tuple forms the selection used to take: a kind tag in a tuple or compared with
# ==, a selection indexed by position, or unpacked with the tag thrown away.
_POSITIONAL = [
    re.compile(r'\(\s*"(layer|neuron|connection|port)"\s*,'),
    re.compile(r'==\s*"(layer|neuron|connection|port)"'),
    re.compile(r'\b_?(selection|sel|what)\[\d'),
    re.compile(r'^\s*_\w*\s*(,\s*\w+)+\s*=\s*(self\.)?_?(selection|sel|what)\s*$'),
]


def _positional_uses(text: str) -> list[str]:
    """The lines of ``text`` that build or read a selection as a tagged tuple."""
    return [line.strip() for line in text.splitlines()
            if any(p.search(line) for p in _POSITIONAL)]


def test_the_check_sees_the_old_tuple_forms():
    """The source check below flags each form the tuple selection took (so it can fail)."""
    old = [
        'return ("neuron", item.layer_id, k) if k is not None else ("layer", item.layer_id)',
        'elif sel[0] == "layer":',
        'self._show_connection(*sel[1:])',
        'if isinstance(selection, tuple) and selection[0] == "connection":',
        '    _, src, tgt, i, j = self.selection',
        '    _kind, layer_id, k = selection',
        'if what is None or what[0] == "port":',
        'if self._selection[1] == layer_id:',
    ]
    assert _positional_uses("\n".join(old)) == [line.strip() for line in old]
    new = [
        "return NeuronSel(item.layer_id, k) if k is not None else LayerSel(item.layer_id)",
        "elif isinstance(sel, LayerSel):",
        "self.axes[n] = (connection.source, connection.target, connection.i, connection.j)",
        'j = _check_index(j, bias.shape[0], "neuron")',
    ]
    assert _positional_uses("\n".join(new)) == []


def test_no_module_reads_a_selection_by_position():
    """nnviz/ and ui/ build no tagged selection tuple and index none by position."""
    found = []
    for package in ("nnviz", "ui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            found += [f"{path.relative_to(ROOT)}: {line}"
                      for line in _positional_uses(path.read_text(encoding="utf-8"))]
    assert found == []


def test_selections_are_frozen_values():
    """Two selections of the same thing are equal (the scene emits only on a change) and
    none can be changed in place (a reader keeps the one it was given)."""
    assert NeuronSel("h", 2) == NeuronSel("h", 2)
    assert NeuronSel("h", 2) != NeuronSel("h", 1)
    assert LayerSel("h") != NeuronSel("h", 0)
    assert len({ConnectionSel("a", "b", 0, 1), ConnectionSel("a", "b", 0, 1)}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        NeuronSel("h", 2).index = 3


def test_a_selection_names_its_layer():
    """A connection is about its target (the layer whose kernel holds the weight); it
    touches both its ends, a layer or neuron only its own layer."""
    sel = ConnectionSel("in", "out", 1, 0)
    assert sel.key == ("in", "out")
    assert (layer_of(sel), layer_of(NeuronSel("h", 0)), layer_of(LayerSel("h"))) == ("out", "h", "h")
    assert layer_of(None) is None
    assert touches(sel, "in") and touches(sel, "out") and not touches(sel, "h")
    assert touches(NeuronSel("h", 3), "h") and not touches(LayerSel("h"), "out")
    assert not touches(None, "h")
