"""The leaderboard: one row per candidate, sortable, with its progress while it trains.

The fixed columns are classification's; a task that ranks by another value or
reports other metrics adds a column per `leaderboard_columns` name that is
not one of them (`best_val_mse`, a GAN's `best_label_agreement`, `d_loss`,
`g_loss`, a Hopfield net's `recall_at_8` …), after the fixed ones, as soon
as a row has it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar

from ...compare.results import CANCELLED, FAILED, FINISHED, RunRecord
from ...spec.units import human, human_bytes

SORT_ROLE = Qt.UserRole + 1
PROGRESS_ROLE = Qt.UserRole + 2
SPEC_ROLE = Qt.UserRole + 3
QUEUED, TRAINING = "queued", "training"
STATUS_WIDTH = 170


@dataclass
class _Row:
    record: RunRecord
    state: str = QUEUED
    progress: float = 0.0  # 0..1 while training


def _optional(fmt):
    """Text and sort key for a value that may be missing (sorts below every number)."""
    return (lambda v: "" if v is None else fmt(v)), (lambda v: -math.inf if v is None else v)


@dataclass(frozen=True)
class _Column:
    """A leaderboard column: header, the record's value, its text and sort key, and when it is `known`:
    "always", "static" (once the spec is analysed), "live" (after an epoch) or "finished"."""

    header: str
    value: Callable[[RunRecord], Any]
    text: Callable[[Any], str]
    key: Callable[[Any], Any]
    known: str = "finished"


def _attribute(header, attr, text, key, known="finished") -> _Column:
    return _Column(header, attrgetter(attr), text, key, known)


_HEAD = (
    _attribute("Preset", "preset", str, str.lower, "always"),
    _Column("Status", lambda r: None, str, str, "always"),
    _attribute("Params", "params", lambda v: f"{v:,}", float, "static"),
    _attribute("MACs", "macs", human, float, "static"),
    _attribute("Train memory", "training_memory", human_bytes, float, "static"),
    _attribute("Epochs", "epochs", str, float, "live"),
)
_TAIL = (
    _attribute("Best epoch", "best_epoch", *_optional(str), "live"),
    _attribute("Final val loss", "final_val_loss", *_optional(lambda v: f"{v:.4f}"), "live"),
    _attribute("Time (s)", "train_seconds", lambda v: f"{v:.1f}", float),
    _attribute("Samples/s", "samples_per_second", lambda v: f"{v:,.0f}", float),
    _attribute("Model size", "model_bytes", human_bytes, float),
)
_WORDS = {"accuracy": "acc", "mse": "MSE", "mae": "MAE", "iou": "IoU", "cer": "CER"}
#: reported keys that are errors (smaller is better) when they are not the monitored key, whose direction the run gives
_ERRORS = ("mse", "mae", "loss", "cer")


def metric_label(key: str) -> str:
    """A log key as a header: val_accuracy -> "val acc", val_mean_iou -> "val mean IoU", val_mse -> "val MSE"."""
    return " ".join(_WORDS.get(word, word) for word in key.split("_"))


def _ranked(value: float | None, mode: str) -> float:
    """A score's sort key: a smaller-is-better value by its negative, so descending order puts the best first
    in every score column, and a missing value last."""
    if value is None:
        return -math.inf
    return -value if mode == "min" else value


def _score_column(key: str, mode: str, header: str) -> _Column:
    """One metric's column, at each record's best epoch."""
    return _Column(header, lambda r: r.score(key), lambda v: "" if v is None else f"{v:.4f}",
                   lambda v: _ranked(v, mode), "live")


def _monitored_column() -> _Column:
    """Mixed tasks: each record's monitored metric with its name."""
    return _Column("Best (monitored)", lambda r: (r.monitor, r.mode, r.best_value),
                   lambda v: "" if v[2] is None else f"{metric_label(v[0])} {v[2]:.4f}",
                   lambda v: _ranked(v[2], v[1]), "live")


def score_columns(records: list[RunRecord]) -> tuple[_Column, ...]:
    """The score columns the compared tasks call for, from the records that have logged an epoch.

    One monitored key: its best value ("Best val acc", "Best val MSE",
    "Best val mean IoU") and the task's other reported keys at that epoch
    (FCN: val pixel acc; RPROP: val MSE).  Several: one column naming each
    entry's monitored metric.  Nothing logged yet: classification's column.
    """
    started = [r for r in records if r.epochs > 0]
    monitors = {(r.monitor, r.mode) for r in started} or {("val_accuracy", "max")}
    if len(monitors) > 1:
        return (_monitored_column(),)
    ((monitor, mode),) = monitors
    first = _score_column(monitor, mode, f"Best {metric_label(monitor)}")
    others = dict.fromkeys(k for r in started for k in r.reported if k != monitor and k in r.curves)
    return (first, *(_score_column(k, "min" if k.endswith(_ERRORS) else "max", metric_label(k)) for k in others))


_DEFAULT = _HEAD + score_columns([]) + _TAIL
COLUMN_NAMES = tuple(c.header for c in _DEFAULT)
STATUS_COLUMN = 1


class LeaderboardModel(QAbstractTableModel):
    """One row per candidate, in queue order; the view sorts through a proxy on `SORT_ROLE`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._columns = _DEFAULT

    def column_names(self) -> tuple[str, ...]:
        """The headers now: the score columns follow the compared tasks (`score_columns`)."""
        return tuple(c.header for c in self._columns)

    def score_column(self) -> int:
        """The index of the first score column (the monitored metric's)."""
        return len(_HEAD)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self._columns[section].header
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if index.column() == STATUS_COLUMN:
            if role == Qt.DisplayRole:
                return _status_text(row)
            if role == SORT_ROLE:
                return f"{row.state} {row.progress:.3f}"
            if role == PROGRESS_ROLE:
                return row.progress if row.state == TRAINING else None
            if role == Qt.ToolTipRole:
                return row.record.error or None
            return None
        value = column.value(row.record)
        shown = _known(row, column.known)
        if role == Qt.DisplayRole:
            return column.text(value) if shown else ""
        if role == SORT_ROLE:
            return column.key(value) if shown else -math.inf
        if role == Qt.TextAlignmentRole and index.column() != 0:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ToolTipRole and index.column() == 0:
            return row.record.run_dir or None
        return None

    # -- updates (GUI thread) ----------------------------------------------------
    def reset_records(self, records: list[RunRecord], state: str | None = None) -> None:
        """New rows, all in `state` (None: each record's own status)."""
        self.beginResetModel()
        self._rows = [_Row(r, state or r.status, 1.0 if (state or r.status) == FINISHED else 0.0) for r in records]
        self._columns = _HEAD + score_columns(records) + _TAIL
        self.endResetModel()

    def set_record(self, index: int, record: RunRecord, state: str) -> None:
        """Replace a row's record; a training row keeps its progress."""
        row = self._rows[index]
        row.record, row.state = record, state
        if state == FINISHED:
            row.progress = 1.0
        columns = _HEAD + score_columns(self.records()) + _TAIL
        if [c.header for c in columns] != [c.header for c in self._columns]:  # the first epoch of another task
            self.beginResetModel()
            self._columns = columns
            self.endResetModel()
            return
        self._columns = columns
        self._changed(index)

    def set_progress(self, index: int, fraction: float) -> None:
        row = self._rows[index]
        row.state, row.progress = TRAINING, max(0.0, min(1.0, fraction))
        self.dataChanged.emit(self.index(index, STATUS_COLUMN), self.index(index, STATUS_COLUMN))

    def _changed(self, index: int) -> None:
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self._columns) - 1))

    def record(self, index: int) -> RunRecord:
        return self._rows[index].record

    def state(self, index: int) -> str:
        return self._rows[index].state

    def records(self) -> list[RunRecord]:
        return [r.record for r in self._rows]


def _known(row: _Row, known: str) -> bool:
    """Whether a column whose value is `known` ("always", "static", "live", "finished") has it for `row` yet."""
    if known == "static":
        return row.record.params > 0
    if known == "live":
        return row.record.epochs > 0
    return known == "always" or row.state == FINISHED


def _status_text(row: _Row) -> str:
    if row.state == TRAINING:
        return f"training {row.progress:.0%}"
    if row.state == FINISHED and row.record.reused:
        return "finished (reused)"
    if row.state in (FAILED, CANCELLED) and row.record.error:
        return f"{row.state}: {row.record.error.splitlines()[0]}"
    return row.state


class ProgressDelegate(QStyledItemDelegate):
    """Draws the status cell of a training row as a progress bar."""

    def paint(self, painter, option, index):
        fraction = index.data(PROGRESS_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 2, -2, -2)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(fraction * 1000)
        bar.text = index.data(Qt.DisplayRole)
        bar.textVisible = True
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.CE_ProgressBar, bar, painter, option.widget)
