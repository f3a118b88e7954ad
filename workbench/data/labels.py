"""Turning the labels a file holds into class indices or regression targets.

One rule for CSV, NPZ and HDF5 so the same column gives the same data set
whatever file it came in:

- text labels are classes, named by their text, indexed in sorted order;
- numbers are classes too when they are whole numbers, or when there are at
  most `MAX_FLOAT_CLASSES` distinct values; named by their value
  ("1", "2", "3" stay recognisable even though the indices are 0, 1, 2);
- other numbers (fractional, many distinct values) are regression targets;
- a 2-D one-hot matrix is classes, any other 2-D matrix regression targets;
- `task="classification"` / `"regression"` overrides the guess;
- when the file names its classes (`class_names`), integer labels index that
  list directly and must lie in range.
"""

from __future__ import annotations

import numpy as np

from .dataset import rows_text
from .errors import DatasetError

LABEL_TASKS = ("auto", "classification", "regression")
MAX_FLOAT_CLASSES = 10


def encode_labels(
    raw: np.ndarray, *, task: str = "auto", class_names: list[str] | None = None, what: str = "labels"
) -> tuple[np.ndarray, str, list[str]]:
    """Return `(y, kind, class_names)`; kind is "classification" or "regression".

    Classification labels come back as int32 indices, regression targets as
    float32 (shape (n,) or (n, k)).  `what` names the labels in messages.
    """
    if task not in LABEL_TASKS:
        raise DatasetError(f"unknown task '{task}'; expected one of {', '.join(LABEL_TASKS)}")
    raw = np.asarray(raw)
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw[:, 0]
    if raw.ndim not in (1, 2):
        raise DatasetError(f"{what} must be one value or one row per sample, got shape {raw.shape}")
    if raw.dtype.kind in "USO":
        return _encode_text(raw, task, class_names, what)
    if raw.dtype.kind not in "biuf":
        raise DatasetError(f"{what} must be numbers or text, got {raw.dtype}")
    values = raw.astype(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        count = int(bad.sum())
        rows = np.flatnonzero(bad.reshape(len(values), -1).any(axis=1))
        raise DatasetError(
            f"{what} hold {count} missing or non-finite value{'s' * (count != 1)} (NaN or Inf) in "
            f"{rows_text(rows)} (counted from 0); remove or fill them"
        )
    if raw.ndim == 2:
        return _encode_matrix(values, task, class_names, what)
    if task == "regression":
        return values.astype(np.float32), "regression", []
    whole = bool(np.all(values == np.round(values)))
    distinct = np.unique(values)
    if task == "auto" and not whole and len(distinct) > MAX_FLOAT_CLASSES:
        return values.astype(np.float32), "regression", []
    if class_names is not None:
        return _index_named(values, whole, class_names, what), "classification", list(class_names)
    names = [str(int(v)) if whole else f"{v:g}" for v in distinct]
    return np.searchsorted(distinct, values).astype(np.int32), "classification", names


def _encode_text(raw, task, class_names, what):
    text = np.array([s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s) for s in raw.ravel()])
    if raw.ndim != 1:
        raise DatasetError(f"{what}: text labels must be one per sample, got shape {raw.shape}")
    if task == "regression":
        raise DatasetError(f"{what} are text (e.g. '{text[0]}'); regression needs numbers")
    empty = int((np.char.strip(text) == "").sum())
    if empty:
        raise DatasetError(f"{what}: {empty} sample{'s' * (empty != 1)} have an empty label")
    if class_names is None:
        names = sorted(set(text.tolist()))
    else:
        names = list(class_names)
        unknown = sorted(set(text.tolist()) - set(names))
        if unknown:
            raise DatasetError(f"{what} out of range: {', '.join(unknown[:5])} not among the class names")
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[t] for t in text], dtype=np.int32), "classification", names


def _encode_matrix(values, task, class_names, what):
    one_hot = bool(np.isin(values, (0.0, 1.0)).all() and np.all(values.sum(axis=1) == 1))
    if task == "regression" or (task == "auto" and not one_hot):
        return values.astype(np.float32), "regression", []
    if not one_hot:
        raise DatasetError(f"{what} have shape {values.shape} but are not one-hot rows; give one class per sample")
    width = values.shape[1]
    if class_names is not None and len(class_names) != width:
        raise DatasetError(f"{what}: one-hot rows have {width} columns but there are {len(class_names)} class names")
    names = list(class_names) if class_names is not None else [str(i) for i in range(width)]
    return values.argmax(axis=1).astype(np.int32), "classification", names


def _index_named(values, whole, class_names, what) -> np.ndarray:
    if not whole:
        raise DatasetError(f"{what} must be whole class indices when the file names its classes")
    outside = int(((values < 0) | (values >= len(class_names))).sum())
    if outside:
        raise DatasetError(
            f"{what} out of range: {outside} label{'s' * (outside != 1)} outside 0..{len(class_names) - 1} "
            f"(found {int(values.min())}..{int(values.max())}) for {len(class_names)} class names"
        )
    return values.astype(np.int32)


def encode_pair(
    y: np.ndarray, y_val: np.ndarray | None, *, task: str = "auto", class_names: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray | None, str, list[str]]:
    """Encode training and validation labels together so both use one class list."""
    if y_val is None:
        encoded, kind, names = encode_labels(y, task=task, class_names=class_names)
        return encoded, None, kind, names
    y, y_val = np.asarray(y), np.asarray(y_val)
    if y.ndim != y_val.ndim or y.shape[1:] != y_val.shape[1:]:
        raise DatasetError(f"training labels have shape {y.shape} but validation labels {y_val.shape}")
    if (y.dtype.kind in "USO") != (y_val.dtype.kind in "USO"):
        raise DatasetError("training and validation labels must both be text or both be numbers")
    encoded, kind, names = encode_labels(np.concatenate([y, y_val]), task=task, class_names=class_names)
    return encoded[: len(y)], encoded[len(y):], kind, names
