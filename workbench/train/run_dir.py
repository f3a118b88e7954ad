"""The run directory: everything one training run leaves on disk.

```
<run>/run.json             spec, hyperparameters, data set, seed, versions, device, timings, result
<run>/history.csv          one row per epoch, every metric at full resolution
<run>/model.h5             the trained model (legacy HDF5 plus workbench attributes)
<run>/checkpoint-last.h5   weights + optimizer state after the latest finite epoch
<run>/checkpoint-best.h5   the same for the best epoch by the monitored metric
<run>/tensorboard/         TensorBoard event files (TensorFlow backend only)
```

Checkpoints are our own small HDF5 files (not Keras' BackupAndRestore,
which deletes its backup on any stop): model weights and optimizer
variables in order, each with its variable path, plus the epoch count, so a
resumed run restores weights, optimizer iterations and slots, and continues
the epoch numbering.  Every file is replaced atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import paths
from ..atomic import SaveError, atomic_target, sweep_stale_temps, write_text_atomic
from .errors import TrainError
from .serialize import dumps

RUN_FILE = "run.json"
HISTORY_FILE = "history.csv"
MODEL_FILE = "model.h5"
CHECKPOINTS = {"last": "checkpoint-last.h5", "best": "checkpoint-best.h5"}
TENSORBOARD_DIR = "tensorboard"
RUN_FORMAT = 1
CHECKPOINT_FORMAT = 1


def default_runs_root() -> Path:
    """Where runs go when the caller names no directory (see `workbench.paths`)."""
    return paths.runs_dir()


def new_run_path(name: str, root: str | os.PathLike | None = None) -> Path:
    """A fresh `<root>/<YYYYmmdd-HHMMSS>-<name>` path (suffixed -2, -3 … if taken)."""
    root = Path(root) if root is not None else default_runs_root()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "run"
    base = f"{time.strftime('%Y%m%d-%H%M%S')}-{slug}"
    path, n = root / base, 1
    while path.exists():
        n += 1
        path = root / f"{base}-{n}"
    return path


@dataclass
class Checkpoint:
    """Weights and optimizer variables after `epoch` epochs, in the model's variable order."""

    epoch: int
    optimizer: str
    weight_names: list[str]
    weights: list[np.ndarray]
    optimizer_names: list[str]
    optimizer_values: list[np.ndarray]
    monitor: str = ""
    monitor_value: float | None = None


def history_columns(rows: list[dict]) -> dict[str, list]:
    """Rows (one dict per epoch) -> columns, as Keras' `History.history` (plus `epoch`)."""
    keys = _column_order(rows)
    return {key: [row.get(key) for row in rows] for key in keys}


def _column_order(rows: list[dict]) -> list[str]:
    keys = sorted({key for row in rows for key in row} - {"epoch"})
    return ["epoch"] + keys


class RunDir:
    """Paths and atomic reads/writes for one run directory."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # -- paths ----------------------------------------------------------
    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def history_file(self) -> Path:
        return self.path / HISTORY_FILE

    @property
    def model_file(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def tensorboard_dir(self) -> Path:
        return self.path / TENSORBOARD_DIR

    def checkpoint_file(self, kind: str) -> Path:
        return self.path / CHECKPOINTS[kind]

    # -- lifecycle ------------------------------------------------------
    def prepare(self) -> None:
        """Create the folder, check it is writable and sweep temp files a crash left."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SaveError(f"Could not create the run folder {self.path}: {exc.strerror or exc}.") from exc
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise SaveError(f"The run folder {self.path} is not writable; choose another folder.")
        sweep_stale_temps(self.path)

    # -- run.json -------------------------------------------------------
    def write_run(self, record: dict) -> None:
        write_text_atomic(self.run_file, dumps({"workbench_run": RUN_FORMAT, **record}, indent=2) + "\n", RUN_FILE)

    def read_run(self) -> dict:
        try:
            data = json.loads(self.run_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TrainError(f"{self.path} is not a run folder: it has no {RUN_FILE}.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TrainError(f"{self.run_file} cannot be read: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("workbench_run"), int):
            raise TrainError(f"{self.run_file} is not a workbench run record.")
        if data["workbench_run"] > RUN_FORMAT:
            raise TrainError(f"{self.run_file} was written by a newer workbench (format {data['workbench_run']}).")
        return data

    def load_spec(self):
        """The (data-adapted) spec the run trained, from run.json."""
        from workbench.spec import PresetError, spec_from_data

        record = self.read_run()
        try:
            return spec_from_data(record.get("spec"), source=str(self.run_file))
        except PresetError as exc:
            raise TrainError(f"{self.run_file}: its spec is unusable: {exc}") from None

    def load_config(self):
        """The run's TrainConfig, from run.json."""
        from .config import TrainConfig

        record = self.read_run()
        if not isinstance(record.get("config"), dict):
            raise TrainError(f"{self.run_file} holds no training configuration.")
        return TrainConfig.from_dict(record["config"])

    # -- history.csv ----------------------------------------------------
    def write_history(self, rows: list[dict]) -> None:
        keys = _column_order(rows)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow([_csv_value(row.get(key)) for key in keys])
        write_text_atomic(self.history_file, buffer.getvalue(), HISTORY_FILE)

    def read_history(self) -> list[dict]:
        """Rows written by `write_history`; an absent file is an empty history."""
        try:
            text = self.history_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise TrainError(f"{self.history_file} cannot be read: {exc}") from None
        rows = []
        for line, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            try:
                row = {key: float(value) for key, value in record.items() if value not in ("", None)}
                row["epoch"] = int(row["epoch"])
            except (KeyError, TypeError, ValueError):
                raise TrainError(f"{self.history_file}, line {line}: not a history row") from None
            rows.append(row)
        return rows

    # -- checkpoints ----------------------------------------------------
    def save_checkpoint(self, kind: str, checkpoint: Checkpoint) -> Path:
        import h5py

        target = self.checkpoint_file(kind)

        def check(temp: Path) -> None:
            with h5py.File(temp, "r") as f:
                if f.attrs.get("workbench_checkpoint") != CHECKPOINT_FORMAT:
                    raise SaveError("the checkpoint did not read back")
                if len(f["model"]) != len(checkpoint.weights) or len(f["optimizer"]) != len(checkpoint.optimizer_values):
                    raise SaveError("the checkpoint lost variables")

        with atomic_target(target, check, "checkpoint") as temp:
            with h5py.File(temp, "w") as f:
                f.attrs["workbench_checkpoint"] = CHECKPOINT_FORMAT
                f.attrs["epoch"] = checkpoint.epoch
                f.attrs["optimizer"] = checkpoint.optimizer
                f.attrs["monitor"] = checkpoint.monitor
                value = checkpoint.monitor_value
                f.attrs["monitor_value"] = np.nan if value is None else float(value)
                _write_arrays(f.create_group("model"), checkpoint.weight_names, checkpoint.weights)
                _write_arrays(f.create_group("optimizer"), checkpoint.optimizer_names, checkpoint.optimizer_values)
        return target

    def load_checkpoint(self, kind: str = "last") -> Checkpoint:
        import h5py

        path = self.checkpoint_file(kind)
        if not path.is_file():
            raise TrainError(f"{self.path} has no {path.name} to resume from (it stopped before its first epoch ended).")
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("workbench_checkpoint") != CHECKPOINT_FORMAT:
                    raise TrainError(f"{path} is not a workbench checkpoint.")
                weight_names, weights = _read_arrays(f["model"])
                optimizer_names, values = _read_arrays(f["optimizer"])
                monitor_value = float(f.attrs["monitor_value"])
                return Checkpoint(
                    epoch=int(f.attrs["epoch"]),
                    optimizer=str(f.attrs["optimizer"]),
                    weight_names=weight_names,
                    weights=weights,
                    optimizer_names=optimizer_names,
                    optimizer_values=values,
                    monitor=str(f.attrs["monitor"]),
                    monitor_value=monitor_value if math.isfinite(monitor_value) else None,
                )
        except TrainError:
            raise
        except (OSError, KeyError, ValueError) as exc:
            raise TrainError(f"{path} cannot be read: {exc}") from None


def _write_arrays(group, names: list[str], arrays: list[np.ndarray]) -> None:
    for index, (name, array) in enumerate(zip(names, arrays)):
        dataset = group.create_dataset(f"{index:06d}", data=np.asarray(array))
        dataset.attrs["name"] = name


def _read_arrays(group) -> tuple[list[str], list[np.ndarray]]:
    keys = sorted(group.keys())
    return [str(group[k].attrs["name"]) for k in keys], [group[k][()] for k in keys]


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)
