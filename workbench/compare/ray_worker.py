"""The part of a Ray comparison that runs inside a Ray worker process: one entry, trained as locally.

The worker runs the workbench's own `ComparisonRunner` on a single entry in a
scratch folder, so a run on a cluster node trains, fails and writes exactly
what a local one does.  Its events go to the driver through the `Control`
actor (fire-and-forget calls, which Ray delivers in order from one caller);
the driver's cancel requests come back through the same actor, polled by a
thread that stops the worker's Trainer.  The finished run folder travels back
to the driver as zip bytes, with the entry's record.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
import time
import zipfile
from pathlib import Path

#: how often the worker asks whether it was cancelled, and sends batch progress, at most (seconds)
CANCEL_POLL_SECONDS = 0.25
PROGRESS_INTERVAL_SECONDS = 0.5


class Control:
    """Ray actor between the driver and the workers: queued events one way, cancel flags the other."""

    def __init__(self):
        self._events: list[tuple] = []
        self._cancelled: set = set()

    def push(self, key, kind: str, payload) -> None:
        self._events.append((key, kind, payload))

    def drain(self) -> list[tuple]:
        events, self._events = self._events, []
        return events

    def cancel(self, key) -> None:
        self._cancelled.add(key)

    def is_cancelled(self, key) -> bool:
        return key in self._cancelled


class _ForwardingSink:
    """Comparison events of the worker's runner, sent to the driver; batch progress throttled."""

    def __init__(self, control, key):
        self.control, self.key = control, key
        self._last_progress = 0.0

    def _push(self, kind: str, payload) -> None:
        self.control.push.remote(self.key, kind, payload)

    def on_run_started(self, index: int, record) -> None:
        self._push("started", record.to_dict())

    def on_run_progress(self, index: int, step: int, total_steps: int) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_SECONDS or step in (0, total_steps):
            self._last_progress = now
            self._push("progress", (step, total_steps))

    def on_run_epoch(self, index: int, record) -> None:
        self._push("epoch", record.to_dict())


def train_entry(key, control, entry, dataset, config, input_shape, check_memory=True) -> tuple[dict, bytes]:
    """Train `entry` in this worker; returns its record (as a dict) and its run folder zipped."""
    import ray

    from .runner import ComparisonRunner

    control.push.remote(key, "pid", os.getpid())
    with tempfile.TemporaryDirectory(prefix="workbench-ray-") as scratch:
        runner = ComparisonRunner([entry], dataset, config, scratch, _ForwardingSink(control, key),
                                  input_shape=input_shape, reuse_finished=False, check_memory=check_memory)
        if ray.get(control.is_cancelled.remote(key)):
            runner.cancel(0)
        done = threading.Event()
        watcher = threading.Thread(target=_watch_cancel, args=(control, key, runner, done), daemon=True)
        watcher.start()
        try:
            record = runner.run()[0]
        finally:
            done.set()
            watcher.join()
        return record.to_dict(), _zipped(runner.run_dir(entry))


def _watch_cancel(control, key, runner, done: threading.Event) -> None:
    import ray

    while not done.wait(CANCEL_POLL_SECONDS):
        if ray.get(control.is_cancelled.remote(key)):
            runner.cancel(0)
            return


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()
