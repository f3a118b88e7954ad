"""What every task declares, and the defaults most tasks keep.

A `Task` is bound to one spec (its `"task"` names the class): it checks
that a data set fits (`check`), turns the data set's inputs and labels into
what `fit()` reads (`arrays`), turns the spec's functional model into the
model that trains (`build`) and back into the one that is saved
(`saved_model`), compiles it (`compile`: losses, metrics, monitored key and
direction), computes post-epoch metrics Keras' own cannot (`evaluate`), and
the Qt-free arrays the live views draw (`samples`).  Keras is imported
inside the methods that need it, so listing tasks stays instant.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from workbench.data.errors import DatasetError
from workbench.errors import WorkbenchError
from workbench.spec import INPUT, ModelSpec

#: layers between a head and the model output that leave its activation as it is
_PASS_THROUGH = {"Dropout", "Flatten", "Reshape", "GaussianNoise"}
_PROBABILITY_ACTIVATIONS = {"softmax", "sigmoid"}
#: how many validation samples a view draws at most
VIEW_SAMPLES = 8


class TaskError(WorkbenchError):
    """A spec or model that its task cannot train (unknown task, wrong output, ...)."""


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


def weighted_outputs(spec: ModelSpec) -> tuple[list[str], list[float] | None, str]:
    """The outputs, their loss weights, and the main output (the heaviest weight, first on ties)."""
    outputs = spec.resolved_outputs()
    weights = list(spec.loss_weights) if spec.loss_weights else None
    if weights is not None and len(weights) != len(outputs):
        raise TaskError(f"{spec.name}: {len(weights)} loss weights for {len(outputs)} outputs ({', '.join(outputs)})")
    ranking = weights or [1.0] * len(outputs)
    return outputs, weights, outputs[max(range(len(outputs)), key=lambda i: (ranking[i], -i))]


def output_shapes(spec: ModelSpec) -> dict[str, tuple]:
    """Layer name -> its output shape without the batch axis, as `spec.analyze` infers it (missing if unknown)."""
    from workbench.spec import analyze

    return {name: tuple(info.output_shape) for name, info in analyze(spec).layers.items() if info.output_shape}


def float_inputs(x: np.ndarray) -> np.ndarray:
    """Inputs as float32; 8-bit images scaled to [0, 1] (what `fit_to_model` does for images)."""
    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(255.0)
    return x.astype(np.float32, copy=False)


class Task(ABC):
    """The defaults: one functional model trained by `fit()` on mini-batches."""

    name = ""
    #: data contract, in words, for `workbench presets`, errors and the README
    inputs = ""
    targets = ""
    batching = "mini"
    #: model inputs `arrays` makes from the data set's one array per sample (seq2seq adds the decoder's input)
    inputs_supplied = 1
    #: the validation log keys a run reports for this task (`train --json`)
    reported = ()
    #: no metric of the task reads held-out samples (a GAN's are judged on its own generated ones), so the
    #: validation part is trained on too rather than set aside unused
    trains_on_validation = False
    #: epoch log keys (Keras' or `evaluate`'s) whose course the task's views draw: sent with the samples
    curve_keys: tuple[str, ...] = ()
    #: the generated data set the task's presets train on, chosen for them in the window; None: by input shape
    dataset: str | None = None

    def __init__(self, spec: ModelSpec):
        self.spec = spec

    # -- data ------------------------------------------------------------
    def check(self, dataset) -> None:
        """Raise DatasetError when `dataset` does not fit this task."""

    def arrays(self, x: np.ndarray, y: np.ndarray):
        """What `fit()` reads for inputs `x` (fitted to the model) and the data set's labels `y`.

        The inputs may be one array, a tuple or list of arrays, or a dict by
        input name (a model with several inputs); the targets None for a task
        that learns from the inputs alone (a GAN).
        """
        return float_inputs(x), y

    def head_units(self, dataset) -> int | None:
        """The units the spec's head is resized to for `dataset`; None leaves the head as the preset has it."""
        return None

    def refuse(self, dataset, why: str) -> DatasetError:
        return DatasetError(
            f"{dataset.name}: does not fit the {self.name} task of '{self.spec.name}': {why}; "
            f"it needs inputs {self.inputs} and targets {self.targets}"
        )

    # -- model -------------------------------------------------------------
    def build(self, model):
        """The model that trains, from the spec's functional `model` (the same one by default)."""
        return model

    def saved_model(self, model):
        """The functional model inside what `build` returned: the one written to `.h5`."""
        return model

    def saved_models(self, model) -> dict:
        """File name in the run folder -> functional model, each written as an `.h5` plain Keras opens.

        The first is the run's main file (`--out` copies it); a task of
        several networks (a GAN) names one file per network.
        """
        return {"model.h5": self.saved_model(model)}

    def batching_for(self) -> str:
        """"full" when the spec asks for it or trains with RPROP, else the task's default."""
        training = self.spec.training or {}
        if training.get("batching") in ("mini", "full"):
            return training["batching"]
        if str(training.get("optimizer", "")).lower() == "rprop":
            return "full"
        return self.batching

    # -- compile -----------------------------------------------------------
    @abstractmethod
    def objectives(self, has_validation: bool) -> Objectives:
        """Losses, metrics, the monitored log key and its direction."""

    def compile(self, model, optimizer, *, has_validation: bool, steps_per_execution: int = 1,
                new_optimizer=None) -> Objectives:
        """Compile `model` (as `build` returned it) with this task's losses and metrics.

        `optimizer` is the run's optimizer; `new_optimizer()`, when given,
        makes another one from the same settings, for a task that trains
        several networks each with its own (a GAN).
        """
        objectives = self.objectives(has_validation)
        model.compile(
            optimizer=optimizer, loss=objectives.losses, loss_weights=objectives.loss_weights,
            metrics=objectives.metrics, steps_per_execution=steps_per_execution,
        )
        return objectives

    def single_output(self) -> tuple[list[str], str]:
        outputs = self.spec.resolved_outputs()
        if len(outputs) != 1:
            raise TaskError(f"{self.spec.name}: the {self.name} task needs one output, the spec has {len(outputs)}")
        return outputs, outputs[0]

    # -- after each epoch ------------------------------------------------------
    def evaluate(self, model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Metrics Keras' own cannot give, on the validation arrays (as `arrays` made them)."""
        return {}

    def train_logs(self, model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Training-side metrics measured after the epoch on the training arrays, replacing the step's own.

        For a learning rule whose `train_step` cannot see what the epoch
        left (the perceptron's online rule); cheap, it runs every epoch.
        """
        return {}

    def samples(self, model, x: np.ndarray, y: np.ndarray, dataset=None) -> dict[str, np.ndarray]:
        """Qt-free arrays for the live views, from validation arrays (as `arrays` made them)."""
        return {}


def predict(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """`model`'s outputs for `x`, in chunks through `predict_on_batch` (a few ms, not `predict`'s ~80)."""
    parts = [np.asarray(model.predict_on_batch(x[i:i + batch])) for i in range(0, len(x), batch)]
    return np.concatenate(parts) if parts else np.zeros((0,))
