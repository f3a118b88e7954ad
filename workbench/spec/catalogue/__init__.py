"""The layer catalogue: every layer type the workbench understands, keyed by Keras class name."""

from __future__ import annotations

from . import attention, conv, core, energy, merge, pooling, recurrent, scaling
from .base import ACTIVATIONS, Cost, LayerKind, Param, ShapeError, untiled

CATEGORIES = (
    "convolution", "pooling", "core", "normalization", "regularization", "merge", "recurrent", "attention",
    "preprocessing", "energy",
)

KINDS: dict[str, LayerKind] = {
    kind.type: kind
    for module in (scaling, conv, pooling, core, merge, recurrent, attention, energy)
    for kind in module.KINDS
}


def get_kind(type_: str) -> LayerKind | None:
    return KINDS.get(type_)


def by_category() -> dict[str, list[LayerKind]]:
    """Layer kinds grouped for the palette, in catalogue order."""
    out: dict[str, list[LayerKind]] = {c: [] for c in CATEGORIES}
    for kind in KINDS.values():
        out.setdefault(kind.category, []).append(kind)
    return out


__all__ = ["ACTIVATIONS", "CATEGORIES", "Cost", "KINDS", "LayerKind", "Param", "ShapeError", "by_category", "get_kind", "untiled"]
