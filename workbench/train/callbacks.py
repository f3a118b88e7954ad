"""The one Keras callback a run uses: stop/pause, NaN guard, live events, per-epoch records.

Per batch it reads only the `logs` dict Keras has already converted to
Python floats (no `.numpy()`, no weight pulls): it checks the loss is
finite, forwards throttled batch events and feature maps, waits while
paused and honours a stop request.  Per epoch it pulls the weights once to
check they are finite and hands them to the recorder (checkpoints, history).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import keras
import numpy as np

from .events import Throttle
from .guards import DivergenceWatch
from .probe import FeatureProbe


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
    in `warnings`.
    """

    def __init__(
        self,
        *,
        control: RunControl,
        sink,
        steps_per_epoch: int,
        record: Callable[[int, dict, list[np.ndarray] | None], None],
        batch_events_per_second: float,
        probe: FeatureProbe | None = None,
        probe_per_second: float = 2.0,
        nan_hint: str = "",
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__()
        self.control = control
        self.sink = sink
        self.steps_per_epoch = steps_per_epoch
        self.record = record
        self.batch_throttle = Throttle(batch_events_per_second, clock)
        self.probe = probe
        self.probe_throttle = Throttle(probe_per_second, clock)
        self.nan_hint = nan_hint
        self.divergence = DivergenceWatch(nan_hint)
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
        for layer, array in self.probe():
            self.sink.on_feature_maps(layer, array)

    def _stop(self) -> None:
        self.model.stop_training = True

    # -- Keras hooks ------------------------------------------------------
    def on_train_begin(self, logs=None):
        if self.control.stop_requested:
            self._stop()
        if self.probe is not None and self.probe_throttle.ready():
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
        if self.batch_throttle.ready():
            self.sink.on_batch(self.epoch * self.steps_per_epoch + self.batches_in_epoch, logs)
        if self.probe is not None and self.probe_throttle.ready():
            self._send_feature_maps()
        waited = self.control.wait_while_paused()
        self._epoch_paused += waited
        self.paused_seconds += waited
        if self.control.stop_requested:
            self._stop()

    def on_epoch_end(self, epoch, logs=None):
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
        self.record(epoch + 1, logs, weights if healthy else None)
        self.sink.on_epoch(epoch + 1, logs)
