"""One shape for every data source the trainer and the GUI consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

TASKS = ("image_classification", "tabular_classification", "regression")


@dataclass
class Dataset:
    """Training and validation data plus what a model needs to know about it.

    In-memory sources fill `x_train`/`y_train` (and `x_val`/`y_val` when the
    source has its own split).  Streaming sources (large image folders) set
    `stream` instead: a callable `stream(split, batch_size, image_shape)`
    returning a `tf.data.Dataset` or a Python generator, so TensorFlow stays
    optional until training starts.  Labels are integer class indices for
    classification tasks.
    """

    name: str
    task: str
    input_shape: tuple
    class_names: list[str] = field(default_factory=list)
    x_train: np.ndarray | None = None
    y_train: np.ndarray | None = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    stream: Any = None
    num_train: int = 0
    num_val: int = 0
    warnings: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"
