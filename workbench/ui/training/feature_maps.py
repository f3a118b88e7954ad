"""Feature maps: every channel of one layer's output for one sample, live while training.

The layer is the one selected on the canvas (the Document's selection);
the sample is picked from a row of thumbnails.  The worker computes the
activations a few times a second and tiles them into one mosaic (one tile
per channel, each scaled on its own), so this view only uploads one image;
clicking a tile enlarges that channel with its own value range.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.spec.units import shape_text
from workbench.train.live.datasets import ProbeSamples
from workbench.train.live.mosaic import channel_tiles

from ..theme import follow_theme
from .plotting import COLOR_MAPS, AdaptiveSplitter, background, color_lut, image_box, restyle_plots
from .sample_grid import SampleGrid
from .worker import FeatureMaps



def default_probe_layer(spec) -> str | None:
    """The layer whose feature maps show when none is selected: the first convolution, else the first layer."""
    for layer in spec.layers:
        if layer.type.startswith("Conv"):
            return layer.name
    return spec.layers[0].name if spec.layers else None


def one_network_note(view: str, networks) -> str:
    """Why `view` (feature maps, weights) shows nothing for a run of several networks (a `NetworkSet`)."""
    count = {2: "two", 3: "three"}.get(len(networks.networks), str(len(networks.networks)))
    return (f"{view} follow one network; the {networks.task.upper()} trains {count} "
            f"({', '.join(networks.networks)}): see the Task View.")

class FeatureMapView(QWidget):
    """Mosaic of a layer's channels for one sample, with the clicked channel enlarged beside it."""

    probeChanged = Signal(str, int)  # layer, sample index

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layer: str | None = None
        self._shape = None  # the layer's output shape on the canvas, as the heading shows it
        self.sample = 0
        self.maps: FeatureMaps | None = None
        self.channel: int | None = None
        self._zoomed: int | None = None  # the channel the enlarged view is framed for
        self._samples: ProbeSamples | None = None

        self.heading = QLabel("Select a layer on the canvas to see its feature maps.")
        self.heading.setProperty("role", "caption")
        self.heading.setWordWrap(True)
        self.color_map = QComboBox()
        self.color_map.addItems(COLOR_MAPS)
        self.color_map.setToolTip("Colour map of the feature maps")
        self.picker = SampleGrid(icon_side=28, single_row=True)
        self.picker.setToolTip("The sample whose feature maps are shown")
        self.canvas = pg.GraphicsLayoutWidget()
        self.zoom_canvas = pg.GraphicsLayoutWidget()
        for canvas in (self.canvas, self.zoom_canvas):
            canvas.setBackground(background(self))
            canvas.setMinimumSize(60, 60)
        follow_theme(self, restyle_plots)
        self.mosaic_box, self.mosaic_image, self.mosaic_label = image_box(self.canvas, 0, 0, "channels")
        self.zoom_box, self.zoom_image, self.zoom_label = image_box(self.zoom_canvas, 0, 0, "click a channel")
        self.splitter = AdaptiveSplitter()
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.zoom_canvas)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.highlight = pg.QtWidgets.QGraphicsRectItem()
        self.highlight.setPen(pg.mkPen("#ff7f0e", width=0))
        self.highlight.setVisible(False)
        self.mosaic_box.addItem(self.highlight)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.color_map)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.picker)
        layout.addWidget(self.splitter, 1)

        self.color_map.currentTextChanged.connect(self._on_color_map_changed)
        self.picker.sampleActivated.connect(self._on_sample_activated)
        self.mosaic_image.clicked.connect(self._on_mosaic_clicked)
        self._on_color_map_changed(self.color_map.currentText())

    # -- inputs ---------------------------------------------------------------------------------------------------
    def set_samples(self, samples: ProbeSamples | None) -> None:
        """The samples a run offers (its first validation samples)."""
        self._samples = samples
        if samples is None:
            self.picker.clear()
            return
        texts = None if samples.thumbs is not None else [f"#{i}" for i in range(len(samples.labels))]
        self.picker.set_samples(samples.thumbs, samples.labels, texts=texts,
                                tooltips=[f"{samples.split} sample {i}: {label}" for i, label in enumerate(samples.labels)])
        self.sample = min(self.sample, len(samples.labels) - 1)
        self.picker.select_index(self.sample)

    def set_layer(self, layer: str | None, shape=None) -> None:
        """Show `layer` (None: nothing selected); the next maps that arrive are of that layer.

        The same layer with another `shape` (an edit changed it) starts afresh too, so the heading follows the canvas.
        """
        if layer == self.layer and shape == self._shape:
            return
        self.layer, self._shape = layer, shape
        self.maps = None
        self.channel = None
        self._zoomed = None
        self.mosaic_image.clear()
        self.zoom_image.clear()
        self.highlight.setVisible(False)
        self.zoom_label.setText("click a channel")
        self.mosaic_label.setText("channels")
        if layer is None:
            self.heading.setText("Select a layer on the canvas to see its feature maps.")
            return
        shape_part = f" · output {shape_text(shape)}" if shape else ""
        self.heading.setText(f"<b>{layer}</b>{shape_part} · waiting for the model…")
        self.probeChanged.emit(layer, self.sample)

    def show_maps(self, maps: FeatureMaps) -> None:
        """New activations: the images change; titles and ranges only when the layer or sample did."""
        if maps.layer != self.layer:
            return  # computed for the previous selection
        previous, self.maps = self.maps, maps
        mosaic = maps.mosaic
        self.mosaic_image.setImage(mosaic.image, autoLevels=False, levels=(0.0, 1.0))
        if previous is None or previous.sample != maps.sample or previous.mosaic.image.shape != mosaic.image.shape:
            self.mosaic_box.autoRange(padding=0.02)
            label = ""
            if self._samples is not None and maps.sample < len(self._samples.labels):
                label = f" · {self._samples.split} sample {maps.sample}: “{self._samples.labels[maps.sample]}”"
            stride = f" · every {mosaic.stride}th pixel" if mosaic.stride > 1 else ""
            self.heading.setText(f"<b>{maps.layer}</b> · output {shape_text(maps.activation.shape)}{label}{stride}")
            self.mosaic_label.setText(f"{mosaic.count} channels, each scaled to its own range")
            if self.channel is None:
                self.channel = 0  # something to look at in the enlarged view from the start
            self._zoomed = None
        if self.channel is not None and self.channel < mosaic.count:
            self._show_channel(self.channel)

    def show_message(self, text: str) -> None:
        self.heading.setText(text)

    # -- channel enlargement ----------------------------------------------------------------------------------------
    def _show_channel(self, index: int) -> None:
        tiles = channel_tiles(self.maps.activation)
        channel = tiles[index]
        finite = channel[np.isfinite(channel)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.zoom_image.setImage(channel, autoLevels=False, levels=(low, high if high > low else low + 1.0))
        self.zoom_label.setText(f"channel {index}: values {low:.3g} … {high:.3g}")
        if self._zoomed == index:
            return
        self._zoomed = index
        self.zoom_box.autoRange(padding=0.02)
        x, y = self.maps.mosaic.tile_origin(index)
        h, w = self.maps.mosaic.tile_shape
        self.highlight.setRect(x - 0.5, y - 0.5, w + 1, h + 1)
        self.highlight.setVisible(True)

    def select_channel(self, index: int) -> None:
        if self.maps is not None and 0 <= index < self.maps.mosaic.count:
            self.channel = index
            self._show_channel(index)

    @Slot(float, float)
    def _on_mosaic_clicked(self, x: float, y: float) -> None:
        if self.maps is not None:
            index = self.maps.mosaic.tile_at(x, y)
            if index is not None:
                self.select_channel(index)

    @Slot(str)
    def _on_color_map_changed(self, name: str) -> None:
        lut = color_lut(name)
        self.mosaic_image.setLookupTable(lut)
        self.zoom_image.setLookupTable(lut)

    @Slot(int)
    def _on_sample_activated(self, index: int) -> None:
        self.sample = index
        if self.layer is not None:
            self.probeChanged.emit(self.layer, index)

