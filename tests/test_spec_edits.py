"""Graph edits from Python (`SpecEditor` over `spec.edits`): the window's edits and checks, no Qt.

The window's undo steps, labels and selection are tested in test_ui_document.py.
"""

from __future__ import annotations

import pytest

from workbench.spec import LayerSpec, ModelSpec, analyze, dumps, load_named, parse_preset
from workbench.spec.editor import SpecEditor

LENET_PARAMS = 61706  # c1 156 + c3 2416 + c5 48120 + f6 10164 + f7 850


def residual_spec() -> ModelSpec:
    """stem -> (left, right) -> merge -> flat -> out: a tiny residual block on 8×8×3."""
    return ModelSpec(
        "Tiny residual",
        (8, 8, 3),
        [
            LayerSpec("stem", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
            LayerSpec("left", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
            LayerSpec("right", "Conv2D", {"filters": 4, "kernel_size": 1}, ["stem"]),
            LayerSpec("merge", "Add", {}, ["left", "right"]),
            LayerSpec("flat", "Flatten"),
            LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"}),
        ],
    )


@pytest.fixture
def lenet() -> SpecEditor:
    return SpecEditor(load_named("lenet5"))


@pytest.fixture
def residual() -> SpecEditor:
    return SpecEditor(residual_spec())


def refused(edit: SpecEditor, method: str, *args, match: str | None = None, **kwargs) -> None:
    """The edit raises ValueError and leaves the spec exactly as it was."""
    before = edit.spec.to_dict()
    with pytest.raises(ValueError, match=match):
        getattr(edit, method)(*args, **kwargs)
    assert edit.spec.to_dict() == before


def test_the_editor_changes_the_spec_it_was_given_and_every_state_is_a_valid_preset(lenet):
    spec = lenet.spec
    lenet.insert("Dropout", between=("c5", "f6"))
    assert spec.edges()["dropout"] == ["c5"] and spec.edges()["f6"] == ["dropout"]
    assert parse_preset(dumps(spec)).to_dict() == spec.to_dict()


def test_add_after_a_layer_branches_off_and_after_the_last_continues(lenet):
    assert lenet.add("Dropout", after="c5") == "dropout"
    edges = lenet.spec.edges()
    assert edges["dropout"] == ["c5"] and edges["f6"] == ["c5"]
    assert lenet.spec.layer("dropout").config == {"rate": 0.5}
    assert lenet.spec.resolved_outputs() == ["f7"]
    name = lenet.add("Dense", {"units": 3})
    assert lenet.spec.edges()[name] == ["f7"] and lenet.spec.resolved_outputs() == [name]
    assert analyze(lenet.spec).output_shapes() == [(3,)]


def test_insert_on_an_edge(lenet):
    assert lenet.insert("BatchNormalization", between=("s2", "c3")) == "batch_normalization"
    edges = lenet.spec.edges()
    assert edges["batch_normalization"] == ["s2"] and edges["c3"] == ["batch_normalization"]
    a = analyze(lenet.spec)  # BatchNormalization on 6 channels: gamma, beta, moving mean and variance
    assert a.total_params == LENET_PARAMS + 4 * 6 and a.layers["batch_normalization"].non_trainable_params == 12
    refused(lenet, "insert", "Dense", between=("c1", "f7"), match="'c1' does not feed 'f7'")
    refused(lenet, "insert", "Input", between=("s2", "batch_normalization"), match="starts a new branch")


def test_new_names_are_unique_and_checked(lenet):
    assert [lenet.add("Conv2D", after="c1") for _ in range(2)] == ["conv2d", "conv2d_1"]
    assert lenet.add("MaxPooling2D", after="c1") == "max_pooling2d"
    refused(lenet, "add", "Conv9D", match="unknown layer type 'Conv9D'")
    refused(lenet, "add", "Dense", {"units": 0}, match="Dense: ")
    refused(lenet, "add", "Dense", name="f6", match="a layer named 'f6' already exists")
    refused(lenet, "add", "Dense", after="nope", match="no layer named 'nope'")


def test_remove_rewires_the_single_input_and_moves_the_output(lenet):
    lenet.remove("s4")
    assert lenet.spec.edges()["flatten"] == ["c3"]
    # flatten now sees 10×10×16 = 1600 values: c5 has 1600·120 + 120 weights
    assert analyze(lenet.spec).total_params == 156 + 2416 + 192120 + 10164 + 850
    lenet.remove("f7")
    assert lenet.spec.resolved_outputs() == ["f6"] and analyze(lenet.spec).output_shapes() == [(84,)]


def test_remove_a_merge_input_and_the_merge(residual):
    residual.remove("right")
    assert residual.spec.edges()["merge"] == ["left", "stem"]
    fresh = SpecEditor(residual_spec())
    fresh.remove("merge")
    assert fresh.spec.edges()["flat"] == ["left"]  # no single input: the first one
    refused(fresh, "remove", "input", match="model input")
    refused(fresh, "remove", *fresh.spec.names(), match="at least one layer")


def test_connect_and_disconnect(residual):
    residual.connect("stem", "merge")
    assert residual.spec.edges()["merge"] == ["left", "right", "stem"]
    residual.connect("right", "flat")  # a single-input layer: its input is replaced
    assert residual.spec.edges()["flat"] == ["right"]
    residual.disconnect("stem", "merge")
    assert residual.spec.edges()["merge"] == ["left", "right"]


@pytest.mark.parametrize(
    "src, dst, message",
    [("out", "stem", "would make a cycle"), ("merge", "merge", "cannot feed itself"),
     ("left", "merge", "'left' already feeds 'merge'"), ("stem", "nope", "no layer named 'nope'"),
     ("stem", "input", "is the model input")],
)
def test_connect_refuses_bad_edges(residual, src, dst, message):
    refused(residual, "connect", src, dst, match=message)


def test_disconnect_refuses_to_leave_a_layer_without_input(residual):
    refused(residual, "disconnect", "stem", "left", match="'stem' is the only input of 'left'")


def test_rename_updates_inputs_and_outputs(residual):
    residual.rename("left", "main")
    assert residual.spec.edges()["merge"] == ["main", "right"]
    residual.rename("out", "head")
    assert residual.spec.resolved_outputs() == ["head"]
    spec = load_named("lenet5")
    spec.outputs = ["f7"]
    SpecEditor(spec).rename("f7", "logits")
    assert spec.outputs == ["logits"]


@pytest.mark.parametrize("new", ["c1", "input", "has space", "a/b", ""])
def test_rename_refuses_bad_names(lenet, new):
    refused(lenet, "rename", "c3", new)


def test_set_values_as_the_inspector_does(lenet):
    lenet.set("c1", "filters", 8)  # c1: 5·5·1·8 + 8 = 208; c3: 5·5·8·16 + 16 = 3216
    assert analyze(lenet.spec).total_params == 208 + 3216 + 48120 + 10164 + 850 == 62558
    lenet.set("c3", "kernel_size", [3, 3])
    assert lenet.spec.layer("c3").config["kernel_size"] == 3  # the short form
    lenet.set("c3", "padding", "same")
    assert lenet.spec.layer("c3").config["padding"] == "same"
    lenet.set("c3", "padding", "valid")  # Keras' default: dropped
    assert "padding" not in lenet.spec.layer("c3").config


@pytest.mark.parametrize(
    "name, key, value, message",
    [("c1", "filters", 0, "c1: "), ("c1", "filters", "many", "c1: "), ("c1", "padding", "full", "c1: "),
     ("c1", "colour", 1, "Conv2D has no parameter 'colour'"), ("nope", "filters", 8, "no layer named 'nope'"),
     ("c1", "kernel_size", [3, 3, 3], "c1: "), ("f6", "units", 2.5, "f6: ")],
)
def test_invalid_values_are_refused(lenet, name, key, value, message):
    refused(lenet, "set", name, key, value, match=message)


def test_input_shape_and_classes(lenet):
    lenet.set_input_shape((28, 28, 1))
    # 28 -> c1 24 -> s2 12 -> c3 8 -> s4 4: flatten 4·4·16 = 256, c5 = 256·120 + 120
    assert analyze(lenet.spec).total_params == 156 + 2416 + 30840 + 10164 + 850
    lenet.set_input_shape((32, 32, 1))
    lenet.set_classes(5)
    assert analyze(lenet.spec).total_params == LENET_PARAMS - 850 + 84 * 5 + 5
    for bad in ((0, 28, 1), "28x28", (28, 28, 1, 1, 1)):
        refused(lenet, "set_input_shape", bad)
    refused(lenet, "set_classes", 0)


def test_copy_and_paste_keep_inner_connections_and_rename_clashes(lenet):
    copied = lenet.copy(["s4", "c3"])
    assert [d["name"] for d in copied] == ["c3", "s4"]
    assert copied[0]["inputs"] == ["s2"] and copied[1]["inputs"] == ["c3"]
    assert lenet.paste(copied, after="s2") == ["c3_1", "s4_1"]
    edges = lenet.spec.edges()
    assert edges["c3_1"] == ["s2"] and edges["s4_1"] == ["c3_1"]
    assert lenet.spec.resolved_outputs() == ["f7"]
    refused(lenet, "paste", [{"name": "x"}], match="pasted item 1 is not a layer")
    other = SpecEditor(residual_spec())  # into another model: the chain continues from its last layer
    assert other.paste(lenet.copy(["f6"])) == ["f6"] and other.spec.edges()["f6"] == ["out"]


def test_collapse_shows_a_block_as_one_node_and_keeps_every_layer():
    from test_spec_collapse import resnet_spec

    edit = SpecEditor(resnet_spec())
    assert list(edit.blocks())[:3] == ["conv1", "conv2", "conv3"]  # outer blocks first
    graph = edit.collapse(["conv2"])
    assert graph.node_of["conv2_block1_1_conv"] == graph.node_of["conv2_block2_out"] == "block:conv2"
    assert ("block:conv2", "conv3_block1_0_conv") in graph.edges
    assert len(edit.blocks()["conv2"].members) == 13
    assert len(graph.nodes) == 30 + 1 - 13 + 1 == 19  # 30 layers and the input; conv2's 13 become one node
    assert len(edit.spec.layers) == len(resnet_spec().layers)
    refused(edit, "collapse", ["conv9"], match="no block named 'conv9'")


# -- references: output indices and initial states follow renames and deletions ------------------------------------
def lstm_encoder_decoder() -> ModelSpec:
    """A Bidirectional LSTM encoder whose joined states start an LSTM decoder; attention's scores are an output."""
    return ModelSpec("s2s", (12,), input_dtype="int32", outputs=["out", "att:1"], layers=[
        LayerSpec("emb", "Embedding", {"input_dim": 20, "output_dim": 8}),
        LayerSpec("enc", "Bidirectional", {"layer": {"type": "LSTM", "config": {
            "units": 6, "return_sequences": True, "return_state": True}}}),
        LayerSpec("h", "Concatenate", {}, ["enc:1", "enc:3"]),
        LayerSpec("c", "Concatenate", {}, ["enc:2", "enc:4"]),
        LayerSpec("dec_in", "Input", {"shape": [7], "dtype": "int32"}),
        LayerSpec("demb", "Embedding", {"input_dim": 9, "output_dim": 5}),
        LayerSpec("dec", "LSTM", {"units": 12, "return_sequences": True}, initial_state=["h", "c"]),
        LayerSpec("att", "Attention", {"return_attention_scores": True}, ["dec", "enc"]),
        LayerSpec("cat", "Concatenate", {}, ["dec", "att"]),
        LayerSpec("out", "Dense", {"units": 9}),
    ])


def test_renaming_rewrites_output_indices_initial_states_and_outputs():
    spec = lstm_encoder_decoder()
    before = analyze(spec).total_params
    edit = SpecEditor(spec)
    edit.rename("enc", "encoder")
    edit.rename("h", "state_h")
    edit.rename("att", "attention")
    edit.rename("dec", "decoder")
    assert spec.layer("state_h").inputs == ["encoder:1", "encoder:3"]
    assert spec.layer("c").inputs == ["encoder:2", "encoder:4"]
    assert spec.layer("decoder").initial_state == ["state_h", "c"] and spec.layer("decoder").inputs is None
    assert spec.layer("attention").inputs == ["decoder", "encoder"]
    assert spec.outputs == ["out", "attention:1"]
    analysis = analyze(spec)
    assert analysis.ok, analysis.problems
    assert analysis.total_params == before
    assert parse_preset(dumps(spec)).layer("decoder").initial_state == ["state_h", "c"]


def test_editing_a_config_or_rewiring_keeps_states_and_the_other_indices():
    spec = lstm_encoder_decoder()
    edit = SpecEditor(spec)
    edit.set("dec", "units", 12 * 2)  # states now too small: flagged, not dropped
    assert spec.layer("dec").initial_state == ["h", "c"]
    assert "dec: initial_state 'h' has shape (12,), the layer's state needs (24,)" in map(str, analyze(spec).errors)
    edit.set("dec", "units", 12)
    edit.disconnect("dec", "cat")
    assert spec.resolved_inputs(spec.names().index("cat")) == ["att"]
    edit.connect("enc", "cat")  # cat reads att and enc now; h keeps reading two different outputs of enc
    assert spec.layer("cat").inputs == ["att", "enc"] and spec.layer("h").inputs == ["enc:1", "enc:3"]
    pasted = edit.paste(edit.copy(["h", "c", "dec"]), after="demb")
    assert spec.layer(pasted[2]).initial_state == [pasted[0], pasted[1]]
    assert spec.layer(pasted[0]).inputs == ["demb", "demb"]  # enc was not pasted: the copy reads `after`


def test_deleting_a_state_source_drops_that_state_and_names_what_is_missing():
    spec = lstm_encoder_decoder()
    edit = SpecEditor(spec)
    edit.remove("c")
    assert spec.layer("dec").initial_state == ["h"]
    assert "dec: initial_state needs 2 state(s) of shape (12,), got 1" in map(str, analyze(spec).errors)
    edit.remove("h")
    assert spec.layer("dec").initial_state is None
    assert analyze(spec).ok
    dangling = lstm_encoder_decoder()
    dangling.layer("dec").initial_state = ["h", "gone:1"]  # as a hand-edited file may say
    assert "dec: initial_state 'gone:1' does not exist (no layer is named 'gone')" in map(str, analyze(dangling).errors)


def test_initial_state_choices_setting_and_clearing():
    from workbench.spec.state_edits import state_choices

    spec = lstm_encoder_decoder()
    spec.layer("dec").initial_state = None
    # the 12-wide states: the two joined encoder states; nothing downstream of dec, no 6-wide single state
    assert state_choices(spec, analyze(spec), "dec") == [["h", "c"], ["h", "c"]]
    assert state_choices(spec, analyze(spec), "out") == []
    edit = SpecEditor(spec)
    edit.set_initial_state("dec", ["c", "h"])
    assert spec.layer("dec").initial_state == ["c", "h"] and analyze(spec).ok
    edit.set_initial_state("dec", [])
    assert spec.layer("dec").initial_state is None
    with pytest.raises(ValueError, match="Dense 'out' takes no initial_state"):
        edit.set_initial_state("out", ["h"])
    with pytest.raises(ValueError, match="'dec' cannot start from 'cat': 'cat' depends on 'dec'"):
        edit.set_initial_state("dec", ["cat", "h"])
    with pytest.raises(ValueError, match="there is no layer named 'nowhere'"):
        edit.set_initial_state("dec", ["nowhere", "h"])
    assert spec.layer("dec").initial_state is None
