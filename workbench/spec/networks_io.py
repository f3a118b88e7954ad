"""Reading and writing multi-network presets (`"networks": {...}`), beside `preset_io` for single ones.

Bundled multi-network presets live in `presets/networks/`, so every place
that lists single-network presets (`preset_io.preset_paths`) keeps seeing
only those; `network_preset_paths` lists these.  Validation is the same
schema and strict JSON as for any preset, then `networks.fit_problems`
checks that the networks plug into each other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..atomic import write_text_atomic
from .networks import NetworkSet, fit_problems
from .preset_io import PresetError, preset_json, presets_dir, read_preset_text, validated


def networks_from_data(data, source: str = "preset", check_fit: bool = True) -> NetworkSet:
    """A NetworkSet from parsed JSON; PresetError naming the file and the mismatch when the networks do not fit.

    `check_fit=False` (the editor) opens a set whose networks do not fit yet: it is work in progress, and
    the editor lists the mismatch."""
    data = validated(data, source)
    if "networks" not in data:
        raise PresetError([f"{source}: a single-network preset (no \"networks\"); read it with preset_io.load_preset"])
    networks = NetworkSet.from_dict(data)
    problems = fit_problems(networks) if check_fit and networks.task == "gan" else []
    if problems:
        raise PresetError([f"{source}: {p}" for p in problems])
    return networks


def parse_networks(text: str, source: str = "preset", check_fit: bool = True) -> NetworkSet:
    return networks_from_data(preset_json(text, source), source, check_fit)


def load_networks(path: str | os.PathLike, check_fit: bool = True) -> NetworkSet:
    """A multi-network preset file, read under the same size cap and rules as any preset."""
    return parse_networks(read_preset_text(path), os.fspath(path), check_fit)


def holds_networks(path: str | os.PathLike) -> bool:
    """Whether the preset file at `path` has "networks" at its top level (False if it is no JSON object)."""
    try:
        data = json.loads(read_preset_text(path))
    except (PresetError, ValueError, RecursionError):  # the single-network reader names the problem
        return False
    return isinstance(data, dict) and "networks" in data


def dumps_networks(networks: NetworkSet) -> str:
    """The preset text: each network's layers one per line, as `preset_io.dumps` writes one network."""
    data = networks.to_dict()
    bodies = data.pop("networks")
    training = data.pop("training", None)
    head = json.dumps(data, indent=2, ensure_ascii=False)[:-2]
    parts = []
    for key, body in bodies.items():
        layers = body.pop("layers")
        fields = "".join(f"\n      {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in body.items()
                         if k not in ("outputs", "loss_weights"))
        tail = "".join(f",\n      {json.dumps(k)}: {json.dumps(body[k])}" for k in ("outputs", "loss_weights") if k in body)
        rows = ",\n".join("        " + json.dumps(l, ensure_ascii=False) for l in layers)
        parts.append(f"    {json.dumps(key)}: {{{fields}\n      \"layers\": [\n{rows}\n      ]{tail}\n    }}")
    extra = f',\n  "training": {json.dumps(training, ensure_ascii=False)}' if training is not None else ""
    return f"{head},\n  \"networks\": {{\n" + ",\n".join(parts) + f"\n  }}{extra}\n}}\n"


def save_networks(networks: NetworkSet, path: str | os.PathLike) -> None:
    write_text_atomic(path, dumps_networks(networks), "preset")


def network_preset_paths() -> dict[str, Path]:
    """Slug -> path of every bundled multi-network preset (presets/networks/), sorted by file name."""
    return {p.stem: p for p in sorted((presets_dir() / "networks").glob("*.json"))}


def load_named_networks(slug: str) -> NetworkSet:
    paths = network_preset_paths()
    if slug not in paths:
        raise PresetError([f"unknown multi-network preset '{slug}' (known: {', '.join(paths)})"])
    return load_networks(paths[slug])
