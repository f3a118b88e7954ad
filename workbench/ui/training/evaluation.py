"""How the trained model does on held-out samples: confusion matrix, per-class accuracy, hardest samples.

Filled once per run from the worker's `Evaluation`.  Cells are coloured by
the share of their true class (rows sum to 1), so small classes show as
clearly as large ones, and labelled with counts.  Clicking a cell lists
its samples, highest loss first; by default the list shows the samples
the model got most wrong over the whole split.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from workbench.train.evaluation import Evaluation

from ..theme import follow_theme
from .plotting import TRAIN, VALIDATION, ClickableImage, background, color_lut, restyle_plots, style_plot
from .sample_grid import SampleGrid

#: counts are written into the cells up to this many classes
MAX_LABELLED_CLASSES = 20
#: samples listed for one cell
CELL_SAMPLES = 64


def _class_ticks(names: list[str], limit: int = 30) -> list[tuple[float, str]]:
    step = max(1, int(np.ceil(len(names) / limit)))
    return [(i, names[i]) for i in range(0, len(names), step)]


class EvaluationView(QWidget):
    """The evaluation of the last run; empty until one finishes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.evaluation: Evaluation | None = None
        self.shown: np.ndarray = np.zeros(0, dtype=np.int64)  # sample indices listed in the grid

        self.summary = QLabel("Train a model to see how it does on the validation samples.")
        self.summary.setProperty("role", "caption")
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(background(self))
        self.matrix_plot = self.canvas.addPlot(row=0, col=0, title="confusion matrix (rows: true class)")
        self.matrix_plot.invertY(True)
        self.matrix_plot.setAspectLocked(True)
        self.matrix_plot.setLabel("bottom", "predicted")
        self.matrix_plot.setLabel("left", "true")
        self.matrix_plot.setMenuEnabled(False)
        self.matrix_image = ClickableImage()
        self.matrix_image.setLookupTable(color_lut("viridis"))
        self.matrix_plot.addItem(self.matrix_image)
        self.bars_plot = self.canvas.addPlot(row=0, col=1, title="accuracy per class")
        self.bars_plot.setLabel("bottom", "class")
        self.bars_plot.setYRange(0, 1.0, padding=0.02)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=TRAIN)
        self.bars_plot.addItem(self.bars)
        self.overall = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(VALIDATION, width=1, style=Qt.DashLine),
                                       label="overall", labelOpts={"position": 0.98, "color": VALIDATION,
                                                                         "anchors": [(1, 1), (1, 1)]})
        self.bars_plot.addItem(self.overall)
        for plot in (self.matrix_plot, self.bars_plot):
            style_plot(plot, self)
        self.matrix_plot.showGrid(x=False, y=False)
        follow_theme(self, restyle_plots)
        self.canvas.ci.layout.setColumnStretchFactor(0, 3)
        self.canvas.ci.layout.setColumnStretchFactor(1, 2)
        self._cell_texts: list[pg.TextItem] = []
        self.cell_box = pg.QtWidgets.QGraphicsRectItem()
        self.cell_box.setPen(pg.mkPen(VALIDATION, width=0))
        self.cell_box.setVisible(False)
        self.matrix_plot.addItem(self.cell_box)

        self.list_choice = QComboBox()
        self.list_choice.addItem("Hardest samples (highest loss)")
        self.grid = SampleGrid(icon_side=44)
        listing = QWidget()
        list_layout = QVBoxLayout(listing)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.list_choice)
        list_layout.addWidget(self.grid, 1)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.canvas)
        splitter.addWidget(listing)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.matrix_image.clicked.connect(self._on_matrix_clicked)
        self.list_choice.currentIndexChanged.connect(self._on_list_choice_changed)

    # -- inputs -------------------------------------------------------------------------------------------------------
    def clear(self, message: str = "Train a model to see how it does on the validation samples.") -> None:
        self.evaluation = None
        self.summary.setText(message)
        self.matrix_image.clear()
        self.bars.setOpts(x=[], height=[])
        self.grid.clear()
        self.cell_box.setVisible(False)
        for item in self._cell_texts:
            self.matrix_plot.removeItem(item)
        self._cell_texts = []
        while self.list_choice.count() > 1:
            self.list_choice.removeItem(1)

    def show_evaluation(self, evaluation: Evaluation, model_epoch: int | None = None) -> None:
        self.clear()
        self.evaluation = evaluation
        names = evaluation.class_names
        classes = len(names)
        part = f" of {evaluation.total:,}" if evaluation.total > len(evaluation.labels) else ""
        epoch = f" (model of epoch {model_epoch})" if model_epoch else ""
        self.summary.setText(
            f"<b>{evaluation.accuracy:.1%}</b> accuracy on {len(evaluation.labels):,}{part} {evaluation.split} "
            f"samples{epoch} · {int((evaluation.labels != evaluation.predicted).sum()):,} misclassified")
        confusion = evaluation.confusion
        rows = confusion.sum(axis=1, keepdims=True)
        shares = np.where(rows > 0, confusion / np.maximum(rows, 1), 0.0).astype(np.float32)
        self.matrix_image.setImage(shares, autoLevels=False, levels=(0.0, 1.0))
        self.matrix_image.setRect(-0.5, -0.5, classes, classes)
        ticks = _class_ticks(names)
        for side in ("bottom", "left"):
            self.matrix_plot.getAxis(side).setTicks([ticks])
        self.bars_plot.getAxis("bottom").setTicks([ticks])
        if classes <= MAX_LABELLED_CLASSES:
            for t in range(classes):
                for p in range(classes):
                    if confusion[t, p]:
                        text = pg.TextItem(str(confusion[t, p]), color="#000000" if shares[t, p] > 0.6 else "#ffffff",
                                           anchor=(0.5, 0.5))
                        text.setPos(p, t)
                        self.matrix_plot.addItem(text)
                        self._cell_texts.append(text)
        self.matrix_plot.autoRange(padding=0.02)
        accuracy = np.nan_to_num(evaluation.per_class_accuracy, nan=0.0)
        self.bars.setOpts(x=np.arange(classes), height=accuracy, width=0.7)
        self.bars_plot.setXRange(-0.6, classes - 0.4, padding=0)
        self.overall.setValue(evaluation.accuracy)
        self._list(evaluation.hardest)

    # -- listing samples ---------------------------------------------------------------------------------------------
    def _caption(self, i: int) -> str:
        e = self.evaluation
        names = e.class_names
        mark = "✓" if e.labels[i] == e.predicted[i] else "✗"
        return f"{mark} {names[e.labels[i]]}→{names[e.predicted[i]]}"

    def _list(self, indices: np.ndarray) -> None:
        e = self.evaluation
        self.shown = np.asarray(indices, dtype=np.int64)
        captions = [self._caption(i) for i in self.shown]
        tooltips = [
            f"sample {i}: true {e.class_names[e.labels[i]]}, predicted {e.class_names[e.predicted[i]]} "
            f"({e.confidence[i]:.1%}), loss {e.losses[i]:.3f}" for i in self.shown
        ]
        thumbs = e.samples[self.shown] if e.samples is not None else None
        texts = None
        if thumbs is None and e.features is not None:
            texts = ["(" + ", ".join(f"{v:.2f}" for v in e.features[i][:3]) + ("…)" if e.features.shape[1] > 3 else ")")
                     for i in self.shown]
        self.grid.set_samples(thumbs, captions, tooltips, texts)

    def show_cell(self, true: int, predicted: int) -> None:
        e = self.evaluation
        if e is None or not (0 <= true < len(e.class_names) and 0 <= predicted < len(e.class_names)):
            return
        names = e.class_names
        label = f"True {names[true]}, predicted {names[predicted]}: {int(e.confusion[true, predicted])} samples"
        if self.list_choice.count() > 1:
            self.list_choice.setItemText(1, label)
        else:
            self.list_choice.addItem(label)
        self.list_choice.setItemData(1, (true, predicted))
        self.list_choice.blockSignals(True)
        self.list_choice.setCurrentIndex(1)
        self.list_choice.blockSignals(False)
        self.cell_box.setRect(predicted - 0.5, true - 0.5, 1, 1)
        self.cell_box.setVisible(True)
        self._list(e.cell(true, predicted)[:CELL_SAMPLES])

    @Slot(float, float)
    def _on_matrix_clicked(self, x: float, y: float) -> None:
        # the image spans -0.5 … classes-0.5; the click comes in image pixels (0 … classes)
        self.show_cell(int(np.floor(y)), int(np.floor(x)))

    @Slot(int)
    def _on_list_choice_changed(self, index: int) -> None:
        if self.evaluation is None:
            return
        if index == 0:
            self.cell_box.setVisible(False)
            self._list(self.evaluation.hardest)
        else:
            true, predicted = self.list_choice.itemData(index)
            self.show_cell(true, predicted)
