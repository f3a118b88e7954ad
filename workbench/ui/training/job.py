"""The GUI thread's side of training: `TrainingJob` starts, pauses, stops and shuts down runs in one thread.

It owns one `TaskThread` for the life of the window and one `TrainWorker`
in it (see `worker`); the worker's one `event` signal arrives at one slot
that drops stale runs' events and dispatches the rest, by kind, to this
job's signals, which the controller and the views connect to.
"""

from __future__ import annotations

import functools
import gc

from PySide6.QtCore import QObject, Signal, Slot

from workbench.train import TrainResult

from ..background import SHUTDOWN_SECONDS, TaskThread
from ..gui_gc import collector
from .worker import (
    BATCHES,
    EPOCH,
    EVALUATED,
    EXPORT_FAILED,
    EXPORTED,
    FAILED_EVENT,
    FEATURE_MAPS,
    FINISHED_EVENT,
    PROBE_FAILED,
    STARTED,
    STATUS,
    WARNING,
    WEIGHTS,
    JobControl,
    TrainRequest,
    TrainWorker,
)


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
    warning = Signal(str)
    finished = Signal(object)
    exported = Signal(str)
    exportFailed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        #: the worker's event kinds -> this job's signals (the dispatch table)
        self._signals = {
            STATUS: self.status, STARTED: self.started, BATCHES: self.batches, EPOCH: self.epochEnded,
            WEIGHTS: self.weights, FEATURE_MAPS: self.featureMaps, PROBE_FAILED: self.probeFailed,
            EVALUATED: self.evaluated, FAILED_EVENT: self.failed, WARNING: self.warning, FINISHED_EVENT: self.finished,
            EXPORTED: self.exported, EXPORT_FAILED: self.exportFailed,
        }
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
        """Stop the run (skipping its evaluation), wait until it has saved, release the model, end the thread.

        The wait is bounded (SHUTDOWN_SECONDS); a run still saving after that is left to end on its own.
        """
        if self._running:
            self._control.stop(closing=True)
        if self._thread is not None:
            self._thread.finish(final=self._worker.close, timeout_s=SHUTDOWN_SECONDS)
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
        worker.event.connect(self._on_event)
        worker.released.connect(self._on_released)
        self._worker = worker

    # -- from the worker: the current run's events only -----------------------------------------------------------------
    @Slot(int, str, object)
    def _on_event(self, run_id: int, kind: str, payload: tuple) -> None:
        if run_id != self.run_id:
            return
        if kind == FINISHED_EVENT:
            self._end_run(payload[0])
        self._signals[kind].emit(*payload)

    def _end_run(self, result: TrainResult) -> None:
        self._running = False
        collector().release()
        self._has_model = result.model_path is not None
        self.runningChanged.emit(False)

    @Slot()
    def _on_released(self) -> None:
        gc.collect()
