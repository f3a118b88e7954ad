"""Samples of a generative model (GAN, RBM): one mosaic refreshed each epoch, and hidden-unit filters.

`samples` is either a finished mosaic (2-D, as `gan.sample_grid` makes
it: one digit per row for a conditional GAN) or a stack of images (an RBM's
persistent chains); either is drawn at levels [0, 1].  `filters` (an RBM's
hidden units' weights as images, each already scaled to [0, 1]) get a
mosaic of their own.
"""

from __future__ import annotations

import numpy as np

from .base import TaskView, grid_mosaic


class SampleGridView(TaskView):
    title = "Samples"
    needs = ("samples",)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.samples_box, self.samples = self.add_image_box(0, 0, "samples")
        self.filters_box, self.filters = self.add_image_box(0, 1, "hidden-unit filters")
        self.filters_box.setVisible(False)
        self.restyle()

    def draw(self, samples: dict) -> None:
        grid = np.asarray(samples["samples"], dtype=np.float32)
        if grid.ndim != 2:
            grid = grid_mosaic(grid).image
        self.samples.setImage(grid, levels=(0.0, 1.0), autoLevels=False)
        filters = samples.get("filters")
        self.filters_box.setVisible(filters is not None)
        if filters is not None:
            self.filters.setImage(grid_mosaic(filters).image, levels=(0.0, 1.0), autoLevels=False)
        where = ("the persistent Gibbs chains' visible units, and each hidden unit's weights as an image"
                 if filters is not None else "the same noise every epoch, so changes are the model's")
        self.caption.setText(f"Epoch {self.epoch}: {where}." if self.epoch is not None else where)

    def clear(self) -> None:
        super().clear()
        self.samples.clear()
        self.filters.clear()
        self.filters_box.setVisible(False)
        self.caption.setText("")
