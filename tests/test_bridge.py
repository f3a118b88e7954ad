"""Every bundled preset builds in Keras with exactly the numbers the spec layer computes.

For each preset file (whatever `preset_paths()` finds): every layer's output
shape and trainable / non-trainable parameter count in the built keras.Model
equal `analyze()`'s, and spec -> build -> from_keras gives the preset back.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import textwrap

import keras
import pytest

from workbench.keras_bridge import BridgeError, architecture, build, from_keras
from workbench.spec import INPUT, LayerSpec, ModelSpec, analyze, get_kind, load_preset, preset_paths

#: presets that take seconds to build: still run, but marked so they can be deselected
HEAVY_LAYERS = 300
HEAVY_PARAMS = 100_000_000


def _preset_params():
    params = []
    for slug, path in preset_paths().items():
        spec = load_preset(path)
        analysis = analyze(spec)
        heavy = len(spec.layers) > HEAVY_LAYERS or analysis.total_params > HEAVY_PARAMS
        params.append(pytest.param(slug, marks=[pytest.mark.slow] if heavy else [], id=slug))
    return params


def _weights(variables) -> int:
    return sum(math.prod(v.shape) for v in variables)


def _file_form(spec: ModelSpec) -> list[dict]:
    """The preset's layers as the converter writes them: compact configs, `inputs` as written."""
    out = []
    for layer in spec.layers:
        kind = get_kind(layer.type)
        config = kind.compact_config(kind.normalize_config(layer.config))
        out.append(LayerSpec(layer.name, layer.type, config, layer.inputs, layer.trainable, layer.initial_state).to_dict())
    return out


@pytest.fixture(autouse=True)
def _release_models():
    yield
    keras.backend.clear_session()


@pytest.mark.parametrize("slug", _preset_params())
def test_preset_builds_with_the_analyzed_numbers(slug):
    spec = load_preset(preset_paths()[slug])
    analysis = analyze(spec)
    assert analysis.ok, analysis.errors
    with keras.StatelessScope():  # weights get shapes but no values: drawing VGG-16's 138M costs seconds
        model = build(spec, analysis=analysis)

    assert tuple(model.get_layer(INPUT).output.shape[1:]) == tuple(spec.input_shape)
    mismatches = []
    for layer in spec.layers:
        info = analysis.layers[layer.name]
        keras_layer = model.get_layer(layer.name)
        outputs = keras_layer.output if isinstance(keras_layer.output, list) else [keras_layer.output]
        got = (
            [tuple(t.shape[1:]) for t in outputs],
            _weights(keras_layer.trainable_weights),
            _weights(keras_layer.non_trainable_weights),
        )
        want = (info.output_shapes, info.trainable_params, info.non_trainable_params)
        if got != want:
            mismatches.append(f"{layer.name} ({layer.type}): keras {got}, spec {want}")
    assert not mismatches, "\n".join(mismatches)
    assert model.count_params() == analysis.total_params
    assert _weights(model.trainable_weights) == analysis.trainable_params
    assert _weights(model.non_trainable_weights) == analysis.non_trainable_params
    assert [tuple(t.shape[1:]) for t in model.outputs] == analysis.output_shapes()

    back = from_keras(model)
    assert architecture(back) == architecture(spec)
    assert [l.to_dict() for l in back.layers] == _file_form(spec)
    assert back.outputs == spec.outputs


def test_several_inputs_keep_their_order_and_round_trip():
    spec = ModelSpec(
        name="two-towers",
        input_shape=(8,),
        layers=[
            LayerSpec("side", "Input", {"shape": [4]}),
            LayerSpec("extra", "Input", {"shape": [8]}),
            LayerSpec("a", "Dense", {"units": 8}, [INPUT]),
            LayerSpec("b", "Dense", {"units": 8}, ["side"]),
            LayerSpec("sum", "Add", {}, ["a", "b", "extra"]),
            LayerSpec("out", "Dense", {"units": 3, "activation": "softmax"}),
        ],
    )
    model = build(spec)
    assert [t.name for t in model.inputs] == [INPUT, "side", "extra"]
    assert [tuple(t.shape[1:]) for t in model.inputs] == [(8,), (4,), (8,)]
    assert model.count_params() == analyze(spec).total_params == 8 * 8 + 8 + 4 * 8 + 8 + 8 * 3 + 3
    back = from_keras(model)
    assert architecture(back) == architecture(spec)
    assert [l.to_dict() for l in back.layers] == [l.to_dict() for l in spec.layers]


def test_attention_layers_are_called_the_keras_way():
    """Attention takes a list, MultiHeadAttention (query, value[, key]); both round-trip."""
    spec = ModelSpec(
        name="attend",
        input_shape=(12,),
        layers=[
            LayerSpec("keys", "Input", {"shape": [7, 16]}),
            LayerSpec("embed", "Embedding", {"input_dim": 50, "output_dim": 16}, [INPUT]),
            LayerSpec("mha", "MultiHeadAttention", {"num_heads": 2, "key_dim": 8, "value_dim": 4}, ["embed", "keys", "keys"]),
            LayerSpec("self", "MultiHeadAttention", {"num_heads": 4, "key_dim": 4}, ["mha", "mha"]),
            LayerSpec("dot", "Attention", {"use_scale": True}, ["self", "embed"]),
            LayerSpec("bi", "Bidirectional", {"layer": {"type": "GRU", "config": {"units": 5, "return_sequences": True}}}),
            LayerSpec("td", "TimeDistributed", {"layer": {"type": "Dense", "config": {"units": 3}}}),
        ],
    )
    analysis = analyze(spec)
    assert analysis.ok, analysis.errors
    model = build(spec, analysis=analysis)
    for name in ("mha", "self", "dot", "bi", "td"):
        layer = model.get_layer(name)
        assert tuple(layer.output.shape[1:]) == analysis.layers[name].output_shape
        assert layer.count_params() == analysis.layers[name].params
    assert model.get_layer("td").output.shape[1:] == (12, 3)
    back = from_keras(model)
    assert architecture(back) == architecture(spec)
    assert back.layer("bi").config == {"layer": {"type": "GRU", "config": {"units": 5, "return_sequences": True}}}
    assert "value_dim" not in back.layer("self").config  # Keras writes value_dim = key_dim


def test_spec_errors_are_refused_naming_the_layer():
    spec = ModelSpec(
        name="broken",
        input_shape=(8, 8, 3),
        layers=[LayerSpec("big", "Conv2D", {"filters": 4, "kernel_size": 11}), LayerSpec("ghost", "Dense", {"units": 2}, ["nowhere"])],
    )
    with pytest.raises(BridgeError) as info:
        build(spec)
    message = str(info.value)
    assert "broken: cannot build" in message
    assert "big: kernel 11 is larger than its input 8" in message
    assert "ghost: input 'nowhere' does not exist" in message


def test_names_keras_rejects_are_reported_naming_the_layer():
    spec = ModelSpec(name="slash", input_shape=(4,), layers=[LayerSpec("block/dense", "Dense", {"units": 2})])
    with pytest.raises(BridgeError, match=r"block/dense: a layer name must not be empty or contain '/'"):
        build(spec)


def test_subclassed_models_are_refused():
    class Custom(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(BridgeError, match="subclassed 'Custom' model"):
        from_keras(Custom())


def test_sequential_models_read_as_chains():
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.BatchNormalization(axis=3, name="bn"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(10, activation="softmax", name="out"),
        ],
        name="seq",
    )
    spec = from_keras(model)
    assert spec.input_shape == (28, 28, 1)
    assert [l.to_dict() for l in spec.layers] == [
        {"name": "conv", "type": "Conv2D", "config": {"filters": 4, "kernel_size": 3}},
        {"name": "bn", "type": "BatchNormalization"},  # axis 3 of (batch, 28, 28, 4) is -1
        {"name": "pool", "type": "MaxPooling2D"},
        {"name": "flat", "type": "Flatten"},
        {"name": "out", "type": "Dense", "config": {"units": 10, "activation": "softmax"}},
    ]
    assert spec.outputs is None
    assert analyze(spec).total_params == model.count_params()


def test_sequential_models_without_an_input_layer_use_their_build_shape():
    model = keras.Sequential([keras.layers.Dense(3, name="d"), keras.layers.Dropout(0.25, name="drop")], name="plain")
    model.build((None, 6))
    spec = from_keras(model)
    assert (spec.input_shape, [l.to_dict() for l in spec.layers]) == (
        (6,), [{"name": "d", "type": "Dense", "config": {"units": 3}}, {"name": "drop", "type": "Dropout", "config": {"rate": 0.25}}],
    )


def test_a_backward_layer_of_its_own_is_refused():
    x = keras.Input((5, 2), name="input")
    y = keras.layers.Bidirectional(
        keras.layers.LSTM(3), backward_layer=keras.layers.GRU(3, go_backwards=True), name="bi"
    )(x)
    with pytest.raises(BridgeError, match="layer 'bi': a backward_layer that differs from the forward layer"):
        from_keras(keras.Model(x, y))


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_other_backends_build_without_tensorflow():
    """Only the public keras API: AlexNet (with our LRN layer) builds and runs on JAX."""
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import keras
        from workbench.keras_bridge import build
        from workbench.spec import analyze, load_named, with_input_shape
        spec = with_input_shape(load_named("alexnet"), (67, 67, 3))
        model = build(spec)
        out = model(np.ones((1, 67, 67, 3), np.float32))
        assert model.count_params() == analyze(spec).total_params
        print(keras.backend.backend(), tuple(out.shape), "tensorflow" in sys.modules)
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["jax", "(1,", "1000)", "False"]
