"""RPROP against SGD and Adam: the training loss of each on a log scale, and RPROP's per-weight step sizes.

The classification task sends these for a run trained with RPROP
(`workbench.tasks.rprop_race`): the run's training loss per epoch so far,
the loss curves of SGD and Adam trained from the same initial weights on
the same data for the run's epochs, and a histogram of the run's step sizes
Δ over log10 bins between its smallest and largest allowed step.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

from ..plotting import legend_beside
from .base import TaskView, class_color

#: RPROP's curve and the reference curves' colours, in the order the task sends them
RPROP_COLOR = class_color(3)
REFERENCE_COLORS = (class_color(0), class_color(1), class_color(2), class_color(4))
#: what to see, said under the plots
LESSON = ("RPROP adapts a step per weight from the sign of the gradient alone: it grows while the sign holds "
          "and halves when it flips, so the steps spread over orders of magnitude and the loss falls far faster "
          "than with one learning rate for all.")


class RpropView(TaskView):
    title = "RPROP"
    needs = ("rprop_epochs", "rprop_loss", "reference_epochs", "reference_loss", "reference_names",
             "step_edges", "step_counts")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.loss_plot = self.add_plot(0, 0, "training loss")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.setLabel("bottom", "epoch")
        legend = legend_beside(self.loss_plot)
        legend.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)  # its rows together, not spread out
        self.rprop = self.loss_plot.plot(name="RPROP", symbol="o", symbolSize=4)
        self.references: list[pg.PlotDataItem] = []
        self.step_plot = self.add_side_plot("RPROP step sizes")
        # stacked until the dock is wider than tall (the splitter turns itself): side by side, the two plots'
        # minimum widths would widen the classification task's dock for every classifier, RPROP or not
        self.splitter.setOrientation(Qt.Vertical)
        self.step_plot.setLabel("bottom", "log10 Δ")
        self.step_plot.setLabel("left", "weights")
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[])
        self.median = pg.InfiniteLine(angle=90, movable=False)
        self.step_plot.addItem(self.bars)
        self.step_plot.addItem(self.median)
        self.median.setVisible(False)
        self.restyle()

    def _reference_curves(self, names: list[str]) -> list[pg.PlotDataItem]:
        """One curve per reference, made again when the names change (a new run, other optimizers)."""
        if [curve.name() for curve in self.references] != names:
            for curve in self.references:
                self.loss_plot.removeItem(curve)
            self.references = [
                self.loss_plot.plot(name=name, pen=pg.mkPen(REFERENCE_COLORS[i % len(REFERENCE_COLORS)], width=1))
                for i, name in enumerate(names)
            ]
        return self.references

    def draw(self, samples: dict) -> None:
        epochs = np.asarray(samples["rprop_epochs"], dtype=np.float64)
        losses = np.asarray(samples["rprop_loss"], dtype=np.float64)
        self.rprop.setData(epochs, losses)
        names = [str(name) for name in np.asarray(samples["reference_names"]).ravel()]
        reference_epochs = np.asarray(samples["reference_epochs"], dtype=np.float64)
        references = np.asarray(samples["reference_loss"], dtype=np.float64).reshape(len(names), -1)
        for curve, values in zip(self._reference_curves(names), references):
            curve.setData(reference_epochs, values)
        self._loss_ticks(np.concatenate([losses, references.ravel()]))
        edges = np.asarray(samples["step_edges"], dtype=np.float64)
        counts = np.asarray(samples["step_counts"], dtype=np.float64)
        self.bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
        self.step_plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.02)
        median = samples.get("step_median")
        self.median.setVisible(median is not None)
        if median is not None:
            self.median.setValue(float(np.log10(float(median))))
        steps = f"{int(counts.sum()):,} weights' steps" + (
            f", median Δ {float(median):.2g} (dashed)" if median is not None else "")
        self.caption.setText(self._summary(epochs, losses, names, reference_epochs, references, steps))

    def _loss_ticks(self, losses: np.ndarray) -> None:
        """Decades labelled on the log axis, 2…9 times each as unlabelled ticks; within one decade those too are
        labelled (pyqtgraph labels every tick whatever the span, and they pile up)."""
        values = losses[np.isfinite(losses) & (losses > 0)]
        if not len(values):
            return
        low, high = int(np.floor(np.log10(values.min()))), int(np.ceil(np.log10(values.max())))
        label_minor = high - low <= 1
        major = [(float(k), f"{10.0 ** k:g}") for k in range(low, high + 1)]
        minor = [(k + float(np.log10(m)), f"{m * 10.0 ** k:g}" if label_minor else "")
                 for k in range(low, high) for m in range(2, 10)]
        self.loss_plot.getAxis("left").setTicks([major, minor])

    def _summary(self, epochs, losses, names, reference_epochs, references, steps: str) -> str:
        """The epoch, each optimizer's loss at that epoch, the steps, and the lesson."""
        if not len(epochs):
            return f"{steps}. {LESSON}"
        epoch = epochs[-1]
        at = np.nonzero(reference_epochs == epoch)[0]
        others = ", ".join(f"{name} {values[at[0]]:.4f}" for name, values in zip(names, references)) if len(at) else ""
        return (f"Epoch {int(epoch)}: training loss RPROP {losses[-1]:.4f}" + (f", {others}" if others else "")
                + f" (the same initial weights, full batch); {steps}. {LESSON}")

    def clear(self) -> None:
        super().clear()
        self.rprop.setData([], [])
        for curve in self.references:
            curve.setData([], [])
        self.bars.setOpts(x0=[], x1=[], height=[])
        self.median.setVisible(False)
        self.caption.setText("")

    def restyle(self) -> None:
        super().restyle()
        text = self.text_color()
        self.rprop.setPen(pg.mkPen(RPROP_COLOR, width=2))
        self.rprop.setSymbolBrush(pg.mkBrush(RPROP_COLOR))
        self.rprop.setSymbolPen(pg.mkPen(RPROP_COLOR, width=1))
        self.bars.setOpts(brush=pg.mkBrush(RPROP_COLOR), pen=pg.mkPen(text, width=1))
        self.median.setPen(pg.mkPen(text, width=1, style=Qt.DashLine))
