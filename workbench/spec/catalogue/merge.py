"""Merge layers: element-wise (Add, Multiply, …) and Concatenate."""

from __future__ import annotations

from .base import LayerKind, Param, ShapeError


def _same(a, b):
    return a is None or b is None or a == b


def _elementwise_shape(cfg, ins):
    first = ins[0]
    for other in ins[1:]:
        if len(other) != len(first) or not all(_same(a, b) for a, b in zip(first, other)):
            shapes = ", ".join(str(s) for s in ins)
            raise ShapeError(f"inputs must have the same shape, got {shapes}")
    return tuple(next((v for v in dims if v is not None), None) for dims in zip(*ins))


def _concat_shape(cfg, ins):
    rank = len(ins[0])
    axis = cfg["axis"]
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for inputs of rank {rank}")
    axis %= rank
    for other in ins[1:]:
        if len(other) != rank or not all(
            _same(a, b) for i, (a, b) in enumerate(zip(ins[0], other)) if i != axis
        ):
            shapes = ", ".join(str(s) for s in ins)
            raise ShapeError(f"inputs must match except on axis {cfg['axis']}, got {shapes}")
    sizes = [s[axis] for s in ins]
    joined = None if any(v is None for v in sizes) else sum(sizes)
    out = [next((v for v in dims if v is not None), None) for dims in zip(*ins)]
    out[axis] = joined
    return tuple(out)


def _merge_rf(cfg, rfs, ins, out):
    """The widest field of the merged branches (their jumps agree when shapes do)."""
    spatial = [rf for rf in rfs if rf is not None]
    if len(spatial) != len(rfs) or len(ins[0]) != len(out):
        return None
    r = tuple(max(vals) for vals in zip(*(rf[0] for rf in spatial)))
    j = tuple(max(vals) for vals in zip(*(rf[1] for rf in spatial)))
    return r, j


def _elementwise(type_, max_inputs=64):
    return LayerKind(
        type=type_, category="merge", params=[], shape=_elementwise_shape, rf=_merge_rf,
        min_inputs=2, max_inputs=max_inputs,
    )


KINDS = [
    _elementwise("Add"),
    _elementwise("Subtract", 2),
    _elementwise("Multiply"),
    _elementwise("Average"),
    _elementwise("Maximum"),
    _elementwise("Minimum"),
    LayerKind(
        type="Concatenate",
        category="merge",
        params=[Param("axis", "int", -1)],
        shape=_concat_shape,
        rf=_merge_rf,
        min_inputs=2,
        max_inputs=256,
    ),
]
