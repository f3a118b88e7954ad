"""The perceptron task: a step unit trained with Rosenblatt's rule on two classes.

Data: flat inputs and two classes (0/1), like the `logic_*` truth tables;
targets are the class as 0/1.  The model is `PerceptronModel` wrapping the
spec's single Dense unit; the view draws its decision line w·x + b = 0 over
the points, and says why XOR stays at most 3 of 4 right: no line separates
XOR's classes.
"""

from __future__ import annotations

import numpy as np

from .base import Objectives, Task, TaskError, float_inputs
from .planes import plane_samples

LESSON = ("one straight line cannot separate XOR's classes: a single perceptron gets at most 3 of its 4 points "
          "right, however long it trains; a hidden layer (mlp_xor) can")


class Perceptron(Task):
    name = "perceptron"
    inputs = "flat feature vectors"
    targets = "two classes, read as 0 (unit silent) and 1 (unit fires)"
    reported = ("val_accuracy",)

    def check(self, dataset) -> None:
        if dataset.task not in ("tabular_classification",) or len(dataset.input_shape) != 1:
            raise self.refuse(dataset, f"its inputs are {dataset.input_shape} per sample with {dataset.task} labels")
        if dataset.num_classes != 2:
            raise self.refuse(dataset, f"a perceptron separates two classes, this data set has {dataset.num_classes}")

    def arrays(self, x, y):
        return float_inputs(x), np.asarray(y, dtype=np.float32).reshape(-1, 1)

    def build(self, model):
        import keras

        from .perceptron_model import PerceptronModel

        last = model.layers[-1]
        if len(model.layers) != 2 or not isinstance(last, keras.layers.Dense) or last.units != 1 or not last.use_bias:
            raise TaskError(
                f"{self.spec.name}: a perceptron is one Dense layer of 1 unit with a bias on the inputs; "
                f"the spec has {', '.join(l.name for l in model.layers[1:])}"
            )
        if last.activation is not keras.activations.linear:
            raise TaskError(f"{self.spec.name}: the perceptron's Dense layer '{last.name}' must be linear "
                            f"(the step is the task's); it has activation '{last.activation.__name__}'")
        return PerceptronModel(model, name=model.name)

    def saved_model(self, model):
        return model.network

    def objectives(self, has_validation: bool) -> Objectives:
        outputs, output = self.single_output()
        return Objectives([None], None, [], outputs, output, "accuracy",
                          "val_accuracy" if has_validation else "accuracy", "max")

    def compile(self, model, optimizer, *, has_validation: bool, steps_per_execution: int = 1,
                new_optimizer=None) -> Objectives:
        model.compile(optimizer=optimizer, steps_per_execution=steps_per_execution)
        return self.objectives(has_validation)

    def train_logs(self, model, x, y):
        """`accuracy`: the share of the training points the unit classifies right after the epoch.

        Three weights, so NumPy answers in microseconds; the step's own
        count (`online_accuracy`) is taken before each update and reads 0
        on XOR once the rule cycles, although half the points are right.
        """
        kernel, bias = model.unit.get_weights()
        fired = (np.asarray(x, np.float32) @ kernel + bias > 0).astype(np.float32)
        return {"accuracy": float(np.mean(fired == np.asarray(y, np.float32).reshape(fired.shape)))}

    def samples(self, model, x, y, dataset=None):
        out = plane_samples(model.network, x, y) if x.shape[1] == 2 else {}
        if dataset is not None and dataset.name == "logic_xor":
            out["lesson"] = np.array(LESSON)
        return out
