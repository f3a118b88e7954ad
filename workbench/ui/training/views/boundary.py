"""The decision boundary of a model with two inputs: the class score over the input plane under the points.

TensorFlow-Playground style: the task's `grid` (row = y, column = x,
spanning `extent`) is drawn as one image in a blue-to-orange map behind
the validation `points` coloured by class, with the first layer's hidden
units as lines (`unit_lines`).  When the task sends a `lesson` (the
perceptron on XOR), it is said under the plot.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from ..plotting import background
from .base import TaskView, class_color

#: a score in [0, 1] is a probability; other grids (logit differences, class indices) use their own range
_PROBABILITY = (0.0, 1.0)
#: the score map's ends: class 0's and class 1's colours, a little muted
SCORE_LOW, SCORE_HIGH = "#3b6fb6", "#f28e2b"
#: up to this many points (a truth table) are drawn large
FEW_POINTS = 16


class DecisionBoundaryView(TaskView):
    title = "Decision boundary"
    needs = ("grid", "extent", "points")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = self.add_plot(0, 0)
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setOpacity(0.65)
        self.units = pg.PlotDataItem(connect="pairs")
        self.scatter = pg.ScatterPlotItem(size=7)
        for item in (self.image, self.units, self.scatter):
            self.plot.addItem(item)
        self.lesson = self.caption
        self.lesson.setProperty("role", "banner")  # the lesson is the point of the picture
        self.lesson.setProperty("severity", "note")
        self.lesson.setVisible(False)
        self.restyle()

    def draw(self, samples: dict) -> None:
        grid = np.asarray(samples["grid"], dtype=np.float32)
        x0, x1, y0, y1 = (float(v) for v in samples["extent"])
        low, high = float(np.nanmin(grid)), float(np.nanmax(grid))
        if low >= _PROBABILITY[0] and high <= _PROBABILITY[1]:
            levels = _PROBABILITY
        else:
            bound = max(abs(low), abs(high), 1e-6)
            levels = (-bound, bound) if low < 0 else (low, max(high, low + 1e-6))
        self.image.setImage(grid, levels=levels, autoLevels=False)
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        points = np.asarray(samples["points"], dtype=np.float32)
        labels = np.asarray(samples.get("labels", np.zeros(len(points))))
        self.scatter.setData(points[:, 0], points[:, 1], size=12 if len(points) <= FEW_POINTS else 7,
                             brush=[pg.mkBrush(class_color(label)) for label in labels.astype(int)])
        lines = samples.get("unit_lines")
        if lines is not None:
            lines = np.asarray(lines, dtype=np.float32)
            lines = lines[np.all(np.isfinite(lines.reshape(len(lines), -1)), axis=1)]
            self.units.setData(lines[..., 0].ravel(), lines[..., 1].ravel())
        else:
            self.units.setData([], [])
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.plot.setTitle(f"epoch {self.epoch}" if self.epoch is not None else "")
        lesson = samples.get("lesson")
        self.lesson.setText(str(lesson) if lesson is not None else "")
        self.lesson.setVisible(lesson is not None)

    def clear(self) -> None:
        super().clear()
        self.image.clear()
        self.scatter.clear()
        self.units.setData([], [])
        self.lesson.setVisible(False)

    def restyle(self) -> None:
        """Blue below, orange above, the canvas colour at the boundary (white in light, grey-black in dark)."""
        super().restyle()
        middle = background(self).name()
        colours = pg.ColorMap([0.0, 0.5, 1.0], [SCORE_LOW, middle, SCORE_HIGH])
        self.image.setLookupTable(colours.getLookupTable(nPts=256))
        self.units.setPen(pg.mkPen(self.text_color(), width=1))
        self.scatter.setPen(pg.mkPen(self.text_color(), width=1))
