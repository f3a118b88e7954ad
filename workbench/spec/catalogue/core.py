"""Core, activation, normalization and regularization layers."""

from __future__ import annotations

from .base import ACTIVATIONS, Cost, LayerKind, Param, ShapeError, axis_index, prod, same_rank_rf


def _identity(cfg, ins):
    return ins[0]


def _dense_shape(cfg, ins):
    if ins[0][-1] is None:
        raise ShapeError(f"needs a known last dimension, got input {ins[0]}")
    return ins[0][:-1] + (cfg["units"],)


def _dense_cost(cfg, ins, out):
    cin = ins[0][-1] or 0
    weights = cin * cfg["units"]
    bias = cfg["units"] if cfg["use_bias"] else 0
    return Cost(trainable=weights + bias, macs=prod(ins[0][:-1]) * weights)


def _dense_rf(cfg, rfs, ins, out):
    # Dense on a feature map acts per position (a 1×1 convolution); on vectors it has no field.
    return rfs[0] if len(ins[0]) > 1 else None


def _flatten_shape(cfg, ins):
    if any(v is None for v in ins[0]):
        return (None,)
    return (prod(ins[0]),)


def _reshape_shape(cfg, ins):
    target = list(cfg["target_shape"])
    total = None if any(v is None for v in ins[0]) else prod(ins[0])
    unknown = [i for i, v in enumerate(target) if v == -1]
    if len(unknown) > 1:
        raise ShapeError("target_shape may contain at most one -1")
    known = prod(v for v in target if v != -1)
    if total is None:
        return tuple(None if v == -1 else v for v in target)
    if unknown:
        if known == 0 or total % known:
            raise ShapeError(f"cannot reshape {ins[0]} ({total} values) to {tuple(target)}")
        target[unknown[0]] = total // known
    elif known != total:
        raise ShapeError(f"cannot reshape {ins[0]} ({total} values) to {tuple(target)} ({known} values)")
    return tuple(target)


def _permute_shape(cfg, ins):
    dims = cfg["dims"]
    if sorted(dims) != list(range(1, len(ins[0]) + 1)):
        raise ShapeError(f"dims {list(dims)} must order the axes 1..{len(ins[0])} of input {ins[0]}")
    return tuple(ins[0][d - 1] for d in dims)


def _axis(cfg, shape):
    return shape[axis_index(cfg["axis"], len(shape))]


def _batchnorm_cost(cfg, ins, out):
    c = _axis(cfg, ins[0]) or 0
    trainable = c * (int(cfg["center"]) + int(cfg["scale"]))
    return Cost(trainable=trainable, non_trainable=2 * c)


def _layernorm_cost(cfg, ins, out):
    c = _axis(cfg, ins[0]) or 0
    return Cost(trainable=c * (int(cfg["center"]) + int(cfg["scale"])))


def _softmax_shape(cfg, ins):
    axis_index(cfg["axis"], len(ins[0]))  # validates the axis
    return ins[0]


def _embedding_shape(cfg, ins):
    return ins[0] + (cfg["output_dim"],)


def _simple(type_, category, params=(), rank=None):
    return LayerKind(
        type=type_, category=category, params=list(params), shape=_identity, rf=same_rank_rf, input_rank=rank
    )


def _input_shape(cfg, ins):
    return tuple(cfg["shape"])


def _input_rf(cfg, rfs, ins, out):
    n = len(out) - 1
    return ((1,) * n, (1,) * n) if n >= 1 else None


KINDS = [
    LayerKind(
        type="Input",
        category="core",
        params=[
            Param("shape", "ints", required=True, help="shape without the batch dimension"),
            Param("dtype", "choice", "float32", choices=("float32", "int32"), help="int32 for token ids"),
        ],
        shape=_input_shape,
        rf=_input_rf,
        min_inputs=0,
        max_inputs=0,
    ),
    LayerKind(
        type="Dense",
        category="core",
        params=[
            Param("units", "int", required=True, minimum=1),
            Param("activation", "choice", None, choices=ACTIVATIONS, optional=True),
            Param("use_bias", "bool", True),
        ],
        shape=_dense_shape,
        cost=_dense_cost,
        rf=_dense_rf,
    ),
    LayerKind(type="Flatten", category="core", params=[], shape=_flatten_shape),
    LayerKind(
        type="Reshape",
        category="core",
        params=[Param("target_shape", "ints", required=True)],
        shape=_reshape_shape,
    ),
    LayerKind(
        type="Permute",
        category="core",
        params=[Param("dims", "ints", required=True, help="the new order of the axes, counted from 1 (batch excluded)")],
        shape=_permute_shape,
    ),
    _simple(
        "Activation", "core", [Param("activation", "choice", "relu", choices=ACTIVATIONS[1:] + ("linear",), required=True)]
    ),
    _simple(
        "ReLU",
        "core",
        [
            Param("max_value", "float", None, optional=True, minimum=0),
            Param("negative_slope", "float", 0.0, minimum=0),
            Param("threshold", "float", 0.0),
        ],
    ),
    _simple("LeakyReLU", "core", [Param("negative_slope", "float", 0.3, minimum=0)]),
    LayerKind(
        type="Softmax",
        category="core",
        params=[Param("axis", "int", -1)],
        shape=_softmax_shape,
        rf=same_rank_rf,
    ),
    LayerKind(
        type="Embedding",
        category="core",
        params=[
            Param("input_dim", "int", required=True, minimum=1, help="vocabulary size"),
            Param("output_dim", "int", required=True, minimum=1),
            Param("mask_zero", "bool", False),
        ],
        shape=_embedding_shape,
        cost=lambda cfg, ins, out: Cost(trainable=cfg["input_dim"] * cfg["output_dim"]),
        input_rank=(1,),
    ),
    LayerKind(
        type="BatchNormalization",
        category="normalization",
        params=[
            Param("axis", "int", -1),
            Param("momentum", "float", 0.99, minimum=0, maximum=1),
            Param("epsilon", "float", 0.001, minimum=0),
            Param("center", "bool", True),
            Param("scale", "bool", True),
        ],
        shape=_identity,
        cost=_batchnorm_cost,
        rf=same_rank_rf,
    ),
    LayerKind(
        type="LayerNormalization",
        category="normalization",
        params=[
            Param("axis", "int", -1),
            Param("epsilon", "float", 0.001, minimum=0),
            Param("center", "bool", True),
            Param("scale", "bool", True),
        ],
        shape=_identity,
        cost=_layernorm_cost,
        rf=same_rank_rf,
    ),
    _simple(
        "LocalResponseNormalization",
        "normalization",
        [
            Param("depth_radius", "int", 2, minimum=0, help="neighbours on each side (AlexNet: n = 5)"),
            Param("bias", "float", 2.0, help="k"),
            Param("alpha", "float", 1e-4, minimum=0),
            Param("beta", "float", 0.75, minimum=0),
        ],
        rank=(3,),
    ),
    _simple(
        "Dropout",
        "regularization",
        [
            Param("rate", "float", 0.5, required=True, minimum=0, maximum=0.999),
            Param("noise_shape", "dims", None, optional=True,
                  help="dropped together along the 1s, e.g. [null, 1, 1, 1] drops whole samples (EfficientNet)"),
        ],
    ),
    _simple(
        "SpatialDropout2D", "regularization", [Param("rate", "float", 0.5, required=True, minimum=0, maximum=0.999)], (3,)
    ),
    _simple("GaussianNoise", "regularization", [Param("stddev", "float", 0.1, required=True, minimum=0)]),
]
