"""Python's cyclic garbage collected in the GUI thread only, while worker threads run Python.

Automatic collection runs in whichever thread happens to allocate when a
threshold is crossed; with Keras allocating hard in the training thread,
that is usually the training thread.  A collection there finalises
unreachable Qt objects (pyqtgraph items dropped by a `clear()`, say) in the
wrong thread: Qt warns "Timers cannot be started from another thread" and
can crash.  While a training run or a comparison holds `GuiThreadCollector`, automatic
collection is off and a GUI-thread timer collects instead (the recipe of
pyqtgraph's `GarbageCollector`, made reversible).  The timer runs often, so
each young-generation collection is short; a full collection, which walks
every object made since TensorFlow loaded (up to ~90 ms on a busy CPU), runs
at most every FULL_INTERVAL_S, so it is a rare hitch rather than a steady
stutter.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 20
FULL_INTERVAL_S = 30.0


class GuiThreadCollector(QObject):
    """Reference-counted: automatic GC is off from the first `hold()` to the last `release()`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._holders = 0
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._last_full = time.monotonic()

    def hold(self) -> None:
        if self._holders == 0:
            self._thresholds = gc.get_threshold()
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self._holders += 1

    def release(self) -> None:
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self._timer.stop()
            gc.collect()
            if self._was_enabled:
                gc.enable()

    @Slot()
    def collect(self) -> None:
        """Collect the generations whose counts passed their thresholds, as automatic GC would (full ones rarely)."""
        counts = gc.get_count()
        full_due = time.monotonic() - self._last_full >= FULL_INTERVAL_S
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation] and (generation < 2 or full_due):
                gc.collect(generation)
                if generation == 2:
                    self._last_full = time.monotonic()
                return


_collector: GuiThreadCollector | None = None


def collector() -> GuiThreadCollector:
    """The process' one collector (create it from the GUI thread)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector()
    return _collector
