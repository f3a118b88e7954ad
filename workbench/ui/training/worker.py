"""Training in a worker thread: the job the GUI starts, pauses, stops and shuts down.

`TrainingJob` lives in the GUI thread and owns one `TaskThread` for the life
of the window (see `background` for why a task queue and not queued slots).
In it, `TrainWorker` calls `Trainer(config).run(...)`; the
trainer reports to a `_RunSink` (plain Python, in the worker thread) which
gathers every batch's logs and emits them in chunks about 15 times a
second, computes feature maps a few times a second, and per epoch pulls the
kernels once for the weight views.  After the run the worker evaluates the
model on the validation set and keeps it, so feature maps can still be
asked for, until the next run or `shutdown()` releases it.

Worker → GUI goes only through signals, each carrying the run id; the job's
slots drop any signal whose id is not the current run's, so a late signal
from an earlier run never reaches the views.  Requests GUI → worker (stop,
pause, the layer to probe) go through `JobControl`, which is thread-safe and
applies them to the Trainer as soon as it exists.  Keras is imported only in
the worker thread, and its per-thread state (seed, dtype policy) is set
there by the Trainer.
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from workbench.data import Dataset
from workbench.spec import ModelSpec
from workbench.train import FAILED, StartInfo, Throttle, TrainConfig, TrainResult

from .background import TaskThread, problem_text
from .datasets import DataSource, ProbeSamples, evaluation_arrays, probe_samples
from ..gui_gc import collector
from .mosaic import Mosaic, activation_mosaic, filter_tiles, tile
from .reuse import DenseBlock, reuse_matrix, reuse_plan
from .stats import Evaluation, WeightSnapshot, evaluate, histogram, softmax

log = logging.getLogger(__name__)

#: batch logs go to the GUI about 15 times a second: below the charts' redraw cap (REDRAW_HZ), so each
#: chunk is drawn as it arrives, and no point waits in the buffer much longer than one interval
BATCH_FLUSH_SECONDS = 1 / 15
#: feature-map rounds per second while training
PROBE_PER_SECOND = 3.0
#: samples per predict_on_batch call while evaluating
EVALUATION_BATCH = 256


# -- what crosses from the worker to the GUI ------------------------------------------------------------------
@dataclass
class BatchChunk:
    """Consecutive batches' logs: `steps` (cumulative batch count), `times` (monotonic seconds), metrics."""

    steps: np.ndarray
    times: np.ndarray
    metrics: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.steps)


@dataclass
class RunStarted:
    """`on_start`'s information plus what the views need before the first batch."""

    info: StartInfo
    spec: ModelSpec  # as built: the head sized for the data
    samples: ProbeSamples | None
    class_names: list[str]


@dataclass
class FeatureMaps:
    layer: str
    sample: int
    activation: np.ndarray  # one sample's output of `layer`, float32, no batch axis
    mosaic: Mosaic


@dataclass
class TrainRequest:
    """Everything one run needs; built by the panel in the GUI thread, read by the worker."""

    spec: ModelSpec
    source: DataSource
    config: TrainConfig
    dataset: Dataset | None = None  # already loaded for `source`; else the worker loads it
    run_dir: Path | None = None
    resume_from: Path | None = None
    save_keras: bool = False
    evaluate: bool = True
    probe_layer: str | None = None
    probe_sample: int = 0


class JobControl:
    """Stop, pause and probe requests for one run, from any thread, applied to its Trainer once it exists."""

    def __init__(self, probe_layer: str | None = None, probe_sample: int = 0):
        self._lock = threading.Lock()
        self._trainer = None
        self._stop = False
        self._paused = False
        self._closing = False
        self._probe = (probe_layer, probe_sample)

    def attach(self, trainer) -> None:
        with self._lock:
            self._trainer = trainer
            if self._stop:
                trainer.stop()
            elif self._paused:
                trainer.pause()

    def detach(self) -> None:
        with self._lock:
            self._trainer = None

    def stop(self, closing: bool = False) -> None:
        with self._lock:
            self._stop = True
            self._paused = False
            self._closing = self._closing or closing
            if self._trainer is not None:
                self._trainer.stop()

    def pause(self) -> None:
        with self._lock:
            if self._stop:
                return
            self._paused = True
            if self._trainer is not None:
                self._trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self._trainer is not None:
                self._trainer.resume()

    def set_probe(self, layer: str | None, sample: int) -> None:
        with self._lock:
            self._probe = (layer, sample)

    @property
    def probe(self) -> tuple[str | None, int]:
        with self._lock:
            return self._probe

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def closing(self) -> bool:
        """The window is closing: skip the evaluation, just save."""
        return self._closing


# -- in the worker thread ------------------------------------------------------------------------------------------
def first_convolution(spec: ModelSpec) -> str | None:
    return next((layer.name for layer in spec.layers if layer.type == "Conv2D"), None)


def weight_snapshot(model, epoch: int, first_conv: str | None, blocks: list[DenseBlock]) -> WeightSnapshot:
    """Histograms of every kernel, the first convolution's filters and the dense blocks' feature reuse."""
    snapshot = WeightSnapshot(epoch)
    kernels: dict[str, np.ndarray] = {}
    for layer in model.layers:
        for weight in layer.trainable_weights:
            if not weight.name.endswith("kernel"):
                continue
            value = np.asarray(weight.numpy())
            key = layer.name if weight.name == "kernel" else f"{layer.name}/{weight.name}"
            snapshot.histograms[key] = histogram(value)
            if weight.name == "kernel":
                kernels[layer.name] = value
    if first_conv in kernels and kernels[first_conv].ndim == 4:
        snapshot.filters_layer = first_conv
        snapshot.filters = tile(filter_tiles(kernels[first_conv]))
    for block in blocks:
        snapshot.reuse[block.name] = reuse_matrix(block, kernels)
    return snapshot


class _RunSink:
    """The Trainer's sink for one run: buffers batch logs, probes feature maps, snapshots weights."""

    def __init__(self, worker: "TrainWorker", run_id: int, control: JobControl, trainer, spec: ModelSpec,
                 samples: ProbeSamples | None, class_names: list[str]):
        self.worker, self.run_id, self.control, self.trainer = worker, run_id, control, trainer
        self.spec, self.samples, self.class_names = spec, samples, class_names
        self.first_conv = first_convolution(spec)
        self.blocks = reuse_plan(spec)
        self.probe_throttle = Throttle(PROBE_PER_SECOND)
        self.steps_per_epoch = 1  # known at on_start, before any batch
        self._keys: list[str] | None = None
        self._steps: list[int] = []
        self._times: list[float] = []
        self._values: list[list[float]] = []
        self._next_flush = 0.0
        self._last_batch = time.monotonic()

    # -- batches --------------------------------------------------------------------------------------------------
    def _flush(self, now: float) -> None:
        self._next_flush = now + BATCH_FLUSH_SECONDS
        if not self._steps:
            return
        values = np.asarray(self._values, dtype=np.float64).reshape(len(self._steps), len(self._keys))
        chunk = BatchChunk(
            steps=np.asarray(self._steps, dtype=np.int64),
            times=np.asarray(self._times, dtype=np.float64),
            metrics={key: values[:, i].copy() for i, key in enumerate(self._keys)},
        )
        self._steps, self._times, self._values = [], [], []
        self.worker.batches.emit(self.run_id, chunk)

    def on_start(self, info: StartInfo) -> None:
        self.steps_per_epoch = info.steps_per_epoch
        self.worker.started.emit(self.run_id, RunStarted(info, self.spec, self.samples, self.class_names))
        self._probe()

    def on_batch(self, step: int, logs: dict) -> None:
        now = time.monotonic()
        gap, self._last_batch = now - self._last_batch, now
        if self._keys is None:
            self._keys = [k for k, v in logs.items() if isinstance(v, (int, float))]
        self._steps.append(step)
        self._times.append(now)
        self._values.append([float(logs.get(k, math.nan)) for k in self._keys])
        # send now if the next batch would come after the deadline (no point waits much over an interval),
        # or validation follows (the epoch's last batch would wait for it)
        if (now + gap >= self._next_flush or step % self.steps_per_epoch == 0 or self.control.paused
                or self.control.stop_requested):
            self._flush(now)
        if self.probe_throttle.ready():
            self._probe()

    def on_epoch(self, epoch: int, logs: dict) -> None:
        self._flush(time.monotonic())
        self.worker.epochEnded.emit(self.run_id, epoch, dict(logs))
        try:
            snapshot = weight_snapshot(self.trainer.model, epoch, self.first_conv, self.blocks)
        except Exception:  # noqa: BLE001 - the weight views are extras; training goes on without them
            log.exception("weight snapshot failed")
            return
        self.worker.weights.emit(self.run_id, snapshot)

    def on_error(self, message: str) -> None:
        self._flush(time.monotonic())
        self.worker.failed.emit(self.run_id, message)

    def on_finished(self, _result: TrainResult) -> None:
        self._flush(time.monotonic())

    def _probe(self) -> None:
        layer, sample = self.control.probe
        if layer is not None and self.trainer.model is not None:
            self.worker.send_feature_maps(self.run_id, layer, sample)


class TrainWorker(QObject):
    """Its methods run in the training thread and report by signal only.

    The object itself belongs to the GUI thread (its signals, emitted from
    the training thread, are queued to the job's slots); it holds the last
    run's model between runs, for feature maps and export.
    """

    status = Signal(int, str)
    started = Signal(int, object)  # RunStarted
    batches = Signal(int, object)  # BatchChunk
    epochEnded = Signal(int, int, object)  # epoch (1-based), logs
    weights = Signal(int, object)  # WeightSnapshot
    featureMaps = Signal(int, object)  # FeatureMaps
    probeFailed = Signal(int, str)
    evaluated = Signal(int, object)  # Evaluation
    failed = Signal(int, str)
    finished = Signal(int, object)  # TrainResult
    exported = Signal(int, str)
    exportFailed = Signal(int, str)
    released = Signal()  # the last model was dropped: collect its garbage in the GUI thread

    def __init__(self):
        super().__init__()
        self._trainer = None
        self._samples: ProbeSamples | None = None
        self._probe = None
        self._failed_probe: str | None = None
        self._model_file: Path | None = None

    # -- a run --------------------------------------------------------------------------------------------------------
    def run(self, run_id: int, request: TrainRequest, control: JobControl) -> None:
        self._release()
        try:
            result = self._train(run_id, request, control)
        except Exception as exc:  # noqa: BLE001 - any failure ends this run with a message, never the thread
            if not isinstance(exc, (ValueError, OSError)) and not getattr(exc, "problems", None):
                log.exception("training run failed")
            message = problem_text(exc)
            self.failed.emit(run_id, message)
            result = TrainResult(status=FAILED, message=message)
        finally:
            control.detach()
        self._model_file = result.model_path
        self.finished.emit(run_id, result)

    def _train(self, run_id: int, request: TrainRequest, control: JobControl) -> TrainResult:
        from workbench.train.prepare import adapt_spec

        dataset = request.dataset
        if dataset is None:
            self.status.emit(run_id, f"Loading {request.source.label}…")
            dataset = request.source.load()
        spec, _ = adapt_spec(request.spec, dataset)
        try:
            self._samples = probe_samples(dataset, spec.input_shape)
        except (ValueError, OSError) as exc:  # feature maps are optional; training is not
            log.warning("no samples for feature maps: %s", exc)
            self._samples = None
        self.status.emit(run_id, "Building the model…")
        from workbench.train import Trainer  # imports Keras, in this thread

        _freeze_startup_heap()

        trainer = Trainer(request.config)
        self._trainer = trainer
        control.attach(trainer)
        sink = _RunSink(self, run_id, control, trainer, spec, self._samples, list(dataset.class_names))
        result = trainer.run(request.spec, dataset, sink, run_dir=request.run_dir, resume_from=request.resume_from)
        if trainer.model is None or result.model_path is None:
            return result
        if request.evaluate and dataset.is_classification and not control.closing:
            self.status.emit(run_id, "Evaluating on held-out samples…")
            try:
                self.evaluated.emit(run_id, self._evaluate(trainer, request, dataset))
            except Exception as exc:  # noqa: BLE001 - the run itself succeeded; say why the evaluation did not
                log.exception("evaluation failed")
                self.status.emit(run_id, f"Evaluation failed: {problem_text(exc)}")
        if request.save_keras:
            from workbench.train import save_model

            try:
                save_model(trainer.model, Path(result.model_path).with_suffix(".keras"))
            except Exception as exc:  # noqa: BLE001 - the .h5 is saved; report the extra format's failure
                self.status.emit(run_id, f"The .keras copy was not saved: {problem_text(exc)}")
        return result

    def _evaluate(self, trainer, request: TrainRequest, dataset: Dataset) -> Evaluation:
        """Class probabilities of the trained model on the data exactly as the run fitted it."""
        from workbench.train.objectives import choose_objectives, outputs_probabilities
        from workbench.train.prepare import prepare

        prepared = prepare(request.spec, dataset, trainer.config)
        x, y, split, total = evaluation_arrays(prepared)
        spec = prepared.spec
        main = choose_objectives(spec, True, prepared.has_validation).main_output
        index = spec.resolved_outputs().index(main)
        chunks = []
        for start in range(0, len(x), EVALUATION_BATCH):
            out = trainer.model.predict_on_batch(x[start:start + EVALUATION_BATCH])
            chunks.append(np.asarray(out[index] if isinstance(out, (list, tuple)) else out))
        scores = np.concatenate(chunks).reshape(len(x), -1)
        probabilities = scores if outputs_probabilities(spec, main) else softmax(scores)
        return evaluate(probabilities, y, dataset.class_names, split, x=x, total=total)

    # -- feature maps ----------------------------------------------------------------------------------------------
    def send_feature_maps(self, run_id: int, layer: str, sample: int) -> None:
        """One sample's activations of `layer` as a mosaic, from the model training now or the one the last
        run left; failures are reported once per layer."""
        from workbench.train import FeatureProbe

        if self._samples is None or self._trainer is None or self._trainer.model is None:
            return
        sample = min(max(sample, 0), len(self._samples.inputs) - 1)
        inputs = self._samples.inputs[sample:sample + 1]
        try:
            if self._probe is None or self._probe.layers != (layer,):
                self._probe = None
                self._probe = FeatureProbe(self._trainer.model, [layer], inputs)
            self._probe.sample = inputs
            ((_, activation),) = self._probe()
            maps = FeatureMaps(layer, sample, activation, activation_mosaic(activation))
        except Exception as exc:  # noqa: BLE001 - e.g. a layer added to the canvas after the model was built
            if self._failed_probe != layer:
                self._failed_probe = layer
                self.probeFailed.emit(run_id, problem_text(exc))
            return
        self._failed_probe = None
        self.featureMaps.emit(run_id, maps)

    # -- the trained model ----------------------------------------------------------------------------------------
    def export(self, run_id: int, path: str) -> None:
        """Save the last run's model to `path`: its .h5 copied (layout and curves inside), or a .keras archive."""
        from workbench.train import SaveError, save_model
        from workbench.atomic import atomic_target

        target = Path(path)
        try:
            if target.suffix.lower() == ".keras":
                if self._trainer is None or self._trainer.model is None:
                    raise SaveError("no trained model is loaded; train first")
                save_model(self._trainer.model, target)
            else:
                if self._model_file is None or not Path(self._model_file).is_file():
                    raise SaveError("the last run saved no model")
                with atomic_target(target, _check_h5, "model") as temp:
                    shutil.copyfile(self._model_file, temp)
        except Exception as exc:  # noqa: BLE001 - reported to the user
            self.exportFailed.emit(run_id, problem_text(exc))
            return
        self.exported.emit(run_id, str(target))

    def _release(self) -> None:
        """Drop the previous run's model and clear Keras' state (this is the only thread training).

        Off the main thread `release_memory` collects no garbage (that could
        finalise the GUI's Qt objects here); the GUI thread collects on `released`.
        """
        self._probe = None
        self._samples = None
        self._model_file = None
        if self._trainer is not None:
            trainer, self._trainer = self._trainer, None
            trainer.release()
            self.released.emit()

    def close(self) -> None:
        """Release the model before the thread ends."""
        self._release()


@functools.cache
def _freeze_startup_heap() -> None:
    """Once TensorFlow is imported, exempt everything alive from cyclic GC (`gc.freeze`).

    TensorFlow and Keras bring some 400,000 long-lived objects; every full
    collection would walk them again (~30 ms, in the GUI thread, see
    `gui_gc`).  Frozen, a collection only walks what was made since.  No
    collection first: it would hold the GIL (and so the GUI) for ~0.3 s to
    free a few thousand objects.
    """
    gc.freeze()


def _check_h5(temp: Path) -> None:
    from workbench.keras_bridge import read_metadata

    read_metadata(temp)


# -- in the GUI thread -------------------------------------------------------------------------------------------------
class TrainingJob(QObject):
    """One training run at a time in a background thread; signals of the current run only.

    `start(request)` returns False while a run is in progress (a second
    click on Train does nothing).  `shutdown()` stops a run, waits for the
    model to be saved and ends the thread; call it before the window goes.
    """

    runningChanged = Signal(bool)
    status = Signal(str)
    started = Signal(object)
    batches = Signal(object)
    epochEnded = Signal(int, object)
    weights = Signal(object)
    featureMaps = Signal(object)
    probeFailed = Signal(str)
    evaluated = Signal(object)
    failed = Signal(str)
    finished = Signal(object)
    exported = Signal(str)
    exportFailed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: TaskThread | None = None
        self._worker: TrainWorker | None = None
        self.run_id = 0
        self._control: JobControl | None = None
        self._running = False
        self._has_model = False

    # -- state -----------------------------------------------------------------------------------------------------------
    def running(self) -> bool:
        return self._running

    def paused(self) -> bool:
        return self._running and self._control is not None and self._control.paused

    def has_model(self) -> bool:
        """The last run left a trained model (for feature maps and export)."""
        return self._has_model and not self._running

    # -- control ---------------------------------------------------------------------------------------------------------
    def start(self, request: TrainRequest) -> bool:
        if self._running:
            return False
        self._ensure_thread()
        self.run_id += 1
        self._control = JobControl(request.probe_layer, request.probe_sample)
        self._running = True
        self._has_model = False
        collector().hold()  # while Keras allocates in the worker, cyclic garbage is collected here (gui_gc)
        self.runningChanged.emit(True)
        self._thread.submit(functools.partial(self._worker.run, self.run_id, request, self._control))
        return True

    def stop(self, closing: bool = False) -> None:
        """Stop after the current batch; the model and the history so far are saved.

        `closing`: the window is going, so the run skips its evaluation.
        """
        if self._running:
            self._control.stop(closing)

    def pause(self) -> None:
        if self._running:
            self._control.pause()

    def resume(self) -> None:
        if self._running:
            self._control.resume()

    def set_probe(self, layer: str | None, sample: int) -> None:
        """Which layer and sample the feature maps show, during a run or from the last run's model."""
        if self._control is not None:
            self._control.set_probe(layer, sample)
        if layer and self.has_model():
            self._thread.submit(functools.partial(self._worker.send_feature_maps, self.run_id, layer, sample))

    def export(self, path: str) -> bool:
        if not self.has_model():
            return False
        self._thread.submit(functools.partial(self._worker.export, self.run_id, path))
        return True

    def shutdown(self) -> None:
        """Stop the run (skipping its evaluation), wait until it has saved, release the model, end the thread."""
        if self._running:
            self._control.stop(closing=True)
        if self._thread is not None:
            self._thread.finish(final=self._worker.close)
            self._thread = None
            self._worker = None
        if self._running:
            self._running = False
            collector().release()

    def _stop_for_exit(self) -> None:
        if self._control is not None:
            self._control.stop(closing=True)

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        self._thread = TaskThread("training")
        self._thread.stopper = self._stop_for_exit
        worker = TrainWorker()
        worker.status.connect(self._on_status)
        worker.started.connect(self._on_started)
        worker.batches.connect(self._on_batches)
        worker.epochEnded.connect(self._on_epoch)
        worker.weights.connect(self._on_weights)
        worker.featureMaps.connect(self._on_feature_maps)
        worker.probeFailed.connect(self._on_probe_failed)
        worker.evaluated.connect(self._on_evaluated)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        worker.exported.connect(self._on_exported)
        worker.exportFailed.connect(self._on_export_failed)
        worker.released.connect(self._on_released)
        self._worker = worker

    # -- from the worker: the current run's signals only -----------------------------------------------------------------
    def _current(self, run_id: int) -> bool:
        return run_id == self.run_id

    @Slot(int, str)
    def _on_status(self, run_id: int, text: str) -> None:
        if self._current(run_id):
            self.status.emit(text)

    @Slot(int, object)
    def _on_started(self, run_id: int, started: RunStarted) -> None:
        if self._current(run_id):
            self.started.emit(started)

    @Slot(int, object)
    def _on_batches(self, run_id: int, chunk: BatchChunk) -> None:
        if self._current(run_id):
            self.batches.emit(chunk)

    @Slot(int, int, object)
    def _on_epoch(self, run_id: int, epoch: int, logs: dict) -> None:
        if self._current(run_id):
            self.epochEnded.emit(epoch, logs)

    @Slot(int, object)
    def _on_weights(self, run_id: int, snapshot: WeightSnapshot) -> None:
        if self._current(run_id):
            self.weights.emit(snapshot)

    @Slot(int, object)
    def _on_feature_maps(self, run_id: int, maps: FeatureMaps) -> None:
        if self._current(run_id):
            self.featureMaps.emit(maps)

    @Slot(int, str)
    def _on_probe_failed(self, run_id: int, message: str) -> None:
        if self._current(run_id):
            self.probeFailed.emit(message)

    @Slot(int, object)
    def _on_evaluated(self, run_id: int, evaluation: Evaluation) -> None:
        if self._current(run_id):
            self.evaluated.emit(evaluation)

    @Slot(int, str)
    def _on_failed(self, run_id: int, message: str) -> None:
        if self._current(run_id):
            self.failed.emit(message)

    @Slot(int, object)
    def _on_finished(self, run_id: int, result: TrainResult) -> None:
        if not self._current(run_id):
            return
        self._running = False
        collector().release()
        self._has_model = result.model_path is not None
        self.runningChanged.emit(False)
        self.finished.emit(result)

    @Slot()
    def _on_released(self) -> None:
        gc.collect()

    @Slot(int, str)
    def _on_exported(self, run_id: int, path: str) -> None:
        if self._current(run_id):
            self.exported.emit(path)

    @Slot(int, str)
    def _on_export_failed(self, run_id: int, message: str) -> None:
        if self._current(run_id):
            self.exportFailed.emit(message)
