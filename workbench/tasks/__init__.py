"""The task registry: what a preset learns, and how it is trained, measured and shown.

Layering: train → tasks → data (tasks also use spec and, inside functions,
Keras and keras_bridge).  Each task is one module holding a `Task` subclass
(see `base.Task` for what it declares); a preset names its task in
`"task"` (default "classification").  `for_spec(spec)` gives the bound task
object the trainer asks for the data check, model, compile, post-epoch
metrics and view samples.  Importing this package does not import Keras.
"""

from __future__ import annotations

import importlib

from workbench.spec import ModelSpec

from .base import Objectives, Task, TaskError, outputs_probabilities

#: task name -> (module, class), in the order `workbench presets` groups them
TASKS = {
    "classification": ("classification", "Classification"),
    "regression": ("regression", "Regression"),
    "perceptron": ("perceptron", "Perceptron"),
    "reconstruction": ("reconstruction", "Reconstruction"),
    "segmentation": ("segmentation", "Segmentation"),
    "generation": ("generation", "Generation"),
    "sequence_regression": ("sequence_regression", "SequenceRegression"),
    "seq2seq": ("seq2seq", "Seq2Seq"),
    "ctc": ("ctc", "CTC"),
    "captioning": ("captioning", "Captioning"),
    "gan": ("adversarial", "Adversarial"),
    "rbm": ("boltzmann", "RestrictedBoltzmann"),
    "dbn": ("boltzmann", "DeepBelief"),
    "hopfield": ("associative", "Associative"),
}


def task_class(name: str) -> type[Task]:
    """The Task subclass registered as `name`; TaskError listing the known ones otherwise."""
    if name not in TASKS:
        raise TaskError(f"unknown task '{name}'; known: {', '.join(TASKS)}")
    module, cls = TASKS[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def for_spec(spec: ModelSpec, *, regression: bool = False) -> Task:
    """The task `spec` names, bound to it.

    `regression` chooses regression for a spec of the default task
    (classification) when the data set holds values, not classes: a
    classification preset trained on a regression table.
    """
    name = spec.task
    if regression and name == "classification":
        name = "regression"
    return task_class(name)(spec)


__all__ = ["TASKS", "Objectives", "Task", "TaskError", "for_spec", "outputs_probabilities", "task_class"]
