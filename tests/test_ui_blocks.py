"""Blocks in the GUI: the palette group and its drag payload, dropping a block on the canvas,
editing its parameters as one unit from the inspector, and saving a selection as a block."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent

from workbench.spec import LayerSpec, ModelSpec, load_named
from workbench.spec.block_edits import instantiate
from workbench.spec.blocks import block_paths, bundled_blocks_dir, load_block
from workbench import paths
from workbench.ui import blocks
from workbench.ui.document import Document
from workbench.ui.graph.view import GraphView
from workbench.ui.inspector import InspectorPanel
from workbench.ui.palette import LayerPalette
from workbench.ui.summary_table import EstimateSettings

#: the projection block's default: 1×1 64→128 + 3×3 64→128 + 3×3 128→128, three batch norms of 128
BASIC_PROJ_PARAMS = 64 * 128 + 9 * 64 * 128 + 9 * 128 * 128 + 3 * 4 * 128


@pytest.fixture(autouse=True)
def user_folders(_user_folders):
    """The user's blocks folder, inside the test's own home (tests/conftest.py)."""
    return paths.blocks_dir()


def stem_spec() -> ModelSpec:
    """stem (64 channels on 16×16) -> global pooling -> 10-way softmax."""
    return ModelSpec("Stem", (16, 16, 3), [
        LayerSpec("stem", "Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same"}),
        LayerSpec("pool", "GlobalAveragePooling2D"),
        LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"}),
    ])


@pytest.fixture
def view(qtbot):
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.set_document(Document(stem_spec()))
    view.show()
    qtbot.waitExposed(view)
    return view


def drop(view: GraphView, slug: str, scene_pos: QPointF) -> None:
    mime = blocks.block_mime(blocks.library().get(slug))
    view.dropEvent(QDropEvent(QPointF(view.mapFromScene(scene_pos)), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_palette_lists_every_bundled_block_and_drags_it_out(qtbot):
    palette = LayerPalette(Document(stem_spec()))
    qtbot.addWidget(palette)
    bundled = {slug: load_block(path).title for slug, path in block_paths(bundled_blocks_dir()).items()}
    assert palette.block_slugs() == sorted(bundled, key=lambda slug: bundled[slug].casefold())
    assert palette.block_slugs()[-3:] == ["vgg_double", "vgg_triple", "vgg_quad"]
    item = palette.block_item("dense_block")
    assert item.text(0) == "Dense block, 6 layers" and "growth rate k = 32" in item.toolTip(0)
    assert item.parent().text(0) == "Blocks"
    mime = palette.tree.mimeData([item])
    assert blocks.block_from_mime(mime).spec == load_block(block_paths(bundled_blocks_dir())["dense_block"]).spec
    palette.search.setText("residual")
    shown = [s for s in palette.block_slugs() if not palette.block_item(s).isHidden()]
    assert shown == ["resnet_basic", "resnet_basic_proj", "resnet_bottleneck", "resnet_bottleneck_proj"]


def test_dropping_a_block_on_an_edge_inserts_it_wired_and_collapsed(view):
    doc, scene = view.document, view.graph_scene
    before = doc.analysis.total_params
    drop(view, "resnet_basic", scene.edges[("stem", "pool")].path().pointAtPercent(0.5))
    edges = doc.spec.edges()
    assert edges["resnet_basic1_1_conv"] == ["stem"]
    assert edges["resnet_basic1_add"] == ["stem", "resnet_basic1_2_bn"]
    assert edges["pool"] == ["resnet_basic1_out"]
    assert doc.analysis.errors == []
    assert doc.analysis.total_params == before + 2 * (3 * 3 * 64 * 64) + 2 * 4 * 64
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.text(0) == "Insert Residual basic block, identity shortcut 'resnet_basic1'"
    assert "block:resnet_basic1" in scene.nodes and scene.nodes["block:resnet_basic1"].isSelected()
    drop(view, "resnet_basic", scene.edges[("block:resnet_basic1", "pool")].path().pointAtPercent(0.5))
    assert doc.spec.edges()["resnet_basic2_1_conv"] == ["resnet_basic1_out"]
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.spec.to_dict() == stem_spec().to_dict()


def test_dropping_a_block_on_a_node_branches_from_it(view):
    doc, scene = view.document, view.graph_scene
    drop(view, "vgg_double", scene.nodes["stem"].center())
    assert doc.spec.edges()["vgg_double1_conv1"] == ["stem"]
    assert doc.spec.edges()["pool"] == ["stem"]  # the chain is left as it was
    assert "block:vgg_double1" in scene.nodes  # a branch that feeds nothing yet still collapses
    assert doc.analysis.layers["vgg_double1_pool"].output_shape == (8, 8, 64)


def test_block_parameters_are_edited_as_one_unit(qtbot, view):
    doc = view.document
    inspector = InspectorPanel(doc, EstimateSettings())
    qtbot.addWidget(inspector)
    drop(view, "resnet_basic_proj", view.graph_scene.edges[("stem", "pool")].path().pointAtPercent(0.5))
    assert inspector.stack.currentWidget() is inspector.block_form
    form = inspector.block_form
    assert form.editor("filters").value() == 128 and form.editor("stride").value() == 2
    assert f"{BASIC_PROJ_PARAMS:,} params" in form.facts.text()
    steps = doc.undo_stack.count()
    form.editor("filters").setValue(32)
    convs = [f"resnet_basic_proj1_{n}_conv" for n in (0, 1, 2)]
    assert [doc.spec.layer(n).config["filters"] for n in convs] == [32, 32, 32]
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.text(steps) == "Set filters of 'resnet_basic_proj1' to 32"
    assert doc.analysis.layers["resnet_basic_proj1_out"].output_shape == (8, 8, 32)
    assert form.editor("filters").value() == 32
    doc.undo_stack.undo()
    assert [doc.spec.layer(n).config["filters"] for n in convs] == [128, 128, 128]
    assert form.editor("filters").value() == 128
    doc.set_selection(["resnet_basic_proj1_1_conv"])
    assert inspector.stack.currentWidget() is inspector.layer_form


def test_compression_follows_the_real_input_channels(qtbot, view):
    doc = view.document
    inspector = InspectorPanel(doc, EstimateSettings())
    qtbot.addWidget(inspector)
    doc.set_selection(["stem"])
    blocks.insert_block(doc, blocks.library().get("transition"), "stem", "pool")
    assert doc.spec.layer("transition1_conv").config["filters"] == 32  # ⌊0.5 × 64⌋, not the file's 128
    form = inspector.block_form
    assert inspector.stack.currentWidget() is form and form.editor("compression").value() == 0.5
    form.editor("compression").setValue(0.25)
    assert doc.spec.layer("transition1_conv").config["filters"] == 16
    assert doc.analysis.layers["transition1_pool"].output_shape == (8, 8, 16)
    steps = doc.undo_stack.count()
    form.editor("compression").setValue(0.01)  # ⌊0.01 × 64⌋ = 0 filters: refused, the field reverts
    assert "'filters' must be ≥ 1, got 0" in form.error_text("compression")
    assert form.editor("compression").value() == 0.25 and doc.undo_stack.count() == steps
    assert doc.spec.layer("transition1_conv").config["filters"] == 16


def test_palette_double_click_inserts_after_the_selection(qtbot):
    doc = Document(stem_spec())
    palette = LayerPalette(doc)
    qtbot.addWidget(palette)
    doc.set_selection(["stem"])
    names = palette.add_block("dense_layer")
    assert doc.selection() == names and len(names) == 7
    assert doc.spec.edges()["pool"] == ["dense_layer1_concat"]
    assert doc.analysis.layers["dense_layer1_concat"].output_shape == (16, 16, 96)


def test_selection_saved_as_a_block_appears_in_the_palette_and_round_trips(qtbot, view, user_folders):
    doc, scene = Document(load_named("lenet5")), view.graph_scene
    view.set_document(doc)
    palette = LayerPalette(doc)
    qtbot.addWidget(palette)
    for name in ("c3", "s4"):
        scene.nodes[name].setSelected(True)
    menu = view.context_menu(scene.nodes["c3"].center())
    assert "Save selection as block…" in [a.text() for a in menu.actions()]
    path = view.save_selection_as_block("Conv and pool")
    assert path == user_folders / "conv_and_pool.json"
    assert "conv_and_pool" in palette.block_slugs()
    block = load_block(path)
    assert block.spec.input_shape == (14, 14, 6) and block.parameters["filters"].default == 16
    copies = instantiate(block, existing_names=doc.spec.names(), input_name="s2")
    originals = [doc.spec.layer(n) for n in ("c3", "s4")]
    assert [(l.type, l.config) for l in copies] == [(l.type, l.config) for l in originals]
    assert view.save_selection_as_block("Conv and pool") == user_folders / "conv_and_pool_b.json"
    scene.clearSelection()
    assert view.save_selection_as_block("Nothing") is None


def test_a_broken_user_block_is_left_out_and_named(qtbot, user_folders):
    user_folders.mkdir(parents=True)
    (user_folders / "broken.json").write_text("{", encoding="utf-8")
    library = blocks.library()
    library.reload()
    assert "broken" not in library.blocks()
    assert any("broken.json:1:2: invalid JSON" in p for p in library.problems())
    palette = LayerPalette(Document(stem_spec()))
    qtbot.addWidget(palette)
    assert "broken.json" in palette.block_item("vgg_double").parent().toolTip(0)


def test_an_edit_that_breaks_the_block_shows_the_error_in_its_form(qtbot, view):
    doc = view.document
    inspector = InspectorPanel(doc, EstimateSettings())
    qtbot.addWidget(inspector)
    drop(view, "resnet_basic", view.graph_scene.edges[("stem", "pool")].path().pointAtPercent(0.5))
    form = inspector.block_form
    assert form.problems.isHidden()
    form.editor("filters").setValue(32)  # the identity shortcut still carries 64 channels
    assert [p.layer for p in doc.analysis.errors] == ["resnet_basic1_add"]
    assert not form.problems.isHidden() and form.problems.text().startswith("resnet_basic1_add: ")
