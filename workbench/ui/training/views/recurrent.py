"""Recurrent regression (the adding problem): one sample's input, its hidden states, and vanishing gradients.

`values` and `markers` are sample 0's two input rows (the two marked
values are the ones to add, `target` their sum, `predicted` the model's
answer); `hidden` its hidden state at every step (steps × units), drawn
as a heatmap; `gradient_norms` the loss gradient's size with respect to
each step's input, on a log axis: a SimpleRNN's falls off towards the
early steps, which is why it cannot learn the task at long lengths.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..plotting import BEST, TRAIN, VALIDATION, color_lut
from .base import TaskView


class RecurrentView(TaskView):
    title = "Hidden states"
    needs = ("values", "markers", "hidden", "gradient_norms")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.inputs = self.add_plot(0, 0, "input of sample 1 (markers in orange)")
        self.values = pg.PlotDataItem(pen=pg.mkPen(TRAIN, width=1))
        self.marked = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(VALIDATION), pen=None)
        self.inputs.addItem(self.values)
        self.inputs.addItem(self.marked)
        self.canvas.addLabel("hidden state per step (rows: units)", row=1, col=0)
        self.hidden_box = self.canvas.addViewBox(row=2, col=0, invertY=True, enableMenu=False)
        self.hidden = pg.ImageItem(axisOrder="row-major")
        self.hidden.setLookupTable(color_lut("viridis"))
        self.hidden_box.addItem(self.hidden)
        self.gradients = self.add_plot(3, 0, "gradient norm per input step")
        self.gradients.setLogMode(y=True)
        self.gradient_curve = pg.PlotDataItem(pen=pg.mkPen(BEST, width=1))
        self.gradients.addItem(self.gradient_curve)
        self.restyle()

    def draw(self, samples: dict) -> None:
        values = np.asarray(samples["values"], dtype=np.float32)
        steps = np.arange(len(values))
        self.values.setData(steps, values)
        marked = np.asarray(samples["markers"]) > 0.5
        self.marked.setData(steps[marked], values[marked])
        hidden = np.asarray(samples["hidden"], dtype=np.float32)
        self.hidden.setImage(hidden.T, levels=(-1.0, 1.0), autoLevels=False)
        norms = np.asarray(samples["gradient_norms"], dtype=np.float64)
        self.gradient_curve.setData(np.arange(len(norms)), np.maximum(norms, 1e-12))
        epoch = f"Epoch {self.epoch}: " if self.epoch is not None else ""
        answer = ""
        if "target" in samples and "predicted" in samples:
            answer = f"target {float(samples['target']):.3f}, predicted {float(samples['predicted']):.3f}. "
        self.caption.setText(f"{epoch}{answer}A gradient norm falling towards step 0 is the vanishing gradient.")

    def clear(self) -> None:
        super().clear()
        for item in (self.values, self.gradient_curve):
            item.setData([], [])
        self.marked.clear()
        self.hidden.clear()
        self.caption.setText("")
