"""Segmentation: each image beside its true and predicted label maps, and the IoU of every class.

One colour mosaic, a column per validation sample (image above its true
and its predicted label map), with the label maps painted from one colour table (class 0,
the background, in the canvas colour).  Bars give each class's
intersection over union on the whole validation set (`class_iou`; a class
in neither map has no bar).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .base import TaskView, class_color, image_tiles, label_table
from workbench.train.live.mosaic import tile


class SegmentationView(TaskView):
    title = "Segmentation"
    needs = ("images", "truth", "predicted", "class_iou")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.box, self.image = self.add_image_box(0, 0, "images, true labels, predicted labels (rows)")
        self.iou = self.add_side_plot("IoU per class")
        self.iou.setYRange(0.0, 1.0)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.iou.addItem(self.bars)
        self.last: dict | None = None
        self.restyle()

    def draw(self, samples: dict) -> None:
        self.last = samples
        iou = np.asarray(samples["class_iou"], dtype=np.float32)
        table = label_table(len(iou)).astype(np.float32) / 255.0
        images = image_tiles(samples["images"])
        if images.ndim == 3:
            images = np.repeat(images[..., None], 3, axis=-1)
        truth, predicted = (table[np.clip(np.asarray(samples[k]), 0, len(table) - 1)] for k in ("truth", "predicted"))
        rows = np.concatenate([images, truth, predicted])
        self.image.setImage(tile(rows, cols=len(images), normalise=False).image, levels=(0.0, 1.0), autoLevels=False)
        shown = np.isfinite(iou)
        classes = np.arange(len(iou))[shown]
        self.bars.setOpts(x=classes, height=iou[shown], width=0.7,
                          brushes=[pg.mkBrush(class_color(c - 1) if c else self.text_color()) for c in classes])
        self.iou.getAxis("bottom").setTicks([[(int(c), str(int(c))) for c in classes]])
        mean = float(np.nanmean(iou)) if shown.any() else float("nan")
        epoch = f"Epoch {self.epoch}: " if self.epoch is not None else ""
        self.caption.setText(f"{epoch}mean IoU {mean:.3f} over {int(shown.sum())} classes (0 = background)")

    def clear(self) -> None:
        super().clear()
        self.last = None
        self.image.clear()
        self.bars.setOpts(x=[], height=[])
        self.caption.setText("")

    def restyle(self) -> None:
        super().restyle()
        if self.last is not None:  # the background class follows the canvas colour
            self.draw(self.last)
