"""References between layers ('name' or 'name:k') kept valid when layers are renamed, rewired or deleted.

A layer reads other layers through references in two places: its data
`inputs` and, for a recurrent layer, its `initial_state`; the model's
`outputs` are references too.  The graph edits (`edits`) compute wiring by
layer name; these helpers carry the output indices and the state edges
through those edits, so an edit never turns 'encoder:1' into 'encoder' or
drops a decoder's initial state.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .graph import LayerSpec, ref_name, split_ref


def with_name(ref: str, name: str) -> str:
    """`ref` pointing at layer `name`, its output index kept ('enc:1', 'e' -> 'e:1')."""
    _, index = split_ref(ref)
    return f"{name}:{index}" if ref_name(ref) != ref else name


def renamed_ref(ref: str, renamed: dict[str, str]) -> str:
    """`ref` after the layers in `renamed` (old -> new name) changed names."""
    name = ref_name(ref)
    return with_name(ref, renamed[name]) if name in renamed else ref


def renamed_layer(layer: LayerSpec, renamed: dict[str, str]) -> LayerSpec:
    """`layer` with its own name and every reference it holds (inputs, initial state) renamed."""
    name = renamed.get(layer.name, layer.name)
    inputs = None if layer.inputs is None else [renamed_ref(r, renamed) for r in layer.inputs]
    states = None if layer.initial_state is None else [renamed_ref(r, renamed) for r in layer.initial_state]
    if (name, inputs, states) == (layer.name, layer.inputs, layer.initial_state):
        return layer
    return replace(layer, name=name, inputs=inputs, initial_state=states)


def keep_indices(current: list[str], wanted: list[str]) -> list[str]:
    """`wanted` (layer names, or references) with the output indices `current` already reads from them.

    Each bare name in `wanted` takes the first reference of `current` to that
    layer not yet used, so rewiring one input of a layer leaves its other
    inputs reading the same outputs ('encoder:1', 'encoder:2' stay apart).
    """
    unused = list(current)
    out = []
    for want in wanted:
        match = next((ref for ref in unused if ref_name(ref) == want), None) if ref_name(want) == want else None
        if match is None:
            out.append(want)
        else:
            unused.remove(match)
            out.append(match)
    return out


def without_states_from(layer: LayerSpec, gone: Iterable[str]) -> LayerSpec:
    """`layer` no longer starting from states of the deleted layers `gone` (no state left: zeros again).

    A state cannot be rerouted through a deleted layer's input the way data
    is (its shape is the state's, not the data's); when only some of a
    layer's states remain, validation names the count it still needs.
    """
    if not layer.initial_state:
        return layer
    gone = set(gone)
    kept = [ref for ref in layer.initial_state if ref_name(ref) not in gone]
    if len(kept) == len(layer.initial_state):
        return layer
    return replace(layer, initial_state=kept or None)
