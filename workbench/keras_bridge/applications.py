"""What keras.applications models store in a form the converter reads as other, equivalent layers.

- A nested `Sequential` (ConvNeXt's stem and downsampling layers) becomes
  its layers in a chain, under their own names; whatever read the nested
  model reads its last layer.
- `Add` or `Multiply` applied to one tensor and one number (MobileNetV3's
  hard sigmoid: (x + 3.0), then · 1/6) becomes a `Rescaling` of the same
  name: x · scale + offset computes the same, with no weights either way.

Only configs are rewritten (JSON in, JSON out); anything not of these forms
passes through unchanged for the converter to accept or refuse.
"""

from __future__ import annotations

from typing import Any

#: merge classes that, called with a tensor and a number, are a Rescaling: (scale, offset) for the number c
_SCALAR_MERGES = {"Add": lambda c: (1.0, c), "Multiply": lambda c: (c, 0.0)}


def rewrite_entries(entries: list, outputs: Any) -> tuple[list, Any]:
    """(entries, output_layers) with nested Sequentials flattened and scalar merges made Rescaling layers."""
    renamed: dict[str, str] = {}
    out: list = []
    for entry in entries:
        if not isinstance(entry, dict):
            out.append(entry)
        elif entry.get("class_name") == "Sequential" and _is_keras(entry):
            chain = _flatten(entry)
            if chain is None:
                out.append(entry)
            else:
                out.extend(chain)
                renamed[entry.get("name", entry["config"].get("name"))] = chain[-1]["name"]
        else:
            out.append(_scalar_merge(entry) or entry)
    if not renamed:
        return out, outputs
    return _rename(out, renamed), _rename(outputs, renamed)


def _is_keras(entry: dict) -> bool:
    module = entry.get("module")
    return module is None or module == "keras" or str(module).startswith("keras.")


def _reference(name: str) -> dict:
    return {"args": [{"class_name": "__keras_tensor__", "config": {"shape": None, "keras_history": [name, 0, 0]}}],
            "kwargs": {}}


def _flatten(entry: dict) -> list | None:
    """The nested model's layers as top-level entries, the first reading what the model read."""
    config = entry.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or not all(isinstance(l, dict) for l in layers):
        return None
    inner = [dict(l) for l in layers if l.get("class_name") != "InputLayer"]
    if not inner or any(not isinstance(l.get("config"), dict) for l in inner):
        return None
    previous = None
    for layer in inner:
        layer["name"] = layer.get("name", layer["config"].get("name"))
        layer["inbound_nodes"] = entry.get("inbound_nodes", []) if previous is None else [_reference(previous)]
        previous = layer["name"]
    return inner


def _scalar_merge(entry: dict) -> dict | None:
    """A `Rescaling` entry for Add/Multiply(tensor, number), else None."""
    make = _SCALAR_MERGES.get(entry.get("class_name"))
    nodes = entry.get("inbound_nodes")
    if make is None or not _is_keras(entry) or not isinstance(nodes, list) or len(nodes) != 1:
        return None
    node = nodes[0]
    args = node.get("args") if isinstance(node, dict) else None
    if isinstance(args, list) and len(args) == 1 and isinstance(args[0], list):
        args = args[0]
    if not isinstance(args, list) or len(args) != 2:
        return None
    tensors = [a for a in args if isinstance(a, dict) and a.get("class_name") == "__keras_tensor__"]
    numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
    if len(tensors) != 1 or len(numbers) != 1:
        return None
    scale, offset = make(float(numbers[0]))
    name = entry.get("name", (entry.get("config") or {}).get("name"))
    return {"module": "keras.layers", "class_name": "Rescaling", "registered_name": None, "name": name,
            "config": {"name": name, "scale": scale, "offset": offset},
            "inbound_nodes": [{"args": tensors, "kwargs": {}}]}


def _rename(value: Any, renamed: dict[str, str]) -> Any:
    """Every [name, node, tensor] reference to a flattened model pointed at its last layer."""
    if isinstance(value, list):
        if len(value) == 3 and isinstance(value[0], str) and value[0] in renamed and isinstance(value[1], int):
            return [renamed[value[0]]] + value[1:]
        return [_rename(v, renamed) for v in value]
    if isinstance(value, dict):
        return {k: _rename(v, renamed) for k, v in value.items()}
    return value
