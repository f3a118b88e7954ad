"""Data for the generative and energy-based tasks: ±1 patterns, digit prototypes, pixel scalings.

`random_patterns` and `mnist_prototypes` are what a Hopfield network stores:
the training inputs are the patterns themselves, the validation inputs the
same patterns with `flips` bits flipped (the probes recall must clean up),
and each label names the pattern a probe came from.  `signed_pixels` and
`binary_pixels` are the two scalings the GAN and RBM tasks apply to
`mnist_subset` (tanh generators draw in [−1, 1]; an RBM's visible units are
binary).
"""

from __future__ import annotations

import numpy as np

from .building import from_arrays
from .dataset import Dataset
from .embedded import load_mnist_subset
from .errors import DatasetError

#: the prototypes' side: 10 × 10 = 100 units, the size of `hopfield_100`
PROTOTYPE_SIDE = 10


def signed_pixels(x: np.ndarray) -> np.ndarray:
    """Images (uint8 0..255 or floats in [0, 1]) as float32 in [−1, 1]."""
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    return (x.astype(np.float32) / np.float32(scale)) * 2.0 - 1.0


def binary_pixels(x: np.ndarray) -> np.ndarray:
    """Images as float32 0/1: a pixel is on when brighter than half scale."""
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    return (x.astype(np.float32) > 0.5 * scale).astype(np.float32)


def flip_bits(patterns: np.ndarray, flips: int, rng: np.random.Generator) -> np.ndarray:
    """A copy of the ±1 `patterns` with `flips` distinct units of each row negated."""
    units = patterns.shape[1]
    if not 0 <= flips <= units:
        raise DatasetError(f"flips must be between 0 and {units}, got {flips}")
    probes = patterns.copy()
    for row in probes:
        row[rng.choice(units, size=flips, replace=False)] *= -1
    return probes


def _stored(name: str, patterns: np.ndarray, flips: int, seed: int, source: str) -> Dataset:
    rng = np.random.default_rng(seed + 1)
    labels = np.arange(len(patterns), dtype=np.int32)
    return from_arrays(
        name, patterns, labels, kind="tabular_classification", class_names=[f"pattern {i}" for i in labels],
        seed=seed, validation_split=0.0, x_val=flip_bits(patterns, flips, rng), y_val=labels, source=source,
    )


def load_random_patterns(
    *, seed: int, validation_split: float, patterns: int = 8, units: int = 100, flips: int = 10
) -> Dataset:
    """`patterns` random ±1 vectors of `units` entries (each entry ±1 with probability ½)."""
    if patterns < 2 or units < 2:
        raise DatasetError(f"random_patterns needs at least 2 patterns of at least 2 units, got {patterns} × {units}")
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(patterns, units))
    return _stored("random_patterns", x, flips, seed, f"generated (seed {seed})")


def digit_prototypes(x: np.ndarray, y: np.ndarray, side: int = PROTOTYPE_SIDE) -> np.ndarray:
    """One ±1 side × side image per class: the class mean, area-averaged, thresholded at its own mean."""
    images = x.reshape(len(x), x.shape[1], x.shape[2]).astype(np.float32)
    edges = np.linspace(0, images.shape[1], side + 1).round().astype(int)
    out = []
    for label in np.unique(y):
        mean = images[y == label].mean(axis=0)
        small = np.array([[mean[edges[i]:edges[i + 1], edges[j]:edges[j + 1]].mean() for j in range(side)]
                          for i in range(side)])
        out.append(np.where(small > small.mean(), 1.0, -1.0).reshape(-1))
    return np.asarray(out, dtype=np.float32)


def load_mnist_prototypes(*, seed: int, validation_split: float, flips: int = 10) -> Dataset:
    """The ten `mnist_subset` class means at 10 × 10 as ±1 patterns (correlated: Hebbian storage holds few)."""
    digits = load_mnist_subset(seed=0, validation_split=0.0)
    return _stored("mnist_prototypes", digit_prototypes(digits.x_train, digits.y_train), flips, seed,
                   f"class means of {digits.source}")
