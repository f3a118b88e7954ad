"""The one Keras callback a run uses: stop/pause, NaN guard, live events, per-epoch records.

Per batch it reads only the `logs` dict Keras has already converted to
Python floats (no `.numpy()`, no weight pulls): it checks the loss is
finite, forwards throttled batch events, buffered batch chunks and feature
maps, waits while paused and honours a stop request.  Per epoch it pulls
the weights once to check they are finite and hands the same arrays to the
recorder (checkpoints, history) and to the sink's `on_weights`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import keras
import numpy as np

from .batches import BatchBuffer
from .errors import TrainError
from .events import Throttle
from .guards import DivergenceWatch
from .probe import LiveProbe


class RunControl:
    """Stop and pause requests from any thread, and the reason a run failed, if it did.

    `fit()` resets `model.stop_training` when it starts, so a stop pressed
    just before would be lost; the request lives here and is checked at
    `on_train_begin` and after every batch.
    """

    def __init__(self):
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.failure: str | None = None

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run must wake up to stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> float:
        """Block while paused; returns the seconds spent waiting."""
        if self._running.is_set():
            return 0.0
        start = time.monotonic()
        self._running.wait()
        return time.monotonic() - start

    def fail(self, message: str) -> None:
        """Record why the run must end; the first reason wins."""
        if self.failure is None:
            self.failure = message


def current_learning_rate(optimizer) -> float:
    """The rate the optimizer applies now (schedules evaluated at its iteration count).

    `float()` of the tensor, not NumPy: TensorFlow's tensors warn on every
    `np.array()` under NumPy 2, and this runs once per reported batch.
    """
    return float(keras.ops.convert_to_tensor(optimizer.learning_rate))


def weights_finite(weights: list[np.ndarray]) -> bool:
    return all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating))


class TrainingCallback(keras.callbacks.Callback):
    """Connects `fit` to the sink, the run control and the run recorder.

    `record(epoch, logs, weights)` is called at each epoch end with the
    1-based epoch, the epoch logs and the weights, or None when the epoch
    diverged (non-finite loss or weights), before the sink sees the epoch.
    An epoch cut short by a stop request is neither recorded nor reported:
    a resumed run trains it again from the last checkpoint.  A loss that
    grows a thousandfold is reported once through `sink.on_warning` and kept
    in `warnings`.  `task_logs(epoch, logs)`, when given, returns the task's
    post-epoch metrics, merged into the logs before they are recorded (so
    the best checkpoint can follow them); `after_epoch(epoch)` runs after
    the sink has seen the epoch (the task's view samples); `on_pause()`
    runs when a pause begins, before the wait (the run's pending files).
    """

    def __init__(
        self,
        *,
        control: RunControl,
        sink,
        steps_per_epoch: int,
        record: Callable[[int, dict, list[np.ndarray] | None], None],
        batch_events_per_second: float,
        batches: BatchBuffer | None = None,
        probe: LiveProbe | None = None,
        probe_per_second: float = 2.0,
        nan_hint: str = "",
        chance_loss: float | None = None,
        task_logs: Callable[[int, dict], dict] | None = None,
        after_epoch: Callable[[int], None] | None = None,
        on_pause: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__()
        self.control = control
        self.sink = sink
        self.steps_per_epoch = steps_per_epoch
        self.record = record
        self.batch_throttle = Throttle(batch_events_per_second, clock)
        self.batches = batches
        self.probe = probe
        self.weight_paths: list[str] | None = None  # set at the start when the sink wants `on_weights`
        self._failed_probe: tuple[str, ...] | None = None
        self.probe_throttle = Throttle(probe_per_second, clock)
        self.nan_hint = nan_hint
        self.task_logs = task_logs
        self.after_epoch = after_epoch
        self.on_pause = on_pause
        self.divergence = DivergenceWatch(nan_hint, chance_loss)
        self.warnings: list[str] = []
        self.clock = clock
        self.epoch = 0  # 0-based, as Keras counts
        self.batches_in_epoch = 0
        self.paused_seconds = 0.0
        self._epoch_start = 0.0
        self._epoch_paused = 0.0

    # -- helpers ----------------------------------------------------------
    def _send_feature_maps(self) -> None:
        # Reading `self.model` writes JAX's in-flight training state back into the
        # variables the probe reads (Keras does this in the property; other backends: no-op).
        if self.model is None:
            return
        layers = self.probe.wanted[0]
        try:
            maps = self.probe.shoot(self.model)
        except Exception as exc:  # noqa: BLE001 - a view's request (e.g. a layer added after the build); training goes on
            if self._failed_probe != layers:
                self._failed_probe = layers
                self.sink.on_probe_failed(layers, str(exc) if isinstance(exc, TrainError) else
                                          f"Cannot show feature maps of {', '.join(layers)}: {type(exc).__name__}: {exc}")
            return
        self._failed_probe = None
        for layer, array in maps:
            self.sink.on_feature_maps(layer, array)

    def _probe_due(self) -> bool:
        return self.probe is not None and self.probe.active and self.probe_throttle.ready()

    def _stop(self) -> None:
        self.model.stop_training = True

    # -- Keras hooks ------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self.control.stop_requested:
            self._stop()
        if self.sink.wants("on_weights"):
            self.weight_paths = [w.path for w in self.model.weights]
        if self._probe_due():
            self._send_feature_maps()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.batches_in_epoch = 0
        self._epoch_start = self.clock()
        self._epoch_paused = 0.0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        # with steps_per_execution > 1 Keras may report a last batch index past the epoch's end
        self.batches_in_epoch = min(batch + 1, self.steps_per_epoch)
        loss = logs.get("loss")
        if isinstance(loss, float) and not math.isfinite(loss):
            what = "NaN" if math.isnan(loss) else "infinite"
            self.control.fail(
                f"Training stopped at epoch {self.epoch + 1}, batch {self.batches_in_epoch}: the loss became {what}. "
                f"{self.nan_hint}"
            )
            self._stop()
            return
        warning = self.divergence.check(loss, self.epoch + 1, self.batches_in_epoch)
        if warning is not None:
            self.warnings.append(warning)
            self.sink.on_warning(warning)
        step = self.epoch * self.steps_per_epoch + self.batches_in_epoch
        if self.batch_throttle.ready():
            self.sink.on_batch(step, logs)
        if self.batches is not None:
            urgent = (self.batches_in_epoch == self.steps_per_epoch or self.control.paused
                      or self.control.stop_requested)
            self.batches.add(step, logs, urgent)
        if self._probe_due():
            self._send_feature_maps()
        if self.control.paused and self.on_pause is not None:
            self.on_pause()
        waited = self.control.wait_while_paused()
        self._epoch_paused += waited
        self.paused_seconds += waited
        if self.control.stop_requested:
            self._stop()

    def on_epoch_end(self, epoch, logs=None):
        if self.batches is not None:
            self.batches.flush()
        stopped_early = self.control.stop_requested and self.batches_in_epoch < self.steps_per_epoch
        if stopped_early and self.control.failure is None:
            return  # a partial epoch: not an epoch of the history nor a checkpoint
        logs = dict(logs or {})
        logs["learning_rate"] = current_learning_rate(self.model.optimizer)
        logs["epoch_seconds"] = self.clock() - self._epoch_start - self._epoch_paused
        weights = self.model.get_weights()
        if not weights_finite(weights):
            self.control.fail(
                f"Training stopped after epoch {epoch + 1}: the weights became NaN or infinite although the loss "
                f"looked finite. Check the data for extreme values and lower the learning rate."
            )
            self._stop()
        healthy = self.control.failure is None  # a diverged epoch's weights are no checkpoint
        if healthy and self.task_logs is not None:
            logs.update(self.task_logs(epoch + 1, logs))
        self.record(epoch + 1, logs, weights if healthy else None)
        self.sink.on_epoch(epoch + 1, logs)
        if self.weight_paths is not None:
            self.sink.on_weights(epoch + 1, dict(zip(self.weight_paths, weights)))
        if healthy and self.after_epoch is not None:
            self.after_epoch(epoch + 1)

    def on_train_end(self, logs=None):
        if self.batches is not None:  # a stop mid-epoch leaves batches no epoch end has sent
            self.batches.flush()
