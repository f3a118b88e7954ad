"""The architecture diff: alignment by name and topology, per-layer and total deltas, the CLI."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from workbench.commands.diff import add_parsers, diff_table, run_diff
from workbench.compare.diff import ADDED, CHANGED, REMOVED, SAME, diff_specs, stable_topological_order
from workbench.errors import WorkbenchError
from workbench.spec import LayerSpec, ModelSpec, load_named, save_preset


def edited_lenet() -> ModelSpec:
    """LeNet-5 after three edits: c3's kernel 5 -> 3, f6 removed, c5 renamed fc5."""
    spec = load_named("lenet5")
    spec.layer("c3").config["kernel_size"] = 3
    spec.layers = [l for l in spec.layers if l.name != "f6"]
    spec.layer("c5").name = "fc5"
    return spec


def statuses(d):
    return [(r.status, r.name_a, r.name_b) for r in d.rows]


def test_identical_specs_have_no_differences():
    d = diff_specs(load_named("lenet5"), load_named("lenet5"))
    assert d.identical and d.params_delta == 0 and d.macs_delta == 0
    assert [r.status for r in d.rows] == [SAME] * 8
    assert d.row_for("c1").params_a == d.row_for("c1").params_b == 156


def test_edit_kernel_remove_and_rename():
    d = diff_specs(load_named("lenet5"), edited_lenet())
    assert statuses(d) == [
        (SAME, "c1", "c1"), (SAME, "s2", "s2"), (CHANGED, "c3", "c3"), (SAME, "s4", "s4"),
        (SAME, "flatten", "flatten"), (CHANGED, "c5", "fc5"), (REMOVED, "f6", None), (SAME, "f7", "f7"),
    ]
    c3 = d.row_for("c3")
    assert [(c.key, c.old, c.new) for c in c3.changes] == [("kernel_size", 5, 3)]
    assert (c3.shape_a, c3.shape_b) == ((10, 10, 16), (12, 12, 16))
    assert (c3.params_a, c3.params_b, c3.params_delta) == (2416, 880, -1536)
    assert d.row_for("s4").shape_changed and d.row_for("flatten").shape_b == (576,)
    fc5 = d.row_for("fc5")
    assert fc5.renamed and [str(c) for c in fc5.changes] == ["name: c5 → fc5"]
    assert (fc5.params_a, fc5.params_b) == (400 * 120 + 120, 576 * 120 + 120)
    f6 = d.row_for("f6")
    assert (f6.params_a, f6.params_b, f6.params_delta) == (10164, None, -10164)
    # f7 now reads fc5 instead of the removed f6: explained by the removal, not a change of its own
    f7 = d.row_for("f7")
    assert f7.status == SAME and (f7.params_a, f7.params_b) == (850, 1210)
    assert (d.analysis_a.total_params, d.analysis_b.total_params, d.params_delta) == (61706, 71486, 9780)
    assert sum(r.params_delta for r in d.rows) == d.params_delta
    assert (len(d.added), len(d.removed), len(d.changed), len(d.same)) == (0, 1, 2, 5)


def test_vgg16_to_vgg19_adds_three_3x3_convolutions():
    d = diff_specs(load_named("vgg16"), load_named("vgg19"))
    added = d.added
    assert [(r.name_b, r.type_b, r.shape_b, r.params_b) for r in added] == [
        ("block3_conv4", "Conv2D", (56, 56, 256), 3 * 3 * 256 * 256 + 256),
        ("block4_conv4", "Conv2D", (28, 28, 512), 3 * 3 * 512 * 512 + 512),
        ("block5_conv4", "Conv2D", (14, 14, 512), 3 * 3 * 512 * 512 + 512),
    ]
    assert d.params_delta == 5_309_696 == sum(r.params_delta for r in added)
    assert (d.analysis_a.total_params, d.analysis_b.total_params) == (138_357_544, 143_667_240)
    assert d.macs_delta == 56 * 56 * 256 * 9 * 256 + 28 * 28 * 512 * 9 * 512 + 14 * 14 * 512 * 9 * 512
    assert not d.removed and not d.changed and len(d.same) == 24
    assert not any(r.shape_changed or r.params_delta for r in d.same)
    # the added layers sit where VGG-19 has them: after the third conv of blocks 3, 4 and 5
    names = [r.name_b for r in d.rows]
    assert names.index("block3_conv4") == names.index("block3_conv3") + 1
    assert names.index("block3_pool") == names.index("block3_conv4") + 1


def test_resnet18_to_resnet34_adds_eight_basic_blocks():
    d = diff_specs(load_named("resnet18"), load_named("resnet34"))
    assert (len(d.added), len(d.removed), len(d.changed)) == (8 * 7, 0, 0)
    blocks = sorted({"_".join(r.name_b.split("_")[:2]) for r in d.added})
    assert blocks == ["conv2_block3", "conv3_block3", "conv3_block4", "conv4_block3", "conv4_block4", "conv4_block5",
                      "conv4_block6", "conv5_block3"]
    # per basic block of c channels: two 3×3 convolutions without bias and two batch norms (4c each)
    assert d.params_delta == 10_115_584 == sum(18 * c * c + 8 * c for c in [64] + [128] * 2 + [256] * 4 + [512])
    assert d.analysis_b.trainable_params - d.analysis_a.trainable_params == 10_108_160  # torchvision's difference
    assert len(d.same) == 73 and not any(r.params_delta for r in d.same)


def test_renamed_layer_is_found_by_type_and_config_among_neighbours():
    a = ModelSpec("a", (16,), [
        LayerSpec("d1", "Dense", {"units": 8}), LayerSpec("d2", "Dense", {"units": 4}),
        LayerSpec("out", "Dense", {"units": 2}),
    ])
    b = ModelSpec("b", (16,), [LayerSpec("hidden", "Dense", {"units": 4}), LayerSpec("out", "Dense", {"units": 2})])
    b.layers[0].inputs = ["input"]
    d = diff_specs(a, b)
    # "hidden" (4 units) pairs with d2 (4 units), not with d1 which comes first
    assert statuses(d) == [(REMOVED, "d1", None), (CHANGED, "d2", "hidden"), (SAME, "out", "out")]
    assert d.row_for("hidden").params_delta == (16 * 4 + 4) - (8 * 4 + 4)


def test_type_change_and_equivalent_config_forms():
    a = ModelSpec("a", (8, 8, 3), [
        LayerSpec("conv", "Conv2D", {"filters": 4, "kernel_size": 3}),
        LayerSpec("pool", "MaxPooling2D", {"pool_size": 2}),
    ])
    b = ModelSpec("b", (8, 8, 3), [
        LayerSpec("conv", "SeparableConv2D", {"filters": 4, "kernel_size": 3}),
        LayerSpec("pool", "MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}),
    ])
    d = diff_specs(a, b)
    conv, pool = d.row_for("conv"), d.row_for("pool")
    assert conv.status == CHANGED and conv.changes[0].key == "type"
    assert (conv.changes[0].old, conv.changes[0].new) == ("Conv2D", "SeparableConv2D")
    assert (conv.params_a, conv.params_b) == (3 * 3 * 3 * 4 + 4, 3 * 3 * 3 + 3 * 4 + 4)
    assert pool.status == SAME  # Keras defaults written out are the same layer


def test_rewired_input_is_a_change():
    a = ModelSpec("a", (8,), [
        LayerSpec("d1", "Dense", {"units": 8}), LayerSpec("d2", "Dense", {"units": 8}),
        LayerSpec("sum", "Add", {}, ["d1", "d2"]),
    ])
    b = a.copy()
    b.layer("sum").inputs = ["d2", "d2"]
    change = diff_specs(a, b).row_for("sum").changes
    assert [(c.key, c.old, c.new) for c in change] == [("inputs", ["d1", "d2"], ["d2", "d2"])]


def test_stable_order_follows_the_file_where_the_graph_allows():
    spec = ModelSpec("s", (8,), [
        LayerSpec("a", "Dense", {"units": 4}),
        LayerSpec("c", "Dense", {"units": 4}, ["b"]),
        LayerSpec("d", "Dense", {"units": 4}, ["a"]),
        LayerSpec("b", "Dense", {"units": 4}, ["a"]),
    ])
    assert stable_topological_order(spec) == ["a", "d", "b", "c"]
    cyclic = ModelSpec("s", (8,), [LayerSpec("x", "Dense", {"units": 2}, ["y"]), LayerSpec("y", "Dense", {"units": 2}, ["x"])])
    assert stable_topological_order(cyclic) == ["x", "y"]


def test_inserted_branch_layer_keeps_the_rest_aligned():
    """A layer appended at the end of the file but wired mid-graph still lines up."""
    a = ModelSpec("a", (8, 8, 4), [
        LayerSpec("c1", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
        LayerSpec("c2", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
        LayerSpec("add", "Add", {}, ["c2", "input"]),
    ])
    b = a.copy()
    b.layers.append(LayerSpec("proj", "Conv2D", {"filters": 4, "kernel_size": 1}, ["input"]))
    b.layer("add").inputs = ["c2", "proj"]
    b.outputs = ["add"]
    d = diff_specs(a, b)
    assert [r.status for r in d.rows].count(ADDED) == 1 and d.row_for("proj").params_b == 20
    assert d.row_for("add").status == SAME  # proj stands in for the input it reads
    assert d.params_delta == 20


def parse(*argv):
    parser = argparse.ArgumentParser(prog="workbench")
    add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def test_cli_text_and_json(tmp_path, capsys):
    after = tmp_path / "after.json"
    save_preset(edited_lenet(), after)
    assert run_diff(parse("diff", "lenet5", str(after))) == 0
    out = capsys.readouterr().out
    assert "Δ params +9,780" in out and "0 added, 1 removed, 2 changed, 5 same" in out
    lines = out.splitlines()
    assert any(l.startswith("~  c3") and "kernel_size: 5 → 3" in l and "2,416 → 880" in l for l in lines)
    assert any(l.startswith("-  f6") and "-10,164" in l for l in lines)
    assert not any(l.startswith("   c1") for l in lines)  # unchanged rows only with --all
    run_diff(parse("diff", "lenet5", str(after), "--all"))
    assert any(l.startswith("   c1") for l in capsys.readouterr().out.splitlines())

    assert run_diff(parse("diff", "lenet5", str(after), "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == ["a", "b", "params_delta", "macs_delta", "counts", "layers"]
    assert doc["params_delta"] == 9780 and doc["a"]["total_params"] == 61706
    assert doc["counts"] == {"added": 0, "removed": 1, "changed": 2, "same": 5}
    c3 = next(r for r in doc["layers"] if r["a"] == "c3")
    assert c3["changes"] == [{"key": "kernel_size", "old": 5, "new": 3}]
    assert c3["shape_a"] == [10, 10, 16] and c3["params_delta"] == -1536


def test_cli_reports_unknown_target():
    with pytest.raises(WorkbenchError, match="'nope' is neither a preset nor a file"):
        run_diff(parse("diff", "lenet5", "nope"))


def test_table_says_when_nothing_differs():
    d = diff_specs(load_named("lenet5"), load_named("lenet5"))
    assert diff_table(d).endswith("no differences")


def test_compare_package_loads_neither_keras_nor_matplotlib_until_used():
    """Keras and matplotlib are imported inside functions (Qt is kept out by the import contracts)."""
    code = (
        "import sys, workbench.compare, workbench.compare.diff, workbench.compare.runner, workbench.compare.report,"
        " workbench.commands.diff, workbench.commands.compare;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('tensorflow','keras','matplotlib')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
