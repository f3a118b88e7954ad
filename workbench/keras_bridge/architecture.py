"""What a layer config means, apart from how it is written: the normalised config and a spec's architecture.

Reading a Keras config (`convert`) compacts each layer through
`normalized_config`; comparing a preset with a file read back compares
`architecture`s, so the two agree on which spellings mean the same layer.
"""

from __future__ import annotations

from workbench.spec import LayerKind, ModelSpec, get_kind

#: parameters whose Keras default copies another one (strides = pool_size): written only when they differ
DERIVED = {"strides": "pool_size", "value_dim": "key_dim"}


def normalized_config(kind: LayerKind, cfg: dict) -> dict:
    """The catalogue's normalised config, with derived defaults that equal their source left at None."""
    normalized = kind.normalize_config(cfg)
    for param, source in DERIVED.items():
        if param in normalized and source in normalized and normalized[param] == normalized[source]:
            normalized[param] = None
    return normalized


def architecture(spec: ModelSpec) -> dict:
    """What a spec means to Keras, for comparing two specs (a preset and a file read back).

    Names, types, normalised configs (wrapped layers too), resolved inputs and
    outputs, in layer order; description, family, training and the way a file
    writes defaults or `inputs` do not count.  Raises ValueError for an invalid config.
    """
    refs = {l.name: spec.resolved_inputs(i) for i, l in enumerate(spec.layers)}
    return {
        "name": spec.name,
        "input_shape": list(spec.input_shape),
        "input_dtype": spec.input_dtype,
        "layers": [
            {"name": l.name, "type": l.type, "config": _canonical(l.type, l.config), "inputs": refs[l.name],
             "initial_state": list(l.initial_state or [])}
            for l in spec.layers
        ],
        "outputs": spec.resolved_outputs(),
    }


def _canonical(type_: str, config: dict) -> dict:
    kind = get_kind(type_)
    if kind is None:
        return dict(config)
    normalized = normalized_config(kind, config)
    for param in kind.params:
        nested = normalized.get(param.name)
        if param.kind == "layer" and nested is not None:
            normalized[param.name] = {"type": nested["type"], "config": _canonical(nested["type"], nested.get("config", {}))}
    return normalized
