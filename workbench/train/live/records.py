"""What a run reported, as the curves draw it: growing columns, TensorBoard smoothing, the best epoch.

Qt-free, so the records can be built and checked without a display; the
curves view in `workbench.ui.training.curves` draws from them.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_SMOOTHING = 0.6


class Series:
    """A growing float64 column: amortised O(1) appends, `values` a view of the filled part."""

    def __init__(self, capacity: int = 1024):
        self._data = np.empty(capacity, dtype=np.float64)
        self.size = 0

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        need = self.size + len(values)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), dtype=np.float64)
            grown[:self.size] = self._data[:self.size]
            self._data = grown
        self._data[self.size:need] = values
        self.size = need

    @property
    def values(self) -> np.ndarray:
        return self._data[:self.size]

    def clear(self) -> None:
        self.size = 0


class Smoother:
    """TensorBoard's smoothing: an exponential moving average divided by (1 − weightⁿ), non-finite points skipped."""

    def __init__(self, weight: float):
        self.weight = weight
        self._last = 0.0
        self._count = 0

    def run(self, values: np.ndarray) -> np.ndarray:
        out = np.empty(len(values), dtype=np.float64)
        weight, last, count = self.weight, self._last, self._count
        for i, value in enumerate(values):
            if not math.isfinite(value):
                out[i] = math.nan
                continue
            last = last * weight + (1.0 - weight) * value
            count += 1
            out[i] = last / (1.0 - weight**count)
        self._last, self._count = last, count
        return out


class SeriesRecord:
    """Everything a run reported: per batch (step, seconds, metrics, smoothed) and per epoch (logs)."""

    def __init__(self, smoothing: float = DEFAULT_SMOOTHING):
        self.smoothing = smoothing
        self.steps = Series()
        self.times = Series()
        self.batch: dict[str, Series] = {}
        self.smoothed: dict[str, Series] = {}
        self._smoothers: dict[str, Smoother] = {}
        self.epochs: list[int] = []
        self.epoch_logs: dict[str, list[float]] = {}

    def add_batches(self, steps, times, metrics: dict[str, np.ndarray]) -> None:
        """Append batches; a metric missing from them gets NaN there, one first seen is NaN before."""
        count, before = len(steps), self.steps.size
        self.steps.extend(steps)
        self.times.extend(times)
        for key in list(self.batch) + [k for k in metrics if k not in self.batch]:
            if key not in self.batch:
                self.batch[key] = Series()
                self.smoothed[key] = Series()
                self._smoothers[key] = Smoother(self.smoothing)
                self.batch[key].extend(np.full(before, np.nan))
                self.smoothed[key].extend(np.full(before, np.nan))
            values = np.asarray(metrics.get(key, np.full(count, np.nan)), dtype=np.float64)
            self.batch[key].extend(values)
            self.smoothed[key].extend(self._smoothers[key].run(values))

    def add_epoch(self, epoch: int, logs: dict) -> None:
        self.epochs.append(int(epoch))
        for key in set(self.epoch_logs) | set(logs):
            column = self.epoch_logs.setdefault(key, [math.nan] * (len(self.epochs) - 1))
            column.append(float(logs.get(key, math.nan)))

    def set_smoothing(self, weight: float) -> None:
        self.smoothing = weight
        for key, series in self.batch.items():
            self._smoothers[key] = Smoother(weight)
            self.smoothed[key].clear()
            self.smoothed[key].extend(self._smoothers[key].run(series.values))

    def epoch_column(self, key: str) -> np.ndarray:
        return np.asarray(self.epoch_logs.get(key, [math.nan] * len(self.epochs)), dtype=np.float64)


def best_epoch(epochs: list[int], values: np.ndarray, mode: str) -> int | None:
    """The epoch with the best finite value (`mode` "max" or "min"); the first one on ties."""
    finite = np.isfinite(values)
    if not finite.any():
        return None
    masked = np.where(finite, values, -np.inf if mode == "max" else np.inf)
    return epochs[int(np.argmax(masked) if mode == "max" else np.argmin(masked))]
