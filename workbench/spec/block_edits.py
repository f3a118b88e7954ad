"""Blocks inside a model: placing an instance, finding and editing one, saving a selection as a block.

`workbench.spec.blocks` reads, writes and checks block files; this module
works with a block and a spec together.  An instance of block `slug` names
its layers `{slug}{n}_{layer}` (see `blocks`), which is how `find_instance`
recognises one in a spec that was saved and opened again.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .blocks import INPUT_CHANNELS, Block, BlockError, BlockParameter, Target, block_from_data, current_value, target_value
from .catalogue import get_kind
from .graph import INPUT, LayerSpec, ModelSpec
from .infer import Analysis, analyze

_INSTANCE = re.compile(r"^([a-z][a-z0-9_]*[a-z])(\d+)$")
#: config keys that become the parameters of a block saved from a selection
_WIDTH_KEYS = ("filters", "units")


def _with_value(type_: str, config: dict, key: str, value: int | float, where: str) -> dict:
    """`config` with `key` set to `value`, compacted by the catalogue; as it was when that changes nothing."""
    kind = get_kind(type_)
    try:
        normalized = kind.normalize_config({**config, key: value})
        if normalized == kind.normalize_config(config):
            return config
    except ValueError as exc:
        raise BlockError(f"{where}: {exc}") from None
    return kind.compact_config(normalized)


def _target_kind(block: Block, target: Target) -> str:
    return get_kind(block.spec.layer(target.layer).type).param_map[target.key].kind


# -- instances ------------------------------------------------------------------
def free_prefix(slug: str, existing_names: Iterable[str]) -> str:
    """`{slug}{n}` with the smallest n that no existing name uses as itself or as a prefix."""
    taken = set(existing_names)
    n = 1
    while f"{slug}{n}" in taken or any(name.startswith(f"{slug}{n}_") for name in taken):
        n += 1
    return f"{slug}{n}"


def instantiate(
    block: Block,
    params: Mapping[str, Any] | None = None,
    existing_names: Iterable[str] = (),
    input_name: str | Sequence[str] = INPUT,
    *,
    input_channels: int | None = None,
    prefix: str | None = None,
) -> list[LayerSpec]:
    """The block's layers under unique names, parameters applied, ports wired.

    `input_name` feeds every input port, or is one source per port in the
    block's order.  `input_channels` is the channel count of the first
    source, for parameters that scale with it (default: the block's own
    example input).  Every layer lists its inputs explicitly, so the result
    can go anywhere in a spec.
    """
    values = block.resolve(params)
    sources = [input_name] * len(block.inputs) if isinstance(input_name, str) else list(input_name)
    if len(sources) != len(block.inputs):
        raise BlockError(
            f"block '{block.title}' has {len(block.inputs)} input(s) {list(block.inputs)}, got {len(sources)} source(s)"
        )
    channels = input_channels if input_channels is not None else block.input_channels
    prefix = prefix or free_prefix(block.slug, existing_names)
    port_source = dict(zip(block.inputs, sources))
    settings: dict[str, list[tuple[str, int | float]]] = {}
    for name, param in block.parameters.items():
        for target in param.targets:
            value = target_value(_target_kind(block, target), target, values[name], channels)
            settings.setdefault(target.layer, []).append((target.key, value))
    edges = block.spec.edges()
    out = []
    for layer in block.spec.layers:
        if layer.type == "Input":
            continue
        new_name = f"{prefix}_{layer.name}"
        config = layer.config
        for key, value in settings.get(layer.name, ()):
            config = _with_value(layer.type, config, key, value, new_name)
        inputs = [port_source.get(src) or f"{prefix}_{src}" for src in edges[layer.name]]
        out.append(LayerSpec(new_name, layer.type, copy.deepcopy(config), inputs))
    return out


@dataclass(frozen=True)
class Instance:
    """Layers `{prefix}_*` of a spec that were made from `block` (same local names and types)."""

    block: Block
    prefix: str

    def name(self, local: str) -> str:
        return f"{self.prefix}_{local}"

    def layer_names(self) -> list[str]:
        return [self.name(l.name) for l in self.block.spec.layers if l.type != "Input"]

    def input_source(self, spec: ModelSpec) -> str | None:
        """The layer of `spec` that feeds the block's first input port."""
        edges = spec.edges()
        for local, ins in self.block.spec.edges().items():
            if INPUT in ins:
                actual = edges.get(self.name(local), [])
                position = ins.index(INPUT)
                return actual[position] if position < len(actual) else None
        return None

    def input_channels(self, spec: ModelSpec, analysis: Analysis) -> int | None:
        info = analysis.layers.get(self.input_source(spec) or "")
        shape = info.output_shape if info is not None else None
        return shape[-1] if shape else None

    def values(self, spec: ModelSpec, analysis: Analysis) -> dict[str, int | float | None]:
        """Each parameter's current value, read back from its first target (None if unreadable)."""
        channels = None
        out: dict[str, int | float | None] = {}
        for name, param in self.block.parameters.items():
            target = param.targets[0]
            if target.scale == INPUT_CHANNELS and channels is None:
                channels = self.input_channels(spec, analysis)
            factor = channels if target.scale == INPUT_CHANNELS else target.scale
            current = current_value(spec.layer(self.name(target.layer)), target.key)
            if not factor or not isinstance(current, (int, float)):
                out[name] = None
            else:
                out[name] = round(current / factor) if param.type == "int" else current / factor
        return out

    def edits(self, spec: ModelSpec, analysis: Analysis, name: str, value: Any) -> list[tuple[str, str, int | float]]:
        """(layer, key, value) for every target of parameter `name` set to `value`."""
        param = self.block.parameters.get(name)
        if param is None:
            raise BlockError(f"block '{self.block.title}' has no parameter '{name}'")
        value = param.check(value)
        channels = None
        if any(t.scale == INPUT_CHANNELS for t in param.targets):
            channels = self.input_channels(spec, analysis)
            if channels is None:
                raise BlockError(f"'{name}' scales with the channels of the block's input, whose shape is unknown")
        return [
            (self.name(t.layer), t.key, target_value(_target_kind(self.block, t), t, value, channels))
            for t in param.targets
        ]


def find_instance(spec: ModelSpec, prefix: str, blocks: Mapping[str, Block]) -> Instance | None:
    """The instance named `prefix` (`{slug}{n}`) when every layer of that block is there with its type."""
    match = _INSTANCE.match(prefix)
    block = blocks.get(match.group(1)) if match else None
    if block is None:
        return None
    types = {l.name: l.type for l in spec.layers}
    for layer in block.spec.layers:
        if layer.type != "Input" and types.get(f"{prefix}_{layer.name}") != layer.type:
            return None
    return Instance(block, prefix)


def instance_for_layers(spec: ModelSpec, names: Iterable[str], blocks: Mapping[str, Block]) -> Instance | None:
    """The instance whose layers are exactly `names` (a collapsed block node's selection), if any."""
    chosen = {n for n in names if n != INPUT}
    if not chosen:
        return None
    tokens = next(iter(chosen)).split("_")
    for i in range(len(tokens) - 1, 0, -1):
        prefix = "_".join(tokens[:i])
        if not _INSTANCE.match(prefix):
            continue
        members = {n for n in spec.names() if n.startswith(prefix + "_")}
        if members == chosen:
            return find_instance(spec, prefix, blocks)
    return None


# -- saving a selection -----------------------------------------------------------
def slugify(title: str) -> str:
    """A block name from a title: 'My block 2' -> 'my_block'."""
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    slug = re.sub(r"[0-9_]+$", "", slug)
    if not slug or not slug[0].isalpha():
        slug = f"block_{slug}".rstrip("_")
    return slug


def block_from_selection(
    spec: ModelSpec, names: Iterable[str], title: str, analysis: Analysis | None = None, slug: str | None = None
) -> Block:
    """The selected layers as a block.

    Input ports are what feeds the selection from outside (the model input
    first when it is one of them; the first becomes `input`, the others
    `Input` layers of the same shape).  Output ports are the layers read
    outside the selection or listed as model outputs, else the last one.
    The common name prefix of the layers (`conv3_block1_`) is dropped.
    Each of filters and units becomes a parameter: its smallest value, the
    other layers keeping their ratio to it (a bottleneck's 4×).
    """
    title = title.strip()
    if not title:
        raise BlockError("a block needs a name")
    chosen = set(names) - {INPUT}
    unknown = sorted(chosen - set(spec.names()))
    if unknown:
        raise BlockError(f"there is no layer named {', '.join(map(repr, unknown))}")
    layers = [l for l in spec.layers if l.name in chosen]
    if not layers:
        raise BlockError("select the layers to save as a block")
    if any(l.type == "Input" for l in layers):
        raise BlockError("an Input layer cannot be part of a block (what feeds a block becomes its input port)")
    analysis = analysis or analyze(spec)
    edges = spec.edges()
    sources: list[str] = []
    for layer in layers:
        sources.extend(s for s in edges[layer.name] if s not in chosen and s not in sources)
    if INPUT in sources:
        sources.remove(INPUT)
        sources.insert(0, INPUT)
    shapes = {}
    for i, src in enumerate(sources):
        info = analysis.layers.get(src)
        shape = info.output_shape if info is not None else None
        if shape is None or (i and None in shape):
            raise BlockError(f"the output shape of '{src}', which feeds the selection, is unknown: fix the errors first")
        shapes[src] = shape
    local = _local_names([l.name for l in layers])
    taken = set(local.values()) | {INPUT}
    rename = dict(local)
    rename[sources[0]] = INPUT
    ports = []
    for src in sources[1:]:
        port = _free_name(src, taken)
        taken.add(port)
        rename[src] = port
        ports.append(LayerSpec(port, "Input", {"shape": list(shapes[src])}))
    body = [LayerSpec(local[l.name], l.type, copy.deepcopy(l.config), [rename[s] for s in edges[l.name]]) for l in layers]
    consumers = spec.consumers()
    model_outputs = set(spec.resolved_outputs())
    outputs = [
        local[l.name] for l in layers
        if l.name in model_outputs or any(c not in chosen for c in consumers.get(l.name, ()))
    ] or [local[layers[-1].name]]
    block_spec = ModelSpec(
        title, tuple(shapes[sources[0]]), _compact_inputs(ports + body),
        description=f"{len(body)} layers saved from {spec.name}.", family="custom",
    )
    ports_in = (INPUT, *(p.name for p in ports))
    block = Block(slug or slugify(title), block_spec, ports_in, tuple(outputs), _width_parameters(body))
    return block_from_data(block.to_data(), block.slug, f"block '{title}'")


def _local_names(names: list[str]) -> dict[str, str]:
    """Names without their common leading `_` tokens, when that keeps them distinct and non-empty."""
    tokens = [n.split("_") for n in names]
    common = 0
    while all(len(t) > common + 1 for t in tokens) and len({t[common] for t in tokens}) == 1:
        common += 1
    stripped = {n: "_".join(t[common:]) for n, t in zip(names, tokens)}
    if len(set(stripped.values())) == len(names) and INPUT not in stripped.values():
        return stripped
    return {n: n for n in names}


def _free_name(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}_{n}", n + 1
    return out


def _compact_inputs(layers: list[LayerSpec]) -> list[LayerSpec]:
    """Drop `inputs` where they name the previous layer (the preset format's default)."""
    out, previous = [], INPUT
    for layer in layers:
        inputs = None if layer.type == "Input" or layer.inputs == [previous] else layer.inputs
        out.append(LayerSpec(layer.name, layer.type, layer.config, inputs))
        previous = layer.name
    return out


def _width_parameters(layers: list[LayerSpec]) -> dict[str, BlockParameter]:
    params = {}
    for key in _WIDTH_KEYS:
        found = [
            (l.name, l.config[key]) for l in layers
            if get_kind(l.type) is not None and key in get_kind(l.type).param_map
            and isinstance(l.config.get(key), int) and l.config[key] > 0
        ]
        if not found:
            continue
        base = min(v for _, v in found)
        targets = tuple(Target(name, key, _number(v / base)) for name, v in found)
        ratio = "" if len({v for _, v in found}) == 1 else "; the other layers keep their ratio to it"
        params[key] = BlockParameter(key, "int", base, targets, minimum=1, help=f"{key} of the narrowest layer{ratio}")
    return params


def _number(x: float) -> int | float:
    return int(x) if x == int(x) else x
