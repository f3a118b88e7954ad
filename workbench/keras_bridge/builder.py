"""Spec -> keras.Model with the functional API, every layer under its spec name.

The implicit input is `keras.Input(input_shape, name="input")`; `Input` layers
become further model inputs, in the order they stand in the spec.  Layer
arguments are the catalogue's normalised config, so what Keras builds is what
`workbench.spec.analyze` counted.
"""

from __future__ import annotations

import keras

from workbench.spec import INPUT, Analysis, ModelSpec, analyze, get_kind
from workbench.spec.graph import split_ref

from .errors import BridgeError
from .layers import CUSTOM_LAYERS

#: how many spec problems a BridgeError lists before "and N more"
_SHOWN_PROBLEMS = 8


def build(spec: ModelSpec, *, analysis: Analysis | None = None) -> keras.Model:
    """A functional keras.Model for `spec`; BridgeError if the spec has errors or Keras refuses a layer."""
    analysis = analysis if analysis is not None else analyze(spec)
    if analysis.errors:
        shown = "; ".join(str(p) for p in analysis.errors[:_SHOWN_PROBLEMS])
        more = len(analysis.errors) - _SHOWN_PROBLEMS
        raise BridgeError(f"{spec.name}: cannot build: {shown}" + (f"; and {more} more" if more > 0 else ""))
    by_name = {layer.name: layer for layer in spec.layers}
    refs = {layer.name: spec.resolved_inputs(i) for i, layer in enumerate(spec.layers)}
    tensors = {INPUT: [keras.Input(shape=tuple(spec.input_shape), dtype=spec.input_dtype, name=INPUT)]}

    def read(ref: str) -> keras.KerasTensor:
        name, index = split_ref(ref)
        return tensors[name][index]

    for name in analysis.layers:  # topological order
        if name == INPUT:
            continue
        layer = by_name[name]
        states = [read(r) for r in layer.initial_state] if layer.initial_state else None
        tensors[name] = _apply(layer.name, layer.type, layer.config, [read(r) for r in refs[name]], states,
                               layer.trainable)
    inputs = [tensors[INPUT][0]] + [tensors[l.name][0] for l in spec.layers if l.type == "Input"]
    outputs = [read(r) for r in spec.resolved_outputs()]
    try:
        return keras.Model(
            inputs=inputs[0] if len(inputs) == 1 else inputs,
            outputs=outputs[0] if len(outputs) == 1 else outputs,
            name=spec.keras_name,
        )
    except (ValueError, TypeError) as exc:
        raise BridgeError(f"{spec.name}: Keras refuses the model: {exc}") from None


def make_layer(type_: str, config: dict, name: str | None = None) -> keras.layers.Layer:
    """The Keras layer for one catalogue type and (possibly compact) config."""
    kind = get_kind(type_)
    if kind is None:
        raise BridgeError(f"unknown layer type '{type_}'")
    normalized = kind.normalize_config(config)
    kwargs = {}
    for param in kind.params:
        value = normalized[param.name]
        if param.call or value is None and param.default is None:
            continue  # Keras' own default (strides = pool_size, value_dim = key_dim, ...)
        if param.kind == "layer":
            value = make_layer(value["type"], value.get("config", {}))
        kwargs[param.name] = value
    cls = CUSTOM_LAYERS.get(type_) or getattr(keras.layers, type_)
    if name is not None:
        kwargs["name"] = name
    return cls(**kwargs)


def call_kwargs(type_: str, config: dict) -> dict:
    """The catalogue parameters Keras takes when the layer is called, set away from their defaults."""
    kind = get_kind(type_)
    normalized = kind.normalize_config(config)
    return {p.name: normalized[p.name] for p in kind.params if p.call and normalized[p.name] != p.default}


def _apply(
    name: str, type_: str, config: dict, inputs: list, states: list | None = None, trainable: bool = True
) -> list:
    """Create the layer (frozen unless `trainable`), call it the way its type expects, and return its outputs as a list."""
    try:
        if type_ == "Input":
            cfg = get_kind("Input").normalize_config(config)
            return [keras.Input(shape=tuple(cfg["shape"]), dtype=cfg["dtype"], name=name)]
        layer = make_layer(type_, config, name)
        layer.trainable = trainable
        kwargs = call_kwargs(type_, config)
        if states is not None:
            kwargs["initial_state"] = states
        if type_ == "MultiHeadAttention":
            out = layer(*inputs, **kwargs)  # mha(query, value[, key])
        elif len(inputs) > 1 or get_kind(type_).max_inputs > 1:
            out = layer(list(inputs), **kwargs)  # merges and Attention take a list
        else:
            out = layer(inputs[0], **kwargs)
    except (ValueError, TypeError) as exc:
        raise BridgeError(f"layer '{name}' ({type_}): {exc}") from None
    return list(out) if isinstance(out, (list, tuple)) else [out]
