"""Weights after each epoch: first-layer filters, per-layer weight histograms, dense-block feature reuse.

The worker pulls the kernels once per epoch and sends a `WeightSnapshot`;
this view keeps every epoch's histograms (so a layer's distribution can be
followed from epoch to epoch, light to dark) and draws the newest filters
and reuse heat maps.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from workbench.spec import ModelSpec
from workbench.train.live.reuse import DenseBlock, reuse_plan
from workbench.train.live.stats import WeightSnapshot

from ..theme import follow_theme
from .plotting import AdaptiveSplitter, background, color_lut, image_box, restyle_plots, style_plot


class WeightsView(QWidget):
    """Filters, histograms and (for densely connected models) feature reuse, updated once per epoch."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.histories: dict[str, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        self.epochs = 1
        self._lut = color_lut("viridis")
        self.blocks: list[DenseBlock] = []
        self.snapshot: WeightSnapshot | None = None

        self.filters_canvas = pg.GraphicsLayoutWidget()
        self.filters_canvas.setBackground(background(self))
        self.filters_box, self.filters_image, self.filters_label = image_box(
            self.filters_canvas, 0, 0, "first-layer filters appear after the first epoch")
        self.filters_image.setLookupTable(color_lut("grey"))

        self.layer_combo = QComboBox()
        self.layer_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.layer_combo.setMinimumContentsLength(6)
        self.layer_combo.setToolTip("Layer whose kernel histogram is shown, one curve per epoch (darker = later)")
        self.histogram_plot = pg.PlotWidget(background=background(self))
        style_plot(self.histogram_plot.getPlotItem(), self)
        self.histogram_plot.setLabel("bottom", "weight value")
        self.histogram_plot.setLabel("left", "count")
        histogram_box = QWidget()
        box_layout = QVBoxLayout(histogram_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.layer_combo)
        box_layout.addWidget(self.histogram_plot, 1)

        self.reuse_canvas = pg.GraphicsLayoutWidget()
        self.reuse_canvas.setBackground(background(self))
        self.reuse_canvas.setToolTip(
            "Mean absolute weight of each layer's first convolution over the channels coming from each earlier "
            "layer of its dense block (columns: block input, then layers 1, 2, …; rows: the reading layers)")
        self._reuse_images: dict[str, tuple[pg.ImageItem, pg.LabelItem]] = {}
        follow_theme(self, restyle_plots)

        for canvas in (self.filters_canvas, self.reuse_canvas):
            canvas.setMinimumWidth(40)  # so the dock can be narrow; the splitter shares the width
        self.splitter = AdaptiveSplitter()
        self.splitter.addWidget(self.filters_canvas)
        self.splitter.addWidget(histogram_box)
        self.splitter.addWidget(self.reuse_canvas)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self.layer_combo.currentTextChanged.connect(self._on_layer_chosen)
        self.set_spec(None)

    # -- inputs -----------------------------------------------------------------------------------------------------
    def set_spec(self, spec: ModelSpec | None, epochs: int = 1) -> None:
        """A new run (or none) of `epochs` epochs: forget the histories; one heat map per dense block."""
        self.epochs = max(1, epochs)
        self.histories.clear()
        self.snapshot = None
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.blockSignals(False)
        self.histogram_plot.clear()
        self.filters_image.clear()
        self.filters_label.setText("first-layer filters appear after the first epoch")
        self.blocks = reuse_plan(spec) if spec is not None else []
        self.reuse_canvas.clear()
        self._reuse_images.clear()
        lut = color_lut("viridis")
        for i, block in enumerate(self.blocks):
            label = self.reuse_canvas.addLabel(block.name, row=0, col=i)
            plot = self.reuse_canvas.addPlot(row=1, col=i)
            plot.invertY(True)
            plot.setAspectLocked(True)
            plot.setLabel("bottom", "source")
            if i == 0:
                plot.setLabel("left", "reading layer")
            style_plot(plot, self)
            plot.showGrid(x=False, y=False)
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(lut)
            plot.addItem(image)
            self._reuse_images[block.name] = (image, label)
        self.reuse_canvas.setVisible(bool(self.blocks))
        total = max(sum(self.splitter.sizes()), 800)
        shares = (2, 3, 5) if self.blocks else (2, 3, 0)  # dense blocks: room for one heat map per block
        self.splitter.setSizes([total * share // sum(shares) for share in shares])

    def add_snapshot(self, snapshot: WeightSnapshot) -> None:
        self.snapshot = snapshot
        for name, (counts, edges) in snapshot.histograms.items():
            self.histories.setdefault(name, []).append((snapshot.epoch, counts, edges))
        known = {self.layer_combo.itemText(i) for i in range(self.layer_combo.count())}
        new = [name for name in snapshot.histograms if name not in known]
        if new:
            self.layer_combo.addItems(new)  # the first one drawn through currentTextChanged
        elif self.layer_combo.currentText() in snapshot.histograms:
            counts, edges = snapshot.histograms[self.layer_combo.currentText()]
            self._plot_histogram(snapshot.epoch, counts, edges)
        if snapshot.filters is not None:
            mosaic = snapshot.filters
            rgb = mosaic.image.ndim == 3
            self.filters_image.setLookupTable(None if rgb else color_lut("grey"))
            self.filters_image.setImage(mosaic.image, autoLevels=False, levels=(0.0, 1.0))
            self.filters_box.autoRange(padding=0.02)
            self.filters_label.setText(
                f"{snapshot.filters_layer}: {mosaic.count} filters of {mosaic.tile_shape[0]}×{mosaic.tile_shape[1]}"
                f", epoch {snapshot.epoch}")
        for name, matrix in snapshot.reuse.items():
            if name in self._reuse_images:
                image, label = self._reuse_images[name]
                finite = matrix[np.isfinite(matrix)]
                high = float(finite.max()) if finite.size else 1.0
                image.setImage(matrix, autoLevels=False, levels=(0.0, high or 1.0))
                image.setRect(-0.5, -0.5, matrix.shape[1], matrix.shape[0])  # cell (row, column) centred on its index
                label.setText(f"{name}, epoch {snapshot.epoch}")

    def show_message(self, text: str) -> None:
        """Say why there is nothing to show (a run of several networks) where the first-layer filters go."""
        self.filters_label.setText(text)

    def set_layer(self, name: str | None) -> None:
        """Follow the canvas selection when that layer has a kernel."""
        if name and self.layer_combo.findText(name) >= 0:
            self.layer_combo.setCurrentText(name)

    # -- drawing ---------------------------------------------------------------------------------------------------------
    def _draw_histograms(self, name: str) -> None:
        """All epochs of one layer (when the layer changes); later epochs add one curve each."""
        self.histogram_plot.clear()
        for epoch, counts, edges in self.histories.get(name, []):
            self._plot_histogram(epoch, counts, edges)

    def _plot_histogram(self, epoch: int, counts: np.ndarray, edges: np.ndarray) -> None:
        shade = self._lut[int(200 * (1 - min(epoch, self.epochs) / self.epochs))]  # viridis: later is darker
        self.histogram_plot.plot(edges, counts, stepMode="center", pen=pg.mkPen(pg.mkColor(*shade[:3]), width=1))
        name = self.layer_combo.currentText()
        span = f"epochs 1–{epoch} (darker = later)" if epoch > 1 else "epoch 1"
        self.histogram_plot.setTitle(f"{name}: {span}")

    @Slot(str)
    def _on_layer_chosen(self, name: str) -> None:
        self._draw_histograms(name)
