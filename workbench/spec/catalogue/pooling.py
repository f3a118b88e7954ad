"""Pooling, padding, cropping and up-sampling: windows without weights."""

from __future__ import annotations

from .base import Cost, LayerKind, Param, ShapeError, out_length, prod, window_rf


def _pool_cfg(cfg, rank):
    strides = cfg["strides"] or cfg["pool_size"]
    return cfg["pool_size"], strides


def _pool_shape(rank):
    def shape(cfg, ins):
        pool, strides = _pool_cfg(cfg, rank)
        sizes = []
        for n, k, s in zip(ins[0][:rank], pool, strides):
            size = out_length(n, k, s, cfg["padding"])
            if size is not None and size < 1:
                raise ShapeError(f"pool window {k} is larger than its input {n} (padding '{cfg['padding']}')")
            sizes.append(size)
        return tuple(sizes) + (ins[0][-1],)

    return shape


def _pool_rf(rank):
    def rf(cfg, rfs, ins, out):
        pool, strides = _pool_cfg(cfg, rank)
        return window_rf(pool, strides, rfs[0])

    return rf


def _default_strides(cfg):
    """strides equal to the window is Keras' default (None)."""
    if cfg["strides"] == cfg["pool_size"]:
        cfg["strides"] = None
    return cfg


def _pool(type_, rank):
    # Keras 3 gives MaxPooling a default window of 2 but makes AveragePooling's required
    average = type_.startswith("Average")
    return LayerKind(
        type=type_,
        category="pooling",
        params=[
            Param("pool_size", "pair", None if average else 2, required=average, minimum=1, rank=rank),
            Param("strides", "pair", None, optional=True, minimum=1, rank=rank, help="defaults to pool_size"),
            Param("padding", "choice", "valid", choices=("valid", "same")),
        ],
        shape=_pool_shape(rank),
        rf=_pool_rf(rank),
        canonical=_default_strides,
        input_rank=(rank + 1,),
    )


def _global(type_, rank):
    return LayerKind(
        type=type_,
        category="pooling",
        params=[Param("keepdims", "bool", False)],
        shape=lambda cfg, ins: (1,) * rank + (ins[0][-1],) if cfg["keepdims"] else (ins[0][-1],),
        input_rank=(rank + 1,),
    )


def _zero_padding_shape(cfg, ins):
    (t, b), (l, r) = cfg["padding"]
    h, w, c = ins[0]
    return (None if h is None else h + t + b, None if w is None else w + l + r, c)


def _cropping_shape(cfg, ins):
    (t, b), (l, r) = cfg["cropping"]
    h, w, c = ins[0]
    out = (None if h is None else h - t - b, None if w is None else w - l - r, c)
    if any(v is not None and v < 1 for v in out[:2]):
        raise ShapeError(f"cropping {cfg['cropping']} removes all of the {h}×{w} input")
    return out


def _upsampling_shape(cfg, ins):
    h, w, c = ins[0]
    sh, sw = cfg["size"]
    return (None if h is None else h * sh, None if w is None else w * sw, c)


def _upsampling_rf(cfg, rfs, ins, out):
    if rfs[0] is None:
        return None
    r, j = rfs[0]
    return r, tuple(ji / s for ji, s in zip(j, cfg["size"]))


def _passthrough(cfg, rfs, ins, out):
    return rfs[0]


KINDS = [
    _pool("MaxPooling1D", 1),
    _pool("MaxPooling2D", 2),
    _pool("AveragePooling1D", 1),
    _pool("AveragePooling2D", 2),
    _global("GlobalAveragePooling1D", 1),
    _global("GlobalAveragePooling2D", 2),
    _global("GlobalMaxPooling1D", 1),
    _global("GlobalMaxPooling2D", 2),
    LayerKind(
        type="ZeroPadding2D",
        category="core",
        params=[Param("padding", "padding", 1)],
        shape=_zero_padding_shape,
        rf=_passthrough,
        input_rank=(3,),
    ),
    LayerKind(
        type="Cropping2D",
        category="core",
        params=[Param("cropping", "padding", 0)],
        shape=_cropping_shape,
        rf=_passthrough,
        input_rank=(3,),
    ),
    LayerKind(
        type="UpSampling2D",
        category="core",
        params=[
            Param("size", "pair", 2, minimum=1),
            Param("interpolation", "choice", "nearest", choices=("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")),
        ],
        shape=_upsampling_shape,
        rf=_upsampling_rf,
        input_rank=(3,),
    ),
]

