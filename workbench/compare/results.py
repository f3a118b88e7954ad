"""What one comparison run leaves behind: a leaderboard row plus its epoch curves.

Plain data shared by the runner (which fills it), the reports (CSV, JSON,
PNG) and the GUI's leaderboard, so all three show the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

#: `comparison.csv` columns for classification, in order: a contract other tools read.  Runs of another task
#: name their best monitored value instead of `best_val_accuracy` (`leaderboard_columns`).
CSV_COLUMNS = (
    "preset", "params", "macs", "epochs", "best_val_accuracy", "best_epoch", "final_val_loss",
    "train_seconds", "samples_per_second", "model_bytes",
)

FINISHED, FAILED, CANCELLED = "finished", "failed", "cancelled"

#: per-epoch series kept for the overlaid curves; `elapsed` is wall seconds since the run started
CURVES = ("loss", "accuracy", "val_loss", "val_accuracy", "elapsed")

#: task -> (log key, direction) its runs are ranked by, where that is not the key the task monitors.  A GAN
#: monitors `g_loss` when it has no label agreement (to keep a checkpoint), but an adversarial loss does not
#: say which generator is better: its runs rank by label agreement, and an unconditional GAN has no score.
SCORES = {"gan": ("label_agreement", "max")}


@dataclass
class RunRecord:
    """One entry of a comparison: its numbers, where its files are, and how it ended."""

    preset: str
    status: str = FINISHED
    error: str = ""
    source: str = ""
    input_shape: tuple = ()
    classes: int | None = None
    params: int = 0
    macs: int = 0
    training_memory: int = 0
    epochs: int = 0
    best_val_accuracy: float | None = None
    best_epoch: int | None = None
    monitor: str = "val_accuracy"  # the task's monitored log key and its direction ("max"/"min")
    mode: str = "max"
    best_value: float | None = None  # the monitored key's best value
    reported: tuple = ()  # the task's reported validation keys (`Task.reported`): the leaderboard's score columns
    final_val_loss: float | None = None
    train_seconds: float = 0.0
    samples_per_second: float = 0.0
    model_bytes: int = 0
    run_dir: str = ""
    reused: bool = False  # taken from an earlier run in the same directory instead of retrained
    curves: dict[str, list[float]] = field(default_factory=dict)
    task: str = ""  # the task's name ("classification", "gan", "rbm", ...), once training started
    metrics: dict[str, float | None] = field(default_factory=dict)  # each at the best epoch (no score: the last)
    network_params: dict[str, int] = field(default_factory=dict)  # per network of a multi-network preset
    model_file: str = ""  # the run's model file in `run_dir` ("" for model.h5); a GAN's is generator.h5

    @property
    def finished(self) -> bool:
        return self.status == FINISHED

    def set_task(self, task: str, reported, monitor: str, mode: str) -> None:
        """The task's name, reported metrics and monitored key, the key replaced by the task's `SCORES` entry."""
        self.task, self.reported = task, tuple(reported)
        self.monitor, self.mode = SCORES.get(task, (monitor, mode))

    def add_epoch(self, logs: dict[str, float], elapsed: float) -> None:
        """Append one epoch's logs to the curves and update the best/final figures.

        A model with auxiliary outputs logs its main output's accuracy as
        `<output>_accuracy`; that is the one the curves keep.
        """
        accuracy = accuracy_key(logs)
        sources = {"accuracy": accuracy, "val_accuracy": f"val_{accuracy}"}
        for key in dict.fromkeys((*CURVES, *self.monitored_curve())):
            value = elapsed if key == "elapsed" else logs.get(sources.get(key, key))
            self.curves.setdefault(key, []).append(_float(value))
        self.epochs = len(self.curves["elapsed"])
        self.summarise_curves()

    def monitored_curve(self) -> tuple[str, ...]:
        """The monitored and reported keys' curves kept beside `CURVES` (an accuracy monitor is `val_accuracy`'s)."""
        return tuple(k for k in dict.fromkeys((self.monitored_key, *self.reported)) if k not in CURVES)

    def score(self, key: str) -> float | None:
        """`key`'s value at the best epoch (the monitored key: its best value), as `train --json` reports it."""
        if key == self.monitor:
            return self.best_value
        return _at(self.curves.get(key, []), self._best_row())

    def _best_row(self) -> int:
        """The best epoch's row in the curves; the last epoch's when nothing is scored (an unconditional GAN)."""
        return self.best_epoch - 1 if self.best_epoch is not None else self.epochs - 1

    @property
    def monitored_key(self) -> str:
        """The curve of the monitored metric (an accuracy monitor is `val_accuracy`'s, the main output's)."""
        return "val_accuracy" if self.monitor.endswith("accuracy") else self.monitor

    def objective(self, value: float | None = None) -> float | None:
        """A monitored value (default: the best) as a score to maximise: an error's negative, for a sweep."""
        value = self.best_value if value is None else value
        if value is None:
            return None
        return -value if self.mode == "min" else value

    def latest_objective(self) -> float | None:
        """The last epoch's monitored value as `objective` scores it (None before it has one)."""
        values = [v for v in self.curves.get(self.monitored_key, []) if v is not None]
        return self.objective(values[-1]) if values else None

    @property
    def best_column(self) -> str:
        """The leaderboard column of the best monitored value: `best_val_accuracy`, `best_val_mse`, ..."""
        return "best_val_accuracy" if self.monitor.endswith("accuracy") else f"best_{self.monitor}"

    def summarise_curves(self) -> None:
        """best_val_accuracy, best_value / best_epoch (first best, 1-based) and final_val_loss from the curves."""
        valid = [(v, i) for i, v in enumerate(self.curves.get("val_accuracy", [])) if v is not None]
        if valid:
            self.best_val_accuracy = max(v for v, _ in valid)
        valid = [(v, i) for i, v in enumerate(self.curves.get(self.monitored_key, [])) if v is not None]
        if valid:
            best = (min if self.mode == "min" else max)(v for v, _ in valid)
            self.best_value = best
            self.best_epoch = next(i for v, i in valid if v == best) + 1
        losses = [v for v in self.curves.get("val_loss", []) if v is not None]
        self.final_val_loss = losses[-1] if losses else None
        row = self._best_row()
        self.metrics = {name: _at(self.curves.get(name, []), row) for name in self.reported}

    def series(self, x_key: str, y_key: str) -> tuple[list[float], list[float]]:
        """One curve's points: `y_key` against "epoch" (1, 2, …) or "elapsed", missing values dropped."""
        ys = self.curves.get(y_key, [])
        xs = list(range(1, len(ys) + 1)) if x_key == "epoch" else self.curves.get(x_key, [])
        pairs = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
        return [float(x) for x, _ in pairs], [float(y) for _, y in pairs]

    def csv_row(self) -> dict[str, Any]:
        """This run's cells by column, its best monitored value under `best_column`."""
        row = {name: getattr(self, name) for name in CSV_COLUMNS}
        if self.best_column != "best_val_accuracy":
            row[self.best_column] = self.best_value
        return {**self.metrics, **row}

    def named_metrics(self) -> list[str]:
        """The reported metrics with a value that are not the monitored one (that is the best column)."""
        return [name for name, value in self.metrics.items() if value is not None and name != self.monitor]

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["input_shape"] = list(self.input_shape)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunRecord":
        """Read back `to_dict()` output, ignoring keys this version does not know."""
        known = {f.name for f in fields(cls)}
        record = cls(**{k: v for k, v in data.items() if k in known})
        record.input_shape = tuple(record.input_shape)
        record.reported = tuple(record.reported)
        record.curves = {k: [_float(v) for v in vs] for k, vs in dict(record.curves).items()}
        return record


def leaderboard_columns(records) -> tuple[str, ...]:
    """`CSV_COLUMNS`, with `best_val_accuracy` standing for the best monitored value of each task in `records`
    and each task's other reported metrics after `final_val_loss`: classification alone keeps the columns
    unchanged; an autoencoder comparison gets `best_val_mse`, a GAN one `best_label_agreement`, `d_loss`, `g_loss`."""
    best = list(dict.fromkeys(r.best_column for r in records)) or ["best_val_accuracy"]
    named = tuple(dict.fromkeys(name for r in records for name in r.named_metrics()))
    at, after = CSV_COLUMNS.index("best_val_accuracy"), CSV_COLUMNS.index("final_val_loss") + 1
    return CSV_COLUMNS[:at] + tuple(best) + CSV_COLUMNS[at + 1:after] + named + CSV_COLUMNS[after:]


def ranked(records) -> list:
    """Records best score first, each by its own direction, runs scored by the same column together (in the
    order their columns first appear); those without a score after them, in queue order."""
    scored = [r for r in records if r.best_value is not None]
    groups = list(dict.fromkeys(r.best_column for r in scored))
    scored.sort(key=lambda r: (groups.index(r.best_column), r.best_value if r.mode == "min" else -r.best_value))
    return scored + [r for r in records if r.best_value is None]


def score_of(records: list[RunRecord]) -> tuple[str, str]:
    """The curve the score chart draws and its name: the monitored metric every run that trained shares, else
    validation accuracy."""
    keys = {r.monitored_key for r in records if r.epochs}
    key = keys.pop() if len(keys) == 1 else "val_accuracy"
    return key, "validation accuracy" if key == "val_accuracy" else key.replace("_", " ")


def best_score(record: RunRecord, key: str) -> float | None:
    """`record`'s best value of the chart's score `key`."""
    if record.monitored_key == key:
        return record.best_value
    return record.best_val_accuracy if key == "val_accuracy" else None


def accuracy_key(logs: dict[str, float]) -> str:
    """'accuracy', or the main output's '<name>_accuracy' for a model with several outputs."""
    if "accuracy" in logs:
        return "accuracy"
    return next((k for k in logs if k.endswith("_accuracy") and not k.startswith("val_")), "accuracy")


def _at(values: list, row: int) -> float | None:
    return values[row] if 0 <= row < len(values) else None


def _float(value: Any) -> float | None:
    """A finite float, or None for a missing or non-finite value (JSON has no NaN)."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
