"""Sequence models: decoded strings against the truth, and the attention of one sample.

`decoded` and `truth` (one string per validation sample, `inputs` too when
the task sends them) fill a table whose rows are marked right or wrong;
`attention` (output steps × input steps, one sample's weights) is drawn as
a heatmap whose rows each sum to 1.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from ..plotting import color_lut
from .base import TaskView
from ...theme import mark_color


class SequenceView(TaskView):
    title = "Decoded"
    needs = ("decoded", "truth")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["input", "decoded", "truth"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.layout().insertWidget(1, self.table, 1)
        self.heat_box, self.heat = self.add_image_box(0, 0, "attention (rows: output steps, columns: input steps)")
        self.heat.setLookupTable(color_lut("viridis"))
        self.canvas.setVisible(False)
        self.restyle()

    def draw(self, samples: dict) -> None:
        decoded = [str(s) for s in samples["decoded"]]
        truth = [str(s) for s in samples["truth"]]
        inputs = [str(s) for s in samples.get("inputs", [""] * len(decoded))]
        self.table.setRowCount(len(decoded))
        for row, texts in enumerate(zip(inputs, decoded, truth)):
            for col, text in enumerate(texts):
                self.table.setItem(row, col, QTableWidgetItem(text))
            self.table.item(row, 1).setForeground(mark_color("ok" if texts[1] == texts[2] else "error"))
        right = sum(d == t for d, t in zip(decoded, truth))
        epoch = f"Epoch {self.epoch}: " if self.epoch is not None else ""
        self.caption.setText(f"{epoch}{right} of {len(decoded)} shown samples decoded exactly")
        attention = samples.get("attention")
        self.canvas.setVisible(attention is not None)
        if attention is not None:
            self.heat.setImage(np.asarray(attention, dtype=np.float32), levels=(0.0, 1.0), autoLevels=False)

    def clear(self) -> None:
        super().clear()
        self.table.setRowCount(0)
        self.heat.clear()
        self.canvas.setVisible(False)
        self.caption.setText("")
