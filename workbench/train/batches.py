"""Every batch's logs, delivered in chunks at a rate the caller chooses.

A sink with `on_batches(chunk)` gets every batch (nothing thinned, so the
curves keep full resolution) without paying a cross-thread hand-off per
batch: the buffer gathers batches in the training thread and hands them on
at most `per_second` times a second, and at once when waiting would delay
a batch noticeably (validation follows the epoch's last batch; a pause or
stop holds the next one back).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class BatchChunk:
    """Consecutive batches' logs: `steps` (cumulative batch count), `times` (monotonic seconds), metrics."""

    steps: np.ndarray
    times: np.ndarray
    metrics: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.steps)


class BatchBuffer:
    """Collects `add(step, logs)` calls and passes `BatchChunk`s to `deliver`, at most `per_second` a second."""

    def __init__(self, deliver: Callable[[BatchChunk], None], per_second: float,
                 clock: Callable[[], float] = time.monotonic):
        self.deliver = deliver
        self.interval = 1.0 / per_second
        self.clock = clock
        self._keys: list[str] | None = None
        self._steps: list[int] = []
        self._times: list[float] = []
        self._values: list[list[float]] = []
        self._next_flush = 0.0
        self._last_batch = clock()

    def add(self, step: int, logs: dict, urgent: bool = False) -> None:
        """One batch; `urgent` (the epoch's last batch, a pause or stop ahead) sends the chunk now."""
        now = self.clock()
        gap, self._last_batch = now - self._last_batch, now
        if self._keys is None:
            self._keys = [k for k, v in logs.items() if isinstance(v, (int, float))]
        self._steps.append(step)
        self._times.append(now)
        self._values.append([float(logs.get(k, math.nan)) for k in self._keys])
        # send if the next batch would come after the deadline: no point waits much longer than an interval
        if urgent or now + gap >= self._next_flush:
            self.flush()

    def flush(self) -> None:
        """Send what is buffered (nothing when empty) and start a new interval."""
        self._next_flush = self.clock() + self.interval
        if not self._steps:
            return
        values = np.asarray(self._values, dtype=np.float64).reshape(len(self._steps), len(self._keys))
        chunk = BatchChunk(
            steps=np.asarray(self._steps, dtype=np.int64),
            times=np.asarray(self._times, dtype=np.float64),
            metrics={key: values[:, i].copy() for i, key in enumerate(self._keys)},
        )
        self._steps, self._times, self._values = [], [], []
        self.deliver(chunk)
