"""The panel's data-set part: the choice of data set, loading it in the background, its preview."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QFileDialog, QGroupBox, QLabel, QMessageBox, QStackedWidget, QVBoxLayout

from workbench.data import list_datasets
from workbench.spec.units import human_bytes
from workbench.train.task_specs import input_shape_of
from workbench.train.live.datasets import DataSource, Preview, load_with_preview

from ...theme import follow_theme, mark_color
from ..plotting import TRAIN, VALIDATION, background, restyle_plots, style_plot
from ..sample_grid import SampleGrid

OPEN_FOLDER = "open-folder"
OPEN_FILE = "open-file"
DATA_FILE_FILTER = "Data files (*.csv *.tsv *.npz *.h5 *.hdf5);;All files (*)"
PREVIEW_HEIGHT = 150


class DataSetPart:
    """The data-set group and its loading; mixed into `TrainingPanel`, whose state it shares."""

    def _build_data_group(self) -> None:
        self.data_group = QGroupBox("Data set")
        self.dataset_combo = QComboBox()
        self.dataset_combo.setToolTip("Embedded data sets need no network; downloads are fetched once by Keras")
        self.dataset_info = QLabel("Loading…")
        self.dataset_info.setWordWrap(True)
        self.dataset_info.setProperty("role", "caption")
        self.preview_stack = QStackedWidget()
        self.thumbs = SampleGrid(icon_side=40)
        self.scatter = pg.PlotWidget(background=background(self))
        style_plot(self.scatter.getPlotItem(), self)
        self.scatter_item = pg.ScatterPlotItem(size=4, pen=None)
        self.scatter.addItem(self.scatter_item)
        self.rows_label = QLabel()
        self.rows_label.setWordWrap(True)
        self.rows_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        for widget in (self.thumbs, self.scatter, self.rows_label):
            self.preview_stack.addWidget(widget)
        self.preview_stack.setFixedHeight(PREVIEW_HEIGHT)
        self.balance = pg.PlotWidget(background=background(self))
        self.balance.setTitle(f"samples per class: <span style='color:{TRAIN}'>■</span> train "
                              f"<span style='color:{VALIDATION}'>■</span> validation", size="9pt")
        style_plot(self.balance.getPlotItem(), self)
        self.balance.setFixedHeight(130)
        self.balance.setMouseEnabled(x=False, y=False)
        self.train_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=TRAIN)
        self.val_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=VALIDATION)
        self.balance.addItem(self.train_bars)
        self.balance.addItem(self.val_bars)
        follow_theme(self, restyle_plots)
        layout = QVBoxLayout(self.data_group)
        layout.addWidget(self.dataset_combo)
        layout.addWidget(self.dataset_info)
        layout.addWidget(self.preview_stack)
        layout.addWidget(self.balance)

    # -- data sets ------------------------------------------------------------------------------------------------------
    def _fill_datasets(self) -> None:
        combo = self.dataset_combo
        combo.clear()
        for row in list_datasets():
            shape = "×".join(str(d) for d in row["input_shape"])
            if row["kind"] == "download":
                text = f"{row['name']} — download {human_bytes(row['download_size'])}"
            else:
                text = f"{row['name']} — {row['samples']:,} × {shape}"
            combo.addItem(text, row["name"])
            combo.setItemData(combo.count() - 1, row["description"], Qt.ToolTipRole)
        combo.insertSeparator(combo.count())
        combo.addItem("Open image folder…", OPEN_FOLDER)
        combo.addItem("Open CSV / NPZ / HDF5 file…", OPEN_FILE)
        self.choose_dataset(self._default_dataset(), by_user=False)

    def _default_dataset(self) -> str:
        """The task's own data set (dates for seq2seq, ...); else by the input: mnist_subset for image models
        with a larger input, digits for small ones, xor for flat inputs (a GAN's: its discriminator's, which reads
        the data)."""
        from workbench.tasks import TaskError, task_class  # no Keras: task modules import it in their methods

        trainable = self.doc.trainable()
        try:
            named = task_class(trainable.task).dataset
        except TaskError:  # an unknown task is the checks' to report; pick by the input meanwhile
            named = None
        if named is not None:
            return named
        shape = input_shape_of(trainable)
        if len(shape) != 3:
            return "xor"
        return "mnist_subset" if shape[0] and shape[0] >= 24 else "digits"

    def choose_dataset(self, name: str, by_user: bool = True) -> None:
        """Select (adding it if needed) and load a data set name or path.

        Loading waits until the panel is first shown; `activate()` starts it earlier.
        """
        self._auto_dataset = self._auto_dataset and not by_user
        combo = self.dataset_combo
        index = combo.findData(name)
        if index < 0:
            combo.insertItem(0, DataSource(name).label, name)
            combo.setItemData(0, name, Qt.ToolTipRole)
            index = 0
        combo.setCurrentIndex(index)
        self._wanted_dataset = name
        self._reload_dataset()

    def activate(self) -> None:
        """Load the chosen data set now (the panel is on screen, or a script is about to train)."""
        if not self._active:
            self._active = True
            self._reload_dataset()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.activate()
        if self._checks_stale:
            self._refresh_checks()

    def source(self) -> DataSource:
        return DataSource(self._wanted_dataset or "digits", self.seed.value(), round(self.validation_split.value(), 4))

    @Slot(int)
    def _on_dataset_activated(self, index: int) -> None:
        data = self.dataset_combo.itemData(index)
        if data == OPEN_FOLDER:
            path = QFileDialog.getExistingDirectory(self, "Image folder (one sub-folder per class)")
        elif data == OPEN_FILE:
            path, _ = QFileDialog.getOpenFileName(self, "Data file", "", DATA_FILE_FILTER)
        else:
            row = next((r for r in list_datasets() if r["name"] == data), None)
            if row is not None and row["kind"] == "download" and QMessageBox.question(
                self, "Download data set",
                f"{data} is not cached yet. Download {human_bytes(row['download_size'])} now?",
            ) != QMessageBox.Yes:
                path = None
            else:
                path = data
        if path:
            self.choose_dataset(path)
        else:  # back to what is loaded
            back = self.dataset_combo.findData(self._wanted_dataset)
            self.dataset_combo.setCurrentIndex(max(back, 0))

    @Slot()
    def _on_split_changed(self, *_args) -> None:
        self._reload_timer.start()

    @Slot()
    def _reload_dataset(self) -> None:
        source = self.source()
        if not self._active or (source == self.loaded_source and self.dataset is not None):
            return
        self.dataset_info.setText(f"Loading {source.label}…")
        self._update_buttons()
        self.loader.submit(lambda: (source, *load_with_preview(source)))

    @Slot(object)
    def _on_dataset_loaded(self, loaded) -> None:
        source, dataset, preview = loaded
        self.loaded_source, self.dataset, self.preview = source, dataset, preview
        notes = "".join(f"<br>⚠ {n}" for n in preview.notes)
        self.dataset_info.setText(f"{preview.description}{notes}")
        self._show_preview(preview)
        self._refresh_checks()
        self._update_buttons()

    @Slot(str)
    def _on_dataset_failed(self, message: str) -> None:
        self.dataset, self.loaded_source, self.preview = None, None, None
        self.dataset_info.setText(f"<span style='color:{mark_color('error').name()}'>{message}</span>")
        self._refresh_checks()
        self._update_buttons()

    def _show_preview(self, preview: Preview) -> None:
        if preview.thumbs is not None:
            self.thumbs.set_samples(preview.thumbs, preview.thumb_labels)
            self.preview_stack.setCurrentWidget(self.thumbs)
        elif preview.points is not None:
            colours = [pg.mkBrush(pg.intColor(int(c), hues=max(2, len(preview.class_names)))) for c in preview.point_labels]
            self.scatter_item.setData(pos=preview.points, brush=colours)
            self.scatter.autoRange()
            self.preview_stack.setCurrentWidget(self.scatter)
        else:
            rows = preview.rows if preview.rows is not None else np.zeros((0, 0))
            self.rows_label.setText("<br>".join(", ".join(f"{v:.3g}" for v in row[:8]) for row in rows)
                                    or "No preview for this data.")
            self.preview_stack.setCurrentWidget(self.rows_label)
        names = preview.class_names
        shown = preview.train_counts is not None
        self.balance.setVisible(shown)
        if shown:
            x = np.arange(len(names), dtype=np.float64)
            self.train_bars.setOpts(x=x - 0.2, height=preview.train_counts)
            val = preview.val_counts if preview.val_counts is not None else np.zeros(len(names))
            self.val_bars.setOpts(x=x + 0.2, height=val)
            step = max(1, math.ceil(len(names) / 12))
            self.balance.getAxis("bottom").setTicks([[(i, names[i][:8]) for i in range(0, len(names), step)]])
            self.balance.setXRange(-0.7, len(names) - 0.3, padding=0)
            self.balance.setYRange(0, float(max(preview.train_counts.max(), val.max(), 1)) * 1.1, padding=0)
