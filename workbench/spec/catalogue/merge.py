"""Merge layers: element-wise (Add, Multiply, …) and Concatenate."""

from __future__ import annotations

from .base import LayerKind, Param, ShapeError, axis_index


def _same(a, b):
    return a is None or b is None or a == b


def _broadcast(a, b):
    """One axis of Keras' element-wise merge: equal sizes, or a 1 that stretches."""
    if a == 1:
        return b
    if b == 1 or a == b:
        return a
    if a is None or b is None:
        return a if b is None else b
    raise ValueError


def _elementwise_shape(cfg, ins):
    """Shapes must match or broadcast (a squeeze-and-excitation scale of 1×1×C)."""
    out = ins[0]
    for other in ins[1:]:
        if len(other) != len(out):
            shapes = ", ".join(str(s) for s in ins)
            raise ShapeError(f"inputs must have the same rank and shape, got {shapes}")
        try:
            out = tuple(_broadcast(a, b) for a, b in zip(out, other))
        except ValueError:
            shapes = ", ".join(str(s) for s in ins)
            raise ShapeError(f"inputs must have the same shape (or 1 where they broadcast), got {shapes}") from None
    return out


def _concat_shape(cfg, ins):
    rank = len(ins[0])
    axis = axis_index(cfg["axis"], rank)
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
