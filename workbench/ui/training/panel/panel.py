"""The training panel widget: hyperparameters, Start/Pause/Stop and progress, around its data-set and check parts."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.data import Dataset
from workbench.errors import WorkbenchError
from workbench.spec.networks import NetworkSet
from workbench.train import ConfigError, TrainConfig
from workbench.train.execution import MAX_STEPS, auto_steps_per_execution
from workbench.train.live.datasets import DataSource, Preview
from workbench.train.memory_check import FreeMemory, MemoryCheck
from workbench.train.live.progress import ProgressMeter

from ...background import BackgroundTask
from ...config_form import HyperparameterForm
from ...theme import mark_color
from ..plotting import RedrawPacer
from ..worker import TrainRequest
from .checks import ChecksPart
from .data import DataSetPart

#: seconds between data reloads while the seed or validation split is being edited
RELOAD_DELAY_MS = 400
MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")


class TrainingPanel(DataSetPart, ChecksPart, QWidget):
    """Builds training requests from the form; shows the run's state and progress."""

    startClicked = Signal()
    pauseClicked = Signal()
    resumeClicked = Signal()
    stopClicked = Signal()
    resumeRunClicked = Signal()
    exportClicked = Signal()
    trainAnywayClicked = Signal()

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
        self.apply_config(TrainConfig.from_preset(self.doc.trainable(), tensorboard=True))
        self._refresh_checks()
        self._update_buttons()

    # -- building ---------------------------------------------------------------------------------------------------
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
        self.train_anyway_button = QPushButton("Train anyway")
        self.train_anyway_button.setToolTip("Train without the memory check; the run may fail for lack of memory")
        self.train_anyway_button.setVisible(False)
        self.drift_label = QLabel()  # the canvas was edited after the running (or last) model was built
        self.drift_label.setWordWrap(True)
        self.drift_label.setProperty("role", "banner")
        self.drift_label.setVisible(False)
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
        layout.addWidget(self.train_anyway_button)
        layout.addWidget(self.drift_label)
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
        self.train_anyway_button.clicked.connect(self.trainAnywayClicked)

    # -- hyperparameters -------------------------------------------------------------------------------------------
    def apply_config(self, config: TrainConfig) -> None:
        self.form.apply(config)
        self._on_optimizer_changed(config.optimizer)
        training = self.doc.trainable().training or {}
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
        self.apply_config(TrainConfig.from_preset(self.doc.trainable()))

    @Slot()
    def _on_model_loaded(self) -> None:
        """A different model: its paper's recipe, and a data set that suits its input if none is chosen yet."""
        try:
            self.apply_config(TrainConfig.from_preset(self.doc.trainable()))
        except ConfigError as exc:
            self.status_label.setText(str(exc))
        if self._auto_dataset and self._default_dataset() != self._wanted_dataset:
            self.choose_dataset(self._default_dataset(), by_user=False)

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
        spec = self.doc.trainable().copy()  # every network of a multi-network preset
        return TrainRequest(
            spec=spec,
            source=source,
            config=self.config(),
            dataset=dataset,
            save_keras=self.save_keras.isChecked(),
            probe_layer=None if isinstance(spec, NetworkSet) else probe_layer,  # no one layer of several networks
        )

    # -- run state ------------------------------------------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self._running = running
        self._paused = False
        if running:
            self.offer_train_anyway(False)
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

    def end_progress(self, text: str) -> None:
        """The run is over: the progress line says how it ended instead of where it was."""
        self._paused = False
        self.meter = None
        self.progress_label.setText(text)

    def clear_run(self) -> None:
        """A different model on the canvas: no progress, status or offers left from the last run."""
        self.end_progress("Not started")
        self.progress.setValue(0)
        self.show_status("")
        self.offer_train_anyway(False)

    def offer_train_anyway(self, shown: bool) -> None:
        self.train_anyway_button.setVisible(shown)

    def show_drift(self, text: str | None) -> None:
        """Say that the canvas differs from the model being (or last) trained; None hides it."""
        self.drift_label.setText(text or "")
        self.drift_label.setVisible(bool(text))

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
