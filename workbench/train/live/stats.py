"""The numbers behind the weight views and thumbnails, computed from plain arrays.

The training thread calls these with what it pulled from the model
(kernels); the GUI thread receives the finished dataclasses and only draws
them.  Pure numpy, no Keras and no Qt, so they are tested
directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.data.fitting import resize_images

from .mosaic import Mosaic, filter_tiles, tile
from .reuse import DenseBlock, reuse_matrix

#: histogram bins: about √n, within these bounds
HISTOGRAM_BINS = (12, 48)
#: longest side of a sample thumbnail in the evaluation and preview views
THUMB_SIDE = 48


def histogram(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(counts, edges) of the finite values in about √n bins; a constant array gets bins around its value."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    low_bins, high_bins = HISTOGRAM_BINS
    bins = int(np.clip(round(np.sqrt(v.size)), low_bins, high_bins))
    if v.size == 0:
        return np.zeros(bins, dtype=np.int64), np.linspace(-1.0, 1.0, bins + 1)
    low, high = float(v.min()), float(v.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(v, bins=bins, range=(low, high))
    return counts, edges


@dataclass
class WeightSnapshot:
    """What the weight views show after one epoch.

    `filters`: the first convolution's kernels as a mosaic (None without a
    2-D convolution); `histograms`: kernel name -> (counts, edges);
    `reuse`: dense block name -> (readers × sources) mean absolute weights.
    """

    epoch: int
    filters_layer: str | None = None
    filters: Mosaic | None = None
    histograms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    reuse: dict[str, np.ndarray] = field(default_factory=dict)


def thumbnails(x: np.ndarray, side: int = THUMB_SIDE) -> np.ndarray | None:
    """uint8 images (n, h, w) or (n, h, w, 3) no larger than `side`, from float images in [0, 1].

    None for samples that are not images (tabular rows).
    """
    a = np.asarray(x)
    if a.ndim != 4 or a.shape[3] not in (1, 3, 4):
        return None
    a = a[..., :3].astype(np.float32, copy=False)
    h, w = a.shape[1:3]
    scale = side / max(h, w)
    if scale < 1.0:
        a = resize_images(a, max(1, round(h * scale)), max(1, round(w * scale)))
    out = np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out[..., 0] if out.shape[3] == 1 else out


def weight_snapshot(weights: dict[str, np.ndarray], epoch: int, first_conv: str | None,
                    blocks: list[DenseBlock]) -> WeightSnapshot:
    """Histograms of every kernel, the first convolution's filters and the dense blocks' feature reuse.

    `weights` maps paths ("conv1/kernel") to arrays: the Trainer's `on_weights`,
    so the views share the epoch's one weight pull with the checkpoint.
    """
    snapshot = WeightSnapshot(epoch)
    kernels: dict[str, np.ndarray] = {}
    for path, value in weights.items():
        layer, _, name = path.rpartition("/")
        if not name.endswith("kernel"):
            continue
        snapshot.histograms[layer if name == "kernel" else path] = histogram(value)
        if name == "kernel":
            kernels[layer] = value
    if first_conv in kernels and kernels[first_conv].ndim == 4:
        snapshot.filters_layer = first_conv
        snapshot.filters = tile(filter_tiles(kernels[first_conv]))
    for block in blocks:
        snapshot.reuse[block.name] = reuse_matrix(block, kernels)
    return snapshot
