"""The window takes its lists from the registries: the data set list, the palette's layer
kinds and their colours in both themes, the export dialog (tests/ui/test_window.py)."""
from __future__ import annotations

from PySide6.QtCore import Qt

from nnviz import datasets
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
