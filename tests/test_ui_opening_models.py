"""What the window shows when a model is opened: stride notes, large graphs collapsed, the summary at its top."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def window(lenet5_window):
    return lenet5_window


def test_resnet50_opens_with_one_readable_note_per_floored_layer_and_no_warning(qtbot, window):
    window.open_preset("resnet50")
    listed = window.problems.messages()
    assert [severity for severity, _, _ in listed] == ["note"] * 8
    assert len({layer for _, layer, _ in listed}) == 8  # one entry per layer: rows and columns together
    assert listed[0][1:] == ("conv1_conv", "Conv2D 7×7/2 does not tile its 230×230 input: (N − F)/S + 1 = "
                             "(230 − 7)/2 + 1 = 112.5 is not a whole number; Keras floors it and drops the last "
                             "1 row and 1 column")
    tree = window.problems.tree
    item = tree.topLevelItem(0)
    assert item.toolTip(1) == listed[0][2] and tree.wordWrap() and tree.textElideMode() == Qt.ElideNone
    window.docks["problems"].raise_()
    tree.header().resizeSection(0, 170)
    qtbot.waitUntil(lambda: tree.header().sectionSize(1) > 100)
    lines = tree.visualItemRect(item).height() / tree.fontMetrics().height()
    needed = tree.fontMetrics().horizontalAdvance(listed[0][2]) / tree.header().sectionSize(1)
    assert lines >= needed  # wrapped in full, not cut off at the column's edge
    assert window.problem_status.text() == "builds · 8 notes"
    assert window.docks["problems"].windowTitle() == "Problems (8)"
    node = window.view.graph_scene.node_for_layer("conv1_conv")
    assert node.badge is None  # a note puts no warning badge on the canvas


def menu_texts(window, title: str) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == title)
    return [a.text() for a in menu.actions()]


@pytest.mark.parametrize("slug, nodes", [("resnet50", 9), ("densenet121", 15)])
def test_a_large_model_opens_with_its_blocks_collapsed(window, slug, nodes):
    scene = window.view.graph_scene
    window.open_preset(slug)
    spec = window.doc.spec
    assert len(spec.layers) + 1 > 60
    assert scene.collapsed == set(scene.blocks) and len(scene.nodes) == nodes
    stage = "conv3"
    scene.expand(stage)  # what a double-click on the stage does: its blocks show, still collapsed
    assert {n for n in scene.nodes if n.startswith("block:conv3")} == {
        f"block:{key}" for key, block in scene.blocks.items() if block.parent == stage}
    window.actions["expand_all"].trigger()
    assert len(scene.nodes) == len(spec.layers) + 1
    window.actions["collapse_stages"].trigger()
    assert len(scene.nodes) <= 30  # the stages as one node each, the stem and transitions expanded


def test_a_small_model_opens_expanded_and_the_view_menu_collapses_and_expands(window):
    scene = window.view.graph_scene
    window.open_preset("vgg16")
    assert scene.collapsed == set() and len(scene.nodes) == len(window.doc.spec.layers) + 1
    assert {"&Collapse All Blocks", "Collapse All &Stages", "E&xpand All"} <= set(menu_texts(window, "&View"))
    window.actions["collapse_blocks"].trigger()
    assert len(scene.nodes) == 12
    window.actions["expand_all"].trigger()
    assert scene.collapsed == set()


def test_the_summary_table_starts_at_its_top_for_each_new_model(qtbot, window):
    table = window.summary.table
    window.open_preset("densenet121")
    bar = table.verticalScrollBar()
    table.scrollToBottom()
    qtbot.waitUntil(lambda: bar.value() > 0)
    window.open_preset("resnet50")
    assert bar.value() == 0
    assert table.rowAt(0) == 0 and table.model().index(0, 1).data() == "input"
    table.scrollToBottom()
    window.doc.set_config("conv1_conv", "filters", 32)  # an edit keeps the place
    assert bar.value() > 0
