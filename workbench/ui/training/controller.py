"""The training feature in one object: the panel, the live views, evaluation and runs around a TrainingJob.

The main window creates one `TrainingController`, puts its widgets in docks and its actions in a
menu; everything else about training happens here.  All of the job's signals arrive at slots of
this GUI-thread object, which hands the data to the views.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from workbench.data import dataset_names
from workbench.data.registry import with_options
from workbench.errors import WorkbenchError
from workbench.spec import INPUT, ModelSpec
from workbench.spec.networks import NetworkSet, total_params
from workbench.spec.units import shape_text
from workbench.train import DIVERGED, FAILED, FINISHED, STOPPED, RunDir, TrainResult
from workbench.train.batches import BatchChunk
from workbench.train.live.datasets import DataSource
from workbench.train.memory_check import REFUSAL

from ..background import problem_text
from .curves import CurvesView
from .evaluation import EvaluationView
from .feature_maps import FeatureMapView, default_probe_layer, one_network_note
from .job import TrainingJob
from .panel import TrainingPanel
from .run_text import breakable, finished_text, progress_text
from .runs import RunsView, RunSummary, scan_runs
from .views import TaskViews
from .weights import WeightsView
from .worker import FeatureMaps, RunStarted, TrainRequest

MODEL_FILTER = "Keras HDF5 model (*.h5);;Keras v3 model (*.keras)"


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
        self.task_views.set_task(document.trainable().task)
        self.open_spec = None  # callable(spec) -> bool, set by the window (asks about unsaved changes)
        self.last_result: TrainResult | None = None
        self.confirm_close = True
        self._close_after_run = False
        self._last_request: TrainRequest | None = None
        self._trained_specs: list[ModelSpec] = []  # the running or last-trained model, as asked for and as built
        self._warnings: list[str] = []  # the current run's warnings (a diverging loss), kept in its final status
        self._replaced = False  # another model was opened since the last run (not an edit of the one trained)
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
        panel.trainAnywayClicked.connect(self.train_anyway)
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
        job.warning.connect(self._on_warning)
        job.finished.connect(self._on_finished)
        job.exported.connect(self._on_exported)
        job.exportFailed.connect(self._on_export_failed)
        self.doc.selectionChanged.connect(self._on_selection_changed)
        self.doc.loaded.connect(self._on_model_loaded)
        self.doc.specChanged.connect(self._on_spec_changed)
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
            request.check_memory = False  # the person chose to train anyway; the Trainer must not refuse it
        return self._launch(request)

    @Slot()
    def train_anyway(self) -> bool:
        """Run the request the Trainer refused for memory again, with its memory check off."""
        if self._last_request is None or self.job.running():
            return False
        self._last_request.check_memory = False
        return self._launch(self._last_request)

    def set_blocked(self, reason: str | None) -> None:
        """Refuse new runs while `reason` holds (shown on the panel); None lifts it."""
        self.panel.set_external_blocker(reason)

    def _launch(self, request) -> bool:
        if self.panel.external_blocker:
            self.panel.show_status(self.panel.external_blocker, "error")
            return False
        if not self.job.start(request):
            return False
        self._last_request = request
        self._trained_specs = [request.spec.copy()]
        self._replaced = False
        self._warnings = []
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
            self.panel.set_paused(False)  # a paused run stops too: the progress line must not say "Paused"
            self.panel.show_status("Stopping after the current batch; the model and history so far will be saved…")

    @Slot()
    def resume_run_dialog(self) -> None:
        """Offer the latest run that can be resumed (the one just stopped, usually); or pick a folder."""
        latest = self.latest_resumable()
        if latest is not None:
            box = QMessageBox(QMessageBox.Question, "Resume run",
                              f"Resume {latest.name} ({latest.status}, {latest.epochs} epochs saved, started "
                              f"{latest.started})?\n{latest.path}", QMessageBox.Cancel, self.window)
            resume = box.addButton(f"Resume {latest.name}", QMessageBox.AcceptRole)
            other = box.addButton("Another run…", QMessageBox.ActionRole)
            box.setDefaultButton(resume)
            box.exec()
            if box.clickedButton() is resume:
                self.resume_run(str(latest.path))
                return
            if box.clickedButton() is not other:
                return
        start = str(self.runs.root) if self.runs.root.is_dir() else ""
        folder = QFileDialog.getExistingDirectory(self.window, "Resume a run folder", start)
        if folder:
            self.resume_run(folder)

    def latest_resumable(self) -> RunSummary | None:
        """The last run's folder when it left a checkpoint, else the newest run under the runs folder that did."""
        runs = scan_runs(self.runs.root)
        if self.last_result is not None and self.last_result.run_dir is not None:
            mine = [run for run in runs if run.path == Path(self.last_result.run_dir)]
            runs = mine + [run for run in runs if run not in mine]
        return next((run for run in runs if run.has_checkpoint), None)

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
            spec=spec.copy(), source=source, config=config, probe_layer=self.feature_maps.layer,
            dataset=self.panel.dataset if source == self.panel.loaded_source else None,
            run_dir=Path(folder), resume_from=Path(folder), save_keras=self.panel.save_keras.isChecked(),
        )
        return self._launch(request)

    @Slot()
    def export_dialog(self) -> None:
        if not self.job.has_model():
            return
        trained = self._trained_specs[-1].name if self._trained_specs else self.doc.spec.name
        caption = "Save trained model"
        if self._canvas_differs():  # another model was opened or edited since: say which model this saves
            caption = f"Save the last trained model ({trained}, not the canvas)"
        suggested = str(Path.home() / f"{trained.replace(' ', '_').lower()}.h5")
        path, chosen = QFileDialog.getSaveFileName(self.window, caption, suggested, MODEL_FILTER)
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
        result = (run.get("result") or {}) if isinstance(run, dict) else {}
        self.curves.show_history(history, result.get("monitor") or None, result.get("mode") or None)
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
            if not self.job.running():  # the run ended (and saved) while the question was open
                return True
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
        self._trained_specs.append(started.spec)
        self.curves.begin_run(info)
        self.task_views.set_task(started.spec.task)
        self.feature_maps.set_samples(started.samples)
        self.weights.set_spec(started.spec if isinstance(started.spec, ModelSpec) else None, info.epochs)
        self.panel.begin_progress(info)
        resumed = f", resuming after epoch {info.initial_epoch}" if info.initial_epoch else ""
        self.panel.show_status(f"Training on {info.device}: {info.num_train:,} samples, {info.num_val:,} for "
                               f"validation{resumed}. Run folder: {breakable(info.run_dir)}")
        self._several_networks()

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
        if not self._canvas_differs():  # maps of a model the canvas no longer shows would mislead
            self.feature_maps.show_maps(maps)

    @Slot(object)
    def _on_evaluated(self, evaluation) -> None:
        self.evaluation.show_evaluation(evaluation)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.panel.show_status(message, "error")
        self.message.emit(message.splitlines()[0])

    @Slot(str)
    def _on_warning(self, message: str) -> None:
        self._warnings.append(message)
        self.panel.show_status(f"⚠ {message}", "warning")
        self.message.emit(f"⚠ {message}")

    @Slot(object)
    def _on_finished(self, result: TrainResult) -> None:
        self.last_result = result
        warned = "".join(f"\n⚠ {warning}" for warning in self._warnings)  # a diverging loss, said again at the end
        if result.status == DIVERGED:
            where = result.stopped_at
            steps = result.steps_per_epoch or 1
            position = (where["epoch"] - 1 + where["batch"] / steps) if where else float(result.epochs_completed)
            self.curves.mark_divergence(position, result.message)
            self.panel.show_status(result.message + warned, "error")
        elif result.status in (FINISHED, STOPPED):
            self.panel.show_status(finished_text(result) + warned, "warning" if warned else "ok")
            if self.evaluation.evaluation is not None:
                self.evaluation.show_evaluation(self.evaluation.evaluation, result.model_epoch)
        elif result.status == FAILED:
            self.panel.offer_train_anyway(REFUSAL in result.message)
        self.panel.end_progress(progress_text(result))
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
        shape = info.output_shape if info else None
        self.feature_maps.set_layer(layer, shape)
        if layer and not self.job.running() and self._canvas_differs():
            shape_part = f" · output {shape_text(shape)}" if shape else ""
            self.feature_maps.show_message(f"<b>{layer}</b>{shape_part} · the canvas is not the model last "
                                           "trained: train it to see these feature maps")
        self.weights.set_layer(layer)

    @Slot()
    def _on_model_loaded(self) -> None:
        """Another model on the canvas: the views drop the last run (a model file's curves follow, if any)."""
        if not self.job.running():
            self._replaced = True
            self.curves.reset()
            self.evaluation.clear()
            self.weights.set_spec(None)
            self.feature_maps.set_samples(None)
            self.panel.clear_run()
            self.task_views.set_task(self.doc.trainable().task)  # empty: an opened model brings no samples
        self.feature_maps.set_layer(None)
        self._on_selection_changed(self.doc.selection())

    @Slot()
    def _on_spec_changed(self) -> None:
        """An edit: the feature maps' header follows the canvas, and the panel says when it left the model trained."""
        differs = self._canvas_differs()
        if differs and self.job.running():
            trained = total_params(self._trained_specs[0])
            self.panel.show_drift(
                f"The canvas differs from the model being trained ({total_params(self.doc.trainable()):,} parameters "
                f"on the canvas, {trained:,} training): edits apply to the next run.")
        elif differs and self.job.has_model() and not self._replaced:
            self.panel.show_drift("The canvas differs from the last trained model: feature maps and the "
                                  "evaluation are of that model; train again to see the edited one.")
        else:
            self.panel.show_drift(None)
        self._on_selection_changed(self.doc.selection())

    def _canvas_differs(self) -> bool:
        """The canvas is not the model being (or last) trained."""
        canvas = self.doc.trainable()
        return bool(self._trained_specs) and all(canvas != spec for spec in self._trained_specs)

    def _several_networks(self) -> bool:
        """The canvas shows a multi-network run (a GAN): the views that follow one network say so, never probe."""
        spec = self._trained_specs[-1] if self._trained_specs else None
        several = isinstance(spec, NetworkSet) and not self._canvas_differs()
        for view, what in ((self.feature_maps, "Feature maps"), (self.weights, "Weights")) if several else ():
            view.show_message(one_network_note(what, spec))
        return several

    @Slot(str, int)
    def _on_probe_changed(self, layer: str, sample: int) -> None:
        if not self._several_networks() and (self.job.running() or not self._canvas_differs()):
            self.job.set_probe(layer, sample)  # never a model the canvas no longer shows, nor one of several networks


def _run_source(record: dict, config) -> DataSource:
    """The data a run used: a named data set again with its loader options, or the file or folder it came from."""
    dataset = record.get("dataset") or {}
    name = str(dataset.get("name", ""))
    origin = dataset.get("origin")
    if isinstance(origin, dict) and origin.get("name") in dataset_names() and isinstance(origin.get("options"), dict):
        name = with_options(str(origin["name"]), origin["options"])  # a generated set as it was generated
    elif name not in dataset_names() and dataset.get("source"):
        name = str(dataset["source"])
    return DataSource(name or "digits", config.seed, config.validation_split)
