"""Overlaid validation curves and the best-accuracy-against-multiply-adds bubble chart."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...compare.report import parameter_shares
from ...compare.results import FINISHED, RunRecord
from ...spec.units import human

#: matplotlib's tab10, so a run has the same colour here and in the exported PNG
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
#: bubble diameters in pixels: area ∝ parameters, the largest MAX_BUBBLE
MAX_BUBBLE, MIN_BUBBLE = 70.0, 8.0


class _MacsAxis(pg.AxisItem):
    """An axis over log10(MACs) that labels ticks as 10K, 1M, 1G."""

    def tickStrings(self, values, scale, spacing):
        return [human(10 ** v) for v in values]


def bubble_diameters(params: list[int]) -> list[float]:
    """Circle diameters in pixels, so that circle area is proportional to parameters."""
    return [max(MIN_BUBBLE, MAX_BUBBLE * math.sqrt(share)) for share in parameter_shares(params)]


class ComparisonCharts(QWidget):
    """Overlaid validation curves and the accuracy/MACs bubble chart."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.x_axis = QComboBox(self)
        self.x_axis.addItem("against epoch", "epoch")
        self.x_axis.addItem("against wall time", "elapsed")
        self.accuracy = pg.PlotWidget(self)
        self.loss = pg.PlotWidget(self)
        self.bubbles = pg.PlotWidget(self, axisItems={"bottom": _MacsAxis("bottom")})
        for plot, title in ((self.accuracy, "validation accuracy"), (self.loss, "validation loss")):
            plot.setTitle(title)
            plot.showGrid(x=True, y=True, alpha=0.15)
        self.accuracy.addLegend(offset=(-10, 10))
        self.bubbles.setTitle("best validation accuracy against multiply-adds (area ∝ parameters)")
        self.bubbles.setLabel("bottom", "multiply-adds per sample")
        self.bubbles.setLabel("left", "best validation accuracy")
        self.bubbles.showGrid(x=True, y=True, alpha=0.15)
        self.bubbles.getViewBox().setDefaultPadding(0.15)
        self.foreground = self.palette().color(QPalette.Text)
        for plot in (self.accuracy, self.loss, self.bubbles):
            plot.setBackground(self.palette().color(QPalette.Base))
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(self.foreground)
                axis.setTextPen(self.foreground)
                axis.enableAutoSIPrefix(False)
        self.scatter = pg.ScatterPlotItem(pxMode=True)
        self.bubbles.addItem(self.scatter)
        self._labels: list[pg.TextItem] = []
        self.curves: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}

        top = QHBoxLayout()
        top.addWidget(QLabel("Curves", self))
        top.addWidget(self.x_axis)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        curves = QHBoxLayout()
        curves.addWidget(self.accuracy)
        curves.addWidget(self.loss)
        layout.addLayout(curves, 1)
        layout.addWidget(self.bubbles, 1)

    def clear(self) -> None:
        for acc, loss in self.curves.values():
            self.accuracy.removeItem(acc)
            self.loss.removeItem(loss)
        self.curves.clear()
        self.scatter.clear()
        for label in self._labels:
            self.bubbles.removeItem(label)
        self._labels.clear()

    def draw(self, records: list[RunRecord], shown: set[int]) -> None:
        """Update every run's two curves (hidden unless in `shown`) and the bubbles."""
        x_key = self.x_axis.currentData()
        self.accuracy.setLabel("bottom", "epoch" if x_key == "epoch" else "training time (s)")
        self.loss.setLabel("bottom", "epoch" if x_key == "epoch" else "training time (s)")
        for index, record in enumerate(records):
            if index not in self.curves:
                pen = pg.mkPen(RUN_COLORS[index % len(RUN_COLORS)], width=1)
                self.curves[index] = (
                    self.accuracy.plot([], [], pen=pen, name=record.preset),
                    self.loss.plot([], [], pen=pen),
                )
            acc_item, loss_item = self.curves[index]
            for item, key in ((acc_item, "val_accuracy"), (loss_item, "val_loss")):
                xs, ys = record.series(x_key, key)
                item.setData(xs, ys)
                item.setVisible(index in shown)
        self._draw_bubbles(records, shown)

    def _draw_bubbles(self, records: list[RunRecord], shown: set[int]) -> None:
        for label in self._labels:
            self.bubbles.removeItem(label)
        self._labels.clear()
        placed = [(i, r) for i, r in enumerate(records)
                  if i in shown and r.status == FINISHED and r.best_val_accuracy is not None]
        diameters = bubble_diameters([r.params for _, r in placed])
        spots = []
        for (index, record), size in zip(placed, diameters):
            x = math.log10(max(record.macs, 1))
            colour = pg.mkColor(RUN_COLORS[index % len(RUN_COLORS)])
            colour.setAlpha(140)
            spots.append({"pos": (x, record.best_val_accuracy), "size": size, "brush": pg.mkBrush(colour),
                          "pen": pg.mkPen(self.foreground, width=1), "data": index})
            label = pg.TextItem(f"{record.preset}\n{human(record.params)} params", anchor=(0.5, 0.5),
                                color=self.foreground)
            label.setPos(x, record.best_val_accuracy)
            self.bubbles.addItem(label)
            self._labels.append(label)
        self.scatter.setData(spots)
