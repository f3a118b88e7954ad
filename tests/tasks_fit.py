"""Training a preset's task with plain `model.fit`, for the task tests and the task benchmarks."""

from __future__ import annotations

import keras
import numpy as np

from workbench import tasks
from workbench.data.registry import load_dataset
from workbench.keras_bridge import Rprop, build
from workbench.spec.preset_io import load_named


def optimizer_for(spec, learning_rate=None):
    training = spec.training or {}
    name = training.get("optimizer", "adam")
    rate = learning_rate or training.get("learning_rate", 0.001)
    return {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rprop": Rprop}[name](rate)


class Fitted:
    """A preset's task, data, built and compiled model, ready for `fit`."""

    def __init__(self, slug: str, dataset: str, *, seed: int = 0, optimizer=None, steps_per_execution: int = 1,
                 **options):
        keras.utils.set_random_seed(seed)
        self.spec = load_named(slug)
        self.task = tasks.for_spec(self.spec)
        self.dataset = load_dataset(dataset, seed=seed, **options)
        self.task.check(self.dataset)
        self.x, self.y = self.task.arrays(self.dataset.x_train, self.dataset.y_train)
        self.x_val, self.y_val = self.task.arrays(self.dataset.x_val, self.dataset.y_val)
        self.model = self.task.build(build(self.spec))
        self.full = self.task.batching_for() == "full"
        self.objectives = self.task.compile(
            self.model, optimizer or optimizer_for(self.spec), has_validation=True,
            steps_per_execution=steps_per_execution,
        )

    def fit(self, epochs: int, batch_size: int | None = None, *, repeat: int = 1, validate: bool = True):
        """`repeat` passes over the data per Keras epoch (tiny full-batch sets: many steps per execution)."""
        size = len(self.x) if self.full else (batch_size or (self.spec.training or {}).get("batch_size", 32))
        x, y = np.concatenate([self.x] * repeat), np.concatenate([self.y] * repeat)
        history = self.model.fit(x, y, batch_size=size, epochs=epochs, verbose=0, shuffle=True,
                                 validation_data=(self.x_val, self.y_val) if validate else None)
        return {k: np.array(v) for k, v in history.history.items()}
