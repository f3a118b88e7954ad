"""Strips of 1–4 handwritten digits side by side, for CTC: the labels say which digits, not where.

The `mnist_subset` digits are halved to 14×14 and set left to right on a
14×64 black strip with 0–2 pixels between them and a random left margin.
The digit images are split first (one in five for the test strips), so
no test strip shows a digit image a training strip showed.  Labels are the
digits left to right, padded with -1; class 10 is CTC's blank.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset
from .embedded import DIGIT_NAMES, MNIST_SUBSET_FILE, _read

HEIGHT, WIDTH = 14, 64
MAX_DIGITS = 4
CLASS_NAMES = [*DIGIT_NAMES, "blank"]
#: the share of digit images kept for the test strips
TEST_SHARE = 0.2


def halved_digits() -> tuple[np.ndarray, np.ndarray]:
    """The mnist_subset images at 14×14 (2×2 means, uint8) and their labels."""
    _, x, y = _read(MNIST_SUBSET_FILE)
    small = x.reshape(len(x), 14, 2, 14, 2).astype(np.float32).mean(axis=(2, 4))
    return np.round(small).astype(np.uint8), y


def strips(images: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator):
    """`count` strips (count × 14 × 64 × 1 uint8) from `images`, and their -1-padded label rows."""
    x = np.zeros((count, HEIGHT, WIDTH, 1), dtype=np.uint8)
    y = np.full((count, MAX_DIGITS), -1, dtype=np.int32)
    for i in range(count):
        n = int(rng.integers(1, MAX_DIGITS + 1))
        picks = rng.integers(0, len(images), n)
        gaps = rng.integers(0, 3, n)
        gaps[0] = 0
        used = n * HEIGHT + int(gaps.sum())
        column = int(rng.integers(0, WIDTH - used + 1))
        for k, (pick, gap) in enumerate(zip(picks, gaps)):
            column += int(gap)
            x[i, :, column:column + HEIGHT, 0] = np.maximum(x[i, :, column:column + HEIGHT, 0], images[pick])
            column += HEIGHT
            y[i, k] = labels[pick]
    return x, y


def load_digit_strips(*, seed: int, validation_split: float, samples: int = 8000, val_samples: int = 1000) -> Dataset:
    """Training and test strips from disjoint digit images (its own split)."""
    rng = np.random.default_rng(seed)
    images, labels = halved_digits()
    order = rng.permutation(len(images))
    cut = int(round(len(images) * TEST_SHARE))
    test, train = order[:cut], order[cut:]
    x, y = strips(images[train], labels[train], samples, rng)
    x_val, y_val = strips(images[test], labels[test], val_samples, rng)
    dataset = Dataset(
        name="digit_strips", task="sequence", input_shape=x.shape[1:], class_names=list(CLASS_NAMES), x_train=x,
        y_train=y, x_val=x_val, y_val=y_val,
        source=f"generated from mnist_subset (seed {seed}; {len(train)} training and {cut} test digit images)",
    )
    dataset.validate()
    return dataset
