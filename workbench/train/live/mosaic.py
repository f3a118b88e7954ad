"""Tiling many small images into one array, so a view draws them with one `ImageItem.setImage`.

A layer's activations (height × width × channels), a convolution's filters
or a grid of sample thumbnails all become one float32 image: tiles in rows,
each tile min-max scaled to [0, 1] (or as given), separated by NaN gaps that
pyqtgraph draws transparent.  Pure numpy: the worker thread builds mosaics
so the GUI thread only uploads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GAP = 1
#: a mosaic larger than this many pixels is drawn from every n-th pixel of each tile
MAX_PIXELS = 4_000_000


@dataclass(frozen=True)
class Mosaic:
    """`image` (float32, rows-major, NaN gaps) holding `count` tiles of `tile_shape` in a `rows` × `cols` grid."""

    image: np.ndarray
    count: int
    rows: int
    cols: int
    tile_shape: tuple[int, int]
    gap: int = GAP
    stride: int = 1  # tiles were subsampled by this factor to keep the image small

    def tile_at(self, x: float, y: float) -> int | None:
        """The index of the tile under image pixel (x = column, y = row), or None in a gap or outside."""
        th, tw = self.tile_shape
        col, dx = divmod(int(math.floor(x)), tw + self.gap)
        row, dy = divmod(int(math.floor(y)), th + self.gap)
        if x < 0 or y < 0 or dx >= tw or dy >= th or col >= self.cols:
            return None
        index = row * self.cols + col
        return index if index < self.count else None

    def tile_origin(self, index: int) -> tuple[int, int]:
        """(x, y) of tile `index`'s top-left pixel in the image."""
        row, col = divmod(index, self.cols)
        th, tw = self.tile_shape
        return col * (tw + self.gap), row * (th + self.gap)


def grid_shape(count: int, tile_h: int, tile_w: int) -> tuple[int, int]:
    """(rows, cols) that make the mosaic roughly square on screen."""
    if count <= 0:
        return 0, 0
    cols = max(1, round(math.sqrt(count * tile_h / max(tile_w, 1))))
    cols = min(cols, count)
    return math.ceil(count / cols), cols


def channel_tiles(array: np.ndarray) -> np.ndarray:
    """(channels, h, w) tiles from one sample's activations: the last axis is the channel axis.

    Rank 3 (h, w, c) gives c tiles of h × w; rank 2 (steps, c) c strips of
    1 × steps; rank 1 (units,) one 1 × 1 tile per unit; higher ranks fold
    the leading axes into the tile's height.
    """
    a = np.asarray(array, dtype=np.float32)
    if a.ndim == 0:
        raise ValueError("a scalar has no channels to show")
    channels = a.shape[-1]
    if a.ndim == 1:
        return a.reshape(channels, 1, 1)
    if a.ndim == 2:
        return np.ascontiguousarray(a.T).reshape(channels, 1, a.shape[0])
    height = int(np.prod(a.shape[:-2]))
    return np.ascontiguousarray(np.moveaxis(a.reshape(height, a.shape[-2], channels), 2, 0))


def normalise_each(tiles: np.ndarray) -> np.ndarray:
    """Each tile (first axis) scaled to [0, 1] on its own; a constant tile becomes 0; NaN/Inf become NaN."""
    t = np.asarray(tiles, dtype=np.float32)
    flat = t.reshape(len(t), -1)
    finite = np.isfinite(flat)
    low = np.where(finite, flat, np.inf).min(axis=1, initial=np.inf)
    high = np.where(finite, flat, -np.inf).max(axis=1, initial=-np.inf)
    low = np.where(np.isfinite(low), low, 0.0)
    span = np.where(high > low, high - low, 1.0)
    out = (flat - low[:, None]) / span[:, None]
    out[~finite] = np.nan
    return out.reshape(t.shape).astype(np.float32, copy=False)


def tile(tiles: np.ndarray, cols: int | None = None, gap: int = GAP, normalise: bool = True,
         max_pixels: int = MAX_PIXELS) -> Mosaic:
    """Lay out `tiles` ((n, h, w) grey or (n, h, w, 3) colour) in a grid.

    `normalise` scales each tile to [0, 1] on its own (colour tiles across
    their three channels).  Tiles too large for `max_pixels` in total are
    subsampled with a stride, recorded in the result.
    """
    t = np.asarray(tiles, dtype=np.float32)
    if t.ndim not in (3, 4):
        raise ValueError(f"tiles must be (n, h, w) or (n, h, w, 3), got shape {t.shape}")
    count, h, w = t.shape[:3]
    stride = 1
    while count * math.ceil(h / stride) * math.ceil(w / stride) > max_pixels and stride < max(h, w):
        stride += 1
    if stride > 1:
        t = t[:, ::stride, ::stride]
        h, w = t.shape[1:3]
    if normalise:
        t = normalise_each(t)
    if cols is None:
        rows, cols = grid_shape(count, h, w)
    else:
        cols = max(1, min(cols, count)) if count else 1
        rows = math.ceil(count / cols) if count else 0
    height = rows * (h + gap) - gap if rows else 0
    width = cols * (w + gap) - gap if cols else 0
    image = np.full((height, width) + t.shape[3:], np.nan, dtype=np.float32)
    for index in range(count):
        row, col = divmod(index, cols)
        y, x = row * (h + gap), col * (w + gap)
        image[y:y + h, x:x + w] = t[index]
    return Mosaic(image, count, rows, cols, (h, w), gap, stride)


def activation_mosaic(array: np.ndarray) -> Mosaic:
    """One sample's activations of a layer: one tile per channel, each scaled on its own."""
    return tile(channel_tiles(array))


def filter_tiles(kernel: np.ndarray) -> np.ndarray:
    """A 2-D convolution kernel (kh, kw, in, out) as one tile per output filter.

    Filters over 3 input channels become colour tiles (n, kh, kw, 3); over
    one channel grey tiles; over more, the mean over the input channels.
    """
    k = np.asarray(kernel, dtype=np.float32)
    if k.ndim != 4:
        raise ValueError(f"expected a (kh, kw, in, out) kernel, got shape {k.shape}")
    tiles = np.moveaxis(k, 3, 0)  # (out, kh, kw, in)
    if tiles.shape[3] == 3:
        return tiles
    if tiles.shape[3] == 1:
        return tiles[..., 0]
    return tiles.mean(axis=3)
