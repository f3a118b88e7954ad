"""Generation from parameters: a code (class one-hot, angle, size) in, an image out.

The data set's inputs are the codes and its targets the images they stand
for (`shapes_render`); trained with mean squared error per pixel, reported
as `mse`.  The view draws the image for any (class, angle, size) the sliders
pick, beside the shape drawn exactly from the same parameters.
"""

from __future__ import annotations

import numpy as np

from .base import Objectives, Task, TaskError, predict


class Generation(Task):
    name = "generation"
    inputs = "a parameter code per sample (flat floats)"
    targets = "the image each code stands for"
    reported = ("val_mse",)

    def check(self, dataset) -> None:
        if dataset.task != "regression" or dataset.y_train is None or dataset.y_train.ndim != 4:
            raise self.refuse(dataset, "its targets are not one image per sample")
        if len(dataset.input_shape) != 1:
            raise self.refuse(dataset, f"its inputs are {dataset.input_shape} per sample, not a flat code")

    def arrays(self, x, y):
        x, _ = super().arrays(x, y)
        return x, np.asarray(y, dtype=np.float32)

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        outputs, output = self.single_output()
        return Objectives([keras.losses.MeanSquaredError()], None, [keras.metrics.MeanSquaredError(name="mse")],
                          outputs, output, "mse", "val_mse" if has_validation else "mse", "min")

    def samples(self, model, x, y, dataset=None, *, kind: int = 0, angle: float = 0.0, size: float = 0.5):
        """The generated and the exactly drawn image for shape `kind` turned `angle` radians at `size` in [0, 1]."""
        from workbench.data.shape_scenes import CODE_SIZE, render, render_code

        if x.shape[1] != CODE_SIZE:
            raise TaskError(f"{self.spec.name}: the generator view needs the shapes_render code of {CODE_SIZE} values")
        image = predict(model, render_code(kind, angle, size)[None])[0]
        return {"generated": image.astype(np.float32), "drawn": render(kind, angle, size, image.shape[0])}
