"""Sequence models in the spec: output indices, initial_state edges, token inputs, the sequence presets.

Every number must equal Keras': the presets' parameter counts are the
figures the sequence presets are defined by, and every file form (.h5,
exported .py) must bring the second kind of edge back unchanged.
"""

from __future__ import annotations

import keras
import pytest

from workbench.compare.diff import diff_specs
from workbench.export.script import to_script
from workbench.keras_bridge import architecture, build, from_keras
from workbench.keras_bridge.files import read_spec
from workbench.spec import LayerSpec, ModelSpec, analyze, load_named

#: the parameter counts the presets are defined by
PRESET_PARAMS = {
    "rnn_adding": 1_153, "lstm_adding": 4_513, "gru_adding": 3_489,
    "seq2seq_dates": 119_949, "seq2seq_dates_attention": 136_333, "ctc_digits": 82_507,
}


def _sorted(arch: dict) -> dict:
    """File order of a read-back model is Keras' walk order: compare layers by name."""
    return {**arch, "layers": sorted(arch["layers"], key=lambda l: l["name"])}


@pytest.fixture(autouse=True, scope="module")
def _release_models():
    yield
    keras.backend.clear_session()


@pytest.mark.parametrize("slug", sorted(PRESET_PARAMS) + ["caption_shapes"])
def test_sequence_presets_count_what_keras_counts(slug):
    spec = load_named(slug)
    analysis = analyze(spec)
    assert analysis.ok, analysis.problems
    model = build(spec, analysis=analysis)
    assert model.count_params() == analysis.total_params
    if slug in PRESET_PARAMS:
        assert analysis.total_params == PRESET_PARAMS[slug]
    for layer in spec.layers:
        keras_layer = model.get_layer(layer.name)
        outs = keras_layer.output if isinstance(keras_layer.output, list) else [keras_layer.output]
        assert [tuple(o.shape[1:]) for o in outs] == analysis.layers[layer.name].output_shapes, layer.name


def test_presets_name_their_task_and_token_inputs():
    spec = load_named("seq2seq_dates_attention")
    assert (spec.task, spec.input_dtype) == ("seq2seq", "int32")
    assert spec.layer("decoder").initial_state == ["enc_state"]
    assert spec.to_dict()["input_dtype"] == "int32"
    lenet = load_named("lenet5").to_dict()
    assert "task" not in lenet and "input_dtype" not in lenet
    assert all("initial_state" not in l for l in lenet["layers"])


def _encoder_decoder(states=("h", "c")) -> ModelSpec:
    """A Bidirectional LSTM encoder whose four states start an LSTM decoder; attention returns its scores."""
    return ModelSpec("s2s", (12,), input_dtype="int32", outputs=["out", "att:1", "mha:1"], layers=[
        LayerSpec("emb", "Embedding", {"input_dim": 20, "output_dim": 8, "mask_zero": True}),
        LayerSpec("enc", "Bidirectional", {"layer": {"type": "LSTM", "config": {
            "units": 6, "return_sequences": True, "return_state": True}}}),
        LayerSpec("h", "Concatenate", {}, ["enc:1", "enc:3"]),
        LayerSpec("c", "Concatenate", {}, ["enc:2", "enc:4"]),
        LayerSpec("dec_in", "Input", {"shape": [7], "dtype": "int32"}),
        LayerSpec("demb", "Embedding", {"input_dim": 9, "output_dim": 5}),
        LayerSpec("dec", "LSTM", {"units": 12, "return_sequences": True}, initial_state=list(states)),
        LayerSpec("att", "Attention", {"return_attention_scores": True}, ["dec", "enc"]),
        LayerSpec("mha", "MultiHeadAttention", {"num_heads": 2, "key_dim": 3, "use_causal_mask": True,
                                                "return_attention_scores": True}, ["dec", "dec"]),
        LayerSpec("cat", "Concatenate", {}, ["dec", "att", "mha"]),
        LayerSpec("out", "Dense", {"units": 9}),
    ])


def test_several_outputs_and_initial_states_infer_like_keras():
    spec = _encoder_decoder()
    analysis = analyze(spec)
    assert analysis.ok, analysis.problems
    assert analysis.layers["enc"].output_shapes == [(12, 12), (6,), (6,), (6,), (6,)]
    assert analysis.layers["att"].output_shapes == [(7, 12), (7, 12)]
    assert analysis.layers["mha"].output_shapes == [(7, 12), (2, 7, 7)]
    assert analysis.output_shapes() == [(7, 9), (7, 12), (2, 7, 7)]
    assert spec.state_edges() == {"dec": ["h", "c"]}
    model = build(spec, analysis=analysis)
    assert model.count_params() == analysis.total_params == 2_440
    assert [tuple(o.shape[1:]) for o in model.outputs] == [(7, 9), (7, 12), (2, 7, 7)]


def test_h5_and_script_bring_the_state_edge_and_output_indices_back(tmp_path):
    spec = _encoder_decoder()
    model = build(spec)
    model.save(tmp_path / "s2s.h5")
    back = read_spec(tmp_path / "s2s.h5")
    assert back.layer("dec").initial_state == ["h", "c"]
    assert back.layer("emb").config["mask_zero"] is True
    assert back.layer("dec_in").config == {"shape": [7], "dtype": "int32"}
    assert _sorted(architecture(back)) == _sorted(architecture(spec))
    source = to_script(spec)
    assert "initial_state=[h, c]" in source and "[enc[1], enc[3]]" in source
    assert "use_causal_mask=True, return_attention_scores=True" in source
    namespace: dict = {}
    exec(compile(source, "s2s.py", "exec"), namespace)
    rebuilt = namespace["build_model"]()
    assert _sorted(architecture(from_keras(rebuilt))) == _sorted(architecture(spec))


@pytest.mark.parametrize("states, message", [
    (["h"], "dec: initial_state needs 2 state(s) of shape (12,), got 1"),
    (["h", "enc:1"], "dec: initial_state 'enc:1' has shape (6,), the layer's state needs (12,)"),
    (["h", "enc:9"], "dec: 'enc:9' reads output 9 of 'enc', which has 5 outputs"),
    (["h", "nowhere"], "dec: initial_state 'nowhere' does not exist"),
])
def test_wrong_initial_states_are_named(states, message):
    problems = [str(p) for p in analyze(_encoder_decoder(states)).errors]
    assert message in problems


def test_only_recurrent_layers_take_an_initial_state():
    spec = ModelSpec("x", (4,), [LayerSpec("d", "Dense", {"units": 2}), LayerSpec("e", "Dense", {"units": 2}, initial_state=["d"])])
    assert [str(p) for p in analyze(spec).errors] == ["e: Dense takes no initial_state"]


def test_the_diff_sees_initial_state_and_output_index_changes():
    a, b = _encoder_decoder(), _encoder_decoder(("c", "h"))
    b.layer("h").inputs = ["enc:1", "enc:2"]
    changes = {row.name_b: [(c.key, c.old, c.new) for c in row.changes] for row in diff_specs(a, b).rows if row.changes}
    assert changes["dec"] == [("initial_state", ["h", "c"], ["c", "h"])]
    assert changes["h"] == [("inputs", ["enc:1", "enc:3"], ["enc:1", "enc:2"])]


def test_the_mask_op_reads_back_through_our_registered_operation(tmp_path):
    """An Embedding's mask_zero mask, saved by Keras as a `NotEqual` op node, loads in safe mode, and again."""
    import json

    import h5py
    import numpy as np

    from workbench.keras_bridge import layers
    from workbench.keras_bridge.files import load_model

    assert keras.saving.get_custom_objects()["NotEqual"] is layers.NotEqual
    model = build(load_named("seq2seq_dates"))
    tokens = np.zeros((2, 20), np.int32)
    tokens[:, :12] = np.arange(1, 13)  # 8 padding steps the mask hides
    x = [tokens, np.ones((2, 11), np.int32)]
    model.save(tmp_path / "first.h5")  # the op node as Keras itself writes it
    loaded = keras.models.load_model(tmp_path / "first.h5")
    ops = [op for op in loaded._operations if type(op).__name__ == "NotEqual"]
    assert [type(op) for op in ops] == [layers.NotEqual]
    assert np.array_equal(loaded.predict_on_batch(x), model.predict_on_batch(x))
    loaded.save(tmp_path / "again.h5")  # saved through our operation: the same entry, read back alike
    for name in ("first.h5", "again.h5"):
        with h5py.File(tmp_path / name) as f:
            config = json.loads(f.attrs["model_config"])
        (entry,) = [e for e in config["config"]["layers"] if e["name"].startswith("not_equal")]
        assert (entry["class_name"], entry["config"]) == ("NotEqual", {"name": entry["name"]})
        assert len(read_spec(tmp_path / name).layers) == 8  # the mask op is left out of the spec
        assert np.array_equal(load_model(tmp_path / name).predict_on_batch(x), model.predict_on_batch(x))
    loaded.save(tmp_path / "copy.keras")
    assert np.array_equal(keras.models.load_model(tmp_path / "copy.keras").predict_on_batch(x),
                          model.predict_on_batch(x))
