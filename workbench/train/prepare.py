"""Fitting a spec and a data set to each other before anything is built.

The spec's task (`workbench.tasks`) checks that the data set fits it and
says what the head is resized to (the data's classes or regression
targets; nothing for an autoencoder), a tabular model's input is set to the
data's feature count, and the data is fitted to the model's input (images
resized, re-channelled and scaled to [0, 1] by
`workbench.data.fit_to_model`), then turned by the task into what `fit()`
reads (`Task.arrays`: targets from labels, the inputs themselves, ...).  Every check that can fail runs here, before
TensorFlow builds anything, so bad input costs no training time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.data.dataset import Dataset
from workbench.spec import ModelSpec, analyze, num_classes, with_classes, with_input_shape
from workbench.tasks import Task, for_spec

from .config import TrainConfig
from .errors import TrainError


@dataclass
class Prepared:
    """The spec as it will be built and the data as `fit` will see it."""

    spec: ModelSpec
    dataset: Dataset  # fitted: float32 arrays (or a stream) shaped for spec.input_shape
    x_train: object  # an array, a tuple/list of arrays or a dict by input name (`Task.arrays`); None if streamed
    y_train: np.ndarray | None  # None for a task that learns from the inputs alone
    x_val: object
    y_val: np.ndarray | None
    notes: list[str]  # how the spec was adapted and what was held out (fitting notes are in `dataset`)
    task: Task | None = None

    @property
    def streamed(self) -> bool:
        return self.dataset.stream is not None

    @property
    def has_validation(self) -> bool:
        if self.streamed:
            return self.dataset.stream.count("val") > 0
        return self.x_val is not None and sample_count(self.x_val) > 0

    @property
    def num_train(self) -> int:
        return self.dataset.stream.count("train") if self.streamed else sample_count(self.x_train)

    @property
    def num_val(self) -> int:
        if self.streamed:
            return self.dataset.stream.count("val")
        return 0 if self.x_val is None else sample_count(self.x_val)

    def probe_sample(self) -> np.ndarray:
        """One fixed input for feature maps: the first validation sample (else training)."""
        if self.streamed:
            split = "val" if self.has_validation else "train"
            x, _ = self.dataset.stream.batches(split, 1, shuffle=False)[0]
            return np.asarray(x)
        source = self.x_val if self.has_validation else self.x_train
        return first_samples(source, 1)


def sample_count(x) -> int:
    """Samples in `x`: one array, a tuple/list of arrays or a dict of them (all of one length)."""
    if isinstance(x, dict):
        x = next(iter(x.values()))
    elif isinstance(x, (tuple, list)):
        x = x[0]
    return len(x)


def first_samples(x, count: int):
    """The first `count` samples of `x`, in the same structure."""
    if isinstance(x, dict):
        return {k: v[:count] for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(v[:count] for v in x)
    return x[:count]


def task_for(spec: ModelSpec, dataset: Dataset) -> Task:
    """The spec's task for `dataset`: a classification preset trained on a table of values regresses."""
    return for_spec(spec, regression=not dataset.is_classification)


def adapt_spec(spec: ModelSpec, dataset: Dataset, task: Task | None = None) -> tuple[ModelSpec, list[str]]:
    """The spec with its head sized as its task (default: `task_for`) asks for the data and, for tabular data,
    its input width; DatasetError when the data set does not fit the task."""
    notes = []
    task = task or task_for(spec, dataset)
    task.check(dataset)
    units = task.head_units(dataset)
    current = num_classes(spec) if units is not None else None
    if units is not None and current != units:
        try:
            spec = with_classes(spec, units)
        except ValueError as exc:
            raise TrainError(f"{spec.name} cannot be trained on {dataset.name}: {exc}") from None
        what = "classes" if dataset.is_classification else "targets"
        notes.append(f"output head resized from {current} to {units} units for {dataset.name}'s {units} {what}")
    if not dataset.is_image and tuple(spec.input_shape) != tuple(dataset.input_shape):
        notes.append(f"input shape set from {tuple(spec.input_shape)} to {tuple(dataset.input_shape)}")
        spec = with_input_shape(spec, dataset.input_shape)
    _require_supplied_inputs(spec, dataset, task)
    analysis = analyze(spec)
    if analysis.errors:
        problems = [f"{p.layer}: {p.message}" if p.layer else p.message for p in analysis.errors]
        raise TrainError([f"{spec.name} cannot be trained on {dataset.name}:"] + problems)
    return spec, notes


def _require_supplied_inputs(spec: ModelSpec, dataset: Dataset, task: Task) -> None:
    """The spec has as many inputs as the task makes from the data set's one array per sample.

    Most tasks feed that array alone; a seq2seq task adds the decoder's
    input from the targets.  Another `Input` layer would make Keras ask for
    arrays nobody supplies.
    """
    inputs = spec.input_names()
    if len(inputs) == task.inputs_supplied:
        return
    consumers = spec.consumers()
    unused = [name for name in inputs if not consumers.get(name)]
    if unused:
        raise TrainError(
            f"{spec.name} cannot be trained on {dataset.name}: the input{'s' * (len(unused) > 1)} "
            f"{', '.join(repr(n) for n in unused)} feed{'s' * (len(unused) == 1)} no layer; remove "
            f"{'them' if len(unused) > 1 else 'it'}"
        )
    raise TrainError(
        f"{spec.name} cannot be trained on {dataset.name}: it has {len(inputs)} inputs "
        f"({', '.join(inputs)}) and a data set gives one array per sample"
        + (f", from which its {task.name} task makes {task.inputs_supplied}" if task.inputs_supplied != 1 else "")
    )


def prepare(spec: ModelSpec, dataset: Dataset, config: TrainConfig, task: Task | None = None) -> Prepared:
    """Adapt the spec, fit the data to it, hold out validation data if the set has none, make the task's arrays."""
    from workbench.data import fit_to_model, split_indices

    if not isinstance(dataset, Dataset):
        raise TrainError(f"expected a workbench Dataset, got {type(dataset).__name__}")
    dataset.validate()
    task = task or task_for(spec, dataset)
    spec, notes = adapt_spec(spec, dataset, task)
    fitted = fit_to_model(dataset, spec.input_shape)  # its own notes say how the data was fitted
    x_train, y_train, x_val, y_val = fitted.x_train, fitted.y_train, fitted.x_val, fitted.y_val
    if fitted.stream is None and x_val is None and config.validation_split > 0:
        train, val = split_indices(y_train, config.validation_split, config.seed, stratify=fitted.is_classification)
        if len(val):
            x_train, y_train, x_val, y_val = x_train[train], y_train[train], x_train[val], y_train[val]
            notes.append(f"held out {len(val)} of {len(train) + len(val)} samples for validation")
    if fitted.stream is None:
        x_train, y_train = task.arrays(x_train, y_train)
        if x_val is not None:
            x_val, y_val = task.arrays(x_val, y_val)
    return Prepared(spec, fitted, x_train, y_train, x_val, y_val, notes, task)
