"""Regression: float targets of any shape, mean squared error, mean absolute error reported."""

from __future__ import annotations

import numpy as np

from .base import Objectives, Task, weighted_outputs


class Regression(Task):
    name = "regression"
    inputs = "of any shape"
    targets = "float values per sample"
    reported = ("val_loss", "val_mae")

    def head_units(self, dataset) -> int | None:
        return dataset.output_units

    def check(self, dataset) -> None:
        if dataset.task != "regression":
            raise self.refuse(dataset, f"it holds {dataset.task.replace('_', ' ')} labels, not values")

    def arrays(self, x, y):
        x, _ = super().arrays(x, y)
        return x, np.asarray(y, dtype=np.float32)

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        outputs, weights, main = weighted_outputs(self.spec)
        losses = [keras.losses.MeanSquaredError() for _ in outputs]
        metric_list = [keras.metrics.MeanAbsoluteError(name="mae")]
        metrics = {main: metric_list} if len(outputs) > 1 else metric_list
        return Objectives(losses, weights, metrics, outputs, main, "loss",
                          "val_loss" if has_validation else "loss", "min")
