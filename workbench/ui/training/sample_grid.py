"""A grid of sample thumbnails with captions: the data set preview, the evaluation's samples, the probe picker."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget


def to_qimage(array: np.ndarray) -> QImage:
    """A uint8 (h, w) grey or (h, w, 3) RGB array as a QImage that owns its pixels."""
    a = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = a.shape[:2]
    image_format = QImage.Format_Grayscale8 if a.ndim == 2 else QImage.Format_RGB888
    return QImage(a.data, w, h, a.strides[0], image_format).copy()


def thumbnail_icon(array: np.ndarray, side: int) -> QIcon:
    """Scaled up without smoothing, so the pixels of an 8×8 digit stay visible."""
    pixmap = QPixmap.fromImage(to_qimage(array)).scaled(side, side, Qt.KeepAspectRatio, Qt.FastTransformation)
    return QIcon(pixmap)


class SampleGrid(QListWidget):
    """Thumbnails (or text for tabular rows) with a caption each; `sampleActivated(index)` on click.

    `single_row` lays them out in one scrolling row (the probe picker).
    """

    sampleActivated = Signal(int)

    def __init__(self, icon_side: int = 48, single_row: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.icon_side = icon_side
        self.setViewMode(QListView.IconMode)
        self.setIconSize(QSize(icon_side, icon_side))
        self.setMovement(QListView.Static)
        self.setResizeMode(QListView.Adjust)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QListWidget.SingleSelection)
        self.setSpacing(2)
        self.setGridSize(QSize(icon_side + 22, icon_side + 30))
        if single_row:
            self.setFlow(QListView.LeftToRight)
            self.setWrapping(False)
            self.setFixedHeight(icon_side + 46)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._on_item_clicked)

    def set_samples(self, thumbs: np.ndarray | None, captions: list[str], tooltips: list[str] | None = None,
                    texts: list[str] | None = None) -> None:
        """One item per caption: an icon from `thumbs[i]` or, without images, `texts[i]` above the caption."""
        self.clear()
        for i, caption in enumerate(captions):
            item = QListWidgetItem(caption if thumbs is not None or texts is None else f"{texts[i]}\n{caption}")
            if thumbs is not None:
                item.setIcon(thumbnail_icon(thumbs[i], self.icon_side))
            item.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
            item.setData(Qt.UserRole, i)
            if tooltips:
                item.setToolTip(tooltips[i])
            self.addItem(item)

    def select_index(self, index: int) -> None:
        if 0 <= index < self.count():
            self.setCurrentRow(index)

    @Slot(QListWidgetItem)
    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.sampleActivated.emit(int(item.data(Qt.UserRole)))
