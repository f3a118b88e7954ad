"""Scenes of 1–3 shapes with a caption: the shapes' names from left to right.

32×64 grey images; each shape (the `shapes` generator's circle, square,
triangle, star, cross) keeps its own columns, so "left to right" is
well defined.  The caption's tokens: 0 pads, 1 starts, 2 ends, then one per
shape name; a label row is the names then the end token (4 tokens).
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset
from .shapes import SHAPES, _mask

HEIGHT, WIDTH = 32, 64
MAX_SHAPES = 3
WORDS = ["<pad>", "<start>", "<end>", *SHAPES]
PAD, START, END = 0, 1, 2
FIRST_WORD = 3
CAPTION_LENGTH = MAX_SHAPES + 1


def _place(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted centre columns and radii of `count` shapes that do not share columns."""
    while True:
        radii = rng.uniform(5.0, 8.0, count)
        centres = np.sort(rng.uniform(radii.max(), WIDTH - radii.max(), count))
        if count == 1 or np.all(np.diff(centres) > radii[:-1] + radii[1:] + 1.0):
            return centres, radii


def scenes(samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Images (samples × 32 × 64 × 1 uint8) and caption rows (samples × 4 int32)."""
    x = np.empty((samples, HEIGHT, WIDTH, 1), dtype=np.uint8)
    y = np.full((samples, CAPTION_LENGTH), PAD, dtype=np.int32)
    for i in range(samples):
        pixels = np.full((HEIGHT, WIDTH), rng.uniform(0.0, 0.3), dtype=np.float32)
        count = int(rng.integers(1, MAX_SHAPES + 1))
        centres, radii = _place(rng, count)
        kinds = rng.integers(0, len(SHAPES), count)
        for k, (cx, r, kind) in enumerate(zip(centres, radii, kinds)):
            left = int(cx) - HEIGHT // 2
            cy = rng.uniform(r, HEIGHT - r)
            mask = _mask(SHAPES[kind], HEIGHT, cx - left, cy, r, rng.uniform(0.0, 2 * np.pi))
            lo, hi = max(left, 0), min(left + HEIGHT, WIDTH)
            window = mask[:, lo - left:hi - left]
            pixels[:, lo:hi] = pixels[:, lo:hi] * (1 - window) + np.float32(rng.uniform(0.55, 1.0)) * window
            y[i, k] = FIRST_WORD + kind
        y[i, count] = END
        pixels += rng.standard_normal((HEIGHT, WIDTH), dtype=np.float32) * np.float32(0.05)
        x[i, ..., 0] = np.round(np.clip(pixels, 0.0, 1.0) * 255)
    return x, y


def caption_text(row: np.ndarray) -> str:
    """The words of a caption row up to its end token."""
    words = []
    for token in row:
        if token in (END, PAD) or token < 0:
            break
        words.append(WORDS[token])
    return " ".join(words)


def load_shape_scenes(*, seed: int, validation_split: float, samples: int = 4000, val_samples: int = 500) -> Dataset:
    """4,000 training and 500 validation scenes (its own split); labels are the caption rows."""
    rng = np.random.default_rng(seed)
    x, y = scenes(samples, rng)
    x_val, y_val = scenes(val_samples, rng)
    dataset = Dataset(
        name="shape_scenes", task="sequence", input_shape=x.shape[1:], class_names=list(WORDS), x_train=x,
        y_train=y, x_val=x_val, y_val=y_val, source=f"generated (seed {seed}, {HEIGHT}×{WIDTH}, 1–3 shapes each)",
    )
    dataset.validate()
    return dataset
