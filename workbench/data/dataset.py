"""One shape for every data source the trainer and the GUI consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..spec.units import shape_text
from .errors import DatasetError

TASKS = ("image_classification", "tabular_classification", "regression", "segmentation", "sequence")


@dataclass
class Dataset:
    """Training and validation data plus what a model needs to know about it.

    In-memory sources fill `x_train`/`y_train` (and `x_val`/`y_val` when the
    source has its own split or a validation fraction was asked for).
    Streaming sources (large image folders, or data fitted to a model too large
    to hold in memory) set `stream` instead: a callable
    `stream(split, batch_size, image_shape=None, *, shuffle=None, seed=0,
    workers=1, max_queue_size=10)` returning a `keras.utils.PyDataset` of
    float32 batches, so Keras is imported only when training starts (see
    `workbench.data.streaming`).  Labels are integer class indices (int32) for
    classification tasks, one per pixel (samples × height × width) for
    segmentation, float32 values for regression, and for sequences one row
    of token indices per sample (samples × length, int32; `class_names` is
    the output vocabulary, -1 pads a row that has no token left).

    Loaders keep images in their stored dtype (uint8 for most) to save
    memory; `fit_to_model` turns them into float32 in [0, 1] shaped for a
    model's input.  `notes` records what fitting did, `warnings` what was
    skipped or doubtful while loading.  `origin` is how `load_dataset` was
    asked for it (`{"name": ..., "options": {...}}`), so a run can load the
    same data again (a generated set's source says only "generated").
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
    notes: list[str] = field(default_factory=list)
    origin: dict | None = None

    def __post_init__(self) -> None:
        self.input_shape = tuple(self.input_shape)
        if self.x_train is not None:
            self.num_train = len(self.x_train)
        if self.x_val is not None:
            self.num_val = len(self.x_val)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    @property
    def is_image(self) -> bool:
        """Samples are height × width × channels images."""
        return len(self.input_shape) == 3

    @property
    def is_streamed(self) -> bool:
        return self.stream is not None

    @property
    def output_units(self) -> int:
        """Width of the model's head: classes, or regression targets per sample."""
        if self.is_classification:
            return self.num_classes
        if self.y_train is not None and self.y_train.ndim == 2:
            return int(self.y_train.shape[1])
        return 1

    def describe(self) -> dict:
        """A JSON-ready summary for run records, the CLI and the GUI."""
        return {
            "name": self.name,
            "task": self.task,
            "input_shape": list(self.input_shape),
            "classes": self.num_classes,
            "class_names": list(self.class_names),
            "num_train": self.num_train,
            "num_val": self.num_val,
            "streamed": self.is_streamed,
            "source": self.source,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "origin": self.origin,
        }

    def validate(self) -> None:
        """Raise `DatasetError` naming the first thing that would spoil training.

        Checks the task, that inputs and labels pair up, that the inputs hold
        no NaN/Inf (Keras would train on them and silently turn the weights
        into NaN), and that class labels index `class_names`.
        """
        if self.task not in TASKS:
            raise DatasetError(f"{self.name}: unknown task '{self.task}'; expected one of {', '.join(TASKS)}")
        if self.stream is None and self.x_train is not None and len(self.x_train) == 0:
            raise DatasetError(f"{self.source or self.name} holds no samples (0 rows)")
        if self.is_classification and self.num_classes < 2:
            found = f" ('{self.class_names[0]}')" if self.class_names else ""
            raise DatasetError(
                f"{self.name}: classification needs at least two classes, found {self.num_classes}{found}"
            )
        if self.stream is not None:
            return
        if self.x_train is None or self.y_train is None:
            raise DatasetError(f"{self.name}: no training data")
        self._check_split("training", self.x_train, self.y_train)
        if (self.x_val is None) != (self.y_val is None):
            raise DatasetError(f"{self.name}: validation inputs and labels must both be given or both be absent")
        if self.x_val is not None:
            self._check_split("validation", self.x_val, self.y_val)

    def _check_split(self, split: str, x: np.ndarray, y: np.ndarray) -> None:
        if len(x) != len(y):
            raise DatasetError(
                f"{self.name}: mismatched lengths: {len(x)} {split} inputs but {len(y)} labels"
            )
        if len(x) == 0:
            raise DatasetError(f"{self.name}: the {split} split has no samples")
        if tuple(x.shape[1:]) != self.input_shape:
            raise DatasetError(
                f"{self.name}: {split} inputs are {shape_text(x.shape[1:])} per sample "
                f"but the data set declares {shape_text(self.input_shape)}"
            )
        _check_finite(f"{self.name}: the {split} inputs", x)
        if self.task == "segmentation":
            _check_label_maps(f"{self.name}: {split} label maps", x, y, self.num_classes)
        elif self.task == "sequence":
            _check_token_rows(f"{self.name}: {split} token rows", y, self.num_classes)
        elif self.is_classification:
            _check_class_labels(f"{self.name}: {split} labels", y, self.num_classes)
        else:
            _check_finite(f"{self.name}: the {split} targets", y)


#: how many offending rows a message names
ROWS_NAMED = 5


def rows_text(rows: np.ndarray) -> str:
    """'row 3' or 'rows 3, 17, 52 and 9 more' (0-based sample indices, in file order)."""
    shown = ", ".join(str(int(r)) for r in rows[:ROWS_NAMED])
    more = f" and {len(rows) - ROWS_NAMED} more" if len(rows) > ROWS_NAMED else ""
    return f"row{'s' * (len(rows) != 1)} {shown}{more}"


def _check_finite(what: str, a: np.ndarray) -> None:
    if not np.issubdtype(a.dtype, np.floating):
        return
    bad = ~np.isfinite(a)
    count = int(bad.sum())
    if count:
        rows = np.flatnonzero(bad.reshape(len(a), -1).any(axis=1))
        raise DatasetError(
            f"{what} hold {count} non-finite value{'s' * (count != 1)} (NaN or Inf) in {len(rows)} of "
            f"{len(a)} samples ({rows_text(rows)}, counted from 0); remove or fill them before training"
        )


def _check_label_maps(what: str, x: np.ndarray, y: np.ndarray, num_classes: int) -> None:
    if x.ndim != 4 or tuple(y.shape) != tuple(x.shape[:3]) or not np.issubdtype(y.dtype, np.integer):
        raise DatasetError(
            f"{what} must be one integer class index per pixel, shaped {shape_text(x.shape[:3])}; "
            f"got {y.dtype} with shape {shape_text(y.shape)}"
        )
    _check_label_range(what, y, num_classes)


def _check_token_rows(what: str, y: np.ndarray, num_classes: int) -> None:
    if y.ndim != 2 or not np.issubdtype(y.dtype, np.integer):
        raise DatasetError(f"{what} must be one integer token row per sample, got {y.dtype} with shape {y.shape}")
    low, high = int(y.min()), int(y.max())
    if low < -1 or high >= num_classes:
        raise DatasetError(f"{what} out of range: found {low}..{high} for -1 (padding) and {num_classes} tokens")


def _check_class_labels(what: str, y: np.ndarray, num_classes: int) -> None:
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise DatasetError(f"{what} must be one integer class index per sample, got {y.dtype} with shape {y.shape}")
    _check_label_range(what, y, num_classes)


def _check_label_range(what: str, y: np.ndarray, num_classes: int) -> None:
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= num_classes:
        outside = int(((y < 0) | (y >= num_classes)).sum())
        raise DatasetError(
            f"{what} out of range: {outside} label{'s' * (outside != 1)} outside 0..{num_classes - 1} "
            f"(found {low}..{high}) for {num_classes} classes"
        )
