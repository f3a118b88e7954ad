"""What a run hands back (and passes to `on_finished`): status, history, best epoch, files, timings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

#: the ways a run ends
FINISHED, STOPPED, DIVERGED, FAILED = "finished", "stopped", "nan", "error"


@dataclass
class TrainResult:
    """The outcome of `Trainer.run`.

    `status`: "finished" (all epochs), "stopped" (stop requested; the model
    and history so far are saved), "nan" (loss or weights became non-finite;
    the model saved is the last finite checkpoint, if any) or "error"
    (nothing trained, or training failed; `message` says why).
    `history` holds one list per metric plus `epoch` (1-based), including
    epochs of the run this one resumed.  `best_*` refer to `monitor`
    (e.g. "val_accuracy"); `best_val_accuracy` is set when that is a
    validation accuracy.  `model_epoch` is the epoch whose weights
    `model_path` holds.
    """

    status: str
    message: str = ""
    run_dir: Path | None = None
    model_path: Path | None = None
    history: dict[str, list] = field(default_factory=dict)
    epochs_completed: int = 0
    initial_epoch: int = 0
    model_epoch: int | None = None
    monitor: str = ""
    mode: str = "max"  # whether a larger `monitor` is better ("max") or a smaller ("min"), as the task says
    best_value: float | None = None
    best_epoch: int | None = None
    final_logs: dict = field(default_factory=dict)
    stopped_at: dict | None = None  # {"epoch": e, "batch": b} when the last epoch was cut short
    device: str = ""
    params: int = 0
    steps_per_epoch: int = 0
    seconds: float = 0.0
    paused_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """A usable model came out (finished, or stopped on request)."""
        return self.status in (FINISHED, STOPPED)

    @property
    def best_val_accuracy(self) -> float | None:
        if self.monitor.startswith("val_") and self.monitor.endswith("accuracy"):
            return self.best_value
        return None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["run_dir"] = str(self.run_dir) if self.run_dir else None
        out["model_path"] = str(self.model_path) if self.model_path else None
        out["best_val_accuracy"] = self.best_val_accuracy
        return out
