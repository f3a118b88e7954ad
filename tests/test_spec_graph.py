"""The spec layer: validation problems, inference numbers, overrides (its imports: test_import_contracts)."""

from __future__ import annotations

import pytest

from workbench.spec import LayerSpec, ModelSpec, analyze, load_named, with_classes, with_input_shape


def chain(input_shape, *layers, **kw) -> ModelSpec:
    return ModelSpec(
        name="t", input_shape=tuple(input_shape),
        layers=[LayerSpec(n, t, c, i) for n, t, c, *rest in layers for i in [rest[0] if rest else None]], **kw
    )


def messages(spec):
    return [(p.layer, p.severity, p.message) for p in analyze(spec).problems]


def test_conv_pool_dense_numbers():
    a = analyze(load_named("lenet5"))
    assert a.ok
    c1, s2, c3 = a.layers["c1"], a.layers["s2"], a.layers["c3"]
    assert c1.output_shape == (28, 28, 6) and c1.params == 156 and c1.macs == 28 * 28 * 6 * 25
    assert s2.output_shape == (14, 14, 6) and s2.macs == 0
    assert c3.params == 5 * 5 * 6 * 16 + 16
    assert (c1.receptive_field, c1.jump) == ((5, 5), (1, 1))
    assert (s2.receptive_field, s2.jump) == ((6, 6), (2, 2))
    assert (c3.receptive_field, c3.jump) == ((14, 14), (2, 2))
    assert a.layers["flatten"].receptive_field is None
    assert a.total_params == 61706
    assert a.layers["c1"].activation_bytes == 28 * 28 * 6 * 4


def test_every_problem_is_reported_with_its_layer():
    spec = chain(
        (32, 32, 3),
        ("a", "Conv2D", {"filters": 8, "kernel_size": 3}),
        ("b", "Bogus", {}),
        ("c", "Dense", {"units": 4}, ["nowhere"]),
        ("d", "Conv2D", {"filters": 4, "kernel_size": 64}, ["a"]),
        ("e", "Dense", {"units": 3}, ["f"]),
        ("f", "Dense", {"units": 3}, ["e"]),
        ("g", "Add", {}, ["a", "input"]),
        ("h", "Conv2D", {"filters": 2, "kernel_size": 3, "colour": 1}, ["a"]),
        ("i", "LSTM", {"units": 4}, ["a"]),
    )
    found = messages(spec)
    layers = {layer for layer, severity, _ in found if severity == "error"}
    assert layers == {"b", "c", "d", "e", "f", "g", "h", "i"}
    text = {layer: msg for layer, _, msg in found}
    assert "unknown layer type 'Bogus'" in text["b"]
    assert "input 'nowhere' does not exist" in text["c"]
    assert "kernel 64 is larger than its input 30" in text["d"]
    assert "cycle" in text["e"] and "cycle" in text["f"]
    assert "same shape" in text["g"] and "(30, 30, 8)" in text["g"]
    assert "colour" in text["h"]
    assert "rank-2" in text["i"]


def test_untiled_stride_is_a_warning_naming_dropped_rows():
    spec = chain((224, 224, 3), ("conv1", "Conv2D", {"filters": 96, "kernel_size": 11, "strides": 4}))
    a = analyze(spec)
    assert a.ok
    assert a.layers["conv1"].output_shape == (54, 54, 96)  # Keras floors (224-11)/4+1 = 54.25
    (w1, w2) = a.warnings
    assert w1.layer == "conv1" and "drops the last 1 rows" in w1.message
    assert "drops the last 1 columns" in w2.message
    tiled = with_input_shape(spec, (227, 227, 3))
    assert analyze(tiled).warnings == [] and analyze(tiled).layers["conv1"].output_shape == (55, 55, 96)


def test_same_padding_and_strides_ceil():
    spec = chain((7, 7, 1), ("p", "MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}))
    assert analyze(spec).layers["p"].output_shape == (4, 4, 1)


def test_batchnorm_and_merge_params():
    spec = chain(
        (8, 8, 4),
        ("bn", "BatchNormalization", {}),
        ("c", "Conv2D", {"filters": 4, "kernel_size": 1, "use_bias": False}),
        ("add", "Add", {}, ["bn", "c"]),
        ("cat", "Concatenate", {}, ["add", "input"]),
    )
    a = analyze(spec)
    assert (a.layers["bn"].trainable_params, a.layers["bn"].non_trainable_params) == (8, 8)
    assert a.layers["c"].params == 16
    assert a.layers["cat"].output_shape == (8, 8, 8)
    assert (a.trainable_params, a.non_trainable_params) == (24, 8)


def test_recurrent_and_attention_params():
    spec = chain(
        (20,),
        ("emb", "Embedding", {"input_dim": 100, "output_dim": 16}),
        ("lstm", "LSTM", {"units": 8, "return_sequences": True}),
        ("gru", "GRU", {"units": 8, "return_sequences": True}),
        ("bi", "Bidirectional", {"layer": {"type": "SimpleRNN", "config": {"units": 4, "return_sequences": True}}}),
        ("mha", "MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, ["bi", "bi"]),
    )
    a = analyze(spec)
    assert a.ok, a.problems
    assert a.layers["emb"].params == 1600
    assert a.layers["lstm"].params == 4 * 8 * (16 + 8 + 1)
    assert a.layers["gru"].params == 3 * 8 * (8 + 8) + 2 * 3 * 8
    assert a.layers["bi"].output_shape == (20, 8) and a.layers["bi"].params == 2 * 4 * (8 + 4 + 1)
    assert a.layers["mha"].output_shape == (20, 8)
    assert a.layers["mha"].params == 3 * (8 * 2 * 4 + 8) + (8 * 8 + 8)


def test_training_memory_counts_weights_gradients_slots_and_activations():
    a = analyze(load_named("lenet5"))
    per_sample = a.total_activation_bytes + 32 * 32 * 1 * 4
    assert a.training_memory(1, "sgd") == 61706 * 4 * 2 + per_sample
    assert a.training_memory(16, "adam") == 61706 * 4 * 4 + per_sample * 16


def test_overrides_recompute_everything():
    spec = with_classes(with_input_shape(load_named("lenet5"), (28, 28, 1)), 4)
    a = analyze(spec)
    assert a.layers["f7"].output_shape == (4,)
    assert a.layers["c1"].output_shape == (24, 24, 6)
    assert a.layers["c5"].params == 16 * 4 * 4 * 120 + 120
    with pytest.raises(ValueError, match="positive"):
        with_classes(spec, 0)


def test_duplicate_names_and_bad_output_are_errors():
    spec = chain((4,), ("d", "Dense", {"units": 2}), ("d", "Dense", {"units": 2}))
    assert any("more than once" in m for _, _, m in messages(spec))
    spec = chain((4,), ("d", "Dense", {"units": 2}), outputs=["zz"])
    assert ("zz", "error", "is listed as an output but no layer has that name") in messages(spec)
