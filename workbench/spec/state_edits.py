"""The initial-state edge as an edit: which outputs a recurrent layer may start from, and choosing them.

The inspector offers, for each state a recurrent layer keeps (one for GRU
and SimpleRNN, two for LSTM, twice as many for Bidirectional), the layer
outputs of that state's shape that do not depend on the layer itself;
`set_initial_state` validates a choice like the other graph edits (ValueError
with a message, nothing changed) and returns the next `SpecState`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .catalogue import get_kind
from .edits import SpecState, _reaches, _replace_layers, _require_layer
from .graph import INPUT, ModelSpec, ref_name
from .infer import Analysis


def state_shapes(spec: ModelSpec, name: str) -> list[tuple] | None:
    """The shapes of the states layer `name` keeps (without batch), None when it takes no initial state."""
    layer = _require_layer(spec, name)
    kind = get_kind(layer.type)
    if kind is None or kind.state_shapes is None:
        return None
    try:
        return [tuple(shape) for shape in kind.state_shapes(kind.normalize_config(layer.config), [])]
    except ValueError:  # a config the catalogue refuses (its problem is shown already)
        return None


def state_choices(spec: ModelSpec, analysis: Analysis, name: str) -> list[list[str]]:
    """For each state of layer `name`, the references whose output has that state's shape.

    Only outputs the analysis inferred count, and never one of `name` itself
    or of a layer that depends on it (that would be a cycle).  Empty when
    the layer takes no initial state.
    """
    shapes = state_shapes(spec, name) or []
    needs = spec.dependencies()
    offered: list[tuple[str, tuple]] = []
    for source, info in analysis.layers.items():
        if source == INPUT or source == name or _reaches(needs, source, name):
            continue
        for index, shape in enumerate(info.output_shapes):
            offered.append((source if index == 0 else f"{source}:{index}", tuple(shape)))
    return [[ref for ref, shape in offered if shape == wanted] for wanted in shapes]


def set_initial_state(spec: ModelSpec, name: str, refs: Iterable[str] | None) -> SpecState | None:
    """Layer `name` starting from the outputs `refs` (none: from zeros); None when that is already so."""
    layer = _require_layer(spec, name)
    refs = list(refs or []) or None
    if refs is not None and state_shapes(spec, name) is None:
        raise ValueError(f"{layer.type} '{name}' takes no initial_state: only recurrent layers start from a state")
    for ref in refs or ():
        source = ref_name(ref)
        if source not in spec.names():
            raise ValueError(f"'{name}': initial_state '{ref}' reads no layer (there is no layer named '{source}')")
        if source == name or _reaches(spec.dependencies(), source, name):
            raise ValueError(f"'{name}' cannot start from '{ref}': '{source}' depends on '{name}' (a cycle)")
    if refs == layer.initial_state:
        return None
    new = replace(layer, initial_state=refs)
    return _replace_layers(spec, tuple(new if l is layer else l for l in spec.layers))
