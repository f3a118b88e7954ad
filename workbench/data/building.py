"""Turning loaded arrays into a validated, split `Dataset`.

Every in-memory source (embedded, downloaded, NPZ, HDF5, CSV, small image
folders) ends here, so the checks, the sample-shape conventions and the
validation split are the same whatever the file was.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset
from .errors import DatasetError
from .splitting import check_fraction, limit_samples, split_indices


def as_samples(x, what: str) -> np.ndarray:
    """Give inputs one of the two shapes the workbench trains on.

    (n,) and (n, features) are tabular rows; (n, h, w) grey images gain a
    channel axis; (n, h, w, c) stay as they are.  Rank-3 arrays are always
    read as grey images, never as sequences.
    """
    x = np.asarray(x)
    if x.dtype == bool:
        x = x.astype(np.uint8)
    if x.dtype.kind not in "iuf":
        raise DatasetError(f"{what} must be numbers, got {x.dtype}")
    if x.ndim == 1:
        return x[:, None]
    if x.ndim == 3:
        return x[..., None]
    if x.ndim in (2, 4):
        return x
    raise DatasetError(
        f"{what} have shape {x.shape}; expected (samples, features), (samples, height, width) "
        f"or (samples, height, width, channels)"
    )


def task_for(x: np.ndarray, kind: str) -> str:
    if kind == "regression":
        return "regression"
    return "image_classification" if x.ndim == 4 else "tabular_classification"


def from_arrays(
    name: str,
    x,
    y: np.ndarray,
    *,
    kind: str,
    class_names: list[str],
    seed: int,
    validation_split: float,
    x_val=None,
    y_val: np.ndarray | None = None,
    max_samples: int | None = None,
    source: str = "",
    warnings: list[str] | None = None,
) -> Dataset:
    """Validate, optionally subsample, and split (unless `x_val` is given).

    `y` must already be encoded (see `labels.encode_labels`).  `max_samples`
    caps training plus validation samples, keeping class shares.  Sources
    with their own validation part keep it and ignore `validation_split`.
    """
    fraction = check_fraction(validation_split)
    x = as_samples(x, f"{name}: inputs")
    if x_val is not None:
        x_val = as_samples(x_val, f"{name}: validation inputs")
    whole = Dataset(
        name=name, task=task_for(x, kind), input_shape=x.shape[1:], class_names=list(class_names),
        x_train=x, y_train=y, x_val=x_val, y_val=y_val, source=source, warnings=list(warnings or []),
    )
    whole.validate()
    stratify = whole.is_classification
    if max_samples is not None:
        keep, keep_val = limit_samples(y, y_val, max_samples, seed, stratify=stratify)
        x, y = x[keep], y[keep]
        if x_val is not None:
            x_val, y_val = x_val[keep_val], y_val[keep_val]
    if x_val is None and fraction > 0:
        train, val = split_indices(y, fraction, seed, stratify=stratify)
        if len(val):
            x, y, x_val, y_val = x[train], y[train], x[val], y[val]
    return Dataset(
        name=name, task=whole.task, input_shape=whole.input_shape, class_names=whole.class_names,
        x_train=x, y_train=y, x_val=x_val, y_val=y_val, source=source, warnings=whole.warnings,
    )
