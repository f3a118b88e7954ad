"""Batches read from disk (or fitted from memory) while training, with prefetch.

A `Stream` is what `Dataset.stream` holds.  Called as
`stream(split, batch_size, image_shape=None, *, shuffle=None, seed=0,
workers=1, max_queue_size=10)` it returns a `keras.utils.PyDataset`, which
every Keras backend's `fit` accepts and which prefetches `max_queue_size`
batches on `workers` threads.  `stream.batches(...)` returns the same
batches as a plain Python sequence (len, indexing, iteration) for code that
must not import Keras.

Batches are float32 shaped by the stream's `ImagePlan` (the model's input
after `fit_to_model`, the stored image size before); labels are int32 class
indices or float32 targets.  The training split is reshuffled every epoch
from (seed, epoch); the validation split keeps its order.
"""

from __future__ import annotations

import functools
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import DatasetError
from .fitting import ImagePlan, SequencePlan, TablePlan
from .images import read_image

SPLITS = ("train", "val")


class Batches:
    """A fixed-size batch sequence over `size` samples that `load(indices)` turns into (x, y)."""

    def __init__(self, size: int, load, batch_size: int, *, shuffle: bool, seed: int):
        if batch_size < 1:
            raise DatasetError(f"batch_size must be at least 1, got {batch_size}")
        self.size, self.load, self.batch_size = size, load, batch_size
        self.shuffle, self.seed, self.epoch = shuffle, seed, 0
        self._order = self._ordering()

    def _ordering(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.size)
        return np.random.default_rng((self.seed, self.epoch)).permutation(self.size)

    def __len__(self) -> int:
        return -(-self.size // self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        return self.load(self._order[index * self.batch_size:(index + 1) * self.batch_size])

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._ordering()


@functools.cache
def _keras_batches_class():
    import keras  # only when a stream is handed to Keras

    class KerasBatches(keras.utils.PyDataset):
        """`Batches` as a PyDataset: Keras prefetches them on worker threads."""

        def __init__(self, batches: Batches, workers: int, max_queue_size: int):
            super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max_queue_size)
            self.batches = batches

        def __len__(self) -> int:
            return len(self.batches)

        def __getitem__(self, index: int):
            return self.batches[index]

        def on_epoch_end(self) -> None:
            self.batches.on_epoch_end()

    return KerasBatches


@dataclass
class Stream(ABC):
    """Base of the two streams: per-split sample counts and the plan that shapes batches."""

    plan: ImagePlan | TablePlan | SequencePlan

    @abstractmethod
    def count(self, split: str) -> int:
        """Samples in `split` ("train" or "val")."""

    @abstractmethod
    def _load(self, split: str, plan, indices: np.ndarray):
        """The (x, y) batch of samples `indices` of `split`, shaped by `plan`."""

    def with_plan(self, plan, warnings: list[str]) -> Stream:
        """The same samples shaped by another plan (what `fit_to_model` does)."""
        return replace(self, plan=plan)

    def notes(self) -> list[str]:
        """What turns the stored samples into batches, for `Dataset.notes`."""
        return self.plan.notes()

    def batches(self, split: str, batch_size: int, image_shape=None, *, shuffle: bool | None = None,
                seed: int = 0) -> Batches:
        if split not in SPLITS:
            raise DatasetError(f"unknown split {split!r}; expected 'train' or 'val'")
        size = self.count(split)
        if size == 0:
            raise DatasetError(f"this data set has no {'validation' if split == 'val' else 'training'} samples")
        plan = self.plan if image_shape is None else self.plan.retarget(image_shape)
        load = functools.partial(self._load, split, plan)
        return Batches(size, load, batch_size, shuffle=split == "train" if shuffle is None else shuffle, seed=seed)

    def __call__(self, split: str, batch_size: int, image_shape=None, *, shuffle: bool | None = None,
                 seed: int = 0, workers: int = 1, max_queue_size: int = 10):
        batches = self.batches(split, batch_size, image_shape, shuffle=shuffle, seed=seed)
        return _keras_batches_class()(batches, workers, max_queue_size)


@dataclass
class ArrayStream(Stream):
    """In-memory arrays fitted batch by batch (when the fitted copy would not fit in memory)."""

    x_train: np.ndarray = None
    y_train: np.ndarray = None
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    reason: str = ""

    def notes(self) -> list[str]:
        return super().notes() + [self.reason]

    def count(self, split: str) -> int:
        x = self.x_train if split == "train" else self.x_val
        return 0 if x is None else len(x)

    def _load(self, split, plan, indices):
        x, y = (self.x_train, self.y_train) if split == "train" else (self.x_val, self.y_val)
        return plan(x[indices]), y[indices]


@dataclass
class FolderStream(Stream):
    """Image files decoded per batch at the folder's common size and colour mode.

    A file that fails to decode is left out of its batch, remembered in
    `skipped` (path -> reason) and reported once in `warnings`, the list the
    owning `Dataset` shows.  Decoding is thread-safe, so Keras may prefetch
    on several worker threads.
    """

    files: dict = field(default_factory=dict)  # split -> list[Path]
    labels: dict = field(default_factory=dict)  # split -> int32 array
    root: Path = Path(".")
    warnings: list[str] = field(default_factory=list)
    skipped: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, split: str) -> int:
        return len(self.files.get(split, ()))

    def with_plan(self, plan, warnings: list[str]) -> FolderStream:
        return replace(self, plan=plan, warnings=warnings)

    def _load(self, split, plan, indices):
        h, w, c = plan.source
        images, keep = [], []
        for i in indices:
            path = self.files[split][i]
            try:
                images.append(read_image(path, (h, w), c))
                keep.append(i)
            except Exception as exc:  # noqa: BLE001 - decoders of untrusted files raise many types
                self._skip(path, exc)
        x = np.stack(images) if images else np.zeros((0, h, w, c), np.uint8)
        return plan(x), self.labels[split][np.asarray(keep, dtype=int)]

    def _skip(self, path: Path, exc: Exception) -> None:
        with self.lock:
            if path in self.skipped:
                return
            self.skipped[path] = str(exc)
            self.warnings.append(f"skipped unreadable image {path.relative_to(self.root)} while streaming ({exc})")

