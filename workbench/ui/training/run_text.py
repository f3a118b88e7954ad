"""How the training panel words a run's end: finished or stopped where, its best epoch, and where it was saved."""

from __future__ import annotations

from workbench.train import TrainResult
from workbench.train import DIVERGED, FINISHED, STOPPED


def finished_text(result: TrainResult) -> str:
    best = ""
    if result.best_value is not None and result.best_epoch is not None:
        best = f"; best {result.monitor} {result.best_value:.4f} at epoch {result.best_epoch}"
    return f"{_ending(result)} in {result.seconds:.1f} s{best}. Saved {breakable(result.model_path)}"


def _ending(result: TrainResult) -> str:
    """How a run ended, epoch by epoch: a stop within an epoch says where, and that the epoch was not saved."""
    done = result.epochs_completed
    epochs = f"{done} epoch{'s' * (done != 1)}"
    where = result.stopped_at
    if result.status == STOPPED and where:
        return f"Stopped in epoch {where['epoch']} at batch {where['batch']}/{result.steps_per_epoch}; {epochs} saved"
    return f"{'Finished' if result.status == FINISHED else 'Stopped'} after {epochs}"


def progress_text(result: TrainResult) -> str:
    if result.status in (FINISHED, STOPPED):
        return _ending(result)
    if result.status == DIVERGED:
        return f"Diverged after {result.epochs_completed} epochs"
    return "Not trained"


def breakable(path) -> str:
    """A path a word-wrapping label may break after each separator (a zero-width space follows each '/')."""
    return str(path).replace("/", "/\u200b")
