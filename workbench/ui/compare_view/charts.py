"""Overlaid validation curves and the best-score-against-multiply-adds bubble chart.

The score is the monitored metric the compared runs share: validation
accuracy for classifiers, val MSE for autoencoders, mean IoU for FCNs, a
cDCGAN's label agreement; runs of different tasks fall back to validation
accuracy (the leaderboard names each one's own metric).
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...compare.report import parameter_shares
from ...compare.results import FINISHED, RunRecord, best_score, score_of
from ...spec.units import human
from ..theme import follow_theme
from ..training.plotting import legend_beside, restyle_plots

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
        legend_beside(self.accuracy.getPlotItem())
        self.bubbles.setTitle("best validation accuracy against multiply-adds (area ∝ parameters)")
        self.bubbles.setLabel("bottom", "multiply-adds per sample")
        self.bubbles.setLabel("left", "best validation accuracy")
        self.bubbles.showGrid(x=True, y=True, alpha=0.15)
        self.scatter = pg.ScatterPlotItem(pxMode=True)
        self.bubbles.addItem(self.scatter)
        self._labels: list[pg.TextItem] = []
        self._drawn: tuple[list[RunRecord], set[int]] = ([], set())
        self.curves: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.foreground = self.palette().color(QPalette.Text)
        restyle_plots(self)
        follow_theme(self, ComparisonCharts._restyle)

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

    def _restyle(self) -> None:
        """Plots, bubble outlines and labels in the current palette."""
        self.foreground = self.palette().color(QPalette.Text)
        restyle_plots(self)
        self._draw_bubbles(*self._drawn)

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
        score_key, name = score_of(records)
        self.accuracy.setTitle(name)
        self.bubbles.setTitle(f"best {name} against multiply-adds (area ∝ parameters)")
        self.bubbles.setLabel("left", f"best {name}")
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
            for item, key in ((acc_item, score_key), (loss_item, "val_loss")):
                xs, ys = record.series(x_key, key)
                item.setData(xs, ys)
                item.setVisible(index in shown)
        self._draw_bubbles(records, shown)

    def _draw_bubbles(self, records: list[RunRecord], shown: set[int]) -> None:
        self._drawn = (records, shown)
        for label in self._labels:
            self.bubbles.removeItem(label)
        self._labels.clear()
        score_key, _ = score_of(records)
        placed = [(i, r, best_score(r, score_key)) for i, r in enumerate(records) if i in shown and r.status == FINISHED]
        placed = [(i, r, y) for i, r, y in placed if y is not None]
        diameters = bubble_diameters([r.params for _, r, _ in placed])
        spots = []
        for (index, record, y), size in zip(placed, diameters):
            x = math.log10(max(record.macs, 1))
            colour = pg.mkColor(RUN_COLORS[index % len(RUN_COLORS)])
            colour.setAlpha(140)
            spots.append({"pos": (x, y), "size": size, "brush": pg.mkBrush(colour),
                          "pen": pg.mkPen(self.foreground, width=1), "data": index})
            label = pg.TextItem(f"{record.preset}\n{human(record.params)} params", anchor=(0.5, 0.5),
                                color=self.foreground)
            label.setPos(x, y)
            self.bubbles.addItem(label)
            self._labels.append(label)
        self.scatter.setData(spots)
        if placed:
            self._frame_bubbles([math.log10(max(r.macs, 1)) for _, r, _ in placed], [y for _, _, y in placed])

    def _frame_bubbles(self, xs: list[float], ys: list[float]) -> None:
        """Ranges with room around the bubbles and at least a decade of MACs and 0.04 of accuracy, so a
        single run (or runs alike) gets a few distinct ticks instead of one value repeated along the axis."""
        x_pad = max(0.15 * (max(xs) - min(xs)), 0.5)
        y_pad = max(0.15 * (max(ys) - min(ys)), 0.02)
        self.bubbles.setXRange(min(xs) - x_pad, max(xs) + x_pad, padding=0)
        self.bubbles.setYRange(min(ys) - y_pad, max(ys) + y_pad, padding=0)
