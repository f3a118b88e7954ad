"""Recurrent layers and the wrappers that apply a layer per time step or both ways."""

from __future__ import annotations

from .base import ACTIVATIONS, Cost, LayerKind, Param, ShapeError

#: gates per cell, and bias vectors per gate (GRU's reset_after keeps two)
_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def _rnn_params(type_):
    params = [
        Param("units", "int", required=True, minimum=1),
        Param("activation", "choice", "tanh", choices=ACTIVATIONS, optional=True),
    ]
    if type_ != "SimpleRNN":
        params.append(Param("recurrent_activation", "choice", "sigmoid", choices=ACTIVATIONS[1:]))
    params += [
        Param("use_bias", "bool", True),
        Param("return_sequences", "bool", False),
        Param("return_state", "bool", False, help="also output the final state(s): 'name:1' (and 'name:2' for LSTM's cell)"),
        Param("go_backwards", "bool", False),
        Param("dropout", "float", 0.0, minimum=0, maximum=0.999),
        Param("recurrent_dropout", "float", 0.0, minimum=0, maximum=0.999),
    ]
    if type_ == "GRU":
        params.append(Param("reset_after", "bool", True))
    return params


def _rnn_shape(cfg, ins):
    steps = ins[0][0]
    return (steps, cfg["units"]) if cfg["return_sequences"] else (cfg["units"],)


def _states(type_, cfg):
    """The shapes of a recurrent layer's states: hidden (and LSTM's cell), one vector of units each."""
    return [(cfg["units"],)] * (2 if type_ == "LSTM" else 1)


def _rnn_extra(type_):
    def extra(cfg, ins, out):
        return _states(type_, cfg) if cfg["return_state"] else []

    return extra


def _rnn_cost(type_):
    gates = _GATES[type_]

    def cost(cfg, ins, out):
        cin = ins[0][-1] or 0
        units = cfg["units"]
        weights = gates * units * (cin + units)
        bias_vectors = 2 if type_ == "GRU" and cfg["reset_after"] else 1
        bias = gates * units * bias_vectors if cfg["use_bias"] else 0
        steps = ins[0][0] or 1
        return Cost(trainable=weights + bias, macs=steps * weights)

    return cost


def _inner(cfg):
    """The wrapped layer's kind and normalised config."""
    from . import get_kind

    layer = cfg["layer"]
    kind = get_kind(layer["type"])
    if kind is None:
        raise ShapeError(f"wraps unknown layer type '{layer['type']}'")
    try:
        return kind, kind.normalize_config(layer.get("config", {}))
    except ValueError as exc:
        raise ShapeError(f"wrapped {layer['type']}: {exc}") from None


def _bidirectional_shape(cfg, ins):
    kind, inner = _inner(cfg)
    if kind.type not in _GATES:
        raise ShapeError(f"wraps {kind.type}, but Bidirectional needs a recurrent layer")
    out = kind.shape(inner, ins)
    if cfg["merge_mode"] == "concat":
        return out[:-1] + (out[-1] * 2,)
    return out


def _bidirectional_states(cfg, ins):
    """Forward states, then backward ones: what Keras returns and what initial_state takes."""
    kind, inner = _inner(cfg)
    return _states(kind.type, inner) * 2


def _bidirectional_extra(cfg, ins, out):
    kind, inner = _inner(cfg)
    return _bidirectional_states(cfg, ins) if inner.get("return_state") else []


def _bidirectional_cost(cfg, ins, out):
    kind, inner = _inner(cfg)
    one = kind.cost(inner, ins, kind.shape(inner, ins))
    return Cost(2 * one.trainable, 2 * one.non_trainable, 2 * one.macs)


def _time_distributed_shape(cfg, ins):
    if len(ins[0]) < 2:
        raise ShapeError(f"needs a time axis, got input {ins[0]}")
    kind, inner = _inner(cfg)
    return (ins[0][0],) + tuple(kind.shape(inner, [ins[0][1:]]))


def _time_distributed_cost(cfg, ins, out):
    kind, inner = _inner(cfg)
    step_in = ins[0][1:]
    one = kind.cost(inner, [step_in], kind.shape(inner, [step_in]))
    return Cost(one.trainable, one.non_trainable, one.macs * (ins[0][0] or 1))


def _rnn(type_):
    return LayerKind(
        type=type_, category="recurrent", params=_rnn_params(type_), shape=_rnn_shape,
        cost=_rnn_cost(type_), input_rank=(2,), extra_outputs=_rnn_extra(type_),
        state_shapes=lambda cfg, ins: _states(type_, cfg),
    )


KINDS = [
    _rnn("SimpleRNN"),
    _rnn("LSTM"),
    _rnn("GRU"),
    LayerKind(
        type="Bidirectional",
        category="recurrent",
        params=[
            Param("layer", "layer", required=True, help="the recurrent layer run both ways"),
            Param("merge_mode", "choice", "concat", choices=("concat", "sum", "mul", "ave"), help="how the two directions join"),
        ],
        shape=_bidirectional_shape,
        cost=_bidirectional_cost,
        input_rank=(2,),
        extra_outputs=_bidirectional_extra,
        state_shapes=_bidirectional_states,
    ),
    LayerKind(
        type="TimeDistributed",
        category="recurrent",
        params=[Param("layer", "layer", required=True, help="the layer applied to every time step")],
        shape=_time_distributed_shape,
        cost=_time_distributed_cost,
    ),
]
