"""The graph canvas: items follow the Document, gestures edit it, blocks collapse."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QDropEvent, QGuiApplication, QPalette
from PySide6.QtTest import QTest

from workbench.spec import ModelSpec, analyze, load_named
from workbench.spec.collapse import innermost
from workbench.spec.units import human, shape_text
from workbench.ui.document import Document
from workbench.ui.graph.items import HEIGHT, WIDTH
from workbench.ui.graph.minimap import Fold
from workbench.ui.graph.view import LAYER_MIME, LAYERS_MIME, GraphView

from test_spec_collapse import densenet_spec, resnet_spec
from test_spec_edits import residual_spec


def connections(spec: ModelSpec) -> set[tuple[str, str]]:
    return {(src, dst) for dst, ins in spec.edges().items() for src in ins}


@pytest.fixture
def view(qtbot):
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.set_document(Document(load_named("lenet5")))
    view.show()
    qtbot.waitExposed(view)
    return view


def open_spec(view: GraphView, spec: ModelSpec) -> Document:
    view.document.load(spec)
    return view.document


def scene_point(view: GraphView, name: str, dy: float = 0.0) -> QPointF:
    return view.graph_scene.nodes[name].center() + QPointF(0, dy)


def view_point(view: GraphView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drop(view: GraphView, mime: QMimeData, scene_pos: QPointF) -> None:
    event = QDropEvent(QPointF(view_point(view, scene_pos)), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    view.dropEvent(event)


def layer_mime(type_name: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode("utf-8"))
    return mime


def test_one_node_per_layer_and_one_edge_per_connection(view):
    for spec in (load_named("lenet5"), residual_spec(), resnet_spec()):
        open_spec(view, spec)
        scene = view.graph_scene
        assert set(scene.nodes) == {"input", *spec.names()}
        assert set(scene.edges) == connections(spec)
        badges = [node.badge for node in scene.nodes.values() if node.badge is not None]
        assert len(scene.items()) == len(scene.nodes) + len(scene.edges) + len(badges)


def test_nodes_show_type_configuration_and_output_shape(view):
    scene = view.graph_scene
    c1 = scene.nodes["c1"].content
    assert (c1.title, c1.detail, c1.name, c1.shape) == ("Conv2D", "6 5×5 /1 valid tanh", "c1", "28×28×6")
    assert (scene.nodes["s2"].content.title, scene.nodes["s2"].content.detail) == ("AvgPool", "2×2 /2")
    assert scene.nodes["f7"].content.shape == "10"
    assert "156 params" in scene.nodes["c1"].toolTip()
    assert scene.edges[("c1", "s2")]._label == "28×28×6"


def test_layout_runs_top_to_bottom_with_branches_side_by_side(view):
    open_spec(view, residual_spec())
    pos = {name: node.center() for name, node in view.graph_scene.nodes.items()}
    assert pos["input"].y() < pos["stem"].y() < pos["left"].y() < pos["merge"].y() < pos["out"].y()
    assert pos["left"].y() == pos["right"].y() and abs(pos["left"].x() - pos["right"].x()) >= WIDTH
    rects = [QRectF(p.x() - WIDTH / 2, p.y() - HEIGHT / 2, WIDTH, HEIGHT) for p in pos.values()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_config_change_updates_items_in_place(qtbot, view):
    scene, doc = view.graph_scene, view.document
    items = dict(scene.nodes)
    centers = {n: i.center() for n, i in items.items()}
    with qtbot.assertNotEmitted(scene.layoutChanged):
        doc.set_config("c1", "filters", 8)
    assert scene.nodes == items and {n: i.center() for n, i in items.items()} == centers
    assert scene.nodes["c1"].content.detail == "8 5×5 /1 valid tanh"
    assert scene.nodes["c1"].content.shape == "28×28×8"
    assert scene.edges[("c1", "s2")]._label == "28×28×8"


def test_structural_change_relayouts_and_reuses_items(qtbot, view):
    scene, doc = view.graph_scene, view.document
    c1 = scene.nodes["c1"]
    with qtbot.waitSignal(scene.layoutChanged):
        doc.add_layer("ReLU", on_edge=("c1", "s2"))
    assert scene.nodes["c1"] is c1 and "re_lu" in scene.nodes
    assert ("c1", "re_lu") in scene.edges and ("re_lu", "s2") in scene.edges and ("c1", "s2") not in scene.edges
    doc.undo_stack.undo()
    assert set(scene.nodes) == {"input", *doc.spec.names()} and ("c1", "s2") in scene.edges


def test_invalid_edit_puts_an_error_badge_on_the_right_node(view):
    scene, doc = view.graph_scene, view.document
    assert all(node.badge is None for node in scene.nodes.values())
    doc.set_config("c3", "kernel_size", 30)  # c3 sees 14×14
    c3 = scene.nodes["c3"]
    assert c3.content.severity == "error" and c3.badge is not None
    assert "kernel 30 is larger than its input 14" in c3.badge.toolTip()
    assert [n for n, node in scene.nodes.items() if node.badge is not None] == ["c3"]
    doc.undo_stack.undo()
    assert c3.badge is None and c3.content.severity is None


def test_warnings_get_an_amber_badge(view):
    doc = view.document
    doc.set_config("s2", "strides", 3)  # 28 does not tile with 2/3: Keras drops a row and a column
    node = view.graph_scene.nodes["s2"]
    assert node.content.severity == "warning"
    assert "drops the last" in node.badge.toolTip()


# -- gestures ---------------------------------------------------------------------------
def test_dropping_a_palette_layer_on_empty_canvas_adds_it_after_the_selection(view):
    doc, scene = view.document, view.graph_scene
    doc.set_selection(["c5"])
    empty = QPointF(scene.itemsBoundingRect().right() + 200, scene_point(view, "c5").y())
    drop(view, layer_mime("Dropout"), empty)
    assert doc.spec.edges()["dropout"] == ["c5"] and "dropout" in scene.nodes
    assert doc.undo_stack.count() == 1 and doc.selection() == ["dropout"]
    assert scene.nodes["dropout"].isSelected()


def test_dropping_on_an_edge_inserts_between_the_two_layers(view):
    doc, scene = view.document, view.graph_scene
    on_edge = scene.edges[("c3", "s4")].path().pointAtPercent(0.5)
    drop(view, layer_mime("BatchNormalization"), on_edge)
    edges = doc.spec.edges()
    assert edges["batch_normalization"] == ["c3"] and edges["s4"] == ["batch_normalization"]
    assert doc.analysis.total_params == analyze(load_named("lenet5")).total_params + 4 * 16


def test_dropping_an_unknown_type_reports_and_adds_nothing(qtbot, view):
    with qtbot.waitSignal(view.statusMessage) as message:
        drop(view, layer_mime("Conv9D"), scene_point(view, "f7"))
    assert "unknown layer type 'Conv9D'" in message.args[0]
    assert view.document.undo_stack.count() == 0


def test_dropping_copied_layers_pastes_them_after_the_node_there(view):
    doc = view.document
    mime = QMimeData()
    mime.setData(LAYERS_MIME, json.dumps(doc.copy_layers(["c5", "f6"])).encode())
    drop(view, mime, scene_point(view, "f6"))
    assert doc.spec.edges()["c5_1"] == ["f6"] and doc.spec.edges()["f6_1"] == ["c5_1"]


def test_dragging_from_an_output_port_to_a_node_connects_them(view):
    doc = open_spec(view, residual_spec())
    stem = view.graph_scene.nodes["stem"]
    port = view_point(view, stem.mapToScene(QPointF(WIDTH / 2, HEIGHT)))
    target = view_point(view, scene_point(view, "merge"))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, port)
    QTest.mouseMove(view.viewport(), target)
    assert view.graph_scene.nodes["merge"].highlighted
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, target)
    assert doc.spec.edges()["merge"] == ["left", "right", "stem"]
    assert ("stem", "merge") in view.graph_scene.edges and doc.undo_stack.count() == 1


def test_a_refused_connection_is_reported(qtbot, view):
    doc = open_spec(view, residual_spec())
    scene = view.graph_scene
    with qtbot.waitSignal(view.statusMessage) as message:
        scene.connect_nodes(scene.nodes["out"], scene.nodes["stem"])
    assert "cycle" in message.args[0] and doc.undo_stack.count() == 0


def test_delete_key_removes_the_selected_node_and_rewires(view):
    doc, scene = view.document, view.graph_scene
    doc.set_selection(["s4"])
    QTest.keyClick(view, Qt.Key_Delete)
    assert "s4" not in doc.spec.names() and "s4" not in scene.nodes
    assert doc.spec.edges()["flatten"] == ["c3"] and ("c3", "flatten") in scene.edges
    assert doc.undo_stack.count() == 1


def test_deleting_a_selected_edge_disconnects_it(view):
    doc = open_spec(view, residual_spec())
    view.graph_scene.edges[("right", "merge")].setSelected(True)
    view.delete_selection()
    assert doc.spec.edges()["merge"] == ["left"] and ("right", "merge") not in view.graph_scene.edges


def test_rubber_band_and_ctrl_click_select_several(view):
    doc, scene = view.document, view.graph_scene
    top, bottom = scene_point(view, "c1", -HEIGHT), scene_point(view, "s2", HEIGHT)
    start = view_point(view, top + QPointF(-WIDTH, 0))
    end = view_point(view, bottom + QPointF(WIDTH, 0))
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), end)
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, end)
    assert doc.selection() == ["c1", "s2"] or sorted(doc.selection()) == ["c1", "s2"]
    QTest.mouseClick(view.viewport(), Qt.LeftButton, Qt.ControlModifier, view_point(view, scene_point(view, "f6")))
    assert sorted(doc.selection()) == ["c1", "f6", "s2"]


def test_selection_follows_the_document_both_ways(view):
    doc, scene = view.document, view.graph_scene
    doc.set_selection(["c3"])
    assert [n for n, item in scene.nodes.items() if item.isSelected()] == ["c3"]
    scene.clearSelection()
    scene.nodes["f6"].setSelected(True)
    assert doc.selection() == ["f6"]
    view.set_zoom(2.0)
    view.center_on("f7")
    assert view.visible_scene_rect().contains(scene_point(view, "f7"))


def test_copy_and_paste_with_the_keyboard(view):
    doc = view.document
    doc.set_selection(["c3"])
    QTest.keyClick(view, Qt.Key_C, Qt.ControlModifier)
    assert QGuiApplication.clipboard().mimeData().hasFormat(LAYERS_MIME)
    doc.set_selection(["s4"])
    QTest.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    assert doc.spec.edges()["c3_1"] == ["s4"] and "c3_1" in view.graph_scene.nodes


def test_rename_inline_with_f2(view):
    doc = view.document
    doc.set_selection(["c3"])
    QTest.keyClick(view, Qt.Key_F2)
    editor = view._editor
    assert editor is not None and editor.text() == "c3"
    editor.setText("c1")
    QTest.keyClick(editor, Qt.Key_Return)
    assert "already exists" in editor.toolTip() and view._editor is editor  # stays open
    editor.setText("conv3")
    QTest.keyClick(editor, Qt.Key_Return)
    assert view._editor is None and "conv3" in doc.spec.names() and "conv3" in view.graph_scene.nodes
    assert doc.spec.edges()["s4"] == ["conv3"]


def test_double_click_opens_the_rename_editor(view):
    QTest.mouseDClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(view, scene_point(view, "f6")))
    assert view._editor is not None and view._editor.layer == "f6"
    QTest.keyClick(view._editor, Qt.Key_Escape)
    assert view._editor is None and view.document.undo_stack.count() == 0


def test_zoom_keys_wheel_and_fit(view):
    open_spec(view, resnet_spec(blocks=(3, 3)))
    view.set_zoom(1.0)
    QTest.keyClick(view, Qt.Key_Plus)
    assert view.zoom() == pytest.approx(1.25)
    QTest.keyClick(view, Qt.Key_Minus)
    QTest.keyClick(view, Qt.Key_Minus)
    assert view.zoom() == pytest.approx(0.8)
    QTest.keyClick(view, Qt.Key_F)
    assert view.visible_scene_rect().contains(view.graph_scene.itemsBoundingRect())
    assert view.zoom() < 0.8 and not view.minimap.isVisible()
    view.set_zoom(1.0)
    view.minimap.render_now()
    assert view.minimap.isVisible()


def test_middle_drag_pans(view):
    open_spec(view, resnet_spec(blocks=(3, 3)))
    view.set_zoom(1.0)
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    before = bar.value()
    start = QPoint(400, 400)
    QTest.mousePress(view.viewport(), Qt.MiddleButton, Qt.NoModifier, start)
    QTest.mouseMove(view.viewport(), start + QPoint(0, 120))
    QTest.mouseRelease(view.viewport(), Qt.MiddleButton, Qt.NoModifier, start + QPoint(0, 120))
    assert bar.value() == before - 120
    assert view.document.undo_stack.count() == 0


def test_a_dark_palette_gives_the_dark_theme(view):
    palette = QPalette(view.palette())
    palette.setColor(QPalette.Window, QColor("#202124"))
    view.setPalette(palette)
    scene = view.graph_scene
    assert scene.theme.dark and scene.backgroundBrush().color() == scene.theme.background
    assert all(node._theme is scene.theme for node in scene.nodes.values())


def test_minimap_fold_maps_both_ways():
    tall = QRectF(0, 0, 300, 30000)
    fold = Fold.fit(tall, QSize(220, 170))
    assert fold.columns > 1 and fold.size().width() <= 220 and fold.size().height() <= 170
    for point in (QPointF(10, 10), QPointF(150, 14999), QPointF(290, 29990)):
        back = fold.to_scene(fold.to_map(point))
        assert back.x() == pytest.approx(point.x(), abs=1e-6) and back.y() == pytest.approx(point.y(), abs=1e-6)
    pieces = fold.pieces(QRectF(0, fold.column_height - 100, 300, 200))  # straddles two columns
    assert len(pieces) == 2


# -- blocks -------------------------------------------------------------------------------
def test_collapse_and_expand_a_resnet_stage(view):
    doc = open_spec(view, resnet_spec())
    scene = view.graph_scene
    centers = {n: i.center() for n, i in scene.nodes.items()}
    stage = scene.blocks["conv2"]
    scene.collapse("conv2")
    node = scene.nodes["block:conv2"]
    assert set(scene.nodes) == {"input", *doc.spec.names()} - set(stage.members) | {"block:conv2"}
    params = sum(doc.analysis.layers[m].params for m in stage.members)
    assert node.content.name == f"{human(params)} params"
    assert node.content.shape == shape_text(doc.analysis.layers["conv2_block2_out"].output_shape) == "32×32×32"
    assert node.content.detail == "Stage · 13 layers" and node.content.stacked
    assert ("conv1_relu", "block:conv2") in scene.edges and ("block:conv2", "conv3_block1_0_conv") in scene.edges
    assert scene.node_for_layer("conv2_block1_2_conv") is node
    doc.set_selection(["conv2_block2_add"])
    assert node.isSelected()
    QTest.mouseDClick(view.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(view, node.center()))
    assert scene.collapsed == set()
    assert {n: i.center() for n, i in scene.nodes.items()} == centers


def test_collapse_from_the_context_menu_and_collapse_all(view):
    doc = open_spec(view, resnet_spec())
    scene = view.graph_scene
    menu = view.context_menu(scene_point(view, "conv2_block1_2_conv"))
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["Rename…", "Collapse block 'conv2_block1'", "Collapse stage 'conv2'"]
    menu.actions()[1].trigger()
    assert scene.collapsed == {"conv2_block1"}
    menu = view.context_menu(scene.nodes["block:conv2_block1"].center())
    assert [a.text() for a in menu.actions()][:2] == ["Expand 'conv2_block1'", "Collapse stage 'conv2'"]
    view.collapse_all_blocks()
    assert scene.collapsed == set(innermost(scene.blocks))
    assert len(scene.nodes) == 1 + 5 + 2  # input, 5 blocks, avg_pool, predictions
    doc.set_config("conv2_block1_1_conv", "kernel_size", 40)  # 32×32 input: an error inside the block
    assert scene.nodes["block:conv2_block1"].content.severity == "error"
    assert "conv2_block1_1_conv: kernel 40" in scene.nodes["block:conv2_block1"].badge.toolTip()
    view.expand_all()
    assert "block:conv2_block1" not in scene.nodes and scene.nodes["conv2_block1_1_conv"].badge is not None


def test_loading_another_model_resets_collapsed_blocks(view):
    doc = open_spec(view, resnet_spec())
    view.collapse_all_stages()
    assert view.graph_scene.collapsed == {"conv2", "conv3"}
    doc.load(densenet_spec())
    assert view.graph_scene.collapsed == set()
    assert set(view.graph_scene.nodes) == {"input", *doc.spec.names()}


def test_random_edits_keep_the_scene_in_step_with_the_spec(view):
    """After any edits, undos and collapses: one node per visible layer or block, one edge per
    connection between different nodes, and each node shows its layer's current output shape."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from test_ui_document import _OPS, _apply

    steps = st.sampled_from(_OPS + ("undo", "collapse", "expand"))

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.tuples(steps, st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=6))
    def run(ops):
        doc = open_spec(view, resnet_spec(blocks=(2, 1)))
        scene = view.graph_scene
        for op, i, j in ops:
            if op == "undo":
                doc.undo_stack.undo()
            elif op == "collapse":
                view.collapse_all_blocks() if i % 2 else view.collapse_all_stages()
            elif op == "expand":
                view.expand_all()
            else:
                try:
                    _apply(doc, op, i, j)
                except ValueError:
                    pass
            node_of = {name: scene.node_for_layer(name).node_id for name in ["input", *doc.spec.names()]}
            assert set(node_of.values()) == set(scene.nodes)
            wanted = {(node_of[s], node_of[d]) for s, d in connections(doc.spec) if s in node_of and node_of[s] != node_of[d]}
            assert set(scene.edges) == wanted
            for name, info in doc.analysis.layers.items():
                node = scene.nodes[node_of[name]]
                if node.block_key is None:
                    assert node.content.shape == shape_text(info.output_shape)

    run()
