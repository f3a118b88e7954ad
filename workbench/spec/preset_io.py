"""Reading and writing preset files (the contract in DESIGN.md), with clear errors.

Every problem is reported with the file and either the JSON line/column or
the layer it concerns; nothing here raises a bare traceback at the user.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import paths
from ..atomic import write_text_atomic
from ..errors import WorkbenchError
from ..local_files import read_capped
from .graph import MAX_LAYERS, ModelSpec
from .strict_json import JSONProblem, check_values, loads

PRESET_VERSION = 1
#: the largest bundled preset (DenseNet-201) is 78 KB: 200 times that is no architecture anyone edits
MAX_PRESET_BYTES = 16 * 2**20


class PresetError(WorkbenchError):
    """A preset that cannot be used; `problems` lists every reason, one per line."""


def presets_dir() -> Path:
    """The gallery shipped inside the package, or $WORKBENCH_PRESETS."""
    return Path(os.environ.get("WORKBENCH_PRESETS") or paths.package_file("presets"))


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads((presets_dir() / "schema.json").read_text(encoding="utf-8"))


def _where(data: Any, path: list) -> str:
    """'layer c1 (layers[0]).config' for a jsonschema error path; 'networks.generator: layer …' inside a network."""
    if len(path) >= 2 and path[0] == "networks" and isinstance(data.get("networks"), dict):
        body = data["networks"].get(path[1])
        return f"networks.{path[1]}: {_where(body if isinstance(body, dict) else {}, path[2:])}"
    if len(path) >= 2 and path[0] == "layers" and isinstance(path[1], int):
        try:
            name = data["layers"][path[1]].get("name", "?")
        except (AttributeError, IndexError, KeyError, TypeError):
            name = "?"
        rest = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path[2:])
        return f"layer '{name}' (layers[{path[1]}]){rest}"
    return "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path).lstrip(".") or "top level"


def migrate(data: Any, source: str = "preset") -> dict:
    """Bring an older preset up to PRESET_VERSION (there is only version 1 so far)."""
    if not isinstance(data, dict):
        raise PresetError([f"{source}: a preset is a JSON object, got {type(data).__name__}"])
    version = data.get("workbench_preset")
    if version is None:
        raise PresetError([f"{source}: not a workbench preset (no \"workbench_preset\" version key)"])
    if not isinstance(version, int) or version < 1:
        raise PresetError([f"{source}: \"workbench_preset\" must be a positive integer, got {version!r}"])
    if version > PRESET_VERSION:
        raise PresetError([f"{source}: written by a newer workbench (format {version}, this one reads {PRESET_VERSION})"])
    return data


def spec_from_data(data: Any, source: str = "preset") -> ModelSpec:
    """Validate parsed JSON against the schema and build a spec."""
    data = validated(data, source)
    if "networks" in data:
        names = ", ".join(data["networks"])
        raise PresetError([f"{source}: holds several networks ({names}); read it with spec.networks_io.load_networks"])
    return ModelSpec.from_dict(data)


def validated(data: Any, source: str = "preset") -> dict:
    """`data` migrated and checked against the schema (single- and multi-network presets alike)."""
    import jsonschema

    data = migrate(data, source)
    bodies = [data] + (list(data["networks"].values()) if isinstance(data.get("networks"), dict) else [])
    for body in bodies:
        layers = body.get("layers") if isinstance(body, dict) else None
        if isinstance(layers, list) and len(layers) > MAX_LAYERS:
            raise PresetError([f"{source}: {len(layers):,} layers is more than the {MAX_LAYERS:,} a preset may have"])
    try:
        check_values(data)
    except JSONProblem as exc:
        raise PresetError([f"{source}: {_where(data, exc.path or [])}: {exc}"]) from None
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise PresetError([f"{source}: {_where(data, list(e.absolute_path))}: {e.message}" for e in errors])
    return data


def preset_json(text: str, source: str = "preset") -> Any:
    """Preset text as strict JSON (no repeated keys, NaN or Infinity); PresetError naming the line."""
    try:
        return loads(text)
    except JSONProblem as exc:
        raise PresetError([f"{source}:{exc}"]) from None


def read_preset_text(path: str | os.PathLike) -> str:
    """A preset file's text: a local regular file of at most MAX_PRESET_BYTES (no FIFO, device or URL), UTF-8."""
    data = read_capped(path, MAX_PRESET_BYTES, "preset", PresetError)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PresetError([f"{os.fspath(path)}: cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None


def parse_preset(text: str, source: str = "preset") -> ModelSpec:
    """A spec from preset text: strict JSON, then `spec_from_data`."""
    return spec_from_data(preset_json(text, source), source)


def load_preset(path: str | os.PathLike) -> ModelSpec:
    """A preset file (see `read_preset_text`)."""
    return parse_preset(read_preset_text(path), os.fspath(path))


def dumps(spec: ModelSpec) -> str:
    """The preset text: one layer per line, so diffs of presets stay readable."""
    data = spec.to_dict()
    layers = data.pop("layers")
    outputs_etc = {k: data.pop(k) for k in ("outputs", "loss_weights", "training") if k in data}
    shape = data.pop("input_shape")
    head = json.dumps(data, indent=2, ensure_ascii=False)[:-2] + f',\n  "input_shape": {json.dumps(shape)}'
    body = ",\n".join("    " + json.dumps(l, ensure_ascii=False) for l in layers)
    tail = "".join(f',\n  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}' for k, v in outputs_etc.items())
    return f"{head},\n  \"layers\": [\n{body}\n  ]{tail}\n}}\n"


def save_preset(spec: ModelSpec, path: str | os.PathLike) -> None:
    """Write the preset atomically; raises `SaveError` (the previous file intact)."""
    write_text_atomic(path, dumps(spec), "preset")


def preset_paths() -> dict[str, Path]:
    """Slug (file stem) -> path of every bundled preset, sorted by file name."""
    return {p.stem: p for p in sorted(presets_dir().glob("*.json")) if p.name != "schema.json"}


def load_named(slug: str) -> ModelSpec:
    paths = preset_paths()
    if slug not in paths:
        known = ", ".join(paths)
        raise PresetError([f"unknown preset '{slug}' (known: {known})"])
    return load_preset(paths[slug])
