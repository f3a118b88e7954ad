"""Reconstruction (autoencoders): the targets are the inputs themselves.

Any data set with float or 8-bit inputs fits; its labels are kept only to
colour the latent scatter.  A denoising autoencoder puts a `GaussianNoise`
layer first in its spec: Keras applies it in training only, and the target
stays the clean input.  The code is the layer with the fewest output values
(the bottleneck); after each epoch the task reports `val_pca_mse`, the
error of PCA with as many components as the code has units, the linear
reference an autoencoder should beat.
"""

from __future__ import annotations

import numpy as np

from .base import VIEW_SAMPLES, Objectives, Task, TaskError, output_shapes, predict

#: validation samples the latent scatter shows at most
SCATTER_POINTS = 1000


def pca_mse(train: np.ndarray, test: np.ndarray, components: int) -> float:
    """Mean squared error of reconstructing `test` from its first `components` principal components of `train`."""
    a = train.reshape(len(train), -1).astype(np.float64)
    b = test.reshape(len(test), -1).astype(np.float64)
    mean = a.mean(axis=0)
    _, _, vt = np.linalg.svd(a - mean, full_matrices=False)
    basis = vt[:components]
    rebuilt = (b - mean) @ basis.T @ basis + mean
    return float(np.mean((rebuilt - b) ** 2))


class Reconstruction(Task):
    name = "reconstruction"
    inputs = "of any shape, float or 8-bit"
    targets = "the inputs themselves (labels are kept only to colour the latent view)"
    reported = ("val_mse",)

    def __init__(self, spec):
        super().__init__(spec)
        self.reference: float | None = None

    def code_layer(self) -> str:
        """The bottleneck: the layer whose output holds the fewest values."""
        shapes = output_shapes(self.spec)
        sizes = {l.name: int(np.prod(shapes[l.name])) for l in self.spec.layers if shapes.get(l.name)}
        return min(sizes, key=sizes.get)

    def check(self, dataset) -> None:
        if dataset.task == "segmentation":
            raise self.refuse(dataset, "its inputs come with label maps; reconstruction ignores them, train on the images")

    def arrays(self, x, y):
        x, _ = super().arrays(x, y)
        return x, x

    def build(self, model):
        if tuple(model.output_shape[1:]) != tuple(model.input_shape[1:]):
            raise TaskError(
                f"{self.spec.name}: an autoencoder's output must have its input's shape "
                f"{tuple(model.input_shape[1:])}, the model outputs {tuple(model.output_shape[1:])}"
            )
        return model

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        outputs, output = self.single_output()
        return Objectives([keras.losses.MeanSquaredError()], None, [keras.metrics.MeanSquaredError(name="mse")],
                          outputs, output, "mse", "val_mse" if has_validation else "mse", "min")

    def encoder(self, model):
        import keras

        return keras.Model(model.inputs, model.get_layer(self.code_layer()).output)

    def evaluate(self, model, x, y, train=None):
        """`val_pca_mse`: PCA's error with the code's size, fitted once on `train` (or `x`)."""
        if self.reference is None:
            components = int(np.prod(model.get_layer(self.code_layer()).output.shape[1:]))
            self.reference = pca_mse(x if train is None else train, x, components)
        return {"val_pca_mse": self.reference}

    def samples(self, model, x, y, dataset=None):
        """Inputs and reconstructions of the first validation samples; a 2-D code's scatter with labels."""
        shown = x[:VIEW_SAMPLES]
        out = {"inputs": shown, "reconstructions": predict(model, shown).reshape(shown.shape)}
        codes = predict(self.encoder(model), x[:SCATTER_POINTS])
        codes = codes.reshape(len(codes), -1)
        if codes.shape[1] == 2:
            out["codes"] = codes.astype(np.float32)
            if dataset is not None and dataset.y_val is not None and dataset.y_val.ndim == 1:
                out["code_labels"] = dataset.y_val[:len(codes)]
        if self.reference is not None:
            out["pca_mse"] = np.float32(self.reference)
        return out
