"""Keras model config -> ModelSpec: the one converter behind `from_keras` and `read_spec`.

It reads only the JSON config (what `model.get_config()` returns and what
`.h5`/`.keras` files store), so reading a file needs neither Keras nor
TensorFlow.  Every layer keeps only its catalogue parameters, normalised and
compacted by the catalogue itself.  Settings outside the catalogue that change
what a layer computes (channels_first, attention_axes, a quantized dtype, ...)
are refused rather than silently dropped, and so is every class that is not
in the catalogue: nothing in a config is ever turned into code.

Layer order: a depth-first walk back from the outputs, visiting each layer's
inputs in call order, so that a chain of layers stays together and `inputs`
is written only where a layer does not read the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from workbench.spec import INPUT, LayerKind, LayerSpec, ModelSpec, get_kind
from workbench.spec.graph import INPUT_DTYPES, MAX_LAYERS, ref_name
from workbench.spec.infer import Inference

from .applications import rewrite_entries
from .architecture import normalized_config
from .errors import BridgeError
from .layer_order import layer_order, mask_ops

#: the registry package of the workbench's own layers ("workbench>LocalResponseNormalization")
PACKAGE = "workbench"
#: catalogue types implemented by the workbench itself (keras_bridge.layers), not by Keras
CUSTOM_TYPES = ("LocalResponseNormalization", "LayerScale", "RBM", "Hopfield")
#: of those, the ones keras.applications defines privately: accepted from that module too
APPLICATION_TYPES = {"LayerScale": "keras.src.applications.convnext"}

#: classes refused by name, with the reason shown to the user
REFUSED = {
    "Lambda": "it runs arbitrary Python code",
    "TFSMLayer": "it loads an external TensorFlow SavedModel",
    "TorchModuleWrapper": "it unpickles a PyTorch module",
}

#: settings outside the catalogue that change what a layer computes: the values the workbench models
NEUTRAL = {
    "data_format": ("channels_last", None),
    "attention_axes": (None, [1], (1,)),  # Keras fills in (1,), the time axis, once built
    "use_gate": (False,),
    "sliding_window": (None,),
    "renorm": (False,),
    "rms_scaling": (False,),
    "stateful": (False,),
    "time_major": (False,),
    "lora_rank": (None,),
    "quantization_config": (None,),
    "sparse": (False,),
    "ragged": (False,),
}

#: parameter names older Keras versions used for what the catalogue calls otherwise
ALIASES = {"LeakyReLU": {"alpha": "negative_slope"}}

#: keyword arguments that may carry input tensors, in the order the spec lists inputs
TENSOR_KWARGS = ("query", "value", "key")


def from_keras(model: Any) -> ModelSpec:
    """The spec of a functional or sequential Keras model (from its config, not its weights)."""
    kind = type(model).__name__
    if kind not in ("Functional", "Sequential"):
        raise BridgeError(
            f"model '{getattr(model, 'name', kind)}' is a subclassed '{kind}' model: "
            "only functional and sequential Keras models can be read"
        )
    return spec_from_config({"class_name": kind, "config": model.get_config()}, source=f"model '{model.name}'")


@dataclass
class _Layer:
    """One entry of the Keras config, with its producers resolved to names."""

    name: str
    type: str  # catalogue type, or "InputLayer"
    entry: dict
    sources: list[str]  # references: 'name' or 'name:index'
    input_rank: int | None  # rank (without batch) of the first input, when the config records it
    states: list[str] | None = None  # initial_state references
    call: dict | None = None  # call arguments that are catalogue parameters (return_attention_scores)


def spec_from_config(model_config: Any, source: str = "model") -> ModelSpec:
    """Convert a Keras model config ({"class_name", "config"}) into a spec; BridgeError if impossible."""
    if not isinstance(model_config, dict) or not isinstance(model_config.get("config"), dict):
        raise BridgeError(f"{source}: not a Keras model config")
    class_name, config = model_config.get("class_name"), model_config["config"]
    entries = config.get("layers")
    if not isinstance(entries, list) or not entries:
        raise BridgeError(f"{source}: the model config lists no layers")
    if len(entries) > MAX_LAYERS:
        raise BridgeError(f"{source}: {len(entries)} layers is more than the {MAX_LAYERS} the workbench reads")
    if class_name in ("Functional", "Model"):
        layers, inputs, outputs = _functional(config, entries, source)
    elif class_name == "Sequential":
        layers, inputs, outputs = _sequential(config, entries, source)
    else:
        raise BridgeError(f"{source}: a '{class_name}' model cannot be read: only functional and sequential Keras models can")
    seen: set[str] = set()
    for layer in layers:
        if layer.name in seen:
            raise BridgeError(f"{source}: two layers are named '{layer.name}'")
        seen.add(layer.name)

    first = next(l for l in layers if l.name == inputs[0])
    if any(l.name == INPUT and l is not first for l in layers):
        raise BridgeError(f"{source}: layer '{INPUT}' is not the model's first input, but the workbench reserves that name for it")
    if len(layers) == 1:
        raise BridgeError(f"{source}: the model has no layers besides its input")
    input_shape = _input_shape(first, source)
    rename = {first.name: INPUT}
    first.name = INPUT
    for layer in layers:
        layer.sources = [rename.get(s, s) for s in layer.sources]
        layer.states = [rename.get(s, s) for s in layer.states] if layer.states else None
    outputs = [rename.get(o, o) for o in outputs]

    by_name = {layer.name: layer for layer in layers}
    needs = {l.name: [ref_name(r) for r in l.sources + (l.states or [])] for l in layers if l.type != "InputLayer"}
    order = layer_order(needs, [ref_name(o) for o in outputs], inputs[1:], source)
    name = config.get("name") if isinstance(config.get("name"), str) else "model"
    spec = ModelSpec(name=name, input_shape=input_shape, layers=[], input_dtype=_input_dtype(first, source))
    shapes = _Shapes(spec)
    for position, layer_name in enumerate(order):
        layer = by_name[layer_name]
        where = f"{source}: layer '{layer.name}'"
        if layer.type == "InputLayer":
            input_config = {"shape": list(_input_shape(layer, source))}
            if _input_dtype(layer, source) != "float32":
                input_config["dtype"] = _input_dtype(layer, source)
            spec.layers.append(LayerSpec(layer.name, "Input", input_config))
            continue
        previous = order[position - 1] if position else INPUT
        rank = shapes.rank_lookup(layer)
        config_ = _layer_config(layer.type, layer.entry, where, rank, layer.call)
        inputs_ = None if layer.sources == [previous] else list(layer.sources)
        trainable = layer.entry.get("config", {}).get("trainable") is not False
        spec.layers.append(LayerSpec(layer.name, layer.type, config_, inputs_, trainable, layer.states))
    spec.outputs = None if outputs == [spec.layers[-1].name] else outputs
    return spec


# -- the graph ------------------------------------------------------------------


def _functional(config: dict, entries: list, source: str) -> tuple[list[_Layer], list[str], list[str]]:
    entries, output_layers = rewrite_entries(entries, config.get("output_layers"))
    masks = mask_ops(entries)
    layers = [_parse_entry(entry, index, source) for index, entry in enumerate(entries) if id(entry) not in masks]
    known = {l.name for l in layers}
    for layer in layers:
        missing = [s for s in map(ref_name, layer.sources + (layer.states or [])) if s not in known]
        if missing:
            raise BridgeError(f"{source}: layer '{layer.name}' reads '{missing[0]}', which is not in the model")
        if layer.type != "InputLayer" and not layer.sources:
            raise BridgeError(f"{source}: layer '{layer.name}' is not connected to any input")
    inputs = _endpoints(config.get("input_layers"), "input_layers", source)
    outputs = _endpoints(output_layers, "output_layers", source)
    by_name = {l.name: l for l in layers}
    for ref in inputs + outputs:
        if ref_name(ref) not in by_name:
            raise BridgeError(f"{source}: the model's input/output '{ref}' is not among its layers")
    not_inputs = [n for n in inputs if by_name[n].type != "InputLayer"]
    if not_inputs:
        raise BridgeError(f"{source}: model input '{not_inputs[0]}' is not an InputLayer")
    return layers, inputs, outputs


def _sequential(config: dict, entries: list, source: str) -> tuple[list[_Layer], list[str], list[str]]:
    """A Sequential model is a chain; its input comes from an InputLayer or `build_input_shape`."""
    layers: list[_Layer] = []
    if isinstance(entries[0], dict) and entries[0].get("class_name") == "InputLayer":
        layers.append(_parse_entry(entries[0], 0, source, sequential=True))
        entries = entries[1:]
    else:
        shape = config.get("build_input_shape")
        if not _is_shape(shape):
            raise BridgeError(f"{source}: the sequential model has no input shape (it was never built)")
        entry = {"class_name": "InputLayer", "config": {"batch_shape": shape, "name": INPUT}}
        layers.append(_parse_entry(entry, 0, source, sequential=True))
    for index, entry in enumerate(entries, start=len(layers)):
        layer = _parse_entry(entry, index, source, sequential=True)
        if layer.type == "InputLayer":
            raise BridgeError(f"{source}: a sequential model with an InputLayer in the middle ('{layer.name}')")
        layer.sources = [layers[-1].name]
        layers.append(layer)
    return layers, [layers[0].name], [layers[-1].name]


def _parse_entry(entry: Any, index: int, source: str, sequential: bool = False) -> _Layer:
    if not isinstance(entry, dict) or not isinstance(entry.get("config", {}), dict):
        raise BridgeError(f"{source}: layer #{index} is not a Keras layer config")
    config = entry.get("config", {})
    name = entry.get("name", config.get("name"))
    if not isinstance(name, str) or not name:
        raise BridgeError(f"{source}: layer #{index} has no name")
    type_ = _layer_type(entry, f"{source}: layer '{name}'")
    if sequential:
        build = entry.get("build_config")
        shape = build.get("input_shape") if isinstance(build, dict) else None
        rank = len(shape) - 1 if _is_shape(shape) else None
        return _Layer(name, type_, entry, [], rank)
    return _inbound(_Layer(name, type_, entry, [], None), entry.get("inbound_nodes"), f"{source}: layer '{name}'")


def _layer_type(entry: dict, where: str) -> str:
    """The catalogue type of an entry; BridgeError for refused, custom or unknown classes."""
    class_name = entry.get("class_name")
    if not isinstance(class_name, str):
        raise BridgeError(f"{where}: the layer has no class name")
    if class_name in REFUSED:
        raise BridgeError(f"{where}: layer class '{class_name}' is refused because {REFUSED[class_name]}")
    registered = entry.get("registered_name")
    module = entry.get("module")
    if class_name.startswith(PACKAGE + ">"):  # legacy .h5 files name registered classes this way
        registered, class_name = class_name, class_name.split(">", 1)[1]
    if class_name in CUSTOM_TYPES:
        if class_name in APPLICATION_TYPES and module in (None, APPLICATION_TYPES[class_name]) \
                and registered in (None, class_name):  # legacy .h5 files name neither
            return class_name
        if registered != f"{PACKAGE}>{class_name}":
            raise BridgeError(f"{where}: '{class_name}' is not the workbench's own layer (registered as {registered!r})")
        return class_name
    if class_name == "InputLayer" or get_kind(class_name) is not None:
        if registered not in (None, class_name) or not (module is None or module == "keras" or module.startswith("keras.")):
            shown = registered or f"{module}.{class_name}"
            raise BridgeError(f"{where}: unknown layer class '{shown}' (a custom class, not Keras' {class_name})")
        return class_name
    if class_name in ("Functional", "Sequential", "Model"):
        raise BridgeError(f"{where}: nested models are not supported; flatten the model first")
    raise BridgeError(f"{where}: unknown layer class '{class_name}' (not in the workbench's layer catalogue)")


def _inbound(layer: _Layer, nodes: Any, where: str) -> _Layer:
    """Producer references (in call order), initial states, call arguments and the first input's rank.

    From Keras 3 or Keras 2 inbound nodes; a `mask` argument is left out (mask_zero makes it again).
    """
    if not nodes:
        return layer
    if not isinstance(nodes, list):
        raise BridgeError(f"{where}: malformed inbound_nodes")
    if len(nodes) > 1:
        raise BridgeError(f"{where}: the layer is shared (called {len(nodes)} times); shared layers are not supported")
    node = nodes[0]
    found: list[tuple[str, list | None]] = []
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        _collect(node.get("args", []), found, where)
        kwargs = node.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise BridgeError(f"{where}: malformed inbound_nodes")
        kind = get_kind(layer.type)
        call_params = {p.name for p in kind.params if p.call} if kind else set()
        for key, value in kwargs.items():
            if key in call_params:
                layer.call = {**(layer.call or {}), key: value}
                continue
            extra: list = []
            _collect(value, extra, where)
            if key == "initial_state" and extra:
                layer.states = [name for name, _ in extra]
            elif extra and key not in TENSOR_KWARGS and key != "mask":
                raise BridgeError(f"{where}: a tensor is passed as '{key}', which the workbench cannot express")
        for key in TENSOR_KWARGS:
            if key in kwargs:
                _collect(kwargs[key], found, where)
    elif isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
        for item in node:
            found.append((_history(item, where), None))
            kwargs = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
            for key in TENSOR_KWARGS:
                if key in kwargs:
                    found.append((_history(kwargs[key], where), None))
    else:
        raise BridgeError(f"{where}: malformed inbound_nodes")
    shape = found[0][1] if found else None
    layer.sources = [name for name, _ in found]
    layer.input_rank = len(shape) - 1 if _is_shape(shape) else None
    return layer


def _collect(value: Any, out: list, where: str) -> None:
    """Append (producer, shape) for every Keras tensor in call arguments, in order."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, out, where)
        return
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        config = value.get("config") or {}
        out.append((_history(config.get("keras_history"), where), config.get("shape")))
        return
    raise BridgeError(f"{where}: the layer is called with a constant ({str(value)[:40]}), which the workbench cannot express")


def _history(history: Any, where: str) -> str:
    """The reference named by [layer, node_index, tensor_index]: 'layer' or 'layer:index'; single-call layers only."""
    if not (isinstance(history, (list, tuple)) and len(history) >= 3 and isinstance(history[0], str)):
        raise BridgeError(f"{where}: malformed reference to an input tensor")
    name, node_index, tensor_index = history[:3]
    if node_index != 0:
        raise BridgeError(f"{where}: reads call #{node_index} of shared layer '{name}'; shared layers are not supported")
    if not isinstance(tensor_index, int) or isinstance(tensor_index, bool) or tensor_index < 0:
        raise BridgeError(f"{where}: malformed output index {tensor_index!r} of '{name}'")
    return f"{name}:{tensor_index}" if tensor_index else name


def _endpoints(value: Any, key: str, source: str) -> list[str]:
    """`input_layers`/`output_layers`: [name, 0, 0] or a list of those."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise BridgeError(f"{source}: the model config has no {key}")
    return [_history(item, f"{source}: {key}") for item in value]


# -- one layer --------------------------------------------------------------------


def _is_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(v is None or isinstance(v, int) and not isinstance(v, bool) for v in value) and len(value) >= 1


def _input_dtype(layer: _Layer, source: str) -> str:
    """float32 or int32 (token ids); other input dtypes are refused."""
    dtype = layer.entry.get("config", {}).get("dtype", "float32")
    if isinstance(dtype, dict):  # a dtype policy
        dtype = (dtype.get("config") or {}).get("name", "float32")
    if dtype not in INPUT_DTYPES:
        raise BridgeError(f"{source}: input '{layer.name}' has dtype {dtype!r}; the workbench reads {' or '.join(INPUT_DTYPES)}")
    return dtype


def _input_shape(layer: _Layer, source: str) -> tuple:
    config = layer.entry.get("config", {})
    for key in NEUTRAL:
        if key in config and config[key] not in NEUTRAL[key]:
            raise BridgeError(f"{source}: input '{layer.name}' is {key}, which the workbench does not support")
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    if not _is_shape(shape) or len(shape) < 2:
        raise BridgeError(f"{source}: input '{layer.name}' has no usable shape ({shape!r})")
    return tuple(shape[1:])


class _Shapes:
    """Output ranks of the layers converted so far, each layer inferred once as the spec grows.

    Re-analysing the whole spec for every layer that needs its input's rank
    made a long chain quadratic (5,000 layers: minutes); this is linear.
    """

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.inference: Inference | None = None
        self.done = 0

    def rank_lookup(self, layer: _Layer) -> Callable[[], int]:
        """The input rank for positive axes: as recorded in the config, else inferred from the layers so far."""

        def rank() -> int:
            if layer.input_rank is not None:
                return layer.input_rank
            if self.inference is None:
                self.inference = Inference(self.spec)
            for position in range(self.done, len(self.spec.layers)):
                self.inference.add(self.spec.layers[position], self.spec.resolved_inputs(position))
            self.done = len(self.spec.layers)
            shape = self.inference.shape_of(layer.sources[0])
            if not isinstance(shape, tuple):
                raise BridgeError(f"layer '{layer.name}': the shape of its input '{layer.sources[0]}' cannot be inferred")
            return len(shape)

        return rank


def _layer_config(type_: str, entry: dict, where: str, rank: Callable[[], int], call: dict | None = None) -> dict:
    """The compact catalogue config of one Keras layer entry (and the catalogue arguments it was called with)."""
    kind = get_kind(type_)
    config = entry.get("config", {})
    if not isinstance(config, dict):
        raise BridgeError(f"{where}: malformed config")
    _check_neutral(config, where)
    aliases = ALIASES.get(type_, {})
    cfg = {aliases.get(k, k): v for k, v in config.items() if aliases.get(k, k) in kind.param_map and not kind.param_map[aliases.get(k, k)].call}
    cfg.update(call or {})
    if "axis" in cfg:
        cfg["axis"] = _axis(cfg["axis"], rank, where)
    if type_ == "MultiHeadAttention" and isinstance(cfg.get("output_shape"), (list, tuple)):
        if len(cfg["output_shape"]) != 1:
            raise BridgeError(f"{where}: output_shape {cfg['output_shape']} (several axes) is not supported")
        cfg["output_shape"] = cfg["output_shape"][0]
    for param in kind.params:
        if param.kind == "layer" and param.name in cfg:
            cfg[param.name] = _nested(cfg[param.name], where, lambda: rank() - 1)
    if type_ == "Bidirectional" and config.get("backward_layer") is not None:
        _check_backward(cfg["layer"], config["backward_layer"], where, rank)
    return _compact(kind, cfg, where)


def _compact(kind: LayerKind, cfg: dict, where: str) -> dict:
    try:
        return kind.compact_config(normalized_config(kind, cfg))
    except ValueError as exc:
        raise BridgeError(f"{where}: {exc}") from None


def _check_neutral(config: dict, where: str) -> None:
    for key, allowed in NEUTRAL.items():
        if key in config and config[key] not in allowed:
            raise BridgeError(f"{where}: {key}={config[key]!r} is not supported (only {allowed[0]!r})")
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        policy = str(dtype.get("class_name", "")) + str((dtype.get("config") or {}).get("name", ""))
        if "Quantized" in policy or any(q in policy for q in ("int8", "int4", "float8")):
            raise BridgeError(f"{where}: quantized layers are not supported")


def _axis(value: Any, rank: Callable[[], int], where: str) -> Any:
    """A single axis, written negative.

    Keras counts the batch axis in a positive axis (BatchNormalization(axis=3)
    on images) while the spec's shapes leave it out; a negative axis means the
    same to both.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise BridgeError(f"{where}: axis {list(value)} (several axes) is not supported")
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value - (rank() + 1)
    return value


def _nested(entry: Any, where: str, rank: Callable[[], int]) -> dict:
    """A wrapped layer (Bidirectional, TimeDistributed) as {"type", "config"}."""
    if not isinstance(entry, dict):
        raise BridgeError(f"{where}: malformed wrapped layer")
    type_ = _layer_type(entry, f"{where} (wrapped layer)")
    if type_ == "InputLayer":
        raise BridgeError(f"{where}: wraps an InputLayer")
    return {"type": type_, "config": _layer_config(type_, entry, f"{where} (wrapped {type_})", rank)}


def _check_backward(forward: dict, backward: Any, where: str, rank: Callable[[], int]) -> None:
    """Bidirectional's backward layer must be the forward one run backwards (what Keras makes by default)."""
    mirrored = _nested(backward, where, rank)
    kind = get_kind(forward["type"])
    want = dict(kind.normalize_config(forward["config"]))
    if mirrored["type"] == forward["type"]:
        got = kind.normalize_config(mirrored["config"])
        want["go_backwards"] = not want.get("go_backwards", False)
        if got == want:
            return
    raise BridgeError(f"{where}: a backward_layer that differs from the forward layer is not supported")
