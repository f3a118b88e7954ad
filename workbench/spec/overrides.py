"""Changing a spec's input shape or class count, as a user re-targets a preset."""

from __future__ import annotations

from .graph import INPUT, ModelSpec

#: layers a classification head may pass through between its Dense and the output
_TRANSPARENT = {"Activation", "Softmax", "Dropout", "Flatten", "ReLU", "LeakyReLU", "GaussianNoise"}
_HEAD_UNITS = {"Dense": "units", "Conv2D": "filters", "Conv1D": "filters"}


def with_input_shape(spec: ModelSpec, shape) -> ModelSpec:
    out = spec.copy()
    out.input_shape = tuple(shape)
    return out


def head_layers(spec: ModelSpec) -> list[str]:
    """The layers whose width is the number of classes: one per model output."""
    edges = spec.edges()
    types = {l.name: l.type for l in spec.layers}
    heads = []
    for name in spec.resolved_outputs():
        while name in types and types[name] in _TRANSPARENT and name != INPUT:
            name = edges[name][0]
        if types.get(name) in _HEAD_UNITS and name not in heads:
            heads.append(name)
    return heads


def num_classes(spec: ModelSpec) -> int | None:
    heads = head_layers(spec)
    if not heads:
        return None
    layer = spec.layer(heads[0])
    return layer.config.get(_HEAD_UNITS[layer.type])


def with_classes(spec: ModelSpec, classes: int) -> ModelSpec:
    """Set every output head's width to `classes`; raises ValueError if there is none."""
    if classes < 1:
        raise ValueError(f"the number of classes must be positive, got {classes}")
    out = spec.copy()
    heads = head_layers(out)
    if not heads:
        raise ValueError(f"{spec.name}: no Dense or Conv head found before the output to resize")
    for name in heads:
        layer = out.layer(name)
        layer.config[_HEAD_UNITS[layer.type]] = classes
    return out
