"""Training in a worker thread: what runs there, and what crosses to the GUI.

`TrainingJob` (job.py) lives in the GUI thread and owns one `TaskThread`
for the life of the window (see `background` for why a task queue and not
queued slots).  In it, `TrainWorker` calls `Trainer(config).run(...)`, the same session
the CLI and comparisons run: the Trainer chunks every batch's logs (about
15 chunks a second), probes the chosen layer a few times a second and
pulls the weights once per epoch; `_RunSink` only turns that into what the
views draw.  After the run the worker evaluates the model on held-out data
(`Trainer.evaluate`) and keeps the Trainer, so feature maps can still be
asked for, until the next run or `shutdown()` releases it.

Worker → GUI goes through one signal, `event(run id, kind, arguments)`;
the job's one slot drops events whose id is not the current run's (a late
event from an earlier run never reaches the views) and hands the rest to
the job's own signal for that kind, from one table.  Requests GUI → worker
(stop, pause, the layer and sample to probe) go through `JobControl`, which
is thread-safe and applies them to the Trainer as soon as it exists.  Keras
is imported only in the worker thread, and its per-thread state (seed,
dtype policy) is set there by the Trainer.
"""

from __future__ import annotations

import functools
import gc
import logging
import shutil
from dataclasses import dataclass
from operator import methodcaller
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from workbench.data import Dataset
from workbench.spec import ModelSpec
from workbench.spec.networks import NetworkSet
from workbench.train import FAILED, StartInfo, TrainConfig, TrainResult
from workbench.train.batches import BatchChunk
from workbench.train.live.datasets import DataSource, ProbeSamples, probe_samples
from workbench.train.live.mosaic import Mosaic, activation_mosaic
from workbench.train.live.reuse import reuse_plan
from workbench.train.live.stats import weight_snapshot

from ..background import PendingCalls, problem_text

log = logging.getLogger(__name__)

#: batch chunks sent to the GUI per second: below the charts' redraw cap (REDRAW_HZ), so each chunk is drawn
#: as it arrives, and no point waits in the Trainer's buffer much longer than one interval
BATCH_CHUNKS_PER_SECOND = 15.0
#: feature-map rounds per second while training
PROBE_PER_SECOND = 3.0

#: what the worker's `event` signal carries (its `kind`); TrainingJob maps each to one of its own signals
STATUS, STARTED, BATCHES, EPOCH, WEIGHTS, FEATURE_MAPS, PROBE_FAILED = (
    "status", "started", "batches", "epoch", "weights", "featureMaps", "probeFailed")
EVALUATED, FAILED_EVENT, WARNING, FINISHED_EVENT, EXPORTED, EXPORT_FAILED = (
    "evaluated", "failed", "warning", "finished", "exported", "exportFailed")
SAMPLES, GENERATED = "samples", "generated"


# -- what crosses from the worker to the GUI ------------------------------------------------------------------
@dataclass
class RunStarted:
    """`on_start`'s information plus what the views need before the first batch."""

    info: StartInfo
    spec: ModelSpec | NetworkSet  # as built: the head sized for the data; a multi-network preset as it is
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

    spec: ModelSpec | NetworkSet  # a NetworkSet trains every network of a multi-network preset
    source: DataSource
    config: TrainConfig
    dataset: Dataset | None = None  # already loaded for `source`; else the worker loads it
    run_dir: Path | None = None
    resume_from: Path | None = None
    save_keras: bool = False
    evaluate: bool = True
    probe_layer: str | None = None
    probe_sample: int = 0
    check_memory: bool = True  # False: train even when the memory estimate says it will not fit


class JobControl:
    """Stop, pause and probe requests for one run, from any thread, applied to its Trainer once it exists.

    The requests go through `PendingCalls` (kept until the worker attaches
    the Trainer, then passed straight through); the flags answer the GUI
    and the worker without asking the Trainer.
    """

    def __init__(self, probe_layer: str | None = None, probe_sample: int = 0):
        self.calls = PendingCalls()
        self._stop = False
        self._paused = False
        self._closing = False
        self.set_probe(probe_layer, probe_sample)

    def attach(self, trainer) -> None:
        self.calls.attach(trainer)

    def detach(self) -> None:
        self.calls.detach()

    def stop(self, closing: bool = False) -> None:
        self._stop = True
        self._paused = False
        self._closing = self._closing or closing
        self.calls.call(methodcaller("stop"))

    def pause(self) -> None:
        if self._stop:
            return
        self._paused = True
        self.calls.call(methodcaller("pause"))

    def resume(self) -> None:
        self._paused = False
        self.calls.call(methodcaller("resume"))

    def set_probe(self, layer: str | None, sample: int) -> None:
        self.calls.call(lambda trainer: trainer.probe.request(layer, sample))

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
class _RunSink:
    """The Trainer's sink for one run: turns its events into the worker's one `event` signal.

    The Trainer does the work (batch chunks, the one weight pull per epoch,
    the probe); this only adds what the views draw (weight histograms and
    mosaics) and tags everything with the run id.
    """

    def __init__(self, worker: "TrainWorker", run_id: int, trainer, spec: ModelSpec,
                 samples: ProbeSamples | None, class_names: list[str]):
        self.worker, self.run_id, self.trainer = worker, run_id, trainer
        self.spec, self.samples, self.class_names = spec, samples, class_names
        single = spec if isinstance(spec, ModelSpec) else None  # a set's networks have no one weight view
        self.first_conv = first_convolution(single) if single else None
        self.blocks = reuse_plan(single) if single else []

    def _send(self, kind: str, *payload) -> None:
        self.worker.event.emit(self.run_id, kind, payload)

    def on_start(self, info: StartInfo) -> None:
        self._send(STARTED, RunStarted(info, self.spec, self.samples, self.class_names))

    def on_batches(self, chunk: BatchChunk) -> None:
        self._send(BATCHES, chunk)

    def on_epoch(self, epoch: int, logs: dict) -> None:
        self._send(EPOCH, epoch, dict(logs))

    def on_weights(self, epoch: int, weights: dict) -> None:
        try:
            snapshot = weight_snapshot(weights, epoch, self.first_conv, self.blocks)
        except Exception:  # noqa: BLE001 - the weight views are extras; training goes on without them
            log.exception("weight snapshot failed")
            return
        self._send(WEIGHTS, snapshot)

    def on_samples(self, epoch: int, samples: dict) -> None:
        self._send(SAMPLES, epoch, samples)

    def on_feature_maps(self, layer: str, activation: np.ndarray) -> None:
        sample = self.trainer.probe.shown[1]
        self._send(FEATURE_MAPS, FeatureMaps(layer, sample, activation, activation_mosaic(activation)))

    def on_probe_failed(self, _layers: tuple[str, ...], message: str) -> None:
        self._send(PROBE_FAILED, message)

    def on_error(self, message: str) -> None:
        self._send(FAILED_EVENT, message)

    def on_warning(self, message: str) -> None:
        self._send(WARNING, message)


def first_convolution(spec: ModelSpec) -> str | None:
    return next((layer.name for layer in spec.layers if layer.type == "Conv2D"), None)


class TrainWorker(QObject):
    """Its methods run in the training thread and report through `event` only.

    The object itself belongs to the GUI thread (its signal, emitted from
    the training thread, is queued to the job's slot); it holds the last
    run's Trainer (model, fitted data, probe) between runs, for feature maps
    and export.
    """

    event = Signal(int, str, object)  # run id, kind (see TrainingJob's table), the arguments as a tuple
    released = Signal()  # the last model was dropped: collect its garbage in the GUI thread

    def __init__(self):
        super().__init__()
        self._trainer = None
        self._failed_probe: str | None = None
        self._model_file: Path | None = None

    def _send(self, run_id: int, kind: str, *payload) -> None:
        self.event.emit(run_id, kind, payload)

    # -- a run --------------------------------------------------------------------------------------------------------
    def run(self, run_id: int, request: TrainRequest, control: JobControl) -> None:
        self._release()
        try:
            result = self._train(run_id, request, control)
        except Exception as exc:  # noqa: BLE001 - any failure ends this run with a message, never the thread
            if not isinstance(exc, (ValueError, OSError)) and not getattr(exc, "problems", None):
                log.exception("training run failed")
            message = problem_text(exc)
            self._send(run_id, FAILED_EVENT, message)
            result = TrainResult(status=FAILED, message=message)
        finally:
            control.detach()
        self._model_file = result.model_path
        self._send(run_id, FINISHED_EVENT, result)

    def _train(self, run_id: int, request: TrainRequest, control: JobControl) -> TrainResult:
        from workbench.train.preflight import preflight
        from workbench.train.prepare import adapt_spec

        dataset = request.dataset
        if dataset is None:
            self._send(run_id, STATUS, f"Loading {request.source.label}…")
            dataset = request.source.load()
        samples = None
        if isinstance(request.spec, NetworkSet):  # trained as `workbench train` does; no one network to probe
            spec = preflight(request.spec, dataset)
        else:
            spec, _ = adapt_spec(request.spec, dataset)
            try:
                samples = probe_samples(dataset, spec.input_shape)
            except (ValueError, OSError) as exc:  # feature maps are optional; training is not
                log.warning("no samples for feature maps: %s", exc)
        self._send(run_id, STATUS, "Building the model…")
        from workbench.train import Trainer  # imports Keras, in this thread

        _freeze_startup_heap()

        trainer = Trainer(request.config.replace(batch_events_per_second=BATCH_CHUNKS_PER_SECOND,
                                                 probe_per_second=PROBE_PER_SECOND),
                          check_memory=request.check_memory)
        trainer.probe.samples = samples.inputs if samples is not None else None
        self._trainer = trainer
        control.attach(trainer)
        sink = _RunSink(self, run_id, trainer, spec, samples, list(dataset.class_names))
        result = trainer.run(request.spec, dataset, sink, run_dir=request.run_dir, resume_from=request.resume_from)
        if trainer.model is None or result.model_path is None:
            return result
        if request.evaluate and spec.task == "classification" and dataset.is_classification and not control.closing:
            self._send(run_id, STATUS, "Evaluating on held-out samples…")
            try:
                self._send(run_id, EVALUATED, trainer.evaluate(list(dataset.class_names)))
            except Exception as exc:  # noqa: BLE001 - the run itself succeeded; say why the evaluation did not
                log.exception("evaluation failed")
                self._send(run_id, STATUS, f"Evaluation failed: {problem_text(exc)}")
        if request.save_keras:
            from workbench.train import save_model

            try:
                save_model(trainer.model, Path(result.model_path).with_suffix(".keras"))
            except Exception as exc:  # noqa: BLE001 - the .h5 is saved; report the extra format's failure
                self._send(run_id, STATUS, f"The .keras copy was not saved: {problem_text(exc)}")
        return result

    # -- feature maps from the last run's model ----------------------------------------------------------------------
    def send_feature_maps(self, run_id: int, layer: str, sample: int) -> None:
        """One sample's activations of `layer` from the model the last run left; failures reported once per layer."""
        trainer = self._trainer
        if trainer is None or trainer.model is None or trainer.probe.samples is None:
            return
        trainer.probe.request(layer, sample)
        try:
            ((_, activation),) = trainer.feature_maps()
        except Exception as exc:  # noqa: BLE001 - e.g. a layer added to the canvas after the model was built
            if self._failed_probe != layer:
                self._failed_probe = layer
                self._send(run_id, PROBE_FAILED, problem_text(exc))
            return
        self._failed_probe = None
        shown = trainer.probe.shown[1]
        self._send(run_id, FEATURE_MAPS, FeatureMaps(layer, shown, activation, activation_mosaic(activation)))

    # -- the generator's answer to the window's sliders ---------------------------------------------------------
    def send_generated(self, run_id: int, kind: int, angle: float, size: float) -> None:
        """The last run's generator drawing shape `kind` at `angle` and `size` (its task's samples for them)."""
        from workbench.tasks import for_spec

        trainer = self._trainer
        prepared = trainer.prepared if trainer is not None else None
        if trainer is None or trainer.model is None or prepared is None:
            return
        x = prepared.x_val if prepared.x_val is not None else prepared.x_train
        try:
            samples = for_spec(prepared.spec).samples(trainer.model, x, None, kind=kind, angle=angle, size=size)
        except Exception as exc:  # noqa: BLE001 - the view says why; the model stays usable
            self._send(run_id, STATUS, f"The generator could not draw: {problem_text(exc)}")
            return
        self._send(run_id, GENERATED, samples)

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
            self._send(run_id, EXPORT_FAILED, problem_text(exc))
            return
        self._send(run_id, EXPORTED, str(target))

    def _release(self) -> None:
        """Drop the previous run's model and clear Keras' state (this is the only thread training).

        Off the main thread `release_memory` collects no garbage (that could
        finalise the GUI's Qt objects here); the GUI thread collects on `released`.
        """
        self._model_file = None
        self._failed_probe = None
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
