"""Fisher's Iris flowers, read from the copy embedded with the workbench.

150 rows of four measurements in centimetres and a species index; the file
and its licence (CC BY 4.0) are in `workbench/data/files/`.  By default each
measurement is standardised (zero mean, unit spread over all 150 flowers):
sigmoid units fed raw centimetres start saturated, and RPROP on the 4-8-3
network then needs about twice the epochs (37–41 instead of 16–21).
"""

from __future__ import annotations


import numpy as np

from .building import from_arrays
from .dataset import Dataset
from .embedded import bundled_file
from .errors import DatasetError

IRIS_FILE = "iris.csv"
FEATURES = ("sepal length", "sepal width", "petal length", "petal width")


def load_iris(
    *, seed: int, validation_split: float, max_samples: int | None = None, standardize: bool = True
) -> Dataset:
    """Four measurements (float32; cm when `standardize` is false) per flower and the species as class index."""
    path = bundled_file(IRIS_FILE)
    try:
        with path.open(encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")
            table = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    except OSError as exc:
        raise DatasetError(f"iris: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise DatasetError(f"iris: {path} is not a table of numbers: {exc}") from None
    rows, columns = int(header[0]), int(header[1])
    if table.shape != (rows, columns + 1):
        raise DatasetError(f"iris: {path} holds {table.shape} values, its header says {rows} × {columns + 1}")
    x = table[:, :columns]
    if standardize:
        x = (x - x.mean(axis=0)) / x.std(axis=0)
    return from_arrays(
        "iris", x, table[:, columns].astype(np.int32), kind="classification",
        class_names=header[2:], seed=seed, validation_split=validation_split, max_samples=max_samples,
        source=str(path) + (" (standardised)" if standardize else ""),
    )
