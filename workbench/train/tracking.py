"""Logging finished runs to an MLflow tracking store (the optional `mlflow` extra).

Runs are logged from the process that drives them (the CLI, the window), never
from a Ray worker: the workers need no MLflow and no access to the store.  The
default store is a SQLite file beside the runs (`sqlite:///DIR/mlflow.db`), not
MLflow's deprecated `./mlruns` file store, and its files go to `DIR/mlartifacts`
rather than `./mlruns` in the current folder.  Each run gets its parameters, its
per-epoch curves as metric series (step = epoch), its summary figures, and
its run folder as artifacts (`model.h5`, `run.json`, `history.csv`, …);
a comparison or a sweep is a parent run with one child per entry or trial.
TensorBoard logs stay where the Trainer writes them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import TrainError

INSTALL_HINT = "--mlflow needs MLflow: pip install 'keras-workbench[mlflow]'"
EXPERIMENT = "keras-workbench"
#: MLflow's own tag that nests a run under another in its UI
_PARENT_TAG = "mlflow.parentRunId"
#: workbench statuses -> MLflow's run statuses
_STATUS = {"finished": "FINISHED", "failed": "FAILED", "cancelled": "KILLED", "stopped": "KILLED", "nan": "FAILED",
           "error": "FAILED"}


def default_uri(folder: str | os.PathLike) -> str:
    """`sqlite:///…/mlflow.db` in `folder` (absolute, so it names the same store from anywhere)."""
    return f"sqlite:///{Path(folder).resolve() / 'mlflow.db'}"


def artifact_location(uri: str) -> str | None:
    """For a SQLite store, `mlartifacts/` beside the database file; else None (the server decides).

    Without it MLflow writes artifacts to `./mlruns` under whatever folder the
    process happens to run in.
    """
    prefix = "sqlite:///"
    if not uri.startswith(prefix):
        return None
    return (Path(uri[len(prefix):]).parent / "mlartifacts").as_uri()


class Tracker:
    """One MLflow store and experiment; thread-safe through MlflowClient's explicit run ids."""

    def __init__(self, uri: str, experiment: str = EXPERIMENT, artifacts: str | os.PathLike | None = None):
        """`artifacts`: the folder for a new experiment's files; without it, beside a SQLite store
        (`artifact_location`); MLflow's own default is `./mlruns` of the current folder."""
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise TrainError(INSTALL_HINT) from None
        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri)
        found = self.client.get_experiment_by_name(experiment)
        self.experiment_id = found.experiment_id if found else self.client.create_experiment(
            experiment,
            artifact_location=Path(artifacts).resolve().as_uri() if artifacts else artifact_location(uri),
        )

    def start(self, name: str, params: Mapping | None = None, parent: str | None = None) -> str:
        tags = {_PARENT_TAG: parent} if parent else {}
        run = self.client.create_run(self.experiment_id, run_name=name, tags=tags)
        for key, value in sorted((params or {}).items()):
            self.client.log_param(run.info.run_id, key, _param_text(value))
        return run.info.run_id

    def log_curves(self, run_id: str, curves: Mapping[str, Sequence]) -> None:
        """Every curve as a metric series, step = epoch (1-based); gaps (None, NaN) left out."""
        for name, values in curves.items():
            for epoch, value in enumerate(values, start=1):
                if _finite(value):
                    self.client.log_metric(run_id, name, float(value), step=epoch)

    def log_summary(self, run_id: str, metrics: Mapping) -> None:
        for name, value in metrics.items():
            if _finite(value):
                self.client.log_metric(run_id, name, float(value))

    def log_folder(self, run_id: str, folder: str | os.PathLike | None) -> None:
        if folder and Path(folder).is_dir():
            self.client.log_artifacts(run_id, str(folder))

    def end(self, run_id: str, status: str = "finished") -> None:
        self.client.set_terminated(run_id, _STATUS.get(status, "FINISHED"))


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _param_text(value) -> str:
    """MLflow keeps parameters as strings of at most 6,000 characters."""
    return str(list(value) if isinstance(value, tuple) else value)[:6000]
