"""Segmentation: one class index per pixel; the model outputs the input's size with one channel per class.

Targets come about from the data set's label maps (0 is the background).
Trained with per-pixel sparse categorical cross-entropy; Keras reports
`pixel_accuracy` and `mean_iou` (intersection over union averaged over the
classes, background included) for every epoch.
"""

from __future__ import annotations

import numpy as np

from .base import VIEW_SAMPLES, Objectives, Task, TaskError, float_inputs, output_shapes, outputs_probabilities, predict


def class_iou(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Per-class intersection over union; NaN for a class in neither map."""
    truth, predicted = truth.ravel(), predicted.ravel()
    confusion = np.bincount(truth * classes + predicted, minlength=classes * classes).reshape(classes, classes)
    hits = np.diag(confusion).astype(np.float64)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - hits
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, hits / union, np.nan)


class Segmentation(Task):
    name = "segmentation"
    inputs = "images (height × width × channels)"
    targets = "a label map per image (height × width class indices; 0 = background)"
    reported = ("val_mean_iou", "val_pixel_accuracy")

    def check(self, dataset) -> None:
        if dataset.task != "segmentation":
            raise self.refuse(dataset, f"it holds {dataset.task.replace('_', ' ')} labels, one per sample, not per pixel")

    def build(self, model):
        shape = tuple(model.output_shape[1:])
        if len(shape) != 3 or shape[:2] != tuple(model.input_shape[1:3]):
            raise TaskError(
                f"{self.spec.name}: a segmentation model must output the input's height × width with one channel "
                f"per class; input {tuple(model.input_shape[1:])}, output {shape}"
            )
        return model

    def arrays(self, x, y):
        return float_inputs(x), np.asarray(y, dtype=np.int32)

    def classes(self) -> int:
        return int(output_shapes(self.spec)[self.spec.resolved_outputs()[0]][-1])

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        outputs, output = self.single_output()
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=not outputs_probabilities(self.spec, output))
        metrics = [
            keras.metrics.SparseCategoricalAccuracy(name="pixel_accuracy"),
            keras.metrics.MeanIoU(num_classes=self.classes(), sparse_y_true=True, sparse_y_pred=False, name="mean_iou"),
        ]
        return Objectives([loss], None, metrics, outputs, output, "mean_iou",
                          "val_mean_iou" if has_validation else "mean_iou", "max")

    def evaluate(self, model, x, y):
        predicted = predict(model, x).argmax(axis=-1)
        iou = class_iou(y, predicted, self.classes())
        return {f"val_iou_{i}": float(v) for i, v in enumerate(iou)}

    def samples(self, model, x, y, dataset=None):
        """First validation images, their truth and predicted maps, and the per-class IoU over all of `x`."""
        predicted = predict(model, x).argmax(axis=-1).astype(np.int32)
        return {
            "images": x[:VIEW_SAMPLES], "truth": y[:VIEW_SAMPLES], "predicted": predicted[:VIEW_SAMPLES],
            "class_iou": class_iou(y, predicted, self.classes()).astype(np.float32),
        }
