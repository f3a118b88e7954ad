"""Blocks: sub-graphs taken from the presets, inserted as a unit and edited through a few parameters.

A block file is a preset (same format, `workbench_preset: 1`, analysable on
its own from its `input_shape`) with a `block` section that names its ports
and the parameters that edit it as one unit:

    "block": {
      "inputs": ["input"],
      "outputs": ["out"],
      "parameters": {
        "filters": {"type": "int", "default": 64, "minimum": 1,
                    "targets": [["1_conv", "filters"], ["3_conv", "filters", 4]]},
        "compression": {"type": "float", "default": 0.5,
                        "targets": [["conv", "filters", "input_channels"]]}
      }
    }

Input ports are the implicit `input` (always first) and the file's `Input`
layers; output ports are layers whose output leaves the block.  A target
`[layer, key, scale]` sets that config value to parameter × scale (floored
for integer keys; the scale defaults to 1, and "input_channels" multiplies
by the channel count of what feeds the block, which is DenseNet's θ).

An instance of block `slug` names its layers `{slug}{n}_{layer}` with the
smallest free n (`resnet_basic1_1_conv`).  That prefix is one numbered name
token, so the canvas collapses an instance into one node, and the spec alone
tells which block a group of layers came from (`find_instance`), also after
the model was saved and opened again.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .catalogue import get_kind
from .graph import INPUT, LayerSpec, ModelSpec
from .infer import Analysis, analyze
from ..atomic import write_text_atomic
from .preset_io import PresetError, dumps, presets_dir, spec_from_data

#: the scale of a target that multiplies the parameter by the block input's channel count
INPUT_CHANNELS = "input_channels"
#: a block's name (its file stem): it ends in a letter so that `{slug}{n}` reads as one numbered token
_SLUG = re.compile(r"^[a-z][a-z0-9_]*[a-z]$")
_INSTANCE = re.compile(r"^([a-z][a-z0-9_]*[a-z])(\d+)$")
#: config keys that become the parameters of a block saved from a selection
_WIDTH_KEYS = ("filters", "units")
#: catalogue parameter kinds a target can set (a pair gets the value on every axis)
_NUMERIC_KINDS = ("int", "float", "pair")
#: slack for flooring value × scale, so that 3 × (100 / 3) gives 100, not 99
_FLOOR_SLACK = 1e-9


class BlockError(PresetError):
    """A block file, parameter value or selection that cannot be used; one problem per line."""


@dataclass(frozen=True)
class Target:
    """One config value a block parameter sets: `layer.key = parameter × scale`."""

    layer: str
    key: str
    scale: float | str = 1

    def to_list(self) -> list:
        return [self.layer, self.key] if self.scale == 1 else [self.layer, self.key, self.scale]


@dataclass(frozen=True)
class BlockParameter:
    """A value that edits several layers at once (filters, growth rate k, compression θ, stride …)."""

    name: str
    type: str  # "int" or "float"
    default: int | float
    targets: tuple[Target, ...]
    minimum: float | None = None
    maximum: float | None = None
    label: str = ""
    help: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name

    def check(self, value: Any) -> int | float:
        """`value` as this parameter's type, or BlockError saying what is wrong with it."""
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if self.type == "int":
            if not number or value != int(value):
                raise BlockError(f"'{self.name}' must be an integer, got {value!r}")
            value = int(value)
        elif not number:
            raise BlockError(f"'{self.name}' must be a number, got {value!r}")
        else:
            value = float(value)
        if self.minimum is not None and value < self.minimum:
            raise BlockError(f"'{self.name}' must be ≥ {self.minimum:g}, got {value:g}")
        if self.maximum is not None and value > self.maximum:
            raise BlockError(f"'{self.name}' must be ≤ {self.maximum:g}, got {value:g}")
        return value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "default": self.default}
        for key in ("minimum", "maximum", "label", "help"):
            if getattr(self, key) not in (None, ""):
                out[key] = getattr(self, key)
        out["targets"] = [t.to_list() for t in self.targets]
        return out

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> "BlockParameter":
        targets = tuple(Target(*t) for t in data["targets"])
        return cls(
            name, data["type"], data["default"], targets, data.get("minimum"), data.get("maximum"),
            data.get("label", ""), data.get("help", ""),
        )


@dataclass(frozen=True)
class Block:
    """A block file: its spec (layers under their local names), ports and parameters."""

    slug: str
    spec: ModelSpec
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    parameters: Mapping[str, BlockParameter] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.spec.name

    @property
    def description(self) -> str:
        return self.spec.description

    @property
    def input_channels(self) -> int | None:
        """Channels of the example input the file was written for."""
        return self.spec.input_shape[-1]

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, int | float]:
        """Every parameter's value: `params` (checked) over the defaults."""
        params = dict(params or {})
        unknown = [k for k in params if k not in self.parameters]
        if unknown:
            known = ", ".join(self.parameters) or "none"
            raise BlockError(f"block '{self.title}' has no parameter {', '.join(map(repr, unknown))} (parameters: {known})")
        return {name: p.check(params[name]) if name in params else p.default for name, p in self.parameters.items()}

    def to_data(self) -> dict[str, Any]:
        data = self.spec.to_dict()
        data["block"] = {
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "parameters": {name: p.to_dict() for name, p in self.parameters.items()},
        }
        return data


# -- reading and writing --------------------------------------------------------
def block_from_data(data: Any, slug: str, source: str = "block") -> Block:
    """Validate parsed JSON (schema, ports, targets, analysis) and build the block."""
    try:
        spec = spec_from_data(data, source)
    except PresetError as exc:
        raise BlockError(exc.problems) from None
    section = data.get("block")
    if section is None:
        raise BlockError([f"{source}: not a block: it has no \"block\" section (a model preset?)"])
    block = Block(
        slug, spec, tuple(section["inputs"]), tuple(section["outputs"]),
        {name: BlockParameter.from_dict(name, p) for name, p in section["parameters"].items()},
    )
    problems = _problems(block)
    if problems:
        raise BlockError([f"{source}: {p}" for p in problems])
    return block


def parse_block(text: str, slug: str, source: str = "block") -> Block:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BlockError([f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"]) from None
    return block_from_data(data, slug, source)


def load_block(path: str | os.PathLike) -> Block:
    """A block file; its name (slug) is the file stem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BlockError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BlockError([f"{path}: cannot read: {exc}"]) from None
    return parse_block(text, path.stem, str(path))


def dumps_block(block: Block) -> str:
    """The block file's text: the preset layout, then the block section with one parameter per line."""
    head = dumps(block.spec).rstrip()[:-1].rstrip()
    params = block.to_data()["block"]["parameters"]
    lines = ",\n".join(f"      {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in params.items())
    body = f"{{\n{lines}\n    }}" if params else "{}"
    return (
        f'{head},\n  "block": {{\n    "inputs": {json.dumps(list(block.inputs))},\n'
        f'    "outputs": {json.dumps(list(block.outputs))},\n    "parameters": {body}\n  }}\n}}\n'
    )


def save_block(block: Block, folder: str | os.PathLike) -> Path:
    """Write `folder/<slug>.json` atomically (the folder made if needed); returns the path.  Raises `SaveError`."""
    path = Path(folder) / f"{block.slug}.json"
    write_text_atomic(path, dumps_block(block), "block")
    return path


def bundled_blocks_dir() -> Path:
    return presets_dir() / "blocks"


def block_paths(folder: str | os.PathLike) -> dict[str, Path]:
    """Slug -> path of every block file in `folder` (none when it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.json")) if p.name != "schema.json"}


def load_blocks(folders: Iterable[str | os.PathLike]) -> tuple[dict[str, Block], list[str]]:
    """The blocks of every folder (a later folder's block replaces an earlier one of the same
    name) and the problems of the files that could not be used."""
    blocks: dict[str, Block] = {}
    problems: list[str] = []
    for folder in folders:
        for slug, path in block_paths(folder).items():
            try:
                blocks[slug] = load_block(path)
            except PresetError as exc:
                problems.extend(exc.problems)
    return blocks, problems


# -- validation -----------------------------------------------------------------
def _problems(block: Block) -> list[str]:
    """Everything that makes a parsed block unusable, one readable line each."""
    out: list[str] = []
    if not _SLUG.match(block.slug):
        out.append(
            f"'{block.slug}' is not a block name: use lowercase letters, digits and '_', "
            "starting and ending with a letter (its layers are named after it)"
        )
    spec = block.spec
    layers = {l.name: l for l in spec.layers}
    ports = [INPUT] + [l.name for l in spec.layers if l.type == "Input"]
    if list(block.inputs) != ports:
        out.append(f"the inputs must be 'input' then the Input layers in file order: {ports}, got {list(block.inputs)}")
    for name in block.outputs:
        if name not in layers or layers[name].type == "Input":
            out.append(f"output '{name}' is not a layer of the block")
    if len(set(block.outputs)) != len(block.outputs):
        out.append(f"the outputs name a layer twice: {list(block.outputs)}")
    seen: dict[tuple[str, str], str] = {}
    for param in block.parameters.values():
        out.extend(_parameter_problems(block, param, layers, seen))
    out.extend(f"layer '{p.layer}': {p.message}" for p in analyze(spec).errors)
    return out


def _parameter_problems(block: Block, param: BlockParameter, layers: dict, seen: dict) -> list[str]:
    where = f"parameter '{param.name}'"
    try:
        param.check(param.default)
    except BlockError as exc:
        return [f"{where}: its default: {exc}"]
    out = []
    for target in param.targets:
        layer = layers.get(target.layer)
        kind = get_kind(layer.type) if layer is not None else None
        if layer is None or layer.type == "Input":
            out.append(f"{where}: target '{target.layer}' is not a layer of the block")
            continue
        if kind is None:
            continue  # the analysis reports the unknown type
        spot = (target.layer, target.key)
        if spot in seen:
            out.append(f"{where}: {target.layer}.{target.key} is already set by '{seen[spot]}'")
            continue
        seen[spot] = param.name
        catalogue_param = kind.param_map.get(target.key)
        if catalogue_param is None or catalogue_param.kind not in _NUMERIC_KINDS:
            out.append(f"{where}: {layer.type} has no numeric parameter '{target.key}'")
            continue
        expected = _target_value(catalogue_param.kind, target, param.default, block.input_channels)
        actual = _current(layer, target.key)
        if actual != expected:
            scale = "" if target.scale == 1 else f" × {target.scale}"
            out.append(
                f"{where}: its default {param.default:g}{scale} gives {target.layer}.{target.key} = "
                f"{expected:g}, but the layer has {actual}"
            )
    return out


def _target_value(kind: str, target: Target, value: int | float, channels: int | None) -> int | float:
    factor = channels if target.scale == INPUT_CHANNELS else target.scale
    if factor is None:
        raise BlockError(f"{target.layer}.{target.key} scales with the block input's channels, which are unknown")
    raw = value * factor
    return math.floor(raw + _FLOOR_SLACK) if kind in ("int", "pair") else raw


def _current(layer: LayerSpec, key: str) -> Any:
    """A config value as a number (one for all axes of a pair), or as written when it is not one."""
    param = get_kind(layer.type).param_map[key]
    try:
        value = param.normalize(layer.config.get(key, param.default))
    except ValueError:
        return layer.config.get(key)
    if isinstance(value, tuple):
        return value[0] if len(set(value)) == 1 else list(value)
    return value


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
            value = _target_value(_target_kind(block, target), target, values[name], channels)
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
            current = _current(spec.layer(self.name(target.layer)), target.key)
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
            (self.name(t.layer), t.key, _target_value(_target_kind(self.block, t), t, value, channels))
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
