"""Deterministic, stratified choice of sample indices (validation split, subsets).

The same seed gives the same split on every machine (numpy's PCG64
generator), and each class keeps its share in both parts: the number taken
from class c is `floor(n_c · fraction)` plus one for the classes with the
largest remainders, so the total is `round(n · fraction)` and no class loses
its last training sample.
"""

from __future__ import annotations

import numpy as np

from .errors import DatasetError


def check_fraction(validation_split: float) -> float:
    fraction = float(validation_split)
    if not 0.0 <= fraction < 1.0:
        raise DatasetError(f"validation_split must be at least 0 and below 1, got {validation_split}")
    return fraction


def split_indices(y: np.ndarray, fraction: float, seed: int, *, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return `(train, val)` index arrays, both in a seeded random order."""
    rng = np.random.default_rng(seed)
    groups = _groups(y, stratify)
    take = _allocate([len(g) for g in groups], check_fraction(fraction))
    train, val = [], []
    for group, count in zip(groups, take):
        order = rng.permutation(group)
        val.append(order[:count])
        train.append(order[count:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))


def subsample_indices(y: np.ndarray, count: int, seed: int, *, stratify: bool) -> np.ndarray:
    """At most `count` indices, in their original order, keeping class shares."""
    if count < 1:
        raise DatasetError(f"max_samples must be at least 1, got {count}")
    if count >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    groups = _groups(y, stratify)
    take = _allocate([len(g) for g in groups], count / len(y), keep_one=False)
    return np.sort(np.concatenate([rng.permutation(g)[:k] for g, k in zip(groups, take)]))


def _groups(y: np.ndarray, stratify: bool) -> list[np.ndarray]:
    if not stratify:
        return [np.arange(len(y))]
    return [np.flatnonzero(y == c) for c in np.unique(y)]


def _allocate(sizes: list[int], fraction: float, *, keep_one: bool = True) -> list[int]:
    """Largest-remainder shares of `round(sum(sizes) · fraction)` over the groups."""
    quotas = np.asarray(sizes, dtype=np.float64) * fraction
    take = np.floor(quotas).astype(int)
    remaining = int(round(sum(sizes) * fraction)) - int(take.sum())
    for i in np.argsort(-(quotas - take), kind="stable")[:max(remaining, 0)]:
        take[i] += 1
    if keep_one:
        take = np.minimum(take, np.maximum(np.asarray(sizes) - 1, 0))
    return take.tolist()


def limit_samples(
    y_train: np.ndarray, y_val: np.ndarray | None, max_samples: int, seed: int, *, stratify: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Indices keeping at most `max_samples` in all, shared by the splits in proportion."""
    if y_val is None or len(y_val) == 0:
        keep_val = None if y_val is None else np.arange(0)
        return subsample_indices(y_train, max_samples, seed, stratify=stratify), keep_val
    keep_train = max(round(max_samples * len(y_train) / (len(y_train) + len(y_val))), 1)
    return (subsample_indices(y_train, keep_train, seed, stratify=stratify),
            subsample_indices(y_val, max(max_samples - keep_train, 1), seed + 1, stratify=stratify))
