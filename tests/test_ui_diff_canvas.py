"""The diff view's side-by-side canvases: read-only, tinted by the diff, selection mirrored with the table."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from workbench.compare.diff import ADDED, CHANGED, REMOVED
from workbench.spec import INPUT, load_named
from workbench.ui.diff_view import DiffView, diff_color
from workbench.ui.graph.items import HEIGHT, WIDTH
from workbench.ui.graph.readonly import ReadOnlyGraphView
from workbench.ui.graph.view import LAYER_MIME, LAYERS_MIME

VGG19_EXTRA = {"block3_conv4", "block4_conv4", "block5_conv4"}


def shown(qtbot, widget, width=1500, height=900):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def halo_colors(canvas: ReadOnlyGraphView) -> dict[str, str]:
    """Node id -> the colour of its halo, for the halos actually in the scene."""
    in_scene = [item for item in canvas.graph_scene.items() if item in canvas.halos.values()]
    return {halo.node_id: halo.color.name() for halo in in_scene}


def view_point(canvas: ReadOnlyGraphView, scene_pos: QPointF):
    return canvas.mapFromScene(scene_pos)


def row_of(view: DiffView, name_a: str | None, name_b: str | None) -> int:
    t = view.table
    rows = [i for i in range(t.rowCount()) if (t.item(i, 0).text(), t.item(i, 4).text()) == (name_a or "", name_b or "")]
    assert len(rows) == 1
    return rows[0]


@pytest.fixture
def vgg(qtbot):
    return shown(qtbot, DiffView(load_named("vgg16"), load_named("vgg19")))


def test_vgg19_adds_three_tinted_layers_on_canvas_b(vgg):
    added = diff_color(ADDED).name()
    assert halo_colors(vgg.canvas_b) == {name: added for name in VGG19_EXTRA}
    assert halo_colors(vgg.canvas_a) == {}
    assert diff_color(REMOVED).name() not in halo_colors(vgg.canvas_a).values()
    for name, halo in vgg.canvas_b.halos.items():
        node = vgg.canvas_b.graph_scene.nodes[name]
        assert halo.pos() == node.pos() and halo.zValue() < node.zValue()  # behind its node, where the node is


def test_each_canvas_shows_every_layer_of_its_spec(vgg):
    for canvas, spec in ((vgg.canvas_a, vgg.diff.a), (vgg.canvas_b, vgg.diff.b)):
        scene = canvas.graph_scene
        assert len(scene.nodes) == len(spec.layers) + 1  # and the model input
        assert all(scene.node_for_layer(name).layer == name for name in spec.names())
    assert (len(vgg.diff.a.layers), len(vgg.diff.b.layers)) == (24, 27)
    assert len(vgg.canvas_a.graph_scene.edges) == 24 and len(vgg.canvas_b.graph_scene.edges) == 27


def test_both_canvases_open_fitted(vgg):
    for canvas in (vgg.canvas_a, vgg.canvas_b):
        assert canvas.visible_scene_rect().contains(canvas.graph_scene.itemsBoundingRect())
        assert 0.2 < canvas.zoom() < 1.0


def test_a_collapsed_block_takes_the_tint_of_its_added_layer(qtbot, vgg):
    canvas, added = vgg.canvas_b, diff_color(ADDED).name()
    scene = canvas.graph_scene
    scene.collapse("block4")
    assert halo_colors(canvas) == {"block3_conv4": added, "block:block4": added, "block5_conv4": added}
    assert len([item for item in scene.items() if item in canvas.halos.values()]) == 3  # the old halo is gone
    block = scene.nodes["block:block4"]
    QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, block.center()))
    assert scene.collapsed == set()
    assert halo_colors(canvas) == {name: added for name in VGG19_EXTRA}


def test_an_edit_of_one_conv_tints_that_layer_changed_on_both_sides(qtbot):
    before = load_named("lenet5")
    after = before.copy()
    after.layer("c3").config["filters"] = 20
    view = shown(qtbot, DiffView(before, after))
    changed = diff_color(CHANGED).name()
    assert halo_colors(view.canvas_a) == {"c3": changed}
    assert halo_colors(view.canvas_b) == {"c3": changed}
    assert before.layer("c3").config["filters"] == 16  # the canvases show copies
    assert view.canvas_b.document.analysis.layers["c3"].params == 5 * 5 * 6 * 20 + 20


def test_swapping_moves_the_tints_to_the_other_side(qtbot, vgg):
    vgg.set_specs(vgg.diff.b, vgg.diff.a)
    removed = diff_color(REMOVED).name()
    assert halo_colors(vgg.canvas_a) == {name: removed for name in VGG19_EXTRA}
    assert halo_colors(vgg.canvas_b) == {}
    assert len(vgg.canvas_a.graph_scene.nodes) == 28 and len(vgg.canvas_b.graph_scene.nodes) == 25


# -- read-only ---------------------------------------------------------------------------
@pytest.fixture
def canvas(qtbot):
    view = shown(qtbot, ReadOnlyGraphView(), 700, 900)
    view.show_spec(load_named("vgg16"))
    view.set_zoom(1.0)
    return view


def test_the_canvas_refuses_edits_from_keys_mouse_and_drops(canvas):
    doc, scene = canvas.document, canvas.graph_scene
    names, edges = doc.spec.names(), doc.spec.edges()
    doc.set_selection(["block1_conv2"])
    canvas.center_on("block1_conv2")
    for key, modifier in ((Qt.Key_Delete, Qt.NoModifier), (Qt.Key_Backspace, Qt.NoModifier), (Qt.Key_X, Qt.ControlModifier)):
        QTest.keyClick(canvas, key, modifier)
    mime = QMimeData()
    mime.setData(LAYERS_MIME, json.dumps([{"name": "extra", "type": "Dropout", "config": {"rate": 0.5}}]).encode())
    QGuiApplication.clipboard().setMimeData(mime)
    QTest.keyClick(canvas, Qt.Key_V, Qt.ControlModifier)
    QTest.keyClick(canvas, Qt.Key_F2)
    assert canvas._editor is None
    node = scene.nodes["block1_conv2"]
    QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, node.center()))
    assert canvas._editor is None and canvas.start_rename("block1_conv2") is None

    source, target = scene.nodes["block1_conv1"], scene.nodes["block2_conv1"]  # GraphView would rewire this
    port = view_point(canvas, source.mapToScene(QPointF(WIDTH / 2, HEIGHT)))
    QTest.mousePress(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, port)
    QTest.mouseMove(canvas.viewport(), view_point(canvas, target.center()))
    assert not target.highlighted
    QTest.mouseRelease(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, target.center()))
    layer = QMimeData()
    layer.setData(LAYER_MIME, b"Dense")
    assert canvas.drop_mime(layer, node.center()) == [] and canvas.drop_mime(mime, node.center()) == []
    assert not canvas.acceptDrops() and not canvas.viewport().acceptDrops()

    assert doc.spec.names() == names and len(names) == 24 and doc.spec.edges() == edges
    assert len(scene.nodes) == 25 and len(scene.edges) == 24 and doc.undo_stack.count() == 0
    assert canvas._interaction is None


def test_the_context_menu_only_collapses_expands_and_fits(canvas):
    scene = canvas.graph_scene
    on_node = [a.text() for a in canvas.context_menu(scene.nodes["block2_conv1"].center()).actions() if a.text()]
    assert on_node == ["Collapse block 'block2'", "Collapse all blocks", "Expand all", "Fit to view"]
    scene.collapse("block2")
    on_block = [a.text() for a in canvas.context_menu(scene.nodes["block:block2"].center()).actions() if a.text()]
    assert on_block == ["Expand 'block2'", "Collapse all blocks", "Expand all", "Fit to view"]
    on_empty = [a.text() for a in canvas.context_menu(QPointF(-500, -500)).actions() if a.text()]
    assert on_empty == ["Collapse all blocks", "Expand all", "Fit to view"]


def test_the_canvas_still_zooms_fits_and_selects(canvas):
    QTest.keyClick(canvas, Qt.Key_Plus)
    assert canvas.zoom() == pytest.approx(1.25)
    QTest.keyClick(canvas, Qt.Key_F)
    assert canvas.visible_scene_rect().contains(canvas.graph_scene.itemsBoundingRect())
    node = canvas.graph_scene.nodes["block3_pool"]
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, node.center()))
    assert canvas.document.selection() == ["block3_pool"]


# -- selection between the table and the canvases ------------------------------------------
def test_selecting_a_row_selects_and_centres_its_layer_on_both_canvases(vgg):
    vgg.show_all.setChecked(True)
    assert vgg.table.rowCount() == 27
    for canvas in (vgg.canvas_a, vgg.canvas_b):
        canvas.set_zoom(1.0)
    vgg.table.selectRow(row_of(vgg, "block5_conv2", "block5_conv2"))
    for canvas in (vgg.canvas_a, vgg.canvas_b):
        assert canvas.document.selection() == ["block5_conv2"]
        node = canvas.graph_scene.nodes["block5_conv2"]
        assert node.isSelected() and canvas.visible_scene_rect().contains(node.center())
    vgg.table.selectRow(row_of(vgg, None, "block4_conv4"))
    assert vgg.canvas_a.document.selection() == [] and vgg.canvas_b.document.selection() == ["block4_conv4"]
    assert vgg.canvas_b.visible_scene_rect().contains(vgg.canvas_b.graph_scene.nodes["block4_conv4"].center())


def test_clicking_a_node_selects_its_row_and_its_counterpart(vgg):
    canvas = vgg.canvas_b
    node = canvas.graph_scene.nodes["block5_conv4"]
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, node.center()))
    rows = sorted({index.row() for index in vgg.table.selectedIndexes()})
    assert rows == [row_of(vgg, None, "block5_conv4")] == [2]
    assert vgg.canvas_a.document.selection() == []

    node = canvas.graph_scene.nodes["fc1"]  # unchanged: no row while unchanged layers are hidden
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, node.center()))
    assert vgg.table.selectedIndexes() == [] and canvas.document.selection() == ["fc1"]
    assert vgg.canvas_a.document.selection() == ["fc1"]
    vgg.show_all.setChecked(True)  # the row appears, selected
    assert sorted({index.row() for index in vgg.table.selectedIndexes()}) == [row_of(vgg, "fc1", "fc1")] == [22]

    canvas = vgg.canvas_a
    node = canvas.graph_scene.nodes[INPUT]
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(canvas, node.center()))
    assert vgg.table.selectedIndexes() == [] and vgg.canvas_b.document.selection() == []
