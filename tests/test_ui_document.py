"""Document: every edit is one undo step that restores the exact previous spec.

What each edit does to the spec, and which edits are refused, is tested
without Qt in test_spec_edits.py; here: undo, redo, labels, selection, signals.
"""

from __future__ import annotations

import pytest

from workbench.spec import analyze, load_named
from workbench.ui.document import Document

from test_spec_edits import LENET_PARAMS, residual_spec


@pytest.fixture
def lenet(qapp):
    return Document(load_named("lenet5"))


@pytest.fixture
def residual(qapp):
    return Document(residual_spec())


def _check_undo_redo(doc: Document, edit) -> dict:
    """Apply `edit`; one undo step restores the exact previous dict, redo the edited one."""
    before = doc.spec.to_dict()
    edit(doc)
    after = doc.spec.to_dict()
    assert after != before
    assert doc.undo_stack.count() == 1 and doc.dirty
    doc.undo_stack.undo()
    assert doc.spec.to_dict() == before
    assert not doc.dirty
    doc.undo_stack.redo()
    assert doc.spec.to_dict() == after
    return after


def test_add_layer_after_a_layer_reads_it_and_leaves_the_rest(lenet):
    _check_undo_redo(lenet, lambda d: d.add_layer("Dropout", after="c5"))
    edges = lenet.spec.edges()
    assert edges["dropout"] == ["c5"] and edges["f6"] == ["c5"]
    assert lenet.spec.layer("dropout").config == {"rate": 0.5}
    assert lenet.spec.resolved_outputs() == ["f7"]
    assert lenet.undo_stack.text(0) == "Add Dropout 'dropout'"


def test_add_layer_after_the_last_layer_becomes_the_output(lenet):
    name = lenet.add_layer("Dense", {"units": 3})
    assert lenet.spec.edges()[name] == ["f7"]
    assert lenet.spec.resolved_outputs() == [name]
    assert lenet.analysis.output_shapes() == [(3,)]
    assert lenet.selection() == [name]  # the inspector shows the new layer


def test_add_layer_on_an_edge_inserts_it(lenet):
    _check_undo_redo(lenet, lambda d: d.add_layer("BatchNormalization", on_edge=("s2", "c3")))
    edges = lenet.spec.edges()
    assert edges["batch_normalization"] == ["s2"] and edges["c3"] == ["batch_normalization"]
    # BatchNormalization on 6 channels: gamma, beta (trainable), moving mean and variance
    assert lenet.analysis.total_params == LENET_PARAMS + 4 * 6
    assert lenet.analysis.layers["batch_normalization"].non_trainable_params == 12


def test_add_layer_names_are_unique_and_validated(lenet):
    assert lenet.add_layer("Conv2D", after="c1") == "conv2d"
    assert lenet.add_layer("Conv2D", after="c1") == "conv2d_1"
    assert lenet.add_layer("MaxPooling2D", after="c1") == "max_pooling2d"
    for bad in (dict(type_="Conv9D"), dict(type_="Dense", config={"units": 0}),
                dict(type_="Dense", name="f6"), dict(type_="Dense", after="nope"),
                dict(type_="Dense", on_edge=("c1", "f7"))):
        with pytest.raises(ValueError):
            lenet.add_layer(**bad)
    assert lenet.undo_stack.count() == 3


def test_remove_layers_rewires_the_single_input(lenet):
    _check_undo_redo(lenet, lambda d: d.remove_layers(["s4"]))
    assert lenet.spec.edges()["flatten"] == ["c3"]
    # flatten now sees 10×10×16 = 1600 values: c5 has 1600·120 + 120 weights
    assert lenet.analysis.total_params == 156 + 2416 + 192120 + 10164 + 850


def test_remove_a_merge_input_and_the_merge(residual):
    _check_undo_redo(residual, lambda d: d.remove_layers(["right"]))
    assert residual.spec.edges()["merge"] == ["left", "stem"]
    residual.undo_stack.undo()
    residual.remove_layers(["merge"])
    assert residual.spec.edges()["flat"] == ["left"]  # no single input: the first one
    with pytest.raises(ValueError):
        residual.remove_layers(["input"])


def test_connect_and_disconnect(residual):
    _check_undo_redo(residual, lambda d: d.connect("stem", "merge"))
    assert residual.spec.edges()["merge"] == ["left", "right", "stem"]
    residual.undo_stack.undo()
    _check_undo_redo(residual, lambda d: d.connect("right", "flat"))  # single input: replaced
    assert residual.spec.edges()["flat"] == ["right"]


def test_disconnect(residual):
    _check_undo_redo(residual, lambda d: d.disconnect("right", "merge"))
    assert residual.spec.edges()["merge"] == ["left"]
    assert any("Add takes 2 to 64 input(s), got 1" in p.message for p in residual.analysis.errors)


@pytest.mark.parametrize(
    "src, dst, message",
    [("out", "stem", "cycle"), ("stem", "nope", "no layer named")],
)
def test_connect_refuses_bad_edges(residual, src, dst, message):
    with pytest.raises(ValueError, match=message):
        residual.connect(src, dst)
    assert residual.undo_stack.count() == 0


def test_rename_updates_references(residual):
    residual.set_selection(["left"])
    _check_undo_redo(residual, lambda d: d.rename("left", "main"))
    assert residual.spec.edges()["merge"] == ["main", "right"]
    residual.undo_stack.undo()
    residual.rename("out", "head")
    assert residual.spec.resolved_outputs() == ["head"]


def test_rename_keeps_the_selection_and_updates_explicit_outputs(qapp):
    spec = load_named("lenet5")
    spec.outputs = ["f7"]
    doc = Document(spec)
    doc.set_selection(["c3", "f7"])
    doc.rename("f7", "logits")
    assert doc.spec.outputs == ["logits"]
    assert doc.selection() == ["c3", "logits"]


def test_renaming_deleting_and_choosing_states_keep_the_sequence_references_and_undo(qapp):
    doc = Document(load_named("seq2seq_dates_attention"))
    params = doc.analysis.total_params
    after = _check_undo_redo(doc, lambda d: d.rename("encoder", "enc"))
    layers = {layer["name"]: layer for layer in after["layers"]}
    assert layers["enc_state"]["inputs"] == ["enc:1", "enc:2"] and layers["attention"]["inputs"] == ["decoder", "enc"]
    doc.rename("enc_state", "state")
    doc.rename("decoder", "dec")
    assert doc.spec.layer("dec").initial_state == ["state"]
    assert doc.analysis.ok and doc.analysis.total_params == params
    assert doc.undo_stack.undoText() == "Rename 'decoder' to 'dec'"
    doc.undo_stack.setIndex(0)
    assert doc.spec.to_dict() == load_named("seq2seq_dates_attention").to_dict()

    _check_undo_redo(doc, lambda d: d.remove_layers(["enc_state"]))
    assert doc.spec.layer("decoder").initial_state is None and doc.analysis.ok
    doc.undo_stack.undo()
    assert doc.spec.layer("decoder").initial_state == ["enc_state"]
    _check_undo_redo(doc, lambda d: d.set_initial_state("decoder", None))
    assert doc.undo_stack.undoText() == "Clear the initial state of 'decoder'"
    with pytest.raises(ValueError, match="cannot start from 'chars'"):
        doc.set_initial_state("decoder", ["chars"])
    assert doc.undo_stack.count() == 1


def test_set_config_updates_the_analysis(lenet):
    assert lenet.analysis.total_params == LENET_PARAMS
    _check_undo_redo(lenet, lambda d: d.set_config("c1", "filters", 8))
    # c1: 5·5·1·8 + 8 = 208; c3: 5·5·8·16 + 16 = 3216
    assert lenet.analysis.total_params == 208 + 3216 + 48120 + 10164 + 850 == 62558
    assert lenet.analysis.total_params == analyze(lenet.spec).total_params
    assert lenet.undo_stack.text(0) == "Set c1.filters = 8"


@pytest.mark.parametrize(
    "name, key, value",
    [("c1", "filters", 0), ("nope", "filters", 8)],
)
def test_set_config_invalid_raises_and_pushes_nothing(lenet, name, key, value):
    before = lenet.spec.to_dict()
    with pytest.raises(ValueError):
        lenet.set_config(name, key, value)
    assert lenet.undo_stack.count() == 0
    assert lenet.spec.to_dict() == before
    assert lenet.analysis.total_params == LENET_PARAMS


def test_set_config_same_value_pushes_nothing_and_repeats_merge(lenet):
    lenet.set_config("c1", "filters", 6)
    assert lenet.undo_stack.count() == 0
    for n in (7, 8, 9):  # a spin box stepping: one undo step
        lenet.set_config("c1", "filters", n)
    assert lenet.undo_stack.count() == 1
    assert lenet.spec.layer("c1").config["filters"] == 9
    lenet.undo_stack.undo()
    assert lenet.spec.layer("c1").config["filters"] == 6


def test_set_input_shape_and_classes(lenet):
    _check_undo_redo(lenet, lambda d: d.set_input_shape((28, 28, 1)))
    # 28 -> c1 24 -> s2 12 -> c3 8 -> s4 4: flatten 4·4·16 = 256, c5 = 256·120 + 120
    assert lenet.analysis.total_params == 156 + 2416 + 30840 + 10164 + 850
    lenet.undo_stack.undo()
    _check_undo_redo(lenet, lambda d: d.set_classes(5))
    assert lenet.analysis.total_params == LENET_PARAMS - 850 + 84 * 5 + 5
    for bad in ((0, 28, 1), "28x28", (28, 28, 1, 1, 1)):
        with pytest.raises(ValueError):
            lenet.set_input_shape(bad)
    with pytest.raises(ValueError):
        lenet.set_classes(0)


def test_copy_and_paste_keep_inner_connections_and_rename_clashes(lenet):
    copied = lenet.copy_layers(["s4", "c3"])
    assert [d["name"] for d in copied] == ["c3", "s4"]
    assert copied[0]["inputs"] == ["s2"] and copied[1]["inputs"] == ["c3"]
    lenet.set_selection(["s2"])
    _check_undo_redo(lenet, lambda d: d.paste(copied))
    edges = lenet.spec.edges()
    assert edges["c3_1"] == ["s2"] and edges["s4_1"] == ["c3_1"]
    assert lenet.spec.resolved_outputs() == ["f7"]
    assert lenet.undo_stack.text(0) == "Paste 2 layers"
    with pytest.raises(ValueError):
        lenet.paste([{"name": "x"}])


def test_paste_after_the_last_layer_keeps_the_model_output(lenet):
    names = lenet.paste(lenet.copy_layers(["c5"]), after="f7")
    assert names == ["c5_1"] and lenet.spec.edges()["c5_1"] == ["f7"]
    assert lenet.selection() == ["c5_1"]
    assert lenet.spec.resolved_outputs() == ["c5_1"]  # the chain continues from the output


def test_macro_is_one_undo_step_and_rolls_back_on_error(lenet):
    before = lenet.spec.to_dict()
    changes = []
    lenet.specChanged.connect(lambda: changes.append(1))
    with lenet.macro("Widen"):
        lenet.set_config("c1", "filters", 8)
        lenet.set_config("c3", "filters", 32)
    assert lenet.undo_stack.count() == 1 and lenet.undo_stack.text(0) == "Widen"
    assert len(changes) == 1
    lenet.undo_stack.undo()
    assert lenet.spec.to_dict() == before
    with pytest.raises(ValueError):
        with lenet.macro("Broken"):
            lenet.set_config("c1", "filters", 8)
            lenet.set_config("c3", "filters", -1)
    assert lenet.spec.to_dict() == before
    assert lenet.undo_stack.count() == 1 and lenet.undo_stack.index() == 0


def test_load_path_dirty_and_signals(qtbot, lenet, tmp_path):
    paths, dirty = [], []
    lenet.pathChanged.connect(paths.append)
    lenet.dirtyChanged.connect(dirty.append)
    lenet.set_config("c1", "filters", 8)
    assert lenet.dirty and dirty == [True]
    lenet.mark_saved(tmp_path / "lenet.json")
    assert not lenet.dirty and dirty == [True, False]
    assert paths == [str(tmp_path / "lenet.json")] and lenet.path == tmp_path / "lenet.json"
    with qtbot.waitSignals([lenet.loaded, lenet.specChanged, lenet.selectionChanged]):
        lenet.load(residual_spec())
    assert lenet.undo_stack.count() == 0 and lenet.path is None and paths[-1] == ""
    assert lenet.analysis.total_params == analyze(residual_spec()).total_params


def test_selection_is_filtered_and_follows_removals(qtbot, lenet):
    with qtbot.waitSignal(lenet.selectionChanged) as signal:
        lenet.set_selection(["c3", "nope", "c3", "s4"])
    assert signal.args == [["c3", "s4"]]
    lenet.remove_layers(["s4"])
    assert lenet.selection() == ["c3"]
    lenet.undo_stack.undo()
    assert lenet.selection() == ["c3"]


_OPS = ("add_after", "add_on_edge", "remove", "connect", "disconnect", "rename", "widen", "paste", "merge")


def _apply(doc: Document, op: str, i: int, j: int) -> None:
    """One edit picked by index; may raise ValueError for an edit the Document refuses."""
    names = doc.spec.names()
    a, b = names[i % len(names)], names[j % len(names)]
    edges = doc.spec.edges()
    if op == "add_after":
        doc.add_layer("Dropout", after=a)
    elif op == "add_on_edge":
        doc.add_layer("BatchNormalization", on_edge=(edges[a][0], a))
    elif op == "remove":
        doc.remove_layers([a, b] if i % 3 == 0 else [a])
    elif op == "connect":
        doc.connect(a, b)
    elif op == "disconnect":
        doc.disconnect(edges[b][0], b)
    elif op == "rename":
        doc.rename(a, f"renamed_{j}")
    elif op == "widen":
        doc.set_config(a, "filters" if doc.spec.layer(a).type == "Conv2D" else "units", 1 + j % 9)
    elif op == "paste":
        doc.paste(doc.copy_layers([a, b]), after=b)
    else:
        with doc.macro("Merge"):
            doc.connect(b, doc.add_layer("Add", after=a))


def test_random_edit_sequences_stay_loadable_and_undo_to_the_start(qapp):
    """Whatever the edits, every state saves as a valid preset and undo walks back exactly."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from workbench.spec import dumps, parse_preset

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(_OPS), st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=6))
    def run(ops):
        doc = Document(residual_spec())
        states = [doc.spec.to_dict()]  # states[k]: the spec at undo index k
        for op, i, j in ops:
            before, steps = doc.spec.to_dict(), doc.undo_stack.index()
            try:
                _apply(doc, op, i, j)
            except ValueError:
                assert doc.undo_stack.index() == steps and doc.spec.to_dict() == before
                continue
            assert parse_preset(dumps(doc.spec)).to_dict() == doc.spec.to_dict()
            assert analyze(doc.spec).total_params == doc.analysis.total_params
            # a repeated config edit merges into the previous step (or cancels it)
            states = states[:doc.undo_stack.index()] + [doc.spec.to_dict()]
        assert len(states) == doc.undo_stack.index() + 1
        for state in reversed(states[:-1]):
            doc.undo_stack.undo()
            assert doc.spec.to_dict() == state
        while doc.undo_stack.canRedo():
            doc.undo_stack.redo()
        assert doc.spec.to_dict() == states[-1]

    run()
