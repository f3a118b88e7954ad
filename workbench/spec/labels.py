"""The short texts a node shows: "Conv2D 64 3×3 /1 same", "MaxPool 3×3 /2", "Dense 1000 softmax".

Pure functions of a layer's type and normalised config (no Qt), so the
canvas computes them once per change, never while painting.  Sizes are
written by `units.shape_text`/`field_text`, like every other table's.
"""

from __future__ import annotations

from typing import Any, Callable

from .catalogue import get_kind
from .units import field_text, shape_text

#: shorter names for long Keras class names (the inspector shows the full one)
SHORT_TYPES = {
    "MaxPooling1D": "MaxPool1D",
    "MaxPooling2D": "MaxPool",
    "AveragePooling1D": "AvgPool1D",
    "AveragePooling2D": "AvgPool",
    "GlobalAveragePooling1D": "GlobalAvgPool1D",
    "GlobalAveragePooling2D": "GlobalAvgPool",
    "GlobalMaxPooling1D": "GlobalMaxPool1D",
    "GlobalMaxPooling2D": "GlobalMaxPool",
    "BatchNormalization": "BatchNorm",
    "LayerNormalization": "LayerNorm",
    "LocalResponseNormalization": "LRN",
    "MultiHeadAttention": "MultiHeadAttn",
    "SpatialDropout2D": "SpatialDropout",
    "Conv2DTranspose": "ConvTranspose",
    "DepthwiseConv2D": "DepthwiseConv",
    "SeparableConv2D": "SeparableConv",
}


def short_type(type_: str) -> str:
    return SHORT_TYPES.get(type_, type_)


def _number(v: float) -> str:
    return f"{v:g}"


def _conv(cfg: dict) -> str:
    parts = [str(cfg["filters"])] if cfg.get("filters") is not None else []
    parts += [shape_text(cfg["kernel_size"]), f"/{field_text(cfg['strides'])}", cfg["padding"]]
    if max(cfg.get("dilation_rate", (1,))) > 1:
        parts.append(f"d{field_text(cfg['dilation_rate'])}")
    if cfg.get("groups", 1) > 1:
        parts.append(f"g{cfg['groups']}")
    if cfg.get("depth_multiplier", 1) > 1:
        parts.append(f"×{cfg['depth_multiplier']}")
    if cfg.get("activation"):
        parts.append(cfg["activation"])
    return " ".join(parts)


def _pool(cfg: dict) -> str:
    strides = cfg["strides"] or cfg["pool_size"]
    parts = [shape_text(cfg["pool_size"]), f"/{field_text(strides)}"]
    if cfg["padding"] != "valid":
        parts.append(cfg["padding"])
    return " ".join(parts)


def _padding(cfg: dict, key: str) -> str:
    pads = cfg[key]
    if len({p for pair in pads for p in pair}) == 1:
        return str(pads[0][0])
    return " ".join(f"{a},{b}" for a, b in pads)


def _recurrent(cfg: dict) -> str:
    return f"{cfg['units']}" + (" seq" if cfg.get("return_sequences") else "")


def _wrapped(cfg: dict) -> str:
    inner = cfg["layer"]
    inner_cfg = inner.get("config", {})
    size = inner_cfg.get("units") or inner_cfg.get("filters") or ""
    merge = f" {cfg['merge_mode']}" if cfg.get("merge_mode") else ""
    return f"{short_type(inner['type'])} {size}".strip() + merge


_SUMMARIES: dict[str, Callable[[dict], str]] = {
    "Conv1D": _conv, "Conv2D": _conv, "Conv2DTranspose": _conv,
    "DepthwiseConv2D": _conv, "SeparableConv2D": _conv,
    "MaxPooling1D": _pool, "MaxPooling2D": _pool, "AveragePooling1D": _pool, "AveragePooling2D": _pool,
    "Dense": lambda c: f"{c['units']}" + (f" {c['activation']}" if c["activation"] else ""),
    "Activation": lambda c: c["activation"] or "linear",
    "ReLU": lambda c: f"max {_number(c['max_value'])}" if c["max_value"] is not None else "",
    "LeakyReLU": lambda c: f"α {_number(c['negative_slope'])}",
    "Dropout": lambda c: _number(c["rate"]),
    "SpatialDropout2D": lambda c: _number(c["rate"]),
    "GaussianNoise": lambda c: f"σ {_number(c['stddev'])}",
    "ZeroPadding2D": lambda c: _padding(c, "padding"),
    "Cropping2D": lambda c: _padding(c, "cropping"),
    "UpSampling2D": lambda c: f"{shape_text(c['size'])} {c['interpolation']}",
    "Reshape": lambda c: "→ " + "×".join(str(v) for v in c["target_shape"]),
    "Input": lambda c: shape_text(c["shape"]),
    "Embedding": lambda c: f"{c['input_dim']} → {c['output_dim']}",
    "SimpleRNN": _recurrent, "LSTM": _recurrent, "GRU": _recurrent,
    "Bidirectional": _wrapped, "TimeDistributed": _wrapped,
    "MultiHeadAttention": lambda c: f"{c['num_heads']} heads × {c['key_dim']}",
    "Attention": lambda c: c["score_mode"],
    "Concatenate": lambda c: f"axis {c['axis']}" if c["axis"] != -1 else "",
    "Softmax": lambda c: f"axis {c['axis']}" if c["axis"] != -1 else "",
    "LocalResponseNormalization": lambda c: f"r{c['depth_radius']}",
}


def config_summary(type_: str, config: dict[str, Any]) -> str:
    """The key configuration of a layer, or "" when it has none worth showing.

    Raises ValueError when the config is invalid (the caller shows the problem).
    """
    kind = get_kind(type_)
    if kind is None:
        return ""
    summary = _SUMMARIES.get(type_)
    return summary(kind.normalize_config(config)) if summary else ""


def node_title(type_: str, config: dict[str, Any]) -> tuple[str, str]:
    """(short type, key configuration) for a node's header; an invalid config reads 'invalid config'."""
    try:
        return short_type(type_), config_summary(type_, config)
    except ValueError:
        return short_type(type_), "invalid config"
