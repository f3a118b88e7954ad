"""Convolutions: Conv1D/2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D."""

from __future__ import annotations

from .base import ACTIVATIONS, Cost, LayerKind, Param, ShapeError, out_length, prod, window_rf


def _common(rank: int, padding=("valid", "same")) -> list[Param]:
    return [
        Param("kernel_size", "pair", required=True, minimum=1, rank=rank, help="window size"),
        Param("strides", "pair", 1, minimum=1, rank=rank),
        Param("padding", "choice", "valid", choices=padding),
        Param("dilation_rate", "pair", 1, minimum=1, rank=rank),
    ]


def _act_bias() -> list[Param]:
    return [
        Param("activation", "choice", None, choices=ACTIVATIONS, optional=True),
        Param("use_bias", "bool", True),
    ]


def _check_strides_dilation(cfg):
    if max(cfg["strides"]) > 1 and max(cfg["dilation_rate"]) > 1:
        raise ShapeError("strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it)")


def _spatial_out(cfg, shape, rank, channels):
    if len(shape) != rank + 1:
        raise ShapeError(f"expects a rank-{rank + 1} input (spatial × channels), got {shape}")
    _check_strides_dilation(cfg)
    sizes = []
    for n, k, s, d in zip(shape[:rank], cfg["kernel_size"], cfg["strides"], cfg["dilation_rate"]):
        size = out_length(n, k, s, cfg["padding"], d)
        if size is not None and size < 1:
            k_eff = d * (k - 1) + 1
            raise ShapeError(f"kernel {k_eff} is larger than its input {n} (padding '{cfg['padding']}')")
        sizes.append(size)
    return tuple(sizes) + (channels,)


def _conv_shape(rank):
    def shape(cfg, ins):
        cin = ins[0][-1]
        groups = cfg.get("groups", 1)
        if cin is not None and cin % groups:
            raise ShapeError(f"input channels {cin} are not divisible by groups {groups}")
        if cfg["filters"] % groups:
            raise ShapeError(f"filters {cfg['filters']} are not divisible by groups {groups}")
        return _spatial_out(cfg, ins[0], rank, cfg["filters"])

    return shape


def _conv_cost(cfg, ins, out):
    cin = ins[0][-1] or 0
    k = prod(cfg["kernel_size"])
    groups = cfg.get("groups", 1)
    weights = k * (cin // groups) * cfg["filters"]
    bias = cfg["filters"] if cfg["use_bias"] else 0
    return Cost(trainable=weights + bias, macs=prod(out[:-1]) * weights)


def _conv_rf(cfg, rfs, ins, out):
    kernel = [d * (k - 1) + 1 for k, d in zip(cfg["kernel_size"], cfg["dilation_rate"])]
    return window_rf(kernel, cfg["strides"], rfs[0])


def _conv(type_, rank, padding):
    return LayerKind(
        type=type_,
        category="convolution",
        params=[Param("filters", "int", required=True, minimum=1)] + _common(rank, padding)
        + [Param("groups", "int", 1, minimum=1)] + _act_bias(),
        shape=_conv_shape(rank),
        cost=_conv_cost,
        rf=_conv_rf,
        input_rank=(rank + 1,),
    )


def _transpose_length(n, k, s, padding, output_padding, d):
    """keras.src.utils.conv_utils.deconv_output_length."""
    if n is None:
        return None
    k = d * (k - 1) + 1
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    pad = 0 if padding == "valid" else k // 2
    return (n - 1) * s + k - 2 * pad + output_padding


def _transpose_shape(cfg, ins):
    shape = ins[0]
    if len(shape) != 3:
        raise ShapeError(f"expects a rank-3 input (H, W, C), got {shape}")
    _check_strides_dilation(cfg)
    ops = cfg["output_padding"] or (None, None)
    if cfg["output_padding"] and any(op >= s for op, s in zip(ops, cfg["strides"])):
        raise ShapeError(f"output_padding {ops} must be smaller than strides {cfg['strides']}")
    sizes = tuple(
        _transpose_length(n, k, s, cfg["padding"], op, d)
        for n, k, s, op, d in zip(shape[:2], cfg["kernel_size"], cfg["strides"], ops, cfg["dilation_rate"])
    )
    return sizes + (cfg["filters"],)


def _transpose_cost(cfg, ins, out):
    cin = ins[0][-1] or 0
    weights = prod(cfg["kernel_size"]) * cin * cfg["filters"]
    bias = cfg["filters"] if cfg["use_bias"] else 0
    # every input pixel scatters a k×k×Cout patch
    return Cost(trainable=weights + bias, macs=prod(ins[0][:-1]) * weights)


def _transpose_rf(cfg, rfs, ins, out):
    if rfs[0] is None:
        return None
    r, j = rfs[0]
    j = tuple(ji / s for ji, s in zip(j, cfg["strides"]))
    r = tuple(ri + (k - 1) * ji for ri, ji, k in zip(r, j, cfg["kernel_size"]))
    return r, j


def _depthwise_shape(cfg, ins):
    cin = ins[0][-1]
    return _spatial_out(cfg, ins[0], 2, None if cin is None else cin * cfg["depth_multiplier"])


def _depthwise_cost(cfg, ins, out):
    cin = ins[0][-1] or 0
    weights = prod(cfg["kernel_size"]) * cin * cfg["depth_multiplier"]
    bias = cin * cfg["depth_multiplier"] if cfg["use_bias"] else 0
    return Cost(trainable=weights + bias, macs=prod(out[:-1]) * weights)


def _separable_shape(cfg, ins):
    return _spatial_out(cfg, ins[0], 2, cfg["filters"])


def _separable_cost(cfg, ins, out):
    cin = ins[0][-1] or 0
    mid = cin * cfg["depth_multiplier"]
    depthwise = prod(cfg["kernel_size"]) * mid
    pointwise = mid * cfg["filters"]
    bias = cfg["filters"] if cfg["use_bias"] else 0
    return Cost(trainable=depthwise + pointwise + bias, macs=prod(out[:-1]) * (depthwise + pointwise))


KINDS = [
    _conv("Conv1D", 1, ("valid", "same", "causal")),
    _conv("Conv2D", 2, ("valid", "same")),
    LayerKind(
        type="Conv2DTranspose",
        category="convolution",
        params=[Param("filters", "int", required=True, minimum=1)] + _common(2)
        + [Param("output_padding", "pair", None, optional=True, rank=2)] + _act_bias(),
        shape=_transpose_shape,
        cost=_transpose_cost,
        rf=_transpose_rf,
        input_rank=(3,),
    ),
    LayerKind(
        type="DepthwiseConv2D",
        category="convolution",
        params=_common(2) + [Param("depth_multiplier", "int", 1, minimum=1)] + _act_bias(),
        shape=_depthwise_shape,
        cost=_depthwise_cost,
        rf=_conv_rf,
        input_rank=(3,),
    ),
    LayerKind(
        type="SeparableConv2D",
        category="convolution",
        params=[Param("filters", "int", required=True, minimum=1)] + _common(2)
        + [Param("depth_multiplier", "int", 1, minimum=1)] + _act_bias(),
        shape=_separable_shape,
        cost=_separable_cost,
        rf=_conv_rf,
        input_rank=(3,),
    ),
]
