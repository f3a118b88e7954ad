"""Data sets that need no network: bundled digit images and 2-D point clouds.

`digits` (UCI optdigits) and `mnist_subset` (5,000 MNIST digits) ship inside
the package as compressed `.npz` files under `files/` (sources and licences in
`files/LICENSES.md`), so they need neither network nor another library.  The
point clouds are generated from the seed, so a seed names one exact data set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import paths
from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError

DIGITS_FILE = "digits.npz"
MNIST_SUBSET_FILE = "mnist_subset.npz"
DIGIT_NAMES = [str(d) for d in range(10)]


def bundled_file(name: str) -> Path:
    """Path of one of the data files shipped in `workbench/data/files/`."""
    path = paths.package_file("data", "files", name)
    if not path.is_file():
        raise DatasetError(f"the data file {path} is missing from this installation; reinstall the workbench")
    return path


def _read(name: str) -> tuple[Path, np.ndarray, np.ndarray]:
    """(path, images as uint8 N×H×W, labels as int32) of a bundled file."""
    path = bundled_file(name)
    with np.load(path) as archive:
        return path, archive["x"], archive["y"].astype(np.int32)


def load_digits(*, seed: int, validation_split: float, max_samples: int | None = None) -> Dataset:
    """1,797 8×8 grey digits (UCI optdigits, values 0..16 scaled to [0, 1])."""
    path, x, y = _read(DIGITS_FILE)
    return from_arrays(
        "digits", (x.astype(np.float32) / 16.0)[..., None], y, kind="classification", class_names=DIGIT_NAMES,
        seed=seed, validation_split=validation_split, max_samples=max_samples, source=str(path),
    )


def load_mnist_subset(*, seed: int, validation_split: float, max_samples: int | None = None) -> Dataset:
    """5,000 28×28 MNIST digits, 500 per class, as uint8."""
    path, x, y = _read(MNIST_SUBSET_FILE)
    return from_arrays(
        "mnist_subset", x[..., None], y, kind="classification", class_names=DIGIT_NAMES, seed=seed,
        validation_split=validation_split, max_samples=max_samples, source=str(path),
    )


def _balanced_labels(samples: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    if samples < 2 * classes:
        raise DatasetError(f"samples must be at least {2 * classes} for {classes} classes, got {samples}")
    return rng.permutation(np.arange(samples) % classes).astype(np.int32)


def _points(name, x, y, class_names, seed, validation_split) -> Dataset:
    return from_arrays(
        name, x.astype(np.float32), y, kind="classification", class_names=class_names, seed=seed,
        validation_split=validation_split, source=f"generated (seed {seed})",
    )


def load_xor(*, seed: int, validation_split: float, samples: int = 1000, noise: float = 0.1) -> Dataset:
    """Points in [-1, 1]²; class 1 where x and y have opposite signs (not linearly separable)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(samples, 2))
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int32)
    x += rng.normal(0.0, noise, size=x.shape)
    return _points("xor", x, y, ["same sign", "opposite sign"], seed, validation_split)


def load_moons(*, seed: int, validation_split: float, samples: int = 1000, noise: float = 0.1) -> Dataset:
    """Two interleaving half circles (the construction of scikit-learn's make_moons)."""
    rng = np.random.default_rng(seed)
    y = _balanced_labels(samples, 2, rng)
    t = rng.uniform(0.0, np.pi, size=samples)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) + rng.normal(0.0, noise, size=(samples, 2))
    return _points("moons", x, y, ["upper moon", "lower moon"], seed, validation_split)


def load_spirals(
    *, seed: int, validation_split: float, samples: int = 1000, noise: float = 0.05, classes: int = 2
) -> Dataset:
    """`classes` interleaved spiral arms, 1.5 turns each, radius 0..1."""
    rng = np.random.default_rng(seed)
    y = _balanced_labels(samples, classes, rng)
    radius = np.sqrt(rng.uniform(0.02, 1.0, size=samples))
    angle = radius * 3.0 * np.pi + y * (2.0 * np.pi / classes)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += rng.normal(0.0, noise, size=x.shape)
    return _points("spirals", x, y, [f"arm {i + 1}" for i in range(classes)], seed, validation_split)
