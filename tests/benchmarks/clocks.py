"""Timing shared by the training benchmarks: wall and CPU clocks, and epoch-end stamps from `fit`."""

from __future__ import annotations

import time

import keras


def now() -> tuple[float, float]:
    """Wall-clock and process CPU seconds: CPU time is steadier when other work shares the machine."""
    return time.perf_counter(), time.process_time()


class EpochClock(keras.callbacks.Callback):
    """Epoch-end timestamps only: no batch hook, so Keras keeps its asynchronous batch dispatch."""

    def __init__(self):
        super().__init__()
        self.ends: list[tuple[float, float]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.ends.append(now())
