"""The training feature in one object: the panel, the live views, evaluation and runs around a TrainingJob.

The main window creates one `TrainingController`, puts its widgets in
docks and its actions in a menu; everything else about training happens
here.  All of the job's signals arrive at slots of this GUI-thread object,
which hands the data to the views.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from workbench.data import dataset_names
from workbench.errors import WorkbenchError
from workbench.spec import INPUT, ModelSpec
from workbench.train import DIVERGED, FINISHED, STOPPED, RunDir, TrainResult
from workbench.train.batches import BatchChunk
from workbench.train.live.datasets import DataSource

from ..background import problem_text
from .curves import CurvesView
from .evaluation import EvaluationView
from .feature_maps import FeatureMapView
from .job import TrainingJob
from .panel import TrainingPanel
from .runs import RunsView
from .views import TaskViews
from .weights import WeightsView
from .worker import FeatureMaps, RunStarted, TrainRequest

MODEL_FILTER = "Keras HDF5 model (*.h5);;Keras v3 model (*.keras)"


def default_probe_layer(spec: ModelSpec) -> str | None:
    """The layer whose feature maps show when none is selected: the first convolution, else the first layer."""
    for layer in spec.layers:
        if layer.type.startswith("Conv"):
            return layer.name
    return spec.layers[0].name if spec.layers else None


class TrainingController(QObject):
    """Starts, pauses, stops and resumes runs, and routes their progress to the views.

    For the window: `openModelRequested(path)` (open a model file: its graph,
    and its curves through `show_model_curves`), `closeRequested()` (a close
    deferred until the run has saved), `finished(result)`, `message(text)`
    (for the status bar); `open_spec` is set to a callable that replaces the
    Document's model after asking about unsaved changes.
    """

    openModelRequested = Signal(str)
    closeRequested = Signal()
    finished = Signal(object)
    message = Signal(str)

    def __init__(self, document, window: QWidget | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.doc = document
        self.window = window
        self.job = TrainingJob(self)
        self.panel = TrainingPanel(document)
        self.curves = CurvesView()
        self.feature_maps = FeatureMapView()
        self.weights = WeightsView()
        self.evaluation = EvaluationView()
        self.runs = RunsView()
        self.task_views = TaskViews()
        self.task_views.set_task(document.spec.task)
        self.open_spec = None  # callable(spec) -> bool, set by the window (asks about unsaved changes)
        self.last_result: TrainResult | None = None
        self.confirm_close = True
        self._close_after_run = False
        self._connect()
        self._on_selection_changed(self.doc.selection())

    def _connect(self) -> None:
        panel, job = self.panel, self.job
        panel.startClicked.connect(self.start)
        panel.pauseClicked.connect(self.pause)
        panel.resumeClicked.connect(self.resume)
        panel.stopClicked.connect(self.stop)
        panel.resumeRunClicked.connect(self.resume_run_dialog)
        panel.exportClicked.connect(self.export_dialog)
        job.runningChanged.connect(self._on_running_changed)
        job.status.connect(self._on_status)
        job.started.connect(self._on_started)
        job.batches.connect(self._on_batches)
        job.epochEnded.connect(self._on_epoch)
        job.weights.connect(self.weights.add_snapshot)
        job.featureMaps.connect(self._on_feature_maps)
        job.samples.connect(self.task_views.show_samples)
        job.generated.connect(self.task_views.show_generated)
        self.task_views.generateRequested.connect(job.generate)
        job.probeFailed.connect(self.feature_maps.show_message)
        job.evaluated.connect(self._on_evaluated)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        job.exported.connect(self._on_exported)
        job.exportFailed.connect(self._on_export_failed)
        self.doc.selectionChanged.connect(self._on_selection_changed)
        self.doc.loaded.connect(self._on_model_loaded)
        self.feature_maps.probeChanged.connect(self._on_probe_changed)
        self.runs.openModelRequested.connect(self.openModelRequested)  # the window opens it, curves included
        self.runs.resumeRequested.connect(self.resume_run)
        self.curves.exported.connect(self._on_curves_exported)

    # -- actions ------------------------------------------------------------------------------------------------------
    @Slot()
    def start(self) -> bool:
        """Train the document's model with the panel's settings; False if a run is going or the form is invalid."""
        if self.job.running():
            return False
        try:
            request = self.panel.request(self.feature_maps.layer)
        except WorkbenchError as exc:
            self.panel.show_status(problem_text(exc), "error")
            return False
        memory = self.panel.memory
        if memory is not None and not memory.fits and self.window is not None:
            answer = QMessageBox.question(
                self.window, "Not enough memory",
                f"{memory.message}\n\nTrain with batch size {self.panel.batch_size.value()} anyway?",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer != QMessageBox.Yes:
                return False
        return self._launch(request)

    def set_blocked(self, reason: str | None) -> None:
        """Refuse new runs while `reason` holds (shown on the panel); None lifts it."""
        self.panel.set_external_blocker(reason)

    def _launch(self, request) -> bool:
        if self.panel.external_blocker:
            self.panel.show_status(self.panel.external_blocker, "error")
            return False
        if not self.job.start(request):
            return False
        self.last_result = None
        self.evaluation.clear("The evaluation appears when the run ends.")
        self.message.emit(f"Training {request.spec.name} on {request.source.label}…")
        return True

    @Slot()
    def pause(self) -> None:
        self.job.pause()
        self.panel.set_paused(self.job.paused())

    @Slot()
    def resume(self) -> None:
        self.job.resume()
        self.panel.set_paused(False)

    @Slot()
    def stop(self) -> None:
        if self.job.running():
            self.job.stop()
            self.panel.show_status("Stopping after the current batch; the model and history so far will be saved…")

    @Slot()
    def resume_run_dialog(self) -> None:
        start = str(self.runs.root) if self.runs.root.is_dir() else ""
        folder = QFileDialog.getExistingDirectory(self.window, "Resume a run folder", start)
        if folder:
            self.resume_run(folder)

    @Slot(str)
    def resume_run(self, folder: str, epochs: int | None = None) -> bool:
        """Continue a run from its last checkpoint (weights and optimizer state), up to `epochs` in total.

        The run's own spec and settings are used; its spec replaces the
        canvas' model first (the window asks about unsaved changes).
        """
        if self.job.running():
            return False
        run = RunDir(folder)
        try:
            spec, config, record = run.load_spec(), run.load_config(), run.read_run()
            done = run.load_checkpoint("last").epoch
        except WorkbenchError as exc:
            QMessageBox.warning(self.window, "Cannot resume", problem_text(exc))
            return False
        if epochs is None:  # suggest the run's planned total, or as many epochs again when it got there
            planned = config.epochs if config.epochs > done else done + config.epochs
            epochs, ok = QInputDialog.getInt(
                self.window, "Resume run", f"{spec.name} has trained {done} epochs. Train up to epoch:",
                planned, done + 1, 100000)
            if not ok:
                return False
        if self.open_spec is not None and not self.open_spec(spec):
            return False
        config = config.replace(epochs=int(epochs))
        source = _run_source(record, config)
        self.panel.apply_config(config)
        self.panel.choose_dataset(source.name)
        request = TrainRequest(
            spec=spec.copy(), source=source, config=config,
            dataset=self.panel.dataset if source == self.panel.loaded_source else None,
            run_dir=Path(folder), resume_from=Path(folder), save_keras=self.panel.save_keras.isChecked(),
            probe_layer=self.feature_maps.layer,
        )
        return self._launch(request)

    @Slot()
    def export_dialog(self) -> None:
        if not self.job.has_model():
            return
        suggested = str(Path.home() / f"{self.doc.spec.name.replace(' ', '_').lower()}.h5")
        path, chosen = QFileDialog.getSaveFileName(self.window, "Save trained model", suggested, MODEL_FILTER)
        if not path:
            return
        if not path.lower().endswith((".h5", ".keras")):
            path += ".keras" if chosen.endswith("(*.keras)") else ".h5"
        self.export(path)

    def export(self, path: str) -> bool:
        """Save the last run's model to `path` (.h5: with its layout and curves; .keras); `exported` follows."""
        return self.job.export(path)

    def show_model_curves(self, path: str) -> bool:
        """The training history a workbench .h5 carries, drawn in the curves view; False when it has none."""
        from workbench.keras_bridge import read_metadata  # reads attributes with h5py; no Keras import

        try:
            metadata = read_metadata(path)
        except (WorkbenchError, OSError, ValueError) as exc:
            self.message.emit(f"No curves in {Path(path).name}: {problem_text(exc)}")
            return False
        history = metadata.get("workbench_history")
        if not history:
            return False
        run = metadata.get("workbench_run") or {}
        monitor = (run.get("result") or {}).get("monitor") if isinstance(run, dict) else None
        self.curves.show_history(history, monitor or None)
        self.message.emit(f"Curves of {Path(path).name}: {len(history.get('epoch', []))} epochs")
        return True

    # -- closing ---------------------------------------------------------------------------------------------------------
    def ready_to_close(self) -> bool:
        """True when the window may close now; otherwise the run is stopping and `closeRequested` follows."""
        if not self.job.running():
            return True
        if self._close_after_run:
            return False
        if self.confirm_close and self.window is not None:
            answer = QMessageBox.question(
                self.window, "Training is running",
                "A model is training. Stop it, save the model and the history so far, and close?",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
            if answer != QMessageBox.Yes:
                return False
        self._close_after_run = True
        self.job.stop(closing=True)
        self.panel.show_status("Stopping and saving; the window closes when the model is saved…")
        return False

    def shutdown(self) -> None:
        """Stop a run, wait for it to save, end every thread (before the window is destroyed)."""
        self.job.shutdown()
        self.panel.shutdown()
        self.runs.shutdown()

    # -- from the job ----------------------------------------------------------------------------------------------------
    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self.panel.set_running(running)
        self.panel.set_has_model(self.job.has_model())

    @Slot(str)
    def _on_status(self, text: str) -> None:
        self.panel.show_status(text)

    @Slot(object)
    def _on_started(self, started: RunStarted) -> None:
        info = started.info
        self.curves.begin_run(info)
        self.task_views.set_task(started.spec.task)
        self.feature_maps.set_samples(started.samples)
        self.weights.set_spec(started.spec, info.epochs)
        self.panel.begin_progress(info)
        resumed = f", resuming after epoch {info.initial_epoch}" if info.initial_epoch else ""
        self.panel.show_status(f"Training on {info.device}: {info.num_train:,} samples, {info.num_val:,} for "
                               f"validation{resumed}. Run folder: {breakable(info.run_dir)}")

    @Slot(object)
    def _on_batches(self, chunk: BatchChunk) -> None:
        self.curves.add_batches(chunk.steps, chunk.times, chunk.metrics)
        self.panel.add_progress(chunk.steps, chunk.times)

    @Slot(int, object)
    def _on_epoch(self, epoch: int, logs: dict) -> None:
        self.curves.add_epoch(epoch, logs)
        self.panel.end_epoch(epoch)

    @Slot(object)
    def _on_feature_maps(self, maps: FeatureMaps) -> None:
        self.feature_maps.show_maps(maps)

    @Slot(object)
    def _on_evaluated(self, evaluation) -> None:
        self.evaluation.show_evaluation(evaluation)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.panel.show_status(message, "error")
        self.message.emit(message.splitlines()[0])

    @Slot(object)
    def _on_finished(self, result: TrainResult) -> None:
        self.last_result = result
        if result.status == DIVERGED:
            where = result.stopped_at
            steps = result.steps_per_epoch or 1
            position = (where["epoch"] - 1 + where["batch"] / steps) if where else float(result.epochs_completed)
            self.curves.mark_divergence(position, result.message)
            self.panel.show_status(result.message, "error")
        elif result.status in (FINISHED, STOPPED):
            self.panel.show_status(_finished_text(result), "ok")
            if self.evaluation.evaluation is not None:
                self.evaluation.show_evaluation(self.evaluation.evaluation, result.model_epoch)
        self.panel.set_has_model(self.job.has_model())
        self.runs.refresh()
        self.finished.emit(result)
        if self._close_after_run:
            self.closeRequested.emit()

    @Slot(str)
    def _on_exported(self, path: str) -> None:
        self.message.emit(f"Saved the trained model to {path}")
        self.panel.show_status(f"Saved the trained model to {breakable(path)}", "ok")

    @Slot(str)
    def _on_curves_exported(self, path: str) -> None:
        self.message.emit(f"Saved the curves to {path}")

    @Slot(str)
    def _on_export_failed(self, message: str) -> None:
        self.panel.show_status(message, "error")

    # -- from the document and the views ----------------------------------------------------------------------------
    @Slot(list)
    def _on_selection_changed(self, names: list) -> None:
        spec = self.doc.spec
        layers = [n for n in names if n != INPUT and n in spec.names()]
        layer = layers[0] if layers else (self.feature_maps.layer if self.feature_maps.layer in spec.names()
                                          else default_probe_layer(spec))
        info = self.doc.analysis.layers.get(layer) if layer else None
        self.feature_maps.set_layer(layer, info.output_shape if info else None)
        self.weights.set_layer(layer)

    @Slot()
    def _on_model_loaded(self) -> None:
        self.feature_maps.set_layer(None)
        self.task_views.set_task(self.doc.spec.task)  # empty: an opened model brings no samples
        self._on_selection_changed(self.doc.selection())

    @Slot(str, int)
    def _on_probe_changed(self, layer: str, sample: int) -> None:
        self.job.set_probe(layer, sample)


def _finished_text(result: TrainResult) -> str:
    what = "Finished" if result.status == FINISHED else "Stopped"
    best = ""
    if result.best_value is not None and result.best_epoch is not None:
        best = f"; best {result.monitor} {result.best_value:.4f} at epoch {result.best_epoch}"
    return (f"{what} after {result.epochs_completed} epoch{'s' * (result.epochs_completed != 1)} in "
            f"{result.seconds:.1f} s{best}. Saved {breakable(result.model_path)}")


def breakable(path) -> str:
    """A path a word-wrapping label may break after each separator (a zero-width space follows each '/')."""
    return str(path).replace("/", "/\u200b")


def _run_source(record: dict, config) -> DataSource:
    """The data a run used: a named data set again, or the file or folder it came from."""
    dataset = record.get("dataset") or {}
    name = str(dataset.get("name", ""))
    if name not in dataset_names() and dataset.get("source"):
        name = str(dataset["source"])
    return DataSource(name or "digits", config.seed, config.validation_split)
