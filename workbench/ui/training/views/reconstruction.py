"""Autoencoders: inputs above their reconstructions, a 2-unit code's scatter, PCA's error as the reference.

The mosaic has two rows, the first validation `inputs` and their
`reconstructions`, in one image at fixed levels [0, 1] so a washed-out
reconstruction looks washed out.  A model with a 2-unit bottleneck also
sends `codes` (and `code_labels`): the latent plane, one colour per class.
`pca_mse` is the error of PCA with as many components as the code; it is
written under the mosaic as the line the autoencoder should get below.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .base import TaskView, class_color, grid_mosaic


class ReconstructionView(TaskView):
    title = "Reconstruction"
    needs = ("inputs", "reconstructions")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.box, self.image = self.add_image_box(0, 0, "inputs (top) and reconstructions (bottom)")
        self.latent = self.add_side_plot("2-unit code")
        self.scatter = pg.ScatterPlotItem(size=4, pen=None)
        self.latent.addItem(self.scatter)
        self.side.setVisible(False)
        self.restyle()

    def draw(self, samples: dict) -> None:
        inputs = np.asarray(samples["inputs"], dtype=np.float32)
        both = np.concatenate([inputs, np.asarray(samples["reconstructions"], dtype=np.float32).reshape(inputs.shape)])
        self.image.setImage(grid_mosaic(both, cols=len(inputs)).image, levels=(0.0, 1.0), autoLevels=False)
        codes = samples.get("codes")
        self.side.setVisible(codes is not None)
        if codes is not None:
            codes = np.asarray(codes, dtype=np.float32)
            labels = samples.get("code_labels")
            brushes = ([pg.mkBrush(class_color(label)) for label in np.asarray(labels).astype(int)]
                       if labels is not None else pg.mkBrush(class_color(0)))
            self.scatter.setData(codes[:, 0], codes[:, 1], brush=brushes)
        reference = samples.get("pca_mse")
        epoch = f"Epoch {self.epoch}. " if self.epoch is not None else ""
        self.caption.setText(epoch + (f"PCA reference (same code size): MSE {float(reference):.4f}; the autoencoder's "
                                      "val_mse in Curves should end below it." if reference is not None else ""))

    def clear(self) -> None:
        super().clear()
        self.image.clear()
        self.scatter.clear()
        self.side.setVisible(False)
        self.caption.setText("")
