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
the model was saved and opened again.  Placing, finding and editing instances,
and saving a selection as a block, are in `workbench.spec.block_edits`.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .catalogue import get_kind
from .graph import INPUT, LayerSpec, ModelSpec
from .infer import analyze
from ..atomic import write_text_atomic
from .preset_io import PresetError, dumps, presets_dir, spec_from_data

#: the scale of a target that multiplies the parameter by the block input's channel count
INPUT_CHANNELS = "input_channels"
#: a block's name (its file stem): it ends in a letter so that `{slug}{n}` reads as one numbered token
_SLUG = re.compile(r"^[a-z][a-z0-9_]*[a-z]$")
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
        expected = target_value(catalogue_param.kind, target, param.default, block.input_channels)
        actual = current_value(layer, target.key)
        if actual != expected:
            scale = "" if target.scale == 1 else f" × {target.scale}"
            out.append(
                f"{where}: its default {param.default:g}{scale} gives {target.layer}.{target.key} = "
                f"{expected:g}, but the layer has {actual}"
            )
    return out


def target_value(kind: str, target: Target, value: int | float, channels: int | None) -> int | float:
    factor = channels if target.scale == INPUT_CHANNELS else target.scale
    if factor is None:
        raise BlockError(f"{target.layer}.{target.key} scales with the block input's channels, which are unknown")
    raw = value * factor
    return math.floor(raw + _FLOOR_SLACK) if kind in ("int", "pair") else raw


def current_value(layer: LayerSpec, key: str) -> Any:
    """A config value as a number (one for all axes of a pair), or as written when it is not one."""
    param = get_kind(layer.type).param_map[key]
    try:
        value = param.normalize(layer.config.get(key, param.default))
    except ValueError:
        return layer.config.get(key)
    if isinstance(value, tuple):
        return value[0] if len(set(value)) == 1 else list(value)
    return value
