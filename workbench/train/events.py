"""How a run reports progress: the sink protocol, its adapter, and rate limiting.

The trainer never touches Qt.  It calls plain methods on a sink; the GUI
passes an object whose methods emit Qt signals, the CLI one that draws a
progress bar, tests a recorder.  A sink may implement any subset: `as_sink`
fills the rest with no-ops, and accepts plain callables by keyword
(`CallbackSink(on_epoch=print)`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

EVENTS = ("on_start", "on_batch", "on_batches", "on_epoch", "on_weights", "on_samples", "on_feature_maps",
          "on_probe_failed", "on_finished", "on_error", "on_warning")


@dataclass(frozen=True)
class StartInfo:
    """What `on_start` tells before the first batch.

    `initial_epoch` is the number of epochs already done (non-zero when
    resuming); `epochs` the total the run will reach.
    """

    device: str
    device_info: dict
    params: int
    trainable_params: int
    steps_per_epoch: int
    epochs: int
    initial_epoch: int
    batch_size: int
    num_train: int
    num_val: int
    run_dir: str
    monitor: str
    probe_layers: tuple[str, ...] = field(default_factory=tuple)
    steps_per_execution: int = 1  # as chosen for this run ("auto" resolved)


@runtime_checkable
class TrainingSink(Protocol):
    """Everything a run reports, in this order: start, (batches, feature maps)*, epochs, [error], finished.

    `on_batch(step, logs)`: `step` counts batches since the run's first epoch
    (resumed runs continue the count), at most `batch_events_per_second`.
    `on_batches(chunk)`: every batch (each compiled call's last, with
    `steps_per_execution` > 1) as `BatchChunk`s, at most
    `batch_events_per_second` chunks a second, the last one before `on_epoch`.
    `on_epoch(epoch, logs)`: `epoch` is 1-based (the number of epochs done),
    every epoch, with Keras' logs plus `learning_rate` and `epoch_seconds`.
    `on_weights(epoch, weights)`: after `on_epoch`, the weights by path
    ("dense/kernel") from the epoch's one weight pull (the same arrays the
    checkpoint saves; do not modify them).
    `on_samples(epoch, samples)`: after `on_epoch`, once per epoch, the
    task's view data (`Task.samples`: a dict of Qt-free arrays, e.g. the
    decision boundary grid or inputs and reconstructions), computed in the
    training thread only when the sink has this method.
    `on_feature_maps(layer, array)`: one sample's activations (float32, no
    batch axis), at most `probe_per_second` rounds; `Trainer.probe` says
    which layers and sample, and may be changed from any thread mid-run.
    `on_probe_failed(layers, message)`: a requested probe cannot be built
    (once per request); training goes on.
    `on_error(message)`: a NaN loss or a failure, readable by a person.
    `on_warning(message)`: something doubtful that does not stop the run
    (a loss growing by orders of magnitude), readable by a person.
    `on_finished(result)`: always last, with the `TrainResult`.
    """

    def on_start(self, info: StartInfo) -> None: ...
    def on_batch(self, step: int, logs: dict[str, float]) -> None: ...
    def on_batches(self, chunk: Any) -> None: ...
    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None: ...
    def on_weights(self, epoch: int, weights: dict[str, np.ndarray]) -> None: ...
    def on_samples(self, epoch: int, samples: dict[str, Any]) -> None: ...
    def on_feature_maps(self, layer: str, array: np.ndarray) -> None: ...
    def on_probe_failed(self, layers: tuple[str, ...], message: str) -> None: ...
    def on_finished(self, result: Any) -> None: ...
    def on_error(self, message: str) -> None: ...
    def on_warning(self, message: str) -> None: ...


class CallbackSink:
    """A sink made of plain callables: `CallbackSink(on_epoch=lambda e, logs: ...)`."""

    def __init__(self, **handlers: Callable):
        for name, handler in handlers.items():
            if name not in EVENTS:
                raise TypeError(f"unknown training event {name!r}; events are {', '.join(EVENTS)}")
            if not callable(handler):
                raise TypeError(f"the handler for {name} is not callable: {handler!r}")
            setattr(self, name, handler)


def _ignore(*_args) -> None:
    return None


class _CompleteSink:
    """Every event method present: the wrapped object's, or a no-op."""

    def __init__(self, target: Any):
        self.target = target
        for name in EVENTS:
            handler = getattr(target, name, None) if target is not None else None
            setattr(self, name, handler if callable(handler) else _ignore)

    def wants(self, event: str) -> bool:
        """Whether anyone listens, so the trainer can skip work nobody sees (the probe)."""
        return getattr(self, event) is not _ignore


def as_sink(target: Any = None) -> _CompleteSink:
    """Adapt None, a dict of callables, or an object with some event methods."""
    if isinstance(target, _CompleteSink):
        return target
    if isinstance(target, dict):
        target = CallbackSink(**target)
    return _CompleteSink(target)


class Throttle:
    """Lets an event through at most `per_second` times a second; the first always passes."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic):
        self.interval = 1.0 / per_second
        self.clock = clock
        self._next = -math.inf

    def ready(self) -> bool:
        now = self.clock()
        if now < self._next:
            return False
        self._next = now + self.interval
        return True
