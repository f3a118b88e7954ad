"""The training panel: data set, hyperparameters, memory check, Start/Pause/Stop and progress.

Hyperparameters start from the preset's paper recipe (`TrainConfig.from_preset`,
which caps batch size and epochs for the small embedded data sets) whenever
a different model is loaded; the user's edits stay until then.  The data
set loads in a background thread and shows a preview: thumbnails spread
over the classes (or a scatter of 2-D points) and the class balance.
Before Start, the spec's training-memory estimate is compared with free
GPU or host memory; an invalid graph or a model that cannot take the data
disables Start and says why.  The panel only builds `TrainRequest`s and
shows state: `TrainingController` runs them.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.data import Dataset, list_datasets
from workbench.errors import WorkbenchError
from workbench.spec import Analysis, ModelSpec, analyze
from workbench.spec.units import human, human_bytes
from workbench.train import ConfigError, TrainConfig
from workbench.train.execution import MAX_STEPS, auto_steps_per_execution
from workbench.train.live.datasets import DataSource, Preview, load_with_preview
from workbench.train.live.memory_check import FreeMemory, MemoryCheck, check_memory, host_memory, query_gpu_memory
from workbench.train.live.progress import ProgressMeter

from ..background import BackgroundTask, problem_text
from ..config_form import HyperparameterForm
from ..theme import mark_color
from .plotting import TRAIN, VALIDATION, RedrawPacer, background, style_plot
from .sample_grid import SampleGrid
from .worker import TrainRequest

OPEN_FOLDER = "open-folder"
OPEN_FILE = "open-file"
DATA_FILE_FILTER = "Data files (*.csv *.tsv *.npz *.h5 *.hdf5);;All files (*)"
#: seconds between data reloads while the seed or validation split is being edited
RELOAD_DELAY_MS = 400
MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")
PREVIEW_HEIGHT = 150


class TrainingPanel(QWidget):
    """Builds training requests from the form; shows the run's state and progress."""

    startClicked = Signal()
    pauseClicked = Signal()
    resumeClicked = Signal()
    stopClicked = Signal()
    resumeRunClicked = Signal()
    exportClicked = Signal()

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self.dataset: Dataset | None = None
        self.loaded_source: DataSource | None = None
        self.preview: Preview | None = None
        self.meter: ProgressMeter | None = None
        self.device_text = "detected when TensorFlow has loaded"
        self.gpu_memory: FreeMemory | None = None
        self.memory: MemoryCheck | None = None
        self.blocker: str | None = None  # why Start is disabled
        self.external_blocker: str | None = None  # a reason from outside the panel (a comparison running)
        self._running = False
        self._paused = False
        self._has_model = False
        self._wanted_dataset: str | None = None
        self._auto_dataset = True  # the data set was picked for the model, not by the user
        self._active = False  # data sets load once the panel has been shown (or a run needs one)
        self._checks_stale = True
        self._trained_key: tuple | None = None
        self._trained: tuple | WorkbenchError | None = None
        self.loader = BackgroundTask("dataset-loader", self)
        self.gpu_query = BackgroundTask("gpu-memory", self)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._progress_pacer = RedrawPacer(self._show_meter, parent=self)

        self._build_data_group()
        self._build_hyperparameters()
        self._build_controls()
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.run_group)
        column.addWidget(self.data_group)
        column.addWidget(self.hyper_group)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._connect()
        self._fill_datasets()
        self.apply_config(TrainConfig.from_preset(self.doc.spec, tensorboard=True))
        self._refresh_checks()
        self._update_buttons()

    # -- building ---------------------------------------------------------------------------------------------------
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
        layout = QVBoxLayout(self.data_group)
        layout.addWidget(self.dataset_combo)
        layout.addWidget(self.dataset_info)
        layout.addWidget(self.preview_stack)
        layout.addWidget(self.balance)

    def _build_hyperparameters(self) -> None:
        self.hyper_group = QGroupBox("Hyperparameters")
        self.form = HyperparameterForm(parent=self)
        for name, editor in self.form.editors.items():  # the names the rest of the panel (and tests) use
            setattr(self, name, editor)
        self.save_keras = QCheckBox("Also save .keras")
        self.save_keras.setToolTip("Besides model.h5, write model.keras into the run folder")
        self.defaults_button = QPushButton("Paper defaults")
        self.defaults_button.setToolTip("Reset to the preset's training recipe, scaled for small data")
        self.recipe = QLabel()
        self.recipe.setWordWrap(True)
        self.recipe.setProperty("role", "caption")
        form = self.form
        form.addRow("", self.save_keras)
        layout = QVBoxLayout(self.hyper_group)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.recipe, 1)
        row.addWidget(self.defaults_button, 0, Qt.AlignTop)
        layout.addLayout(row)

    def _build_controls(self) -> None:
        self.run_group = QGroupBox("Run")
        self.device_label = QLabel(f"Device: {self.device_text}")
        self.device_label.setWordWrap(True)
        self.memory_label = QLabel()
        self.memory_label.setWordWrap(True)
        self.fit_batch_button = QPushButton()
        self.fit_batch_button.setVisible(False)
        self.blocker_label = QLabel()
        self.blocker_label.setWordWrap(True)
        self.blocker_label.setProperty("role", "banner")
        self.blocker_label.setVisible(False)
        self.start_button = QPushButton("Train")
        self.start_button.setDefault(True)
        self.start_button.setToolTip("Train the model on the canvas with these settings")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the current batch; the model and the history so far are saved")
        self.resume_run_button = QPushButton("Resume run…")
        self.resume_run_button.setToolTip("Continue an earlier run from its last checkpoint, optimizer state included")
        self.export_button = QPushButton("Save model…")
        self.export_button.setToolTip("Save the last run's model as .h5 (with its layout and curves) or .keras")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel("Not started")
        self.progress_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 2)
        buttons.addWidget(self.pause_button, 1)
        buttons.addWidget(self.stop_button, 1)
        more = QHBoxLayout()
        more.addWidget(self.resume_run_button)
        more.addWidget(self.export_button)
        layout = QVBoxLayout(self.run_group)
        layout.addWidget(self.device_label)
        layout.addWidget(self.memory_label)
        layout.addWidget(self.fit_batch_button)
        layout.addWidget(self.blocker_label)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.status_label)
        layout.addLayout(more)

    def _connect(self) -> None:
        self.doc.specChanged.connect(self._on_spec_changed)
        self.doc.loaded.connect(self._on_model_loaded)
        self.dataset_combo.activated.connect(self._on_dataset_activated)
        self.loader.done.connect(self._on_dataset_loaded)
        self.loader.failed.connect(self._on_dataset_failed)
        self.gpu_query.done.connect(self._on_gpu_memory)
        self._reload_timer.timeout.connect(self._reload_dataset)
        self.seed.valueChanged.connect(self._on_split_changed)
        self.validation_split.valueChanged.connect(self._on_split_changed)
        for signal in (self.batch_size.valueChanged, self.optimizer.currentTextChanged):
            signal.connect(self._on_memory_inputs_changed)
        self.batch_size.valueChanged.connect(self._show_auto_steps)
        self.optimizer.currentTextChanged.connect(self._on_optimizer_changed)
        self.defaults_button.clicked.connect(self._on_defaults_clicked)
        self.fit_batch_button.clicked.connect(self._on_fit_batch_clicked)
        self.start_button.clicked.connect(self.startClicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button.clicked.connect(self.stopClicked)
        self.resume_run_button.clicked.connect(self.resumeRunClicked)
        self.export_button.clicked.connect(self.exportClicked)

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
        """mnist_subset for image models with a larger input, digits for small ones, xor for flat inputs."""
        shape = tuple(self.doc.spec.input_shape)
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

    # -- hyperparameters -------------------------------------------------------------------------------------------
    def apply_config(self, config: TrainConfig) -> None:
        self.form.apply(config)
        self._on_optimizer_changed(config.optimizer)
        training = self.doc.spec.training or {}
        recipe = training.get("notes") or ""
        paper = ", ".join(f"{k.replace('_', ' ')} {training[k]}" for k in ("optimizer", "learning_rate", "batch_size",
                                                                         "epochs", "schedule") if k in training)
        self.recipe.setText(f"Paper: {paper}" if paper else "No paper recipe for this model; Keras defaults.")
        self.recipe.setToolTip(recipe)

    def config(self) -> TrainConfig:
        """The form as a TrainConfig; ConfigError names a bad value."""
        return self.form.config()

    def auto_steps(self) -> int:
        """The automatic batches-per-call for the model as it will be built and the chosen batch size."""
        try:
            macs = self.trained()[1].total_macs
        except WorkbenchError:
            macs = self.doc.analysis.total_macs
        batch = self.batch_size.value()
        samples = self.dataset.num_train if self.dataset is not None else 0
        if self.dataset is not None and not self.dataset.num_val:
            samples = int(samples * (1 - self.validation_split.value()))
        steps_per_epoch = math.ceil(samples / batch) if samples else MAX_STEPS
        return auto_steps_per_execution(macs, batch, steps_per_epoch, on_gpu="GPU" in self.device_text)

    @Slot()
    def _show_auto_steps(self, *_args) -> None:
        self.steps_per_execution.setSpecialValueText(f"auto ({self.auto_steps()})")

    @Slot(str)
    def _on_optimizer_changed(self, name: str) -> None:
        self.momentum.setEnabled(name in MOMENTUM_OPTIMIZERS)

    @Slot()
    def _on_defaults_clicked(self) -> None:
        self.apply_config(TrainConfig.from_preset(self.doc.spec))

    @Slot()
    def _on_model_loaded(self) -> None:
        """A different model: its paper's recipe, and a data set that suits its input if none is chosen yet."""
        try:
            self.apply_config(TrainConfig.from_preset(self.doc.spec))
        except ConfigError as exc:
            self.status_label.setText(str(exc))
        if self._auto_dataset and self._default_dataset() != self._wanted_dataset:
            self.choose_dataset(self._default_dataset(), by_user=False)

    # -- checks before Start -----------------------------------------------------------------------------------------
    def trained(self) -> tuple[ModelSpec, Analysis]:
        """The spec as it will be built for the loaded data (head and input adapted) and its analysis.

        Computed once per edit and data set (the Document makes a new analysis per edit), so the
        panel's checks add no analysis of their own to editing a large model.  Raises TrainError.
        """
        key = (self.doc.analysis, self.dataset)
        if self._trained_key is None or any(a is not b for a, b in zip(key, self._trained_key)):
            self._trained_key, self._trained = key, self._adapt()
        if isinstance(self._trained, WorkbenchError):
            raise self._trained
        return self._trained

    def _adapt(self) -> tuple[ModelSpec, Analysis] | WorkbenchError:
        from workbench.train.prepare import adapt_spec

        if self.dataset is None:
            return self.doc.spec, self.doc.analysis
        try:
            spec = adapt_spec(self.doc.spec, self.dataset)[0]
        except WorkbenchError as exc:
            return exc
        return spec, analyze(spec)

    def set_external_blocker(self, reason: str | None) -> None:
        """Disable Start for a reason outside the model and the form; None lifts it."""
        self.external_blocker = reason
        self._refresh_checks()

    def _blocker(self) -> str | None:
        if self.external_blocker:
            return self.external_blocker
        errors = self.doc.analysis.errors
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            where = f"{first.layer}: " if first.layer else ""
            return f"Cannot train: the graph has errors. {where}{first.message}{more}"
        if not self.doc.spec.layers:
            return "Cannot train: the model has no layers."
        if self.dataset is None:
            return None
        try:
            self.trained()
        except WorkbenchError as exc:
            return f"Cannot train on {self.loaded_source.label}: {problem_text(exc)}"
        return None

    def _refresh_checks(self) -> None:
        """Start's blocker, the memory check, the automatic batches per call: now if shown, else when shown."""
        if not self.isVisible():
            self._checks_stale = True
            return
        self._checks_stale = False
        self.blocker = self._blocker()
        self._show_auto_steps()
        self.blocker_label.setVisible(self.blocker is not None)
        if self.blocker is not None:
            self.blocker_label.setText(self.blocker)
            self.blocker_label.setStyleSheet(f"color: {mark_color('error').name()};")
        self._check_memory()
        self._update_buttons()

    def _check_memory(self) -> None:
        if self.blocker is not None:
            self.memory = None
            self.memory_label.setText("")
            self.fit_batch_button.setVisible(False)
            return
        try:
            analysis = self.trained()[1]
        except WorkbenchError:
            return
        on_gpu = "GPU" in self.device_text
        available = self.gpu_memory if on_gpu else host_memory()
        self.memory = check_memory(analysis, self.batch_size.value(), self.optimizer.currentText(), available)
        colour = mark_color("ok" if self.memory.fits else "error").name()
        params = f"{human(analysis.total_params)} parameters · "
        self.memory_label.setText(f"<span style='color:{colour}'>Memory: {self.memory.message}</span>")
        self.memory_label.setToolTip(f"{params}estimate for batch {self.batch_size.value()} with "
                                     f"{self.optimizer.currentText()}: weights, gradients, optimizer slots, "
                                     f"activations kept for the backward pass")
        best = self.memory.largest_batch
        offer = not self.memory.fits and bool(best)
        self.fit_batch_button.setVisible(offer)
        if offer:
            self.fit_batch_button.setText(f"Use batch size {best}")

    @Slot()
    def _on_memory_inputs_changed(self, *_args) -> None:
        self._check_memory()

    @Slot()
    def _on_fit_batch_clicked(self) -> None:
        if self.memory is not None and self.memory.largest_batch:
            self.batch_size.setValue(self.memory.largest_batch)

    @Slot()
    def _on_spec_changed(self) -> None:
        self._refresh_checks()

    def set_device(self, description: str) -> None:
        """What training runs on (from the TensorFlow loader, then from the run itself)."""
        self.device_text = description
        self.device_label.setText(f"Device: {description}")
        if "GPU" in description and self.gpu_memory is None:
            self.gpu_query.submit(query_gpu_memory)
        self._check_memory()

    @Slot(object)
    def _on_gpu_memory(self, free: FreeMemory | None) -> None:
        self.gpu_memory = free
        self._check_memory()

    # -- requests ----------------------------------------------------------------------------------------------------------
    def request(self, probe_layer: str | None = None) -> TrainRequest:
        """A request for the current form; ConfigError or WorkbenchError say what is wrong."""
        if self._checks_stale:
            self._checks_stale = False
            self.blocker = self._blocker()
        if self.blocker is not None:
            raise ConfigError(self.blocker)
        source = self.source()
        dataset = self.dataset if source == self.loaded_source else None
        return TrainRequest(
            spec=self.doc.spec.copy(),
            source=source,
            config=self.config(),
            dataset=dataset,
            save_keras=self.save_keras.isChecked(),
            probe_layer=probe_layer,
        )

    # -- run state ------------------------------------------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self._running = running
        self._paused = False
        if running:
            self.progress.setValue(0)
            self.progress_label.setText("Starting…")
            self.status_label.setText("")
            self.status_label.setStyleSheet("")
        self._update_buttons()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self.meter is not None:
            self.meter.forget_rate()
            self.progress_label.setText(("Paused · " if paused else "") + self.meter.text())
        self._update_buttons()

    def set_has_model(self, has_model: bool) -> None:
        self._has_model = has_model
        self._update_buttons()

    def begin_progress(self, info) -> None:
        self.meter = ProgressMeter(info.steps_per_epoch, info.epochs, info.initial_epoch, info.batch_size)
        self.set_device(info.device)
        self.progress_label.setText(self.meter.text())
        self.progress.setValue(int(self.meter.fraction * 1000))

    def add_progress(self, steps, times) -> None:
        if self.meter is None:
            return
        self.meter.add(steps, times)
        self._progress_pacer.request()

    def end_epoch(self, epoch: int) -> None:
        if self.meter is not None:
            self.meter.end_epoch(epoch)
            self._show_meter()

    def _show_meter(self) -> None:
        if self.meter is None:
            return
        self.progress.setValue(int(self.meter.fraction * 1000))
        self.progress_label.setText(("Paused · " if self._paused else "") + self.meter.text())

    def show_status(self, text: str, severity: str | None = None) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {mark_color(severity).name()};" if severity else "")

    def _update_buttons(self) -> None:
        running = self._running
        self.start_button.setEnabled(not running and self.blocker is None and self._wanted_dataset is not None)
        self.start_button.setToolTip(self.blocker or "Train the model on the canvas with these settings")
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if self._paused else "Pause")
        self.stop_button.setEnabled(running)
        self.resume_run_button.setEnabled(not running)
        self.export_button.setEnabled(not running and self._has_model)
        for widget in (self.dataset_combo, self.hyper_group):
            widget.setEnabled(not running)

    @Slot()
    def _on_pause_clicked(self) -> None:
        (self.resumeClicked if self._paused else self.pauseClicked).emit()

    def shutdown(self) -> None:
        self.loader.shutdown()
        self.gpu_query.shutdown()
