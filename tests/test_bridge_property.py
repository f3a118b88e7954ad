"""Random small graphs: whatever the spec layer calls valid, Keras builds with the same numbers.

Hypothesis draws layer after layer (type, parameters, which earlier layer(s) it
reads); a layer the spec reports an error for is dropped, so every example is a
graph `analyze()` accepts.  Every layer's output shape and trainable /
non-trainable parameter count must then equal Keras'.  EDGE_CASES (at the
end) pin the corners the generators rarely reach.
"""

from __future__ import annotations

import math

import keras
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench.keras_bridge import BridgeError, architecture, build, from_keras, make_layer
from workbench.spec import INPUT, LayerSpec, ModelSpec, analyze, get_kind
from workbench.spec.graph import split_ref

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(1, 3)
window = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)).map(list))
padding = st.sampled_from(["valid", "same"])
activation = st.sampled_from([None, "relu", "tanh", "softmax"])


def _conv_common(draw, *, rank: int = 2, paddings=("valid", "same")) -> dict:
    cfg = {"kernel_size": draw(window if rank == 2 else st.integers(1, 4)), "padding": draw(st.sampled_from(paddings))}
    # Keras refuses strides > 1 together with dilation_rate > 1 (see test_edge_cases)
    if draw(st.booleans()):
        cfg["strides"] = draw(small)
    else:
        cfg["dilation_rate"] = draw(small)
    if draw(st.booleans()):
        cfg["use_bias"] = False
    return cfg


@st.composite
def image_layer(draw) -> tuple[str, dict, int]:
    """(type, config, number of inputs) for a layer reading image-like tensors."""
    type_ = draw(st.sampled_from([
        "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D", "AveragePooling2D",
        "GlobalAveragePooling2D", "GlobalMaxPooling2D", "BatchNormalization", "LayerNormalization", "Dropout",
        "SpatialDropout2D", "Activation", "ReLU", "LeakyReLU", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
        "LocalResponseNormalization", "Flatten", "Dense", "Add", "Multiply", "Average", "Maximum", "Subtract",
        "Concatenate",
    ]))
    if type_ in ("Conv2D", "SeparableConv2D"):
        cfg = {"filters": draw(st.integers(1, 6)), **_conv_common(draw), "activation": draw(activation)}
        if type_ == "Conv2D" and draw(st.booleans()):
            cfg["groups"] = draw(st.sampled_from([1, 2]))
        if type_ == "SeparableConv2D":
            cfg["depth_multiplier"] = draw(small)
    elif type_ == "DepthwiseConv2D":
        cfg = {**_conv_common(draw), "depth_multiplier": draw(small)}
    elif type_ == "Conv2DTranspose":
        cfg = {"filters": draw(st.integers(1, 6)), **_conv_common(draw)}
        strides = cfg.get("strides", 1)
        if strides > 1 and draw(st.booleans()):
            # Keras needs output_padding < strides (see test_edge_cases)
            cfg["output_padding"] = draw(st.integers(0, strides - 1))
    elif type_ in ("MaxPooling2D", "AveragePooling2D"):
        cfg = {"pool_size": draw(window), "padding": draw(padding)}
        if draw(st.booleans()):
            cfg["strides"] = draw(window)
    elif type_.startswith("Global"):
        cfg = {"keepdims": draw(st.booleans())}
    elif type_ == "BatchNormalization":
        cfg = {"center": draw(st.booleans()), "scale": draw(st.booleans()), "axis": draw(st.sampled_from([-1, -2]))}
    elif type_ == "LayerNormalization":
        cfg = {"center": draw(st.booleans()), "scale": draw(st.booleans())}
    elif type_ in ("Dropout", "SpatialDropout2D"):
        cfg = {"rate": draw(st.sampled_from([0.1, 0.5]))}
    elif type_ == "Activation":
        cfg = {"activation": draw(st.sampled_from(["relu", "sigmoid", "softmax", "gelu"]))}
    elif type_ == "ReLU":
        cfg = draw(st.sampled_from([{}, {"max_value": 6.0}, {"negative_slope": 0.1}]))
    elif type_ == "LeakyReLU":
        cfg = {"negative_slope": 0.2}
    elif type_ == "ZeroPadding2D":
        cfg = {"padding": draw(st.one_of(st.integers(0, 2), st.lists(st.lists(st.integers(0, 2), min_size=2, max_size=2), min_size=2, max_size=2)))}
    elif type_ == "Cropping2D":
        cfg = {"cropping": draw(st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), min_size=2, max_size=2)))}
    elif type_ == "UpSampling2D":
        cfg = {"size": draw(window), "interpolation": draw(st.sampled_from(["nearest", "bilinear"]))}
    elif type_ == "LocalResponseNormalization":
        cfg = {"depth_radius": draw(st.integers(0, 3))}
    elif type_ == "Dense":
        cfg = {"units": draw(st.integers(1, 8)), "activation": draw(activation), "use_bias": draw(st.booleans())}
    elif type_ == "Concatenate":
        cfg = {"axis": draw(st.sampled_from([-1, -2]))}
    else:
        cfg = {}
    return type_, cfg, 2 if type_ in ("Add", "Multiply", "Average", "Maximum", "Subtract", "Concatenate") else 1


@st.composite
def sequence_layer(draw) -> tuple[str, dict, int]:
    """(type, config, number of inputs) for a layer reading token ids or (time, features) sequences."""
    type_ = draw(st.sampled_from([
        "Embedding", "Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
        "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "MultiHeadAttention", "Attention",
        "Dense", "LayerNormalization", "Dropout", "Add", "Concatenate",
    ]))
    if type_ == "Embedding":
        cfg = {"input_dim": draw(st.integers(2, 30)), "output_dim": draw(st.integers(1, 8)), "mask_zero": False}
    elif type_ == "Conv1D":
        cfg = {"filters": draw(st.integers(1, 6)), **_conv_common(draw, rank=1, paddings=("valid", "same", "causal"))}
    elif type_ in ("MaxPooling1D", "AveragePooling1D"):
        cfg = {"pool_size": draw(st.integers(1, 3)), "padding": draw(padding)}
        if draw(st.booleans()):
            cfg["strides"] = draw(small)
    elif type_.startswith("Global"):
        cfg = {"keepdims": draw(st.booleans())}
    elif type_ in ("SimpleRNN", "LSTM", "GRU"):
        cfg = _rnn(draw, type_)
    elif type_ == "Bidirectional":
        inner = draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
        cfg = {"layer": {"type": inner, "config": _rnn(draw, inner)}, "merge_mode": draw(st.sampled_from(["concat", "sum", "ave", "mul"]))}
    elif type_ == "TimeDistributed":
        cfg = {"layer": {"type": "Dense", "config": {"units": draw(st.integers(1, 6))}}}
    elif type_ == "MultiHeadAttention":
        cfg = {"num_heads": draw(small), "key_dim": draw(st.integers(1, 5)), "use_bias": draw(st.booleans()),
               "use_causal_mask": draw(st.booleans()), "return_attention_scores": draw(st.booleans())}
        if draw(st.booleans()):
            cfg["value_dim"] = draw(st.integers(1, 5))
        if draw(st.booleans()):
            cfg["output_shape"] = draw(st.integers(1, 6))
        return type_, cfg, draw(st.sampled_from([2, 3]))
    elif type_ == "Attention":
        cfg = {"use_scale": draw(st.booleans()), "score_mode": draw(st.sampled_from(["dot", "concat"])),
               "return_attention_scores": draw(st.booleans())}
        return type_, cfg, draw(st.sampled_from([2, 3]))
    elif type_ == "Dense":
        cfg = {"units": draw(st.integers(1, 8)), "use_bias": draw(st.booleans())}
    elif type_ == "LayerNormalization":
        cfg = {"scale": draw(st.booleans())}
    elif type_ == "Dropout":
        cfg = {"rate": 0.2}
    else:
        cfg = {}
    return type_, cfg, 2 if type_ in ("Add", "Concatenate") else 1


def _rnn(draw, type_: str) -> dict:
    cfg = {"units": draw(st.integers(1, 5)), "return_sequences": draw(st.booleans()), "use_bias": draw(st.booleans()),
           "return_state": draw(st.booleans())}
    if type_ == "GRU":
        cfg["reset_after"] = draw(st.booleans())
    return cfg


def _shape_of(analysis, ref: str) -> tuple:
    """The shape of the output a reference ('l3' or 'l3:1') reads."""
    name, index = split_ref(ref)
    return analysis.layers[name].output_shapes[index]


@st.composite
def graphs(draw, input_shapes, layer_strategy, max_layers: int = 7) -> ModelSpec:
    """A spec-valid graph: each drawn layer reads earlier tensors and is kept only if analyze accepts it."""
    spec = ModelSpec("random", draw(input_shapes), [])
    names = [INPUT]
    for index in range(draw(st.integers(1, max_layers))):
        type_, cfg, n_inputs = draw(layer_strategy())
        sources = draw(st.lists(st.sampled_from(names), min_size=n_inputs, max_size=n_inputs))
        if n_inputs > 1 and type_ != "Concatenate" and draw(st.booleans()):
            sources = [sources[0]] * n_inputs  # self-attention, x + x
        layer = LayerSpec(f"l{index}", type_, cfg, sources)
        trial = ModelSpec(spec.name, spec.input_shape, spec.layers + [layer])
        analysis = analyze(trial)
        if analysis.errors:
            continue
        kind = get_kind(type_)
        if kind.state_shapes is not None and draw(st.booleans()):
            layer.initial_state = _states_from(draw, analysis, layer.name, kind.state_shapes(
                kind.normalize_config(cfg), [_shape_of(analysis, s) for s in sources]))
            if layer.initial_state is None or analyze(trial).errors:
                layer.initial_state = None
        spec = trial
        names.append(layer.name)
        extra = len(analysis.layers[layer.name].output_shapes)
        names.extend(f"{layer.name}:{k}" for k in range(1, extra))  # states, attention scores
    assume(spec.layers)
    used = {src.split(":")[0] for layer in spec.layers for src in layer.inputs + (layer.initial_state or [])}
    spec.outputs = [l.name for l in spec.layers if l.name not in used] or None
    return spec


def _states_from(draw, analysis, own: str, wanted: list[tuple]) -> list[str] | None:
    """References to earlier outputs with the shapes a recurrent layer's initial state needs, if there are any."""
    refs = []
    for shape in wanted:
        fits = [
            name if k == 0 else f"{name}:{k}"
            for name, info in analysis.layers.items() if name != own
            for k, out in enumerate(info.output_shapes) if tuple(out) == tuple(shape)
        ]
        if not fits:
            return None
        refs.append(draw(st.sampled_from(fits)))
    return refs


def _weights(variables) -> int:
    return sum(math.prod(v.shape) for v in variables)


def _assert_keras_agrees(spec: ModelSpec) -> None:
    analysis = analyze(spec)
    assert analysis.ok, analysis.errors
    try:
        model = build(spec, analysis=analysis)
    except BridgeError as exc:
        pytest.fail(f"Keras refuses a graph the spec accepts: {exc}\n{spec.to_dict()['layers']}")
    problems = []
    for layer in spec.layers:
        info = analysis.layers[layer.name]
        keras_layer = model.get_layer(layer.name)
        outs = keras_layer.output if isinstance(keras_layer.output, (list, tuple)) else [keras_layer.output]
        got = ([tuple(o.shape[1:]) for o in outs], _weights(keras_layer.trainable_weights), _weights(keras_layer.non_trainable_weights))
        want = ([tuple(s) for s in info.output_shapes], info.trainable_params, info.non_trainable_params)
        if got != want:
            ins = [analysis.layers[s].output_shape for s in info.inputs]
            problems.append(f"{layer.type} {layer.config} on {ins}: keras (shape, trainable, non-trainable) {got}, spec {want}")
    assert not problems, "\n".join(problems)
    back, want = architecture(from_keras(model)), architecture(spec)
    by_name = lambda arch: sorted(arch.pop("layers"), key=lambda l: l["name"])  # noqa: E731 - random order
    assert by_name(back) == by_name(want) and back == want


@pytest.fixture(autouse=True, scope="module")
def _release_models():
    yield
    keras.backend.clear_session()


@SETTINGS
@given(graphs(st.tuples(st.integers(3, 16), st.integers(3, 16), st.integers(1, 4)), image_layer))
def test_image_graphs_match_keras(spec):
    _assert_keras_agrees(spec)


@SETTINGS
@given(graphs(st.one_of(st.tuples(st.integers(2, 12)), st.tuples(st.integers(2, 12), st.integers(1, 6))), sequence_layer))
def test_sequence_graphs_match_keras(spec):
    _assert_keras_agrees(spec)


def _keras_disagrees(spec: ModelSpec) -> str | None:
    """How Keras disagrees with the spec's verdict on a small graph (in file order), or None if it agrees."""
    analysis = analyze(spec)
    edges = spec.edges()
    tensors = {INPUT: keras.Input(spec.input_shape)}
    try:
        for layer in spec.layers:
            keras_layer = make_layer(layer.type, layer.config, layer.name)
            ins = [tensors[s] for s in edges[layer.name]]
            tensors[layer.name] = keras_layer(ins if len(ins) > 1 else ins[0])
    except (ValueError, TypeError) as exc:
        return f"the spec accepts it, Keras refuses: {exc}" if analysis.ok else None
    if not analysis.ok:
        return f"Keras accepts it, the spec refuses: {analysis.errors[0]}"
    for layer in spec.layers:
        got = tensors[layer.name]
        if isinstance(got, (list, tuple)):
            return f"{layer.name}: keras returns {len(got)} tensors, the spec one"
        if tuple(got.shape[1:]) != analysis.layers[layer.name].output_shape:
            return f"{layer.name}: keras {tuple(got.shape[1:])}, spec {analysis.layers[layer.name].output_shape}"
    return None


#: corners where the spec layer must reach Keras' verdict: refuse what Keras refuses, accept what it accepts
EDGE_CASES = {
    "positive axis counts the batch axis in Keras": ModelSpec(
        "axis", (4, 5), [LayerSpec("cat", "Concatenate", {"axis": 1}, [INPUT, INPUT])],
    ),
    "strides > 1 with dilation_rate > 1": ModelSpec(
        "dilated", (9, 9, 1), [LayerSpec("conv", "Conv2D", {"filters": 1, "kernel_size": 3, "strides": 2, "dilation_rate": 2})],
    ),
    "output_padding must be below strides": ModelSpec(
        "transpose", (4, 4, 1), [LayerSpec("up", "Conv2DTranspose", {"filters": 1, "kernel_size": 3, "strides": 2, "output_padding": 2})],
    ),
    "Bidirectional merge_mode None gives two tensors": ModelSpec(
        "both-ways", (5, 3), [LayerSpec("bi", "Bidirectional", {"layer": {"type": "LSTM", "config": {"units": 2}}, "merge_mode": None})],
    ),
    "Dense needs a known last dimension": ModelSpec(
        "ragged", (None, 5), [LayerSpec("flat", "Flatten"), LayerSpec("dense", "Dense", {"units": 2})],
    ),
    "Keras layer names cannot contain '/'": ModelSpec(
        "slash", (4,), [LayerSpec("block/dense", "Dense", {"units": 2})],
    ),
    "element-wise merges broadcast (squeeze-and-excitation)": ModelSpec(
        "excite", (4, 4, 3), [LayerSpec("squeeze", "GlobalAveragePooling2D", {"keepdims": True}),
                              LayerSpec("scale", "Multiply", {}, [INPUT, "squeeze"])],
    ),
}


@pytest.mark.parametrize("case", sorted(EDGE_CASES))
def test_edge_cases(case):
    assert _keras_disagrees(EDGE_CASES[case]) is None


def test_linear_activation_compacts_to_a_config_the_catalogue_accepts():
    kind = get_kind("Activation")
    compact = kind.compact_config(kind.normalize_config({"activation": "linear"}))
    assert compact == {"activation": "linear"}
    assert kind.normalize_config(compact)["activation"] == "linear"
