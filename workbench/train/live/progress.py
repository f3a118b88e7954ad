"""Progress of a run for people: epoch and step, samples per second, time left.

Fed with the (step, time) pairs of the batches the worker reports; the
rate is measured over the last few seconds so a slow first epoch (graph
tracing) or a pause does not distort it for long.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

#: seconds of recent batches the rate is measured over
WINDOW_SECONDS = 3.0


def clock_text(seconds: float) -> str:
    """0:07, 12:30, 1:02:03."""
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class ProgressMeter:
    """Where a run is, from its StartInfo numbers and the latest batches."""

    steps_per_epoch: int
    epochs: int
    initial_epoch: int
    batch_size: int
    step: int = 0
    epochs_done: int = 0

    def __post_init__(self):
        self.step = self.initial_epoch * self.steps_per_epoch
        self.epochs_done = self.initial_epoch
        self._recent: deque[tuple[float, int]] = deque()

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    @property
    def epoch(self) -> int:
        """The 1-based epoch in progress (the last one once all are done)."""
        return min(self.epochs, self.epochs_done + 1)

    @property
    def step_in_epoch(self) -> int:
        return self.step - (self.epoch - 1) * self.steps_per_epoch

    def add(self, steps, times) -> None:
        for step, when in zip(steps, times):
            self._recent.append((float(when), int(step)))
        if len(steps):
            self.step = int(steps[-1])
        newest = self._recent[-1][0] if self._recent else 0.0
        while len(self._recent) > 2 and newest - self._recent[0][0] > WINDOW_SECONDS:
            self._recent.popleft()

    def end_epoch(self, epoch: int) -> None:
        self.epochs_done = epoch
        self.step = max(self.step, epoch * self.steps_per_epoch)

    def forget_rate(self) -> None:
        """After a pause the old batches no longer say how fast training goes."""
        self._recent.clear()

    @property
    def steps_per_second(self) -> float | None:
        if len(self._recent) < 2:
            return None
        (t0, s0), (t1, s1) = self._recent[0], self._recent[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 and s1 > s0 else None

    @property
    def samples_per_second(self) -> float | None:
        rate = self.steps_per_second
        return rate * self.batch_size if rate is not None else None

    @property
    def seconds_left(self) -> float | None:
        rate = self.steps_per_second
        return (self.total_steps - self.step) / rate if rate else None

    @property
    def fraction(self) -> float:
        todo = self.total_steps - self.initial_epoch * self.steps_per_epoch
        done = self.step - self.initial_epoch * self.steps_per_epoch
        return min(1.0, max(0.0, done / todo)) if todo > 0 else 1.0

    def text(self) -> str:
        parts = [f"Epoch {self.epoch}/{self.epochs}", f"step {self.step_in_epoch}/{self.steps_per_epoch}"]
        rate = self.samples_per_second
        if rate is not None:
            parts.append(f"{rate:,.0f} samples/s")
        left = self.seconds_left
        if left is not None:
            parts.append(f"ETA {clock_text(left)}")
        return " · ".join(parts)
