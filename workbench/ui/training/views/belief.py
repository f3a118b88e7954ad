"""A deep belief net: each RBM's pre-training, then fine-tuning against the same classifier from random weights.

`stage_reconstruction_mse` (one row per RBM, NaN-padded) shows the greedy
stages, each learning to reconstruct the layer below; `curves` carries
`val_accuracy` (the pre-trained classifier) and `val_accuracy_random_init`
(its twin fine-tuned alike from random weights) per epoch, so the view can
say what pre-training bought: often a head start that fine-tuning on many
labels closes, and a lasting lead when labels are few.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..plotting import TRAIN, VALIDATION, legend_html
from .base import TaskView, class_color

#: curve key -> (legend, colour)
FINE_TUNING = {"val_accuracy": ("pre-trained (DBN)", TRAIN), "val_accuracy_random_init": ("random init", VALIDATION)}


class DeepBeliefView(TaskView):
    title = "Pre-training"
    needs = ("stage_reconstruction_mse",)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.stages = self.add_plot(0, 0, "pre-training: reconstruction MSE per RBM")
        self.stages.setLabel("bottom", "epoch of the stage")
        self.stage_curves: list[pg.PlotDataItem] = []
        self.tuning = self.add_side_plot("fine-tuning: validation accuracy")
        self.tuning.setLabel("bottom", "epoch")
        self.tuning_curves = {key: self.tuning.plot([], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4,
                                                    symbolBrush=colour)
                              for key, (_, colour) in FINE_TUNING.items()}
        self.restyle()

    def draw(self, samples: dict) -> None:
        stages = np.atleast_2d(np.asarray(samples["stage_reconstruction_mse"], dtype=np.float64))
        while len(self.stage_curves) < len(stages):
            index = len(self.stage_curves)
            colour = class_color(index + 2)  # after the two fine-tuning colours
            self.stage_curves.append(self.stages.plot([], [], pen=pg.mkPen(colour, width=2)))
        for row, item in zip(stages, self.stage_curves):
            kept = np.isfinite(row)
            item.setData(np.arange(1, len(row) + 1)[kept], row[kept])
        curves = samples.get("curves") or {}
        last = {}
        for key, item in self.tuning_curves.items():
            values = np.asarray(curves.get(key, ()), dtype=np.float64)
            kept = np.isfinite(values)
            item.setData(np.arange(1, len(values) + 1)[kept], values[kept])
            if kept.any():
                last[key] = values[kept][-1]
        legend = [(class_color(index + 2), f"RBM {index + 1}") for index in range(len(stages))]
        legend += [(colour, label) for label, colour in FINE_TUNING.values()]
        self.caption.setText(f"{self._verdict(last)}<br>{legend_html(legend)}")

    def _verdict(self, last: dict) -> str:
        epoch = f"Epoch {self.epoch}: " if self.epoch is not None else ""
        if len(last) < 2:
            return f"{epoch}each RBM learned to reconstruct the layer below before fine-tuning."
        dbn, random = last["val_accuracy"], last["val_accuracy_random_init"]
        gain = dbn - random
        if abs(gain) < 0.005:
            said = "pre-training bought nothing measurable so far"
        elif gain > 0:
            said = f"pre-training is ahead by {gain * 100:.1f} points"
        else:
            said = f"random initialisation is ahead by {-gain * 100:.1f} points"
        return (f"{epoch}validation accuracy {dbn:.3f} pre-trained, {random:.3f} from random weights: {said} "
                "(the gap is largest when labels are few).")

    def clear(self) -> None:
        super().clear()
        for item in [*self.stage_curves, *self.tuning_curves.values()]:
            item.setData([], [])
        self.caption.setText("")
