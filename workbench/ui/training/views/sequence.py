"""Sequence models (seq2seq, CTC, captioning): decoded text against the truth, and what the model saw.

`decoded` and `truth` (one string per validation sample, with `sources`
for seq2seq) fill a table whose decoded cells are marked right or wrong.
The selected row's sample is drawn below: its input image (`inputs` of
CTC, `images` of captioning), its `attention` (output steps × input
steps, one matrix per sample) or its CTC `frame_probabilities` (classes
× frames, the last row the blank: the alignment CTC found).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from ...theme import mark_color
from ..plotting import color_lut
from .base import TaskView, image_tiles

#: CTC learns "blank everywhere" first, so its loss sits flat for a while; the view says so
CTC_PLATEAU = ("A flat loss over the first epochs is normal for CTC: the network first learns to emit blanks "
               "everywhere, then where the characters are.")


class SequenceView(TaskView):
    title = "Decoded"
    needs = ("decoded", "truth")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["source", "decoded", "truth"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.layout().insertWidget(1, self.table, 1)
        self.input_box, self.input = self.add_image_box(0, 0, "input")
        self.heat_box, self.heat = self.add_image_box(2, 0, "")
        self.heat.setLookupTable(color_lut("viridis"))
        self.heat_title = self.canvas.ci.getItem(2, 0)
        self.samples: dict | None = None
        self.row = 0
        self.table.currentCellChanged.connect(self._on_row_changed)
        self.canvas.setVisible(False)
        self.restyle()

    def draw(self, samples: dict) -> None:
        self.samples = samples
        decoded = [str(s) for s in samples["decoded"]]
        truth = [str(s) for s in samples["truth"]]
        sources = [str(s) for s in samples["sources"]] if "sources" in samples else None
        self.table.setColumnHidden(0, sources is None)
        self.table.blockSignals(True)
        self.table.setRowCount(len(decoded))
        for row, texts in enumerate(zip(sources or [""] * len(decoded), decoded, truth)):
            for col, text in enumerate(texts):
                self.table.setItem(row, col, QTableWidgetItem(text))
            self.table.item(row, 1).setForeground(mark_color("ok" if texts[1] == texts[2] else "error"))
        self.row = min(self.row, max(len(decoded) - 1, 0))
        self.table.setCurrentCell(self.row, 1)
        self.table.blockSignals(False)
        right = sum(d == t for d, t in zip(decoded, truth))
        epoch = f"Epoch {self.epoch}: " if self.epoch is not None else ""
        note = f" {CTC_PLATEAU}" if "frame_probabilities" in samples else ""
        self.caption.setText(f"{epoch}{right} of {len(decoded)} shown samples decoded exactly.{note}")
        self._draw_row()

    @Slot(int, int, int, int)
    def _on_row_changed(self, row: int, _col: int, _old_row: int, _old_col: int) -> None:
        if row >= 0:
            self.row = row
            self._draw_row()

    def _draw_row(self) -> None:
        """The selected sample's input image and its attention or per-frame probabilities."""
        samples = self.samples
        images = samples.get("images", samples.get("inputs"))
        has_image = images is not None and np.ndim(images) >= 3
        if has_image:
            picture = image_tiles(np.asarray(images)[self.row:self.row + 1])[0]
            self.input.setImage(picture, levels=(0.0, 1.0), autoLevels=False)
        matrix, title = None, ""
        if "attention" in samples:
            attention = np.asarray(samples["attention"], dtype=np.float32)
            matrix = attention[self.row] if attention.ndim == 3 else attention
            title = f"attention of sample {self.row + 1} (rows: output steps, columns: input steps)"
        elif "frame_probabilities" in samples:
            matrix = np.asarray(samples["frame_probabilities"], dtype=np.float32)[self.row].T
            title = f"sample {self.row + 1}: class probability per frame (rows: classes, last = blank)"
        if matrix is not None:
            self.heat.setImage(matrix, levels=(0.0, 1.0), autoLevels=False)
        self.heat_title.setText(title)
        self.input_box.setVisible(has_image)
        self.heat_box.setVisible(matrix is not None)
        self.canvas.setVisible(has_image or matrix is not None)

    def clear(self) -> None:
        super().clear()
        self.samples = None
        self.row = 0
        self.table.setRowCount(0)
        self.input.clear()
        self.heat.clear()
        self.canvas.setVisible(False)
        self.caption.setText("")
