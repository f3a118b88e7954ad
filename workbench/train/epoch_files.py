"""The run folder's per-epoch files (history.csv, checkpoint-last.h5, checkpoint-best.h5), written in batches.

Each write is an atomic replace with an fsync and a read-back check: a few
milliseconds, which is nothing beside a real epoch but several times a
1 ms full-batch epoch on four points.  So the epochs' history rows and
checkpoints are kept in memory and written at most every `WRITE_SECONDS`,
and always when the run pauses, stops, fails or ends (`flush`).  What a
crash can lose is the last few seconds of epochs; what it cannot do is
leave a half-written file or a history that misses epochs its checkpoint
has: history.csv is written before the checkpoints, and a resume keeps the
rows up to the checkpoint's epoch.
"""

from __future__ import annotations

import time

from .run_dir import Checkpoint, RunDir

#: the longest a finished epoch waits in memory before its files are written
WRITE_SECONDS = 5.0


class EpochFiles:
    """Pending history rows and checkpoints of one run folder; `flush()` writes what is pending."""

    def __init__(self, run_dir: RunDir, every: float | None = None, clock=time.monotonic):
        self.run_dir = run_dir
        self.every = WRITE_SECONDS if every is None else every
        self.clock = clock
        self.written_at = clock()
        self.rows: list[dict] | None = None  # the whole history, when it has rows not yet written
        self.checkpoints: dict[str, Checkpoint] = {}  # "last" / "best" -> the newest not yet written

    def add(self, rows: list[dict], checkpoints: dict[str, Checkpoint]) -> None:
        """An epoch ended with history `rows` and these checkpoints; written now if the last write is old."""
        self.rows = rows
        self.checkpoints.update(checkpoints)
        if self.clock() - self.written_at >= self.every:
            self.flush()

    def flush(self) -> None:
        """Write what is pending: history.csv first, then the checkpoints; a failed write stays pending."""
        self.written_at = self.clock()
        if self.rows:
            self.run_dir.write_history(self.rows)
        self.rows = None
        while self.checkpoints:
            kind = next(iter(self.checkpoints))
            self.run_dir.save_checkpoint(kind, self.checkpoints[kind])
            del self.checkpoints[kind]
