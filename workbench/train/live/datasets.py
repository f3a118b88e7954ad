"""The data side of the training screen: which data set, its preview, and samples for the views.

Pure numpy over `workbench.data`; the panel calls `load_with_preview` in a
background thread and the training worker calls `probe_samples` and
`evaluation_arrays` in its own, so nothing here touches Qt or Keras.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.data import Dataset, load_dataset
from workbench.data.fitting import plan_for, value_scale

from .stats import thumbnails

#: samples shown in the preview grid, spread over the classes
PREVIEW_SAMPLES = 40
#: points drawn in the preview scatter of 2-D tabular data
PREVIEW_POINTS = 2000
#: samples offered for feature maps
PROBE_SAMPLES = 16


@dataclass(frozen=True)
class DataSource:
    """What to load: a data set name or a path, with the seed and validation fraction it is split by."""

    name: str
    seed: int = 0
    validation_split: float = 0.2

    @property
    def label(self) -> str:
        """The name for people: a path's last part, a data set's name as given."""
        return Path(self.name).name if os.sep in self.name or "/" in self.name else self.name

    def load(self) -> Dataset:
        return load_dataset(self.name, seed=self.seed, validation_split=self.validation_split)


@dataclass
class Preview:
    """What the panel shows about a loaded data set before training."""

    description: str
    class_names: list[str]
    train_counts: np.ndarray | None  # samples per class, None when unknown (regression)
    val_counts: np.ndarray | None
    thumbs: np.ndarray | None = None  # uint8 images for image data
    thumb_labels: list[str] = field(default_factory=list)
    points: np.ndarray | None = None  # (n, 2) for 2-D tabular data
    point_labels: np.ndarray | None = None
    rows: np.ndarray | None = None  # first rows of other tabular data
    notes: list[str] = field(default_factory=list)


def split_labels(dataset: Dataset, split: str) -> np.ndarray | None:
    """The labels of "train" or "val", from the arrays or from a stream that knows them."""
    y = dataset.y_train if split == "train" else dataset.y_val
    if y is not None:
        return y
    stream = dataset.stream
    if stream is None:
        return None
    labels = getattr(stream, "labels", None)  # image folders keep labels per split
    if isinstance(labels, dict):
        return labels.get(split)
    return getattr(stream, "y_train" if split == "train" else "y_val", None)


def class_counts(dataset: Dataset, split: str) -> np.ndarray | None:
    y = split_labels(dataset, split)
    if y is None or not dataset.is_classification:
        return None
    if np.ndim(y) > 1:  # label maps: the images each class appears in
        pixels = tuple(range(1, np.ndim(y)))
        return np.array([int(np.any(y == c, axis=pixels).sum()) for c in range(dataset.num_classes)])
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=dataset.num_classes)


def spread_over_classes(labels: np.ndarray, count: int) -> np.ndarray:
    """Indices of up to `count` samples taking classes in turn, each class in its stored order."""
    labels = np.asarray(labels)
    per_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    picked: list[int] = []
    depth = 0
    while len(picked) < count and any(depth < len(ix) for ix in per_class):
        picked.extend(int(ix[depth]) for ix in per_class if depth < len(ix))
        depth += 1
    return np.asarray(picked[:count], dtype=np.int64)


def _unit_images(dataset: Dataset, x: np.ndarray) -> np.ndarray:
    """Stored images scaled to [0, 1] the way training will scale them."""
    offset, factor, _ = value_scale(dataset.x_train) if dataset.x_train is not None else (0.0, 1 / 255, "")
    return (x.astype(np.float32) - np.float32(offset)) * np.float32(factor)


def _first_batch(stream, split: str, size: int):
    split = split if stream.count(split) else "train"
    return stream.batches(split, size, shuffle=False)[0]


def describe(dataset: Dataset) -> str:
    shape = "×".join(str(d) for d in dataset.input_shape)
    what = f"{dataset.num_classes} classes" if dataset.is_classification else "regression"
    val = f", {dataset.num_val:,} validation" if dataset.num_val else ""
    return f"{dataset.num_train:,} training{val} samples · {shape} · {what}"


def make_preview(dataset: Dataset) -> Preview:
    """Thumbnails (spread over the classes), the class balance, or a scatter of 2-D points."""
    preview = Preview(
        description=describe(dataset),
        class_names=list(dataset.class_names),
        train_counts=class_counts(dataset, "train"),
        val_counts=class_counts(dataset, "val"),
        notes=list(dataset.warnings),
    )
    names = dataset.class_names
    if dataset.stream is not None and dataset.x_train is None:
        x, y = _first_batch(dataset.stream, "train", PREVIEW_SAMPLES)
        preview.thumbs = thumbnails(np.clip(x, 0.0, 1.0)) if dataset.is_image else None
        preview.thumb_labels = [names[int(v)] if dataset.is_classification else f"{float(v):.3g}" for v in y]
        return preview
    x, y = dataset.x_train, dataset.y_train
    if dataset.is_image:
        picks = spread_over_classes(y, PREVIEW_SAMPLES) if _class_per_sample(dataset, y) else np.arange(
            min(PREVIEW_SAMPLES, len(x)))
        preview.thumbs = thumbnails(np.clip(_unit_images(dataset, x[picks]), 0.0, 1.0))
        preview.thumb_labels = [_label_text(dataset, y[i]) for i in picks]
    elif dataset.input_shape == (2,):
        preview.points = np.asarray(x[:PREVIEW_POINTS], dtype=np.float32)
        preview.point_labels = np.asarray(y[:PREVIEW_POINTS])
    else:  # a table's first rows; a sequence's steps one after the other ((value, marker), ... for adding_problem)
        rows = np.asarray(x[:8], dtype=np.float32)
        preview.rows = rows.reshape(len(rows), -1)
    return preview


def _class_per_sample(dataset: Dataset, labels: np.ndarray) -> bool:
    """One class index per sample (not a label map per image, not values)."""
    return dataset.is_classification and np.ndim(labels) == 1


def _label_text(dataset: Dataset, value) -> str:
    if np.ndim(value) > 0 and not dataset.is_classification:  # an image or vector target: its shape
        return "×".join(str(n) for n in np.shape(value))
    if np.ndim(value) > 0:  # a segmentation label map: name the classes in it
        return ", ".join(dataset.class_names[int(c)] for c in np.unique(value) if c) or dataset.class_names[0]
    return dataset.class_names[int(value)] if dataset.is_classification else f"{float(value):.3g}"


def load_with_preview(source: DataSource) -> tuple[Dataset, Preview]:
    dataset = source.load()
    return dataset, make_preview(dataset)


@dataclass
class ProbeSamples:
    """The fixed samples feature maps are computed on: model-ready inputs, thumbnails, labels."""

    inputs: np.ndarray  # float32, shaped for the model
    thumbs: np.ndarray | None
    labels: list[str]
    split: str


def probe_samples(dataset: Dataset, input_shape, count: int = PROBE_SAMPLES) -> ProbeSamples:
    """The first validation samples (else training), spread over the classes, fitted to the model's input."""
    split = "val" if (dataset.num_val or (dataset.stream is not None and dataset.stream.count("val"))) else "train"
    if dataset.stream is not None and dataset.x_train is None:
        x, y = _first_batch(dataset.stream.with_plan(plan_for(dataset, input_shape), []), split, count)
        inputs = np.asarray(x, dtype=np.float32)
    else:
        x_all = dataset.x_val if split == "val" else dataset.x_train
        y_all = dataset.y_val if split == "val" else dataset.y_train
        picks = spread_over_classes(y_all, count) if _class_per_sample(dataset, y_all) else np.arange(
            min(count, len(x_all)))
        inputs = plan_for(dataset, input_shape)(x_all[picks])
        y = y_all[picks]
    return ProbeSamples(
        inputs=np.ascontiguousarray(inputs, dtype=np.float32),
        thumbs=thumbnails(np.clip(inputs, 0.0, 1.0)) if inputs.ndim == 4 else None,
        labels=[_label_text(dataset, v) for v in y],
        split="validation" if split == "val" else "training",
    )
