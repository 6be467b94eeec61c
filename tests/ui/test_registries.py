"""The window takes its lists from the registries: the data set list, the palette's layer
kinds and their colours in both themes, the export dialog (tests/ui/test_window.py)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from nnviz.data import datasets
from nnviz.document import layer_kinds
from nnviz.document.layer_kinds import LAYER_KINDS
from nnviz.document.selection import LayerSel
from ui.canvas import style
from ui.palette import KIND_ROLE
from ui.resources import icon_path
from ui.theme import DARK, LIGHT
from ui.training.panel import LOAD_CSV


def test_the_data_set_list_is_the_registry_then_load_csv(window):
    combo = window.training.panel.dataset_combo
    entries = [combo.itemData(i) for i in range(combo.count())]
    assert entries == [*datasets.names(), LOAD_CSV]
    for i, info in enumerate(datasets.DATASETS.values()):
        assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole) == info.description


def test_a_bundled_set_has_no_size_or_noise_to_change(window, qtbot):
    panel = window.training.panel
    for info in datasets.DATASETS.values():
        combo = panel.dataset_combo
        combo.setFocus()
        qtbot.waitUntil(combo.hasFocus, timeout=2000)
        target = combo.findData(info.name)
        while combo.currentIndex() != target:  # the arrow keys choose, as a user does
            key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
            qtbot.keyClick(combo, key)
        qtbot.waitUntil(lambda info=info: window.project.dataset.name == info.name, timeout=3000)
        assert panel.size.isEnabled() == (not info.bundled), info.name
        assert panel.noise.isEnabled() == (info.noise is not None), info.name


def test_the_palette_offers_every_registered_kind_with_its_icon(window):
    palette = window.palette
    rows = [palette.item(r) for r in range(palette.count())]
    assert [item.data(KIND_ROLE) for item in rows] == layer_kinds.names()
    for item, kind in zip(rows, LAYER_KINDS.values()):
        assert item.text() == kind.label and item.toolTip() == kind.tooltip
        assert Path(icon_path(kind.name)).is_file(), kind.name  # a new kind needs its icon
        assert not item.icon().isNull()


def test_each_kind_added_from_the_palette_starts_with_its_defaults(window, qtbot):
    palette = window.palette
    for kind in LAYER_KINDS.values():
        item = palette.item_for_kind(kind.name)
        rect = palette.visualItemRect(item)
        QTest.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        spec = window.design.layers[-1]
        assert (spec.kind, spec.units, spec.activation) == (kind.name, kind.units,
                                                            kind.activation)
        assert spec.name.startswith(kind.stem)
        window.inspector.set_selection(LayerSel(spec.id))
        assert window.inspector._layer_heading.text() == kind.label
        assert style.neuron_prefix(kind.name) == kind.prefix


def test_both_themes_colour_each_kind_as_the_registry_says():
    for kind in LAYER_KINDS.values():
        assert LIGHT.layer_color(kind.name) == QColor(kind.colour)
        assert DARK.layer_color(kind.name) == QColor(kind.colour_dark)
        assert QColor(kind.colour).isValid() and QColor(kind.colour_dark).isValid()
    # The kinds stay told apart by colour in each theme.
    for theme in (LIGHT, DARK):
        assert len({theme.layer_color(k).name() for k in LAYER_KINDS}) == len(LAYER_KINDS)
