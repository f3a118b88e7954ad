"""Loss, metrics and the monitored metric, chosen from the task and the spec's outputs.

Classification trains with sparse categorical cross-entropy and reports
accuracy; regression with mean squared error and reports mean absolute
error.  A spec with several outputs (GoogLeNet's auxiliary heads) gets one
loss per output, weighted by `spec.loss_weights`, all against the same
labels; accuracy is reported for the main output (the heaviest weight),
whose Keras log keys are then prefixed with its name.
"""

from __future__ import annotations

from workbench.spec import ModelSpec
from workbench.tasks.base import Objectives, outputs_probabilities, weighted_outputs

__all__ = ["Objectives", "choose_objectives", "outputs_probabilities"]


def choose_objectives(spec: ModelSpec, classification: bool, has_validation: bool) -> Objectives:
    import keras

    outputs, weights, main = weighted_outputs(spec)
    if classification:
        losses = [
            keras.losses.SparseCategoricalCrossentropy(from_logits=not outputs_probabilities(spec, name))
            for name in outputs
        ]
        metric_list, metric, mode = ["accuracy"], "accuracy", "max"
    else:
        losses = [keras.losses.MeanSquaredError() for _ in outputs]
        metric_list, metric, mode = [keras.metrics.MeanAbsoluteError(name="mae")], "loss", "min"
    if len(outputs) > 1:
        metrics = {main: metric_list}
        if classification:
            metric = f"{main}_{metric}"
    else:
        metrics = metric_list
    monitor = f"val_{metric}" if has_validation else metric
    return Objectives(losses, weights, metrics, outputs, main, metric, monitor, mode)
