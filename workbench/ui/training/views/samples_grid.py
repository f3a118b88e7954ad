"""Samples of a generative model (GAN, RBM): one mosaic refreshed each epoch, and hidden-unit filters.

`samples` is either a finished mosaic (2-D, as `gan.sample_grid` makes
it: one digit per row for a conditional GAN) or a stack of images (an RBM's
persistent chains); either is drawn at levels [0, 1].  `filters` (an RBM's
hidden units' weights as images, each already scaled to [0, 1]) get a
mosaic of their own.  A GAN's `curves` (D(x) and D(G(z)), the
discriminator's mean output on real and generated images, and a cDCGAN's
label agreement) are drawn against epoch beside the grid: D(x) near 1 and
D(G(z)) near 0 for long means the discriminator has won and the generator
learns little.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..plotting import BEST, TRAIN, VALIDATION, legend_html
from .base import TaskView, grid_mosaic

#: curve key -> (legend, colour) of the GAN's per-epoch course
GAN_CURVES = {"d_real": ("D(x), real", TRAIN), "d_fake": ("D(G(z)), generated", VALIDATION),
              "label_agreement": ("label agreement", BEST)}


class SampleGridView(TaskView):
    title = "Samples"
    needs = ("samples",)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.samples_box, self.samples = self.add_image_box(0, 0, "samples")
        self.filters_box = self.filters = None  # made for the first filters (an RBM's): a GAN's grid keeps the width
        self.course = self.add_side_plot("per epoch")
        self.course.setYRange(0.0, 1.0)
        self.course_curves = {key: self.course.plot([], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4,
                                                    symbolBrush=colour)
                              for key, (_, colour) in GAN_CURVES.items()}
        self.side.setVisible(False)
        self.restyle()

    def draw(self, samples: dict) -> None:
        grid = np.asarray(samples["samples"], dtype=np.float32)
        if grid.ndim != 2:
            grid = grid_mosaic(grid).image
        self.samples.setImage(grid, levels=(0.0, 1.0), autoLevels=False)
        filters = samples.get("filters")
        if filters is not None and self.filters is None:
            self.filters_box, self.filters = self.add_image_box(0, 1, "hidden-unit filters")
        if filters is not None:
            self.filters.setImage(grid_mosaic(filters).image, levels=(0.0, 1.0), autoLevels=False)
        legend = self._draw_course(samples.get("curves") or {})
        where = ("the persistent Gibbs chains' visible units, and each hidden unit's weights as an image"
                 if filters is not None else "the same noise every epoch, so changes are the model's")
        text = f"Epoch {self.epoch}: {where}." if self.epoch is not None else where
        self.caption.setText(text + (f"<br>{legend}" if legend else ""))

    def _draw_course(self, curves: dict) -> str:
        """Plot the curves present; the legend of those drawn, as rich text for the caption (a legend inside a
        narrow dock's plot would cover it or be cut)."""
        drawn = []
        for key, item in self.course_curves.items():
            values = np.asarray(curves.get(key, ()), dtype=np.float64)
            kept = np.isfinite(values)
            item.setData(np.arange(1, len(values) + 1)[kept], values[kept])
            item.setVisible(bool(kept.any()))
            if kept.any():
                drawn.append(GAN_CURVES[key][::-1])
        self.side.setVisible(bool(drawn))
        return legend_html(drawn) if drawn else ""

    def clear(self) -> None:
        super().clear()
        self.samples.clear()
        if self.filters is not None:
            self.filters.clear()
        self._draw_course({})
        self.caption.setText("")
