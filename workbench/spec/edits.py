"""Graph edits as pure functions: spec in, the spec's next `SpecState` out.

No Qt here: the window's undo commands (`ui/graph/commands.py`) call these
to compute the state after an edit and then only swap states, so every edit
is testable and an undo restores the exact previous spec.  Scripts edit
through `editor.SpecEditor`, which applies the same functions.  Every
function validates first and raises ValueError with a message for the user;
nothing is changed then.

Layers are treated as immutable values: an edit builds new `LayerSpec`
objects for the layers it changes and reuses the others, so a state is cheap
(a tuple of references) and views can tell what changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from .catalogue import get_kind
from .graph import INPUT, LayerSpec, ModelSpec, ref_name
from .overrides import head_layers, with_classes
from .references import keep_indices, renamed_layer, renamed_ref, with_name, without_states_from

#: Keras refuses '/' in layer names; the preset schema allows the rest of these.
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")

#: values for required parameters when a layer is added from the palette
_STARTER: dict[str, Any] = {
    "filters": 32,
    "kernel_size": 3,
    "units": 64,
    "num_heads": 4,
    "key_dim": 32,
    "input_dim": 1000,
    "output_dim": 64,
    "target_shape": [-1],
}
_STARTER_INNER = {"Bidirectional": {"type": "LSTM", "config": {"units": 64}},
                  "TimeDistributed": {"type": "Dense", "config": {"units": 64}}}


@dataclass(frozen=True)
class SpecState:
    """The editable part of a spec at one point of the undo history."""

    layers: tuple[LayerSpec, ...]
    outputs: tuple[str, ...] | None
    input_shape: tuple
    loss_weights: tuple[float, ...] | None

    @classmethod
    def of(cls, spec: ModelSpec) -> "SpecState":
        return cls(
            tuple(spec.layers),
            None if spec.outputs is None else tuple(spec.outputs),
            tuple(spec.input_shape),
            None if spec.loss_weights is None else tuple(spec.loss_weights),
        )

    def apply_to(self, spec: ModelSpec) -> None:
        spec.layers = list(self.layers)
        spec.outputs = None if self.outputs is None else list(self.outputs)
        spec.input_shape = tuple(self.input_shape)
        spec.loss_weights = None if self.loss_weights is None else list(self.loss_weights)


# -- names -------------------------------------------------------------------
def snake_case(type_: str) -> str:
    """Keras' own layer-name stem: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d."""
    step = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", type_)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", step).lower()


def unique_name(base: str, taken: set[str]) -> str:
    """`base` if free, else its stem with the smallest free `_N` suffix."""
    if base not in taken:
        return base
    stem = re.sub(r"_\d+$", "", base) or base
    n = 1
    while f"{stem}_{n}" in taken:
        n += 1
    return f"{stem}_{n}"


def check_name(spec: ModelSpec, name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"'{name}' is not a valid layer name: use letters, digits, '_', '.' or '-' (no spaces)"
        )
    if name == INPUT:
        raise ValueError(f"'{INPUT}' is the model input's name")
    if name in spec.names():
        raise ValueError(f"a layer named '{name}' already exists")


def _require_layer(spec: ModelSpec, name: str) -> LayerSpec:
    if name == INPUT:
        raise ValueError(f"'{INPUT}' is the model input, not an editable layer")
    try:
        return spec.layer(name)
    except KeyError:
        raise ValueError(f"there is no layer named '{name}'") from None


def _require_source(spec: ModelSpec, name: str) -> None:
    if name != INPUT and name not in spec.names():
        raise ValueError(f"there is no layer named '{name}'")


# -- keeping `inputs` and `outputs` consistent -------------------------------
def relink(layers: Iterable[LayerSpec], wanted: dict[str, list[str]]) -> tuple[LayerSpec, ...]:
    """The layers with resolved inputs equal to `wanted`, touching only those that differ.

    A layer keeps `inputs=None` ("the previous layer") while that still means
    what is wanted; otherwise its inputs are written out, so moving or
    inserting layers never silently rewires their neighbours.  A wanted
    layer name keeps the output index the layer already read from it.
    """
    out = []
    prev = INPUT
    for layer in layers:
        if layer.type != "Input":
            default = [prev]
            current = default if layer.inputs is None else list(layer.inputs)
            want = keep_indices(current, list(wanted[layer.name]))
            if current != want:
                layer = replace(layer, inputs=None if want == default else want)
        out.append(layer)
        prev = layer.name
    return tuple(out)


def _reaches(edges: dict[str, list[str]], start: str, target: str) -> bool:
    """Whether `target` is upstream of (or is) `start`."""
    stack, seen = [start], set()
    while stack:
        name = ref_name(stack.pop())
        if name == target:
            return True
        if name not in seen:
            seen.add(name)
            stack.extend(edges.get(name, ()))
    return False


def _state(
    spec: ModelSpec,
    layers: tuple[LayerSpec, ...],
    wanted: dict[str, list[str]],
    renamed: dict[str, str] | None = None,
    gone: dict[str, str | None] | None = None,
) -> SpecState:
    """The state after an edit, with the model outputs carried over.

    An implicit output (the last layer) stays implicit when the new last layer
    still derives from it (a layer appended to the chain becomes the output);
    otherwise the old output is written out so the model's output does not
    jump to an unrelated layer.  Explicit outputs follow renames, and a
    removed output is replaced by what replaced it (`gone`) or dropped.
    """
    renamed = renamed or {}
    gone = gone or {}
    outputs = spec.outputs
    weights = spec.loss_weights
    if outputs is None:
        old = renamed_ref(spec.resolved_outputs()[0], renamed)
        name = ref_name(old)
        if layers and name not in gone and name != layers[-1].name and not _reaches(wanted, layers[-1].name, name):
            outputs = [old]
    else:
        kept, kept_weights = [], []
        for i, name in enumerate(outputs):
            name = renamed_ref(name, renamed)
            if ref_name(name) in gone:
                name = gone[ref_name(name)]
            if name is None or name == INPUT or name in kept:
                continue
            kept.append(name)
            if weights is not None and i < len(weights):
                kept_weights.append(weights[i])
        outputs = kept or None
        if weights is not None:
            weights = kept_weights if outputs and len(kept_weights) == len(outputs) else None
    return SpecState(
        layers,
        None if outputs is None else tuple(outputs),
        tuple(spec.input_shape),
        None if weights is None else tuple(weights),
    )


# -- the edits ---------------------------------------------------------------
def starter_config(spec: ModelSpec, type_: str, config: dict | None = None) -> dict:
    """A valid, compact config for a new layer: required values filled, `config` on top."""
    kind = get_kind(type_)
    if kind is None:
        raise ValueError(f"unknown layer type '{type_}'")
    cfg: dict[str, Any] = {}
    for param in kind.params:
        if type_ == "Input" and param.name == "shape":
            cfg["shape"] = list(spec.input_shape)
        elif not param.required:
            continue
        elif param.default is not None:
            cfg[param.name] = param.default
        elif param.kind == "layer":
            cfg[param.name] = _STARTER_INNER[type_]
        elif param.name in _STARTER:
            cfg[param.name] = _STARTER[param.name]
    cfg.update(config or {})
    try:
        normalized = kind.normalize_config(cfg)
    except ValueError as exc:
        raise ValueError(f"{type_}: {exc}") from None
    return kind.compact_config(normalized)


def add_layer(
    spec: ModelSpec,
    type_: str,
    config: dict | None = None,
    after: str | None = None,
    on_edge: tuple[str, str] | None = None,
    name: str | None = None,
) -> tuple[SpecState, str]:
    """A new layer reading `after` (default: the last layer), or inserted into the edge `on_edge`."""
    if after is not None and on_edge is not None:
        raise ValueError("a new layer goes either after a layer or onto an edge, not both")
    cfg = starter_config(spec, type_, config)
    taken = set(spec.input_names()) | set(spec.names())
    if name is None:
        name = unique_name(snake_case(type_), taken)
    else:
        check_name(spec, name)
    edges = spec.edges()
    names = spec.names()
    layers = list(spec.layers)
    if on_edge is not None:
        if type_ == "Input":
            raise ValueError("an Input layer starts a new branch; it cannot be inserted into an edge")
        src, dst = on_edge
        _require_layer(spec, dst)
        if src not in edges[dst]:
            raise ValueError(f"'{src}' does not feed '{dst}'")
        ins = list(edges[dst])
        ins[ins.index(src)] = name
        edges[dst] = ins
        edges[name] = [src]
        index = names.index(dst)
    else:
        if after is None:
            after = names[-1] if names else INPUT
        _require_source(spec, after)
        edges[name] = [after]
        index = 0 if after == INPUT else names.index(after) + 1
    if type_ == "Input":
        edges.pop(name)
    layers.insert(index, LayerSpec(name, type_, cfg))
    return _state(spec, relink(layers, edges), edges), name


def remove_layers(spec: ModelSpec, names: Iterable[str]) -> SpecState:
    """Drop layers; a removed layer's consumers read its single input instead.

    A consumer left without any input (it read only a removed merge or Input
    layer) reads the removed layer's first upstream survivor, or the model
    input, so the spec never holds a layer with no inputs.
    """
    gone = list(dict.fromkeys(names))
    if not gone:
        raise ValueError("nothing to delete")
    for name in gone:
        _require_layer(spec, name)
    gone_set = set(gone)
    if len(gone_set) == len(spec.layers):
        raise ValueError("a model needs at least one layer: add another before deleting the last")
    edges = spec.edges()

    def through(name: str, single_only: bool) -> str | None:
        """The survivor upstream of `name` along first inputs.

        With `single_only`, None as soon as a removed layer has other than one
        input (its consumers then simply lose it); otherwise the model input
        when the chain ends at a removed Input layer.
        """
        while name in gone_set:
            ins = edges[name]
            if single_only and len(ins) != 1:
                return None
            if not ins:
                return INPUT
            name = ins[0]
        return name

    wanted: dict[str, list[str]] = {}
    for layer in spec.layers:
        if layer.name in gone_set or layer.type == "Input":
            continue
        ins = edges[layer.name]
        new = [s if s not in gone_set else through(s, True) for s in ins]
        new = [s for s in new if s is not None]
        if not new:
            new = [through(ins[0], False)]
        wanted[layer.name] = new
    layers = tuple(without_states_from(l, gone_set) for l in spec.layers if l.name not in gone_set)
    replaced = {name: through(name, True) for name in gone}
    return _state(spec, relink(layers, wanted), wanted, gone=replaced)


def connect(spec: ModelSpec, src: str, dst: str) -> SpecState:
    """Feed `src` into `dst`: a merge layer gains an input, any other layer's input is replaced."""
    _require_source(spec, src)
    layer = _require_layer(spec, dst)
    if layer.type == "Input":
        raise ValueError(f"'{dst}' is an Input layer and takes no inputs")
    if src == dst:
        raise ValueError(f"'{dst}' cannot feed itself")
    edges = spec.edges()
    if src in edges[dst]:
        raise ValueError(f"'{src}' already feeds '{dst}'")
    if _reaches(spec.dependencies(), src, dst):
        raise ValueError(f"connecting '{src}' to '{dst}' would make a cycle ('{src}' depends on '{dst}')")
    kind = get_kind(layer.type)
    if kind is None or kind.max_inputs == 1:
        edges[dst] = [src]
    elif len(edges[dst]) >= kind.max_inputs:
        raise ValueError(f"{layer.type} '{dst}' takes at most {kind.max_inputs} inputs")
    else:
        edges[dst] = edges[dst] + [src]
    return _state(spec, relink(spec.layers, edges), edges)


def disconnect(spec: ModelSpec, src: str, dst: str) -> SpecState:
    _require_layer(spec, dst)
    edges = spec.edges()
    if src not in edges[dst]:
        raise ValueError(f"'{src}' does not feed '{dst}'")
    remaining = [s for s in edges[dst] if s != src]
    if not remaining:
        raise ValueError(f"'{src}' is the only input of '{dst}': connect another layer to it first, or delete it")
    edges[dst] = remaining
    return _state(spec, relink(spec.layers, edges), edges)


def rename(spec: ModelSpec, old: str, new: str) -> SpecState:
    """`old` renamed to `new`, and every reference to it: inputs, initial states, model outputs, indices kept."""
    _require_layer(spec, old)
    check_name(spec, new)
    edges = {
        (new if name == old else name): [new if s == old else s for s in ins]
        for name, ins in spec.edges().items()
    }
    layers = [renamed_layer(l, {old: new}) for l in spec.layers]
    return _state(spec, relink(layers, edges), edges, renamed={old: new})


def set_config(spec: ModelSpec, name: str, key: str, value: Any) -> SpecState | None:
    """The state with one config value changed, or None when it already has that value.

    The value is validated by the catalogue's Param and stored in its
    shortest form; a value equal to Keras' default is dropped from the config.
    """
    layer = _require_layer(spec, name)
    kind = get_kind(layer.type)
    if kind is None:
        raise ValueError(f"'{name}' has the unknown layer type '{layer.type}'")
    param = kind.param_map.get(key)
    if param is None:
        known = ", ".join(kind.param_map) or "none"
        raise ValueError(f"{layer.type} has no parameter '{key}' (parameters: {known})")
    try:
        normalized = param.normalize(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    default = param.normalize(param.default) if param.default is not None else None
    config = dict(layer.config)
    if not param.required and normalized == default:
        config.pop(key, None)
    else:
        config[key] = param.compact(normalized)
    if config == layer.config:
        return None
    new = replace(layer, config=config)
    layers = tuple(new if l is layer else l for l in spec.layers)
    return _replace_layers(spec, layers)


def _replace_layers(spec: ModelSpec, layers: tuple[LayerSpec, ...]) -> SpecState:
    state = SpecState.of(spec)
    return SpecState(layers, state.outputs, state.input_shape, state.loss_weights)


def set_input_shape(spec: ModelSpec, shape: Iterable) -> SpecState | None:
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"an input shape is a list of sizes, got {shape!r}") from None
    if not 1 <= len(shape) <= 4:
        raise ValueError(f"an input shape has 1 to 4 dimensions (without the batch), got {list(shape)}")
    for size in shape:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValueError(f"input sizes are positive integers (or empty for 'any'), got {list(shape)}")
    if shape == tuple(spec.input_shape):
        return None
    state = SpecState.of(spec)
    return SpecState(state.layers, state.outputs, shape, state.loss_weights)


def set_classes(spec: ModelSpec, classes: int) -> SpecState | None:
    if isinstance(classes, bool) or not isinstance(classes, int):
        raise ValueError(f"the number of classes is an integer, got {classes!r}")
    resized = with_classes(spec, classes)  # raises ValueError with a message
    heads = set(head_layers(spec))
    layers = tuple(new if old.name in heads else old for old, new in zip(spec.layers, resized.layers))
    if all(a.config == b.config for a, b in zip(layers, spec.layers)):
        return None
    return _replace_layers(spec, layers)


def copy_layers(spec: ModelSpec, names: Iterable[str]) -> list[dict]:
    """The named layers as preset dicts (spec order) with their inputs written out."""
    wanted = set(names)
    for name in wanted:
        _require_layer(spec, name)
    out = []
    for index, layer in enumerate(spec.layers):
        if layer.name in wanted:
            data = layer.to_dict()
            if layer.type != "Input":
                data["inputs"] = spec.resolved_inputs(index)
            out.append(data)
    return out


def paste(spec: ModelSpec, layer_dicts: list[dict], after: str | None = None) -> tuple[SpecState, list[str]]:
    """Insert copied layers after `after` (default: the last layer).

    Connections and initial states among the pasted layers are kept (a state
    from outside them is dropped); an input from outside the
    pasted set is replaced by `after`, so a copied chain continues from there.
    Names that clash get a free `_N` suffix.
    """
    if not isinstance(layer_dicts, list) or not layer_dicts:
        raise ValueError("nothing to paste")
    pasted: list[LayerSpec] = []
    for i, data in enumerate(layer_dicts):
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("type"), str):
            raise ValueError(f"pasted item {i + 1} is not a layer (needs a 'name' and a 'type')")
        if get_kind(data["type"]) is None:
            raise ValueError(f"pasted layer '{data['name']}' has the unknown type '{data['type']}'")
        if not isinstance(data.get("config", {}), dict):
            raise ValueError(f"pasted layer '{data['name']}' has a config that is not an object")
        inputs = data.get("inputs")
        if inputs is not None and (not isinstance(inputs, list) or not all(isinstance(s, str) for s in inputs)):
            raise ValueError(f"pasted layer '{data['name']}' has inputs that are not a list of names")
        pasted.append(LayerSpec.from_dict(data))
    names = spec.names()
    if after is None:
        after = names[-1] if names else INPUT
    _require_source(spec, after)
    taken = set(spec.input_names()) | set(names)
    renamed: dict[str, str] = {}
    for layer in pasted:
        if layer.name in renamed:
            raise ValueError(f"the pasted layers use the name '{layer.name}' twice")
        renamed[layer.name] = unique_name(layer.name, taken)
        taken.add(renamed[layer.name])
    edges = spec.edges()
    previous: str | None = None  # the previous pasted layer, under its copied name
    new_layers = []
    for layer in pasted:
        new = renamed[layer.name]
        if layer.type != "Input":
            if layer.inputs is None:
                edges[new] = [renamed[previous]] if previous is not None else [after]
            else:
                edges[new] = [with_name(s, renamed[ref_name(s)]) if ref_name(s) in renamed else after
                              for s in layer.inputs] or [after]
        states = [with_name(r, renamed[ref_name(r)]) for r in layer.initial_state or () if ref_name(r) in renamed]
        new_layers.append(LayerSpec(new, layer.type, layer.config, None, layer.trainable, states or None))
        previous = layer.name
    index = 0 if after == INPUT else names.index(after) + 1
    layers = list(spec.layers)
    layers[index:index] = new_layers
    return _state(spec, relink(layers, edges), edges), [l.name for l in new_layers]
