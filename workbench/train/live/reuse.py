"""Feature reuse in densely connected blocks: which earlier layers each layer's weights draw on.

In a DenseNet block every layer reads the concatenation of the block's input
and all earlier layers' outputs; its first convolution therefore has one
slice of input channels per earlier layer.  The mean absolute weight over
each slice says how strongly the layer uses that layer's features (Huang et
al. 2017, figure 5).  `reuse_plan(spec)` finds those slices from the graph
alone; `reuse_matrix` turns a kernel per reading layer into one heat-map row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.spec import INPUT, ModelSpec, analyze

#: layers between a concatenation and the convolution reading it that keep the channel order
_CHANNEL_PRESERVING = {
    "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "Dropout", "SpatialDropout2D",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D",
}
#: layers whose kernel's input-channel axis is the second last (Conv) or the first (Dense)
_READERS = {"Conv2D": -2, "Conv1D": -2, "Dense": 0}


@dataclass(frozen=True)
class Segment:
    """`channels` consecutive input channels that come from layer `source`."""

    source: str
    start: int
    channels: int


@dataclass(frozen=True)
class ReadingLayer:
    """A convolution or dense layer whose input is a concatenation, with the slice from each source."""

    name: str
    segments: tuple[Segment, ...]
    channel_axis: int


@dataclass(frozen=True)
class DenseBlock:
    """The layers reading one growing concatenation, in order; `sources` label the heat map's columns."""

    name: str
    readers: tuple[ReadingLayer, ...]
    sources: tuple[str, ...]


def _channels(info) -> int | None:
    shape = info.output_shape
    return int(shape[-1]) if shape and shape[-1] is not None else None


def _segments(spec: ModelSpec, name: str, infos, edges) -> list[Segment] | None:
    """The sources of `name`'s channels: concatenations expanded, channel-preserving layers skipped."""
    parts: list[tuple[str, int]] = []

    def expand(node: str) -> bool:
        if node != INPUT and node in edges:
            layer = spec.layer(node)
            if layer.type == "Concatenate" and layer.config.get("axis", -1) in (-1, len(infos[node].output_shape) - 1):
                return all(expand(src) for src in edges[node])
        channels = _channels(infos[node]) if node in infos else None
        if channels is None:
            return False
        parts.append((node, channels))
        return True

    node = name
    while node != INPUT and node in edges and spec.layer(node).type in _CHANNEL_PRESERVING:
        node = edges[node][0]
    if not expand(node):
        return None
    out, start = [], 0
    for source, channels in parts:
        out.append(Segment(source, start, channels))
        start += channels
    return out


def reuse_plan(spec: ModelSpec) -> list[DenseBlock]:
    """The dense blocks of `spec`: groups of layers reading growing concatenations of the same block input.

    A group qualifies when its readers see different numbers of sources
    (the dense pattern); Inception-style modules, whose readers all see the
    same branches, do not.  Empty for a spec with errors or no such block.
    """
    analysis = analyze(spec)
    if analysis.errors:
        return []
    infos, edges = analysis.layers, spec.edges()
    groups: dict[str, list[ReadingLayer]] = {}
    for layer in spec.layers:
        axis = _READERS.get(layer.type)
        if axis is None or len(edges.get(layer.name, [])) != 1:
            continue
        segments = _segments(spec, edges[layer.name][0], infos, edges)
        if not segments:
            continue
        groups.setdefault(segments[0].source, []).append(ReadingLayer(layer.name, tuple(segments), axis))
    blocks = []
    for first, readers in groups.items():
        if len(readers) < 2 or len({len(r.segments) for r in readers}) < 2:
            continue
        longest = max(readers, key=lambda r: len(r.segments))
        blocks.append(DenseBlock(f"dense block {len(blocks) + 1}", tuple(readers),
                                 tuple(s.source for s in longest.segments)))
    return blocks


def reuse_matrix(block: DenseBlock, kernels: dict[str, np.ndarray]) -> np.ndarray:
    """(readers × sources) mean absolute weight per source slice; NaN where a reader does not see a source."""
    column = {source: i for i, source in enumerate(block.sources)}
    out = np.full((len(block.readers), len(block.sources)), np.nan, dtype=np.float32)
    for row, reader in enumerate(block.readers):
        kernel = kernels.get(reader.name)
        if kernel is None:
            continue
        magnitude = np.abs(np.asarray(kernel, dtype=np.float32))
        axis = reader.channel_axis % magnitude.ndim
        for segment in reader.segments:
            if segment.source not in column:
                continue
            part = np.take(magnitude, np.arange(segment.start, segment.start + segment.channels), axis=axis)
            out[row, column[segment.source]] = float(part.mean()) if part.size else np.nan
    return out
