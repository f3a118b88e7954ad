"""Loss, metrics and the monitored metric, chosen from the task and the spec's outputs.

Classification trains with sparse categorical cross-entropy and reports
accuracy; regression with mean squared error and reports mean absolute
error.  A spec with several outputs (GoogLeNet's auxiliary heads) gets one
loss per output, weighted by `spec.loss_weights`, all against the same
labels; accuracy is reported for the main output (the heaviest weight),
whose Keras log keys are then prefixed with its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.spec import INPUT, ModelSpec

#: layers between a head and the model output that leave its activation as it is
_PASS_THROUGH = {"Dropout", "Flatten", "Reshape", "GaussianNoise"}
_PROBABILITY_ACTIVATIONS = {"softmax", "sigmoid"}


@dataclass(frozen=True)
class Objectives:
    losses: list  # one keras loss per output
    loss_weights: list[float] | None
    metrics: object  # list (one output) or {output name: [metrics]}
    outputs: list[str]
    main_output: str
    metric: str  # training-side log key of the monitored quantity, e.g. "accuracy"
    monitor: str  # "val_" + metric when there is validation data
    mode: str  # "max" or "min": which direction is better

    @property
    def multi_output(self) -> bool:
        return len(self.outputs) > 1


def outputs_probabilities(spec: ModelSpec, name: str) -> bool:
    """Whether output `name` ends in softmax/sigmoid (else it emits logits)."""
    edges = spec.edges()
    while name != INPUT:
        layer = spec.layer(name)
        if layer.type == "Softmax":
            return True
        activation = layer.config.get("activation")
        if isinstance(activation, str) and activation.lower() in _PROBABILITY_ACTIVATIONS:
            return True
        if layer.type not in _PASS_THROUGH:
            return False
        name = edges[name][0]
    return False


def choose_objectives(spec: ModelSpec, classification: bool, has_validation: bool) -> Objectives:
    import keras

    outputs = spec.resolved_outputs()
    weights = list(spec.loss_weights) if spec.loss_weights else None
    if weights is not None and len(weights) != len(outputs):
        from .errors import TrainError

        raise TrainError(
            f"{spec.name}: {len(weights)} loss weights for {len(outputs)} outputs ({', '.join(outputs)})"
        )
    ranking = weights or [1.0] * len(outputs)
    main = outputs[max(range(len(outputs)), key=lambda i: (ranking[i], -i))]
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
