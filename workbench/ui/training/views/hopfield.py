"""Hopfield recall: the state grid updating unit by unit, the energy falling, the overlaps with stored patterns.

The task sends one recall's `trace` (the state after every unit visit,
±1 rows of N units, N square) with its `energies`, and the final
`overlaps` m_μ = ξ_μ·s/N with each stored pattern.  The grid replays the
trace (about two seconds whatever its length), a marker walks along the
energy curve with it, and the bars show which pattern the state settled on.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Slot

from .base import TaskView, class_color

#: replay frames a second, and how long a whole trace takes
FRAMES_PER_SECOND = 30
REPLAY_SECONDS = 2.0


class HopfieldView(TaskView):
    title = "Hopfield recall"
    needs = ("trace", "energies")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state_box, self.state = self.add_image_box(0, 0, "state")
        self.energy = self.add_plot(0, 1, "energy E = −½ sᵀWs", rowspan=2)
        self.energy.setLabel("bottom", "unit updates")
        self.curve = pg.PlotDataItem()
        self.marker = pg.ScatterPlotItem(size=8)
        self.energy.addItem(self.curve)
        self.energy.addItem(self.marker)
        self.overlap = self.add_plot(0, 2, "overlap with stored patterns", rowspan=2)
        self.overlap.setYRange(-1.0, 1.0)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.overlap.addItem(self.bars)
        self.trace: np.ndarray | None = None
        self.energies: np.ndarray | None = None
        self.frame = 0
        self.stride = 1
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / FRAMES_PER_SECOND))
        self.timer.timeout.connect(self._advance)
        self.restyle()

    def draw(self, samples: dict) -> None:
        self.trace = np.asarray(samples["trace"], dtype=np.float32)
        self.energies = np.asarray(samples["energies"], dtype=np.float64)
        self.curve.setData(np.arange(len(self.energies)), self.energies)
        overlaps = samples.get("overlaps")
        if overlaps is not None:
            overlaps = np.asarray(overlaps, dtype=np.float32).ravel()
            self.bars.setOpts(x=np.arange(len(overlaps)), height=overlaps, width=0.7,
                              brushes=[pg.mkBrush(class_color(i)) for i in range(len(overlaps))])
        self.stride = max(1, math.ceil(len(self.trace) / (FRAMES_PER_SECOND * REPLAY_SECONDS)))
        self.frame = 0
        self._show_frame(0)
        self.timer.start()
        epoch = f"Epoch {self.epoch}: " if self.epoch is not None else ""
        self.caption.setText(f"{epoch}{len(self.trace) - 1} asynchronous updates, energy "
                             f"{self.energies[0]:.2f} → {self.energies[-1]:.2f} (it never rises)")

    def _show_frame(self, frame: int) -> None:
        state = self.trace[frame]
        side = int(round(math.sqrt(state.size)))
        picture = state.reshape(side, side) if side * side == state.size else state[None, :]
        self.state.setImage(picture, levels=(-1.0, 1.0), autoLevels=False)
        self.marker.setData([frame], [self.energies[frame]])

    @Slot()
    def _advance(self) -> None:
        self.frame = min(self.frame + self.stride, len(self.trace) - 1)
        self._show_frame(self.frame)
        if self.frame == len(self.trace) - 1:
            self.timer.stop()

    def clear(self) -> None:
        super().clear()
        self.timer.stop()
        self.trace = self.energies = None
        self.state.clear()
        self.curve.setData([], [])
        self.marker.clear()
        self.bars.setOpts(x=[], height=[])
        self.caption.setText("")

    def restyle(self) -> None:
        super().restyle()
        self.curve.setPen(pg.mkPen(self.text_color(), width=1))
        self.marker.setBrush(pg.mkBrush(class_color(1)))
