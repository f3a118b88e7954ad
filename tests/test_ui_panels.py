"""The window's panels against the spec layer: gallery, palette, inspector, summary table, problems.

Each panel is built on a real Document; every number asserted here is
either a hand-computed LeNet-5 figure or `workbench.spec.analyze`'s own.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from workbench.spec import KINDS, analyze, load_named, load_preset, preset_paths
from workbench.spec.units import human, human_bytes
from workbench.spec.networks_io import network_preset_paths
from workbench.ui import settings
from workbench.ui.document import Document
from workbench.ui.gallery import GalleryModel, GalleryPanel
from workbench.ui.inspector import EDITORS, InspectorPanel
from workbench.ui.palette import LAYER_MIME, LayerPalette
from workbench.ui.problems import ProblemsPanel
from workbench.ui.summary_table import COLUMNS, SORT_ROLE, EstimateSettings, SummaryPanel

# LeNet-5 by hand: conv 5·5·cin·cout + cout, dense in·out + out; MACs without the bias adds.
LENET_PARAMS = {"c1": 156, "s2": 0, "c3": 2_416, "s4": 0, "flatten": 0, "c5": 48_120, "f6": 10_164, "f7": 850}
LENET_TOTAL = 61_706
LENET_MACS = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 25 * 6 + 400 * 120 + 120 * 84 + 84 * 10  # 416,520


@pytest.fixture(autouse=True)
def profile(tmp_path):
    """Settings and autosaves in a temporary folder, never the user's."""
    settings.use_directory(tmp_path / "profile")
    return tmp_path / "profile"


@pytest.fixture
def doc(qapp):
    return Document(load_named("lenet5"))


@pytest.fixture
def estimate(qapp):
    return EstimateSettings()


def double_click(qtbot, widget, pos) -> None:
    """A real double-click: item views act on a double-click only after the press that starts it."""
    qtbot.mouseClick(widget, Qt.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.LeftButton, pos=pos)


def _column(name: str) -> int:
    return [c[0] for c in COLUMNS].index(name)


def _cell(panel: SummaryPanel, layer: str, column: str) -> str:
    model = panel.model
    return model.index(model.row_of(layer), _column(column)).data()


# -- gallery -------------------------------------------------------------------
def test_gallery_lists_every_preset_with_the_numbers_analyze_computes(qtbot):
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    model = panel.model
    assert sorted(model.slugs()) == sorted([*preset_paths(), *network_preset_paths()])
    with qtbot.waitSignal(model.finished, timeout=30_000):
        panel.start()
    for row, slug in enumerate(model.slugs()):
        if slug in network_preset_paths():  # a GAN's card adds up its networks: tests/test_ui_networks.py
            continue
        spec = load_preset(preset_paths()[slug])
        a = analyze(spec)
        index = model.index(row)
        assert index.data(Qt.DisplayRole) == spec.name
        assert index.data(GalleryModel.ParamsRole) == a.total_params
        assert index.data(GalleryModel.MacsRole) == a.total_macs
        card = index.data(GalleryModel.CardRole)
        assert card.summary.startswith(f"{human(a.total_params)} params · {human(a.total_macs)} MACs")
        assert len(card.profile) == len([i for i in a.layers.values() if i.type != "Input"])
    assert model.card("lenet5").params == LENET_TOTAL

    panel.search.setText("LeNet")
    found = [panel.proxy.index(r, 0).data(GalleryModel.SlugRole) for r in range(panel.proxy.rowCount())]
    assert "lenet5" in found and "resnet50" not in found
    assert all("lenet" in model.index(model.slugs().index(slug)).data(GalleryModel.SearchRole) for slug in found)
    panel.search.setText("no such network")
    assert panel.proxy.rowCount() == 0
    panel.search.setText("")
    assert panel.proxy.rowCount() == len(preset_paths()) + len(network_preset_paths())


def test_gallery_double_click_emits_the_slug(qtbot):
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 700)
    panel.show()
    qtbot.waitExposed(panel)
    slug = list(preset_paths())[1]
    rect = panel.list.visualRect(panel.index_of(slug))
    with qtbot.waitSignal(panel.presetActivated) as signal:
        double_click(qtbot, panel.list.viewport(), rect.center())
    assert signal.args == [slug]


# -- palette -------------------------------------------------------------------
def test_palette_offers_every_catalogue_type_as_a_drag_source(qtbot, doc):
    palette = LayerPalette(doc)
    qtbot.addWidget(palette)
    assert sorted(palette.types()) == sorted(KINDS)
    item = palette.item("Conv2D")
    assert item.parent().text(0) == "Convolution"
    assert item.flags() & Qt.ItemIsDragEnabled
    mime = palette.tree.mimeData([item])
    assert bytes(mime.data(LAYER_MIME)) == b"Conv2D"

    palette.search.setText("pool")
    visible = palette.visible_types()
    assert "MaxPooling2D" in visible and "GlobalAveragePooling2D" in visible and "Conv2D" not in visible
    palette.search.setText("")
    assert len(palette.visible_types()) == len(KINDS)


def test_palette_double_click_adds_the_layer_after_the_selection(qtbot, doc):
    palette = LayerPalette(doc)
    qtbot.addWidget(palette)
    palette.resize(300, 900)
    palette.show()
    qtbot.waitExposed(palette)
    doc.set_selection(["c1"])
    item = palette.item("BatchNormalization")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    double_click(qtbot, palette.tree.viewport(), rect.center())
    assert len(doc.spec.layers) == 9
    assert doc.selection() == ["batch_normalization"]
    assert doc.spec.edges()["batch_normalization"] == ["c1"]
    assert doc.spec.edges()["s2"] == ["batch_normalization"]
    # BatchNormalization on 6 channels: gamma, beta trainable; moving mean/var not
    info = doc.analysis.layers["batch_normalization"]
    assert (info.trainable_params, info.non_trainable_params) == (12, 12)
    doc.set_selection(["f7"])
    palette.add("Dropout")  # the last layer feeds nothing: the new one reads it and becomes the output
    assert doc.spec.names()[-1] == "dropout" and doc.spec.edges()["dropout"] == ["f7"]
    assert doc.spec.resolved_outputs() == ["dropout"]


# -- inspector and summary -------------------------------------------------------
def test_inspector_form_is_built_from_the_catalogue_params(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    qtbot.addWidget(inspector)
    doc.set_selection(["c3"])
    form = inspector.layer_form
    assert inspector.stack.currentWidget() is form
    for param in KINDS["Conv2D"].params:
        assert type(form.editor(param.name)) is EDITORS[param.kind]
    assert form.editor("filters").value() == 16
    assert form.editor("kernel_size").value() == [5, 5]
    assert form.editor("activation").value() == "tanh"
    assert form.editor("padding").box.count() == 2  # valid, same
    assert form.editor("use_bias").value() is True
    facts = {key: label.text() for key, label in form.facts.values.items()}
    assert facts["Output"] == "10×10×16" and facts["Params"] == "2,416" and facts["MACs"] == "240K"
    assert facts["RF"] == "14  (jump 2)" and facts["Inputs"] == "s2"


def test_summary_table_shows_what_analyze_computes_for_lenet5(qtbot, doc, estimate):
    panel = SummaryPanel(doc, estimate)
    qtbot.addWidget(panel)
    assert panel.model.rowCount() == 9  # the input and eight layers
    for name, params in LENET_PARAMS.items():
        assert _cell(panel, name, "Params") == f"{params:,}"
    assert _cell(panel, "c1", "Output shape") == "28×28×6"
    assert _cell(panel, "c3", "RF") == "14"  # 5 + (5 − 1)·2 (s2's jump) + (2 − 1)·1
    assert _cell(panel, "c1", "Memory") == "18.4 KiB"  # 28·28·6·4 bytes
    assert panel.total("Params") == f"61.7K  ({LENET_TOTAL:,})"
    assert panel.total("MACs") == f"417K  ({LENET_MACS:,})"
    assert panel.total("Non-trainable") == "0  (0)"
    a = analyze(doc.spec)
    assert panel.total("Training memory") == human_bytes(a.training_memory(32, "adam"))

    estimate.set(128, "sgd")
    assert panel.total("Training memory (batch 128, sgd)") == human_bytes(a.training_memory(128, "sgd"))
    assert settings.estimate() == (128, "sgd")


def test_editing_a_field_changes_the_spec_and_the_table_follows(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    table = SummaryPanel(doc, estimate)
    qtbot.addWidget(inspector)
    qtbot.addWidget(table)
    doc.set_selection(["c3"])
    inspector.layer_form.editor("filters").box.setValue(32)
    assert doc.spec.layer("c3").config["filters"] == 32
    # c3: 5·5·6·32 + 32; flatten 5·5·32 = 800 feeds c5: 800·120 + 120
    assert _cell(table, "c3", "Params") == "4,832"
    assert _cell(table, "c5", "Params") == "96,120"
    total = 156 + 4_832 + 96_120 + 10_164 + 850
    assert table.total("Params") == f"112K  ({total:,})"
    a = analyze(doc.spec)
    assert a.total_params == total
    for name, info in a.layers.items():
        assert _cell(table, name, "Params") == f"{info.params:,}"
    assert doc.undo_stack.count() == 1

    inspector.layer_form.editor("padding").box.setCurrentIndex(1)
    inspector.layer_form.editor("padding").box.activated.emit(1)
    assert doc.spec.layer("c3").config["padding"] == "same"
    assert _cell(table, "c3", "Output shape") == "14×14×32"


def test_a_rejected_value_shows_the_message_and_changes_nothing(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    qtbot.addWidget(inspector)
    doc.add_layer("Dropout", after="f6")
    before = doc.spec.to_dict()
    steps = doc.undo_stack.count()
    editor = inspector.layer_form.editor("rate")
    editor.edit.setText("1.5")
    editor.edit.editingFinished.emit()
    assert "'rate' must be ≤ 0.999, got 1.5" in inspector.layer_form.error_text("rate")
    assert editor.edit.text() == "0.5"
    editor.edit.setText("a lot")
    editor.edit.editingFinished.emit()
    assert "'rate' must be a number, got 'a lot'" in inspector.layer_form.error_text("rate")
    assert doc.spec.to_dict() == before and doc.undo_stack.count() == steps

    form = inspector.layer_form
    form.name_edit.setText("has space")
    form.name_edit.editingFinished.emit()
    assert "not a valid layer name" in form.name_error.text()
    assert form.name_edit.text() == "dropout" and doc.spec.to_dict() == before

    editor.edit.setText("0.25")
    editor.edit.editingFinished.emit()
    assert doc.spec.layer("dropout").config["rate"] == 0.25
    assert inspector.layer_form.error_text("rate") == ""


def test_rename_from_the_inspector_keeps_the_selection(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    qtbot.addWidget(inspector)
    doc.set_selection(["f7"])
    inspector.layer_form.name_edit.setText("logits")
    inspector.layer_form.name_edit.editingFinished.emit()
    assert "logits" in doc.spec.names() and "f7" not in doc.spec.names()
    assert doc.selection() == ["logits"]
    assert inspector.layer_form.title.text().startswith("logits")


def test_model_form_edits_input_shape_and_classes(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    qtbot.addWidget(inspector)
    form = inspector.model_form
    assert inspector.stack.currentWidget() is form
    assert form.input_shape.text() == "32, 32, 1" and form.classes.value() == 10
    form.input_shape.setText("36, 36, 1")
    form.input_shape.editingFinished.emit()
    assert doc.spec.input_shape == (36, 36, 1)
    assert doc.analysis.layers["c1"].output_shape == (32, 32, 6)
    form.input_shape.setText("36, x")
    form.input_shape.editingFinished.emit()
    assert "positive integers" in form.input_error.text() and doc.spec.input_shape == (36, 36, 1)
    form.classes.setValue(5)
    assert doc.spec.layer("f7").config["units"] == 5
    assert doc.analysis.layers["f7"].params == 84 * 5 + 5
    form.batch_size.setValue(64)
    assert estimate.batch_size == 64
    assert form.memory.text() == human_bytes(doc.analysis.training_memory(64, "adam"))


def test_summary_sorts_numerically_and_rows_select_layers(qtbot, doc, estimate):
    panel = SummaryPanel(doc, estimate)
    qtbot.addWidget(panel)
    panel.table.sortByColumn(_column("Params"), Qt.DescendingOrder)
    names = [panel.proxy.index(r, _column("Name")).data() for r in range(3)]
    assert names == ["c5", "f6", "c3"]  # 48,120 > 10,164 > 2,416 (text order would put 850 first)
    assert panel.proxy.index(0, _column("Params")).data(SORT_ROLE) == 48_120
    with qtbot.waitSignal(panel.layerClicked) as clicked:
        panel.table.clicked.emit(panel.proxy.index(1, 0))
        panel.table.selectRow(1)
    assert clicked.args == ["f6"]
    assert doc.selection() == ["f6"]
    doc.set_selection(["c1"])
    assert panel.selected_names() == ["c1"]
    doc.set_config("c1", "filters", 8)  # a reset of the table keeps the Document's selection
    assert doc.selection() == ["c1"] and panel.selected_names() == ["c1"]


# -- problems -----------------------------------------------------------------
def test_problems_panel_lists_an_invalid_edit_and_selects_its_layer(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    problems = ProblemsPanel(doc)
    qtbot.addWidget(inspector)
    qtbot.addWidget(problems)
    assert problems.messages() == []
    with qtbot.waitSignal(problems.countsChanged) as counts:
        doc.set_selection(["c3"])
        inspector.layer_form.editor("kernel_size").boxes[0].setValue(15)
    assert counts.args == [1, 0, 0]
    assert problems.messages() == [("error", "c3", "kernel 15 is larger than its input 14 (padding 'valid')")]
    assert "kernel 15 is larger" in inspector.layer_form.banner.text()
    doc.set_selection([])
    with qtbot.waitSignal(problems.layerClicked) as clicked:
        item = problems.tree.topLevelItem(0)
        problems.tree.itemClicked.emit(item, 1)
    assert clicked.args == ["c3"] and doc.selection() == ["c3"]
    doc.undo_stack.undo()
    assert problems.messages() == []


def gallery_rows(panel) -> list[str]:
    return [panel.proxy.index(r, 0).data(Qt.DisplayRole) for r in range(panel.proxy.rowCount())]


def test_gallery_is_named_and_ordered_by_family_year_and_depth_before_any_analysis(qtbot):
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    assert panel.model.card("densenet201") is None  # not analysed yet
    rows = gallery_rows(panel)
    assert "densenet201" not in rows and "DenseNet-201" in rows
    assert [r for r in rows if r.startswith("ResNet")] == [
        "ResNet-18", "ResNet-20", "ResNet-34", "ResNet-50", "ResNet-101", "ResNet-152"]
    classic = [r for r in rows if r in ("LeNet-5", "AlexNet", "ZFNet")]
    assert classic == ["LeNet-5", "AlexNet", "ZFNet"]  # the classic family, by year: 1998, 2012, 2014
    assert rows[0] == "Perceptron"  # the earliest family first: Rosenblatt, 1958
    assert rows.index("ResNet-152") < rows.index("DenseNet-121")  # 2016 before 2017


def test_gallery_search_lists_name_matches_first(qtbot):
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    panel.search.setText("lenet")
    assert gallery_rows(panel)[0] == "LeNet-5" and "GoogLeNet" in gallery_rows(panel)
    panel.search.setText("resnet-5")
    assert gallery_rows(panel) == ["ResNet-50"]
    panel.search.setText("resnet")
    assert gallery_rows(panel)[:2] == ["ResNet-18", "ResNet-20"]
    panel.search.setText("")
    assert gallery_rows(panel)[0] == "Perceptron"


def test_inspector_edits_normalization_statistics_and_dropout_noise_shape(qtbot, doc, estimate):
    inspector = InspectorPanel(doc, estimate)
    qtbot.addWidget(inspector)
    norm = doc.add_layer("Normalization", after="c1")
    drop = doc.add_layer("Dropout", {"rate": 0.2}, after="c3")
    assert analyze(doc.spec).layers[norm].non_trainable_params == 2 * 6 + 1  # adapted: mean, variance, count
    doc.set_selection([norm])
    form = inspector.layer_form
    assert type(form.editor("mean")) is EDITORS["floats"] and form.editor("mean").value() is None
    doc.set_config(norm, "mean", [0.5] * 6)
    doc.set_config(norm, "variance", [0.25] * 6)
    assert form.editor("mean").edit.text() == ", ".join(["0.5"] * 6)
    assert analyze(doc.spec).layers[norm].params == 0  # given statistics are constants, not weights
    doc.set_selection([drop])
    editor = inspector.layer_form.editor("noise_shape")
    assert type(editor) is EDITORS["dims"]
    editor.edit.setText("None, 1, 1, 16")
    editor.edit.editingFinished.emit()
    assert doc.spec.layer(drop).config["noise_shape"] == [None, 1, 1, 16]
