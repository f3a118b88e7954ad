"""Attention: dot-product Attention and MultiHeadAttention over (T, D) sequences."""

from __future__ import annotations

from .base import Cost, LayerKind, Param, ShapeError


def _qkv(ins):
    query, value = ins[0], ins[1]
    key = ins[2] if len(ins) > 2 else value
    for shape in (query, value, key):
        if len(shape) != 2:
            raise ShapeError(f"expects (time, features) sequences, got {shape}")
    if value[0] is not None and key[0] is not None and value[0] != key[0]:
        raise ShapeError(f"value and key need the same length, got {value[0]} and {key[0]}")
    return query, value, key


def _attention_shape(cfg, ins):
    query, value, key = _qkv(ins)
    if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
        raise ShapeError(f"query and key need the same feature size, got {query[-1]} and {key[-1]}")
    return (query[0], value[-1])


def _attention_cost(cfg, ins, out):
    query, value, key = _qkv(ins)
    tq, tk = query[0] or 1, key[0] or 1
    scores = tq * tk * (query[-1] or 0)
    weighted = tq * tk * (value[-1] or 0)
    return Cost(trainable=int(cfg["use_scale"]) + int(cfg["score_mode"] == "concat"), macs=scores + weighted)


def _mha_dims(cfg, ins):
    query, value, key = _qkv(ins)
    h, k = cfg["num_heads"], cfg["key_dim"]
    v = cfg["value_dim"] or k
    out = cfg["output_shape"] or query[-1]
    return query, value, key, h, k, v, out


def _mha_shape(cfg, ins):
    query, *_, out = _mha_dims(cfg, ins)
    return (query[0], out)


def _mha_cost(cfg, ins, out_shape):
    query, value, key, h, k, v, out = _mha_dims(cfg, ins)
    b = 1 if cfg["use_bias"] else 0
    dq, dk, dv = query[-1] or 0, key[-1] or 0, value[-1] or 0
    params = (dq * h * k + b * h * k) + (dk * h * k + b * h * k) + (dv * h * v + b * h * v) + (h * v * out + b * out)
    tq, tk = query[0] or 1, key[0] or 1
    macs = tq * dq * h * k + tk * dk * h * k + tk * dv * h * v + tq * tk * h * (k + v) + tq * h * v * out
    return Cost(trainable=params, macs=macs)


def _attention_scores(cfg, ins, out):
    """(Tq, Tv) weights per query step: 'name:1' when return_attention_scores is set."""
    query, value, _ = _qkv(ins)
    return [(query[0], value[0])] if cfg["return_attention_scores"] else []


def _mha_scores(cfg, ins, out):
    """(heads, Tq, Tv) weights per head: 'name:1' when return_attention_scores is set."""
    query, value, _ = _qkv(ins)
    return [(cfg["num_heads"], query[0], value[0])] if cfg["return_attention_scores"] else []


_SCORES = Param(
    "return_attention_scores", "bool", False, call=True,
    help="also output the attention weights as 'name:1' (for the attention view)",
)


def _default_value_dim(cfg):
    """value_dim equal to key_dim is Keras' default (None)."""
    if cfg["value_dim"] == cfg["key_dim"]:
        cfg["value_dim"] = None
    return cfg


KINDS = [
    LayerKind(
        type="Attention",
        category="attention",
        params=[
            Param("use_scale", "bool", False),
            Param("score_mode", "choice", "dot", choices=("dot", "concat")),
            Param("dropout", "float", 0.0, minimum=0, maximum=0.999),
            _SCORES,
        ],
        shape=_attention_shape,
        cost=_attention_cost,
        extra_outputs=_attention_scores,
        min_inputs=2,
        max_inputs=3,
        doc="inputs: [query, value] or [query, value, key]",
    ),
    LayerKind(
        type="MultiHeadAttention",
        category="attention",
        params=[
            Param("num_heads", "int", required=True, minimum=1),
            Param("key_dim", "int", required=True, minimum=1),
            Param("value_dim", "int", None, optional=True, minimum=1),
            Param("dropout", "float", 0.0, minimum=0, maximum=0.999),
            Param("use_bias", "bool", True),
            Param("output_shape", "int", None, optional=True, minimum=1),
            Param("use_causal_mask", "bool", False, call=True, help="each query step sees only earlier steps (decoders)"),
            _SCORES,
        ],
        shape=_mha_shape,
        cost=_mha_cost,
        extra_outputs=_mha_scores,
        canonical=_default_value_dim,
        min_inputs=2,
        max_inputs=3,
        doc="inputs: [query, value] or [query, value, key]; self-attention lists one name twice",
    ),
]
