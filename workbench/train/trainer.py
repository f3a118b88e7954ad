"""The headless Trainer: `Trainer(config).run(spec, dataset, sink)` trains in the calling thread.

The GUI calls `run` from one QThread (all Keras calls for the model stay in
that thread) and `stop`/`pause`/`resume` from the GUI thread; the CLI calls
it directly with a progress-bar sink.  A run never raises for problems of
the run itself: they go to `sink.on_error` and into the returned
`TrainResult` (status "error" or "nan"), and `on_finished` always comes last.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from workbench.spec import ModelSpec

from .callbacks import RunControl
from .config import TrainConfig
from .errors import TrainError
from .evaluation import EVALUATION_LIMIT, Evaluation, evaluate_model
from .events import as_sink
from .memory import release_memory
from .probe import LiveProbe
from .result import DIVERGED, FAILED, TrainResult
from .run_info import library_versions
from .session import Session
from .task_session import TaskSession
from .task_specs import uses_task_session

__all__ = ["Trainer", "library_versions"]


class Trainer:
    """Trains one spec on one data set; create a new Trainer for every run.

    `stop()`, `pause()`, `resume()` and `probe.request(layers, sample)` may
    be called from any thread.  Set `probe.samples` (model-ready inputs)
    before `run` to offer more than the first validation sample.  After `run`
    returns, `model` holds the trained Keras model (as the task built it:
    `task.saved_models(model)` gives the networks written to files), `task`
    the spec's `workbench.tasks.Task`, and `prepared` the data as it was fitted, for `evaluate()` and `feature_maps()` in the same thread;
    call `release()` when done with them.  `check_memory=False` trains even
    when the spec's memory estimate exceeds the free memory (`--force`).
    """

    def __init__(self, config: TrainConfig | None = None, *, check_memory: bool = True):
        self.config = config or TrainConfig()
        self.check_memory = check_memory
        self.control = RunControl()
        self.model = None
        self.task = None
        self.prepared = None
        self.probe = LiveProbe(self.config.probe_layers)
        self._started = False
        self._lock = threading.Lock()

    # -- control from any thread -----------------------------------------
    def stop(self) -> None:
        """Stop after the current batch; the model and the history so far are saved."""
        self.control.stop()

    def pause(self) -> None:
        """Hold training between two batches until `resume()` (or `stop()`)."""
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    @property
    def paused(self) -> bool:
        return self.control.paused

    @property
    def stop_requested(self) -> bool:
        return self.control.stop_requested

    def release(self) -> None:
        """Drop the model and clear Keras' state (no other thread may be training)."""
        self.model = None
        self.prepared = None
        self.probe.forget_model()
        release_memory()

    # -- the trained model, in the thread that ran ---------------------------------
    def evaluate(self, class_names: list[str], limit: int = EVALUATION_LIMIT) -> Evaluation:
        """Confusion matrix, per-class accuracy and hardest samples of the trained classifier on held-out data."""
        if self.model is None or self.prepared is None:
            raise TrainError("There is no trained model to evaluate; run the Trainer first.")
        return evaluate_model(self.model, self.prepared, class_names, limit)

    def feature_maps(self) -> list[tuple[str, np.ndarray]]:
        """The probe's wanted layers on its wanted sample, from the trained model (TrainError if it cannot)."""
        if self.model is None:
            raise TrainError("There is no trained model to show feature maps of; run the Trainer first.")
        return self.probe.shoot(self.model)

    # -- the run -----------------------------------------------------------
    def run(
        self,
        spec: ModelSpec,
        dataset,
        sink=None,
        run_dir: str | Path | None = None,
        resume_from: str | Path | None = None,
    ) -> TrainResult:
        """Train `spec` on `dataset`, reporting to `sink`; see `TrainResult` and `TrainingSink`.

        `run_dir`: where to write the run (default: `resume_from` when
        resuming, else a new folder under `default_runs_root()`).
        `resume_from`: a run folder whose last checkpoint supplies weights,
        optimizer state and the epoch count; `config.epochs` is the total.
        """
        with self._lock:
            if self._started:
                raise TrainError("This Trainer has already run; create a new Trainer for the next run.")
            self._started = True
        sink = as_sink(sink)
        kind = TaskSession if uses_task_session(spec) else Session
        session = kind(self, spec, dataset, sink, run_dir, resume_from)
        result = session.execute()
        if result.status in (FAILED, DIVERGED):
            sink.on_error(result.message)
        sink.on_finished(result)
        return result
