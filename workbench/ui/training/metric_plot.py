"""One plot of the Curves view: a metric's raw and smoothed batch curves, epoch train and validation points,
the best-epoch line and the mouse cursor, with a y range that stays steady while data arrive."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from .plotting import BEST, TRAIN, VALIDATION, with_alpha


class MetricPlot:
    """One plot (loss or accuracy): raw and smoothed batch curves, epoch train/validation, best-epoch line."""

    def __init__(self, plot: pg.PlotItem, key: str, title: str):
        self.plot, self.key = plot, key
        plot.setTitle(title)
        plot.setLabel("bottom", "epoch")
        self.batch_raw = plot.plot(pen=pg.mkPen(with_alpha(TRAIN, 90), width=1))
        self.batch_smooth = plot.plot(pen=pg.mkPen(TRAIN, width=1))
        for curve in (self.batch_raw, self.batch_smooth):
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self.epoch_train = plot.plot(pen=None, symbol="o", symbolSize=6, symbolBrush=TRAIN,
                                     symbolPen=pg.mkPen("#ffffff", width=1))
        self.epoch_val = plot.plot(pen=pg.mkPen(VALIDATION, width=1), symbol="s", symbolSize=6,
                                   symbolBrush=VALIDATION, symbolPen=pg.mkPen("#ffffff", width=1), connect="finite")
        self.best = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(BEST, width=1, style=Qt.DashLine),
                                    label="best", labelOpts={"position": 0.92, "color": BEST, "anchors": [(1, 0), (1, 0)]})
        self.best.setVisible(False)
        plot.addItem(self.best, ignoreBounds=True)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(with_alpha("#808080", 140), width=1,
                                                                             style=Qt.DotLine))
        self.cursor.setVisible(False)
        plot.addItem(self.cursor, ignoreBounds=True)
        self.user_range = False  # the user zoomed or panned: leave the range alone
        plot.vb.sigRangeChangedManually.connect(self._on_user_range)

    def _on_user_range(self, *_args) -> None:
        self.user_range = True

    def fixed_y(self, low: float, high: float) -> None:
        self.plot.setYRange(low, high, padding=0.02)

    def steady_y(self, log: bool) -> None:
        """Keep the y range steady: change it only when the data leave it or fill less than half of it.

        pyqtgraph's auto-range follows every new minimum, and a new range re-lays out the axis and its
        tick labels: a redraw then costs 2–3 times as much.  The user's zoom, or a click on the auto-range
        button, takes over.
        """
        vb = self.plot.vb
        if self.user_range or vb.autoRangeEnabled()[1]:
            return
        shown = [c.yData for c in (self.batch_raw, self.batch_smooth, self.epoch_train, self.epoch_val)
                 if c.yData is not None and len(c.yData)]
        if not shown:
            return
        y = np.concatenate(shown)
        if log:
            y = np.log10(y[y > 0])
        y = y[np.isfinite(y)]
        if not y.size:
            return
        low, high = float(y.min()), float(y.max())
        view_low, view_high = vb.viewRange()[1]
        if view_low <= low and high <= view_high and high - low >= 0.5 * (view_high - view_low):
            return
        margin = 0.08 * (high - low) if high > low else max(abs(high) * 0.1, 0.1)
        self.plot.setYRange(low - margin, high + margin, padding=0)
