"""The task's part of every epoch: its post-epoch metrics (kept cheap) and its live views' samples.

`Task.train_logs` measures training-side metrics after the epoch where the
step's own cannot (every epoch: it must be cheap).  `Task.evaluate` gives
metrics Keras' own cannot (per-class IoU, PCA's
reference error, a GAN's label agreement); they join the epoch's logs under
their names before the epoch is recorded, so the history, the best
checkpoint and `train --json` see them.  They are throttled like the
feature-map probe: an evaluation costing more than EVALUATION_SHARE of the
epoch (and more than CHEAP_SECONDS) runs only every n-th epoch, the last
epoch always.  `Task.samples` feeds `on_samples`, once per epoch, only
when the sink listens; the epoch log keys a task names in `curve_keys`
ride along under "curves" (one value per epoch so far, NaN where an epoch
lacks it), for views that draw a metric's course beside their pictures.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from .prepare import Prepared, first_samples

log = logging.getLogger(__name__)

#: the share of an epoch's time the post-epoch metrics may take before they are spaced out
EVALUATION_SHARE = 0.25
#: an evaluation this quick always runs, whatever the epoch costs
CHEAP_SECONDS = 0.05
#: validation samples the views' samples are computed from, at most
SAMPLE_LIMIT = 1000


class TaskEpoch:
    """Per epoch: `logs(epoch, logs)` for `TrainingCallback.task_logs`, `send_samples(epoch)` for `after_epoch`."""

    def __init__(self, task, model, prepared: Prepared, sink, epochs: int, clock=time.monotonic):
        self.task = task
        self.model = model
        self.prepared = prepared
        self.sink = sink
        self.epochs = epochs
        self.clock = clock
        self.every = 1
        self.sample_failure: str | None = None
        self.curves: dict[str, list[float]] = {key: [] for key in task.curve_keys}

    def _validation(self):
        """The validation arrays as the task made them (training arrays without validation); None when streamed."""
        prepared = self.prepared
        if prepared.streamed:
            return None
        if prepared.has_validation:
            return prepared.x_val, prepared.y_val
        return prepared.x_train, prepared.y_train

    def logs(self, epoch: int, logs: dict) -> dict[str, float]:
        prepared = self.prepared
        train = {} if prepared.streamed else self.task.train_logs(self.model, prepared.x_train, prepared.y_train)
        metrics = {**train, **self._evaluation(epoch, logs)}
        for key, values in self.curves.items():
            values.append(float(metrics.get(key, logs.get(key, math.nan))))
        return metrics

    def _evaluation(self, epoch: int, logs: dict) -> dict[str, float]:
        """`Task.evaluate` on the validation arrays, spaced out when it costs too much of the epoch."""
        data = self._validation()
        if data is None or not self.prepared.has_validation:
            return {}
        if epoch % self.every and epoch != self.epochs:
            return {}
        start = self.clock()
        metrics = self.task.evaluate(self.model, *data)
        cost = self.clock() - start
        budget = EVALUATION_SHARE * max(float(logs.get("epoch_seconds", 0.0)), 1e-9)
        self.every = 1 if cost <= max(budget, CHEAP_SECONDS) else math.ceil(cost / budget)
        return {name: float(value) for name, value in metrics.items()}

    def send_samples(self, epoch: int) -> None:
        data = self._validation()
        if data is None:
            return
        x, y = data
        try:
            samples = self.task.samples(self.model, first_samples(x, SAMPLE_LIMIT),
                                        None if y is None else y[:SAMPLE_LIMIT], self.prepared.dataset)
        except Exception as exc:  # noqa: BLE001 - a view that cannot draw must not end the run
            message = f"The {self.task.name} view cannot be drawn: {type(exc).__name__}: {exc}"
            if message != self.sample_failure:
                self.sample_failure = message
                log.warning(message)
                self.sink.on_warning(message)
            return
        if samples and self.curves:
            samples = {**samples, "curves": {key: np.array(values) for key, values in self.curves.items()}}
        if samples:
            self.sink.on_samples(epoch, samples)
