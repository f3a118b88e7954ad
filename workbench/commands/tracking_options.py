"""`--mlflow [URI]` for `train`, `compare` and `sweep`: the finished runs logged from this process."""

from __future__ import annotations

import contextlib
from pathlib import Path


def add_mlflow_option(p) -> None:
    p.add_argument("--mlflow", nargs="?", const="", metavar="URI",
                   help="log the runs to MLflow (optional extra 'mlflow'); without a URI: sqlite:///OUT/mlflow.db, files in OUT/mlartifacts")


def open_tracker(args, folder: str | Path):
    """A `Tracker` when --mlflow was given (its default store in `folder`), else None."""
    if getattr(args, "mlflow", None) is None:
        return None
    from ..train.tracking import Tracker, default_uri

    Path(folder).mkdir(parents=True, exist_ok=True)
    if args.mlflow:
        return Tracker(args.mlflow)
    return Tracker(default_uri(folder), artifacts=Path(folder) / "mlartifacts")


class TrackingSink:
    """A comparison sink that logs every ended entry as a child of one parent run, then forwards."""

    def __init__(self, inner, tracker, name: str, params: dict):
        self.inner, self.tracker, self.params = inner, tracker, params
        self.parent = tracker.start(name, params)

    def __getattr__(self, event: str):
        return getattr(self.inner, event)

    def on_run_finished(self, index: int, record) -> None:
        if not record.reused:
            log_record(self.tracker, record, self.params, parent=self.parent)
        self.inner.on_run_finished(index, record)

    def close(self, status: str) -> None:
        self.tracker.end(self.parent, status)


def log_record(tracker, record, params: dict, parent: str | None = None, extra: dict | None = None) -> str:
    """One comparison entry or sweep trial: parameters, curves, summary, run folder."""
    run = tracker.start(record.preset, {**params, **(extra or {}), "preset": record.preset,
                                        "model_params": record.params}, parent=parent)
    tracker.log_curves(run, record.curves)
    tracker.log_summary(run, {"best_val_accuracy": record.best_val_accuracy, "final_val_loss": record.final_val_loss,
                              "train_seconds": record.train_seconds, "samples_per_second": record.samples_per_second})
    tracker.log_folder(run, record.run_dir)
    tracker.end(run, record.status)
    return run


@contextlib.contextmanager
def tracked(args, out_dir, sink, config, dataset):
    """`sink`, wrapped to log to MLflow when --mlflow was given; the parent run ends with the block."""
    tracker = open_tracker(args, out_dir)
    if tracker is None:
        yield sink
        return
    wrapped = TrackingSink(sink, tracker, f"{args.command} {dataset.name}",
                           {**config.to_dict(), "dataset": dataset.name})
    status = "failed"
    try:
        yield wrapped
        status = "finished"
    finally:
        wrapped.close(status)
