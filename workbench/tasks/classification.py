"""Classification: one class index per sample; the model scores every class.

Targets come about from the data set's labels.  The loss follows the head:
softmax (or logits) over the classes trains with sparse categorical
cross-entropy; a single sigmoid unit (two classes, like XOR) with binary
cross-entropy on 0/1 targets; a spec whose `training.loss` is "mse" (the
back-propagation notes' sigmoid networks trained with RPROP) with mean
squared error on one-hot targets, reporting `mse` beside `accuracy`.  A spec
with several outputs (GoogLeNet's auxiliary heads) gets one loss per output,
weighted by `spec.loss_weights`, all against the same labels; accuracy is
reported for the main output (the heaviest weight), whose Keras log keys are
then prefixed with its name.

A run trained with RPROP also feeds the RPROP view (`rprop_race`): its
loss against SGD's and Adam's from the same initial weights, and the
per-weight step sizes.
"""

from __future__ import annotations

import numpy as np

from .base import Objectives, Task, float_inputs, output_shapes, outputs_probabilities, weighted_outputs
from .planes import plane_samples


class Classification(Task):
    name = "classification"
    inputs = "of any shape"
    targets = "one integer class index per sample"
    #: the RPROP view's data, for a single-output run trained with RPROP (set by `fitted`)
    rprop_race = None

    @property
    def reported(self) -> tuple[str, ...]:
        return ("val_accuracy", "val_mse") if self.one_hot_mse else ("val_accuracy",)

    @property
    def one_hot_mse(self) -> bool:
        return str((self.spec.training or {}).get("loss", "")).lower() in ("mse", "mean_squared_error")

    def output_units(self) -> int | None:
        shape = output_shapes(self.spec).get(self.spec.resolved_outputs()[0])
        return shape[-1] if shape else None

    @property
    def binary(self) -> bool:
        return len(self.spec.resolved_outputs()) == 1 and self.output_units() == 1

    def head_units(self, dataset) -> int | None:
        """The data set's classes; a single sigmoid unit stays one unit for two classes."""
        if self.binary and dataset.num_classes == 2:
            return None
        return dataset.num_classes

    def check(self, dataset) -> None:
        if dataset.task in ("regression", "segmentation"):
            raise self.refuse(dataset, f"it holds {dataset.task} targets")
        if self.binary and dataset.num_classes != 2:
            raise self.refuse(dataset, f"the model has one sigmoid output, so two classes, but it has {dataset.num_classes}")

    def arrays(self, x, y):
        x = float_inputs(x)
        if self.binary:
            return x, np.asarray(y, dtype=np.float32).reshape(-1, 1)
        if self.one_hot_mse:
            return x, np.eye(self.output_units(), dtype=np.float32)[y]
        return x, y

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        spec = self.spec
        outputs, weights, main = weighted_outputs(spec)
        if self.binary:
            losses = [keras.losses.BinaryCrossentropy(from_logits=not outputs_probabilities(spec, main))]
            metric_list = [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.5)]
        elif self.one_hot_mse:
            losses = [keras.losses.MeanSquaredError() for _ in outputs]
            metric_list = [keras.metrics.CategoricalAccuracy(name="accuracy"), keras.metrics.MeanSquaredError(name="mse")]
        else:
            losses = [
                keras.losses.SparseCategoricalCrossentropy(from_logits=not outputs_probabilities(spec, name))
                for name in outputs
            ]
            metric_list = ["accuracy"]
        metric = "accuracy" if len(outputs) == 1 else f"{main}_accuracy"
        metrics = {main: metric_list} if len(outputs) > 1 else metric_list
        monitor = f"val_{metric}" if has_validation else metric
        return Objectives(losses, weights, metrics, outputs, main, metric, monitor, "max")

    def fitted(self, model, x, y, folder, config) -> None:
        """Before training: a run with RPROP keeps what its view compares it with (see `rprop_race`)."""
        from workbench.keras_bridge import Rprop

        from .rprop_race import RpropRace

        self.rprop_race = None
        if isinstance(model.optimizer, Rprop) and len(self.spec.resolved_outputs()) == 1 and x is not None:
            self.rprop_race = RpropRace(model, x, y, self.objectives(False).losses[0], config.epochs)

    def samples(self, model, x, y, dataset=None):
        out = plane_samples(model, x, y) if x.ndim == 2 and x.shape[1] == 2 else {}
        if self.rprop_race is not None:
            out.update(self.rprop_race.samples(model))
        return out

