"""Procedurally drawn shapes: a small image task of any size and channel count.

Each image holds one circle, square, triangle, star or cross of random size,
position, rotation and brightness (colour when `channels` is 3) on a noisy
background.  Shapes are drawn 4× larger with Pillow and box-filtered down so
edges are anti-aliased; every random number comes from one seeded generator,
drawn in a fixed order, so a seed gives the same pixels everywhere.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError

SHAPES = ("circle", "square", "triangle", "star", "cross")
_SUPERSAMPLE = 4


def _polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    """Vertices of a shape of circumradius `r` turned by `angle` radians."""
    if kind == "square":
        radii, turns = [r] * 4, np.arange(4) / 4
    elif kind == "triangle":
        radii, turns = [r] * 3, np.arange(3) / 3
    elif kind == "star":
        radii, turns = [r, 0.42 * r] * 5, np.arange(10) / 10
    else:  # cross: a plus sign with arms 0.6 r wide, as a 12-vertex outline
        w = 0.3 * r
        local = [(w, r), (w, w), (r, w), (r, -w), (w, -w), (w, -r),
                 (-w, -r), (-w, -w), (-r, -w), (-r, w), (-w, w), (-w, r)]
        c, s = np.cos(angle), np.sin(angle)
        return [(cx + px * c - py * s, cy + px * s + py * c) for px, py in local]
    theta = angle + 2 * np.pi * turns
    return [(cx + q * np.sin(t), cy - q * np.cos(t)) for q, t in zip(radii, theta)]


def _mask(kind: str, size: int, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    big = size * _SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    k = _SUPERSAMPLE
    if kind == "circle":
        draw.ellipse([(cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k], fill=255)
    else:
        draw.polygon([(px * k, py * k) for px, py in _polygon(kind, cx, cy, r, angle)], fill=255)
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX), dtype=np.float32) / 255.0


def draw_shapes(samples: int, *, size: int = 32, channels: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`samples` images (uint8, size × size × channels) and balanced labels."""
    if size < 8:
        raise DatasetError(f"shapes: size must be at least 8 pixels, got {size}")
    if channels not in (1, 3):
        raise DatasetError(f"shapes: channels must be 1 or 3, got {channels}")
    if samples < 2 * len(SHAPES):
        raise DatasetError(f"shapes: samples must be at least {2 * len(SHAPES)}, got {samples}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(samples) % len(SHAPES)).astype(np.int32)
    radius = rng.uniform(0.22, 0.42, samples) * size
    centre = rng.uniform(0.0, 1.0, (samples, 2)) * (size - 2 * radius[:, None]) + radius[:, None]
    angle = rng.uniform(0.0, 2 * np.pi, samples)
    background = rng.uniform(0.0, 0.35, (samples, channels)).astype(np.float32)
    foreground = rng.uniform(0.6, 1.0, (samples, channels)).astype(np.float32)
    images = np.empty((samples, size, size, channels), dtype=np.uint8)
    for i, label in enumerate(labels):  # one image at a time: large sizes stay within memory
        mask = _mask(SHAPES[label], size, *centre[i], radius[i], angle[i])[..., None]
        noise = rng.standard_normal((size, size, channels), dtype=np.float32) * np.float32(0.06)
        pixels = background[i] * (1 - mask) + foreground[i] * mask + noise
        images[i] = np.round(np.clip(pixels, 0.0, 1.0) * 255)
    return images, labels


def load_shapes(
    *, seed: int, validation_split: float, samples: int = 2500, size: int = 32, channels: int = 1
) -> Dataset:
    x, y = draw_shapes(samples, size=size, channels=channels, seed=seed)
    return from_arrays(
        "shapes", x, y, kind="classification", class_names=list(SHAPES), seed=seed,
        validation_split=validation_split, source=f"generated (seed {seed}, {size}×{size}×{channels})",
    )
