"""Layers that only rescale their input, as keras.applications models begin or scale their blocks.

`Rescaling` multiplies by a fixed scale and adds an offset (EfficientNet's
and MobileNetV3's x/255 or x/127.5 − 1).  `Normalization` subtracts a mean
and divides by a standard deviation per channel: given in the config
(ConvNeXt) it holds no weights; otherwise the statistics are weights that
`adapt` fills in, which Keras counts as non-trainable parameters: mean and
variance per channel and one sample count (EfficientNet: 2·3 + 1 = 7).
`LayerScale` is ConvNeXt's learned per-channel factor (one weight per
channel); keras.applications defines it privately, so the workbench
provides its own (`keras_bridge.layers`).
"""

from __future__ import annotations

from .base import Cost, LayerKind, Param, ShapeError, axis_index, same_rank_rf


def _identity(cfg, ins):
    return ins[0]


def _channels(cfg, ins) -> int:
    """The size of the normalised axis (the channels by default)."""
    size = ins[0][axis_index(cfg["axis"], len(ins[0]))]
    if size is None:
        raise ShapeError(f"axis {cfg['axis']} of {ins[0]} has no fixed size")
    return size


def _normalization_shape(cfg, ins):
    channels = _channels(cfg, ins)
    for key in ("mean", "variance"):
        values = cfg[key]
        if values is not None and len(values) not in (1, channels):
            raise ShapeError(f"'{key}' has {len(values)} values for {channels} channels")
    if (cfg["mean"] is None) != (cfg["variance"] is None):
        raise ShapeError("give both 'mean' and 'variance', or neither (to adapt them to data)")
    return ins[0]


def _normalization_cost(cfg, ins, out):
    if cfg["mean"] is not None:
        return Cost()
    return Cost(non_trainable=2 * _channels(cfg, ins) + 1)


def _layer_scale_shape(cfg, ins):
    if cfg["projection_dim"] != ins[0][-1]:
        raise ShapeError(f"projection_dim {cfg['projection_dim']} differs from the {ins[0][-1]} input channels")
    return ins[0]


KINDS = [
    LayerKind(
        type="Rescaling",
        category="preprocessing",
        params=[Param("scale", "float", required=True), Param("offset", "float", 0.0)],
        shape=_identity,
        rf=same_rank_rf,
        doc="x · scale + offset",
    ),
    LayerKind(
        type="Normalization",
        category="preprocessing",
        params=[
            Param("axis", "int", -1),
            Param("mean", "floats", None, optional=True, help="per channel; empty: adapted to the data"),
            Param("variance", "floats", None, optional=True),
            Param("invert", "bool", False),
        ],
        shape=_normalization_shape,
        cost=_normalization_cost,
        rf=same_rank_rf,
        doc="(x − mean) / √variance per channel",
    ),
    LayerKind(
        type="LayerScale",
        category="normalization",
        params=[
            Param("init_values", "float", 1e-6, required=True),
            Param("projection_dim", "int", required=True, minimum=1),
        ],
        shape=_layer_scale_shape,
        cost=lambda cfg, ins, out: Cost(trainable=cfg["projection_dim"]),
        rf=same_rank_rf,
        doc="x · γ, one learned γ per channel (ConvNeXt)",
    ),
]
