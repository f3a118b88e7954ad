"""The leaderboard: one row per candidate, sortable, with its progress while it trains.

The fixed columns are classification's; a task that ranks by another value or
reports other metrics adds a column per `leaderboard_columns` name that is
not one of them (`best_val_mse`, a GAN's `best_label_agreement`, `d_loss`,
`g_loss`, a Hopfield net's `recall_at_8` …), after the fixed ones, as soon
as a row has it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar

from ...compare.results import CANCELLED, CSV_COLUMNS, FAILED, FINISHED, RunRecord, leaderboard_columns
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


_COLUMNS = (
    # header, record attribute, text, sort key
    ("Preset", "preset", str, str.lower),
    ("Status", None, None, None),
    ("Params", "params", lambda v: f"{v:,}", float),
    ("MACs", "macs", human, float),
    ("Train memory", "training_memory", human_bytes, float),
    ("Epochs", "epochs", str, float),
    ("Best val acc", "best_val_accuracy", *_optional(lambda v: f"{v:.4f}")),
    ("Best epoch", "best_epoch", *_optional(str)),
    ("Final val loss", "final_val_loss", *_optional(lambda v: f"{v:.4f}")),
    ("Time (s)", "train_seconds", lambda v: f"{v:.1f}", float),
    ("Samples/s", "samples_per_second", lambda v: f"{v:,.0f}", float),
    ("Model size", "model_bytes", human_bytes, float),
)
COLUMN_NAMES = tuple(c[0] for c in _COLUMNS)
STATUS_COLUMN = 1


class LeaderboardModel(QAbstractTableModel):
    """One row per candidate, in queue order; the view sorts through a proxy on `SORT_ROLE`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._extra: list[str] = []  # the task columns after `_COLUMNS`, by `leaderboard_columns` name

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(_COLUMNS) + len(self._extra)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return _COLUMNS[section][0] if section < len(_COLUMNS) else self._extra[section - len(_COLUMNS)]
        return None

    def column_names(self) -> list[str]:
        """Every header, the task columns last."""
        return [c[0] for c in _COLUMNS] + self._extra

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if index.column() >= len(_COLUMNS):
            return _task_cell(row, self._extra[index.column() - len(_COLUMNS)], role)
        header, attr, text, key = _COLUMNS[index.column()]
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
        value = getattr(row.record, attr)
        shown = _known(row, attr)
        if role == Qt.DisplayRole:
            return text(value) if shown else ""
        if role == SORT_ROLE:
            return key(value) if shown else -math.inf
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
        self._extra = _task_columns(records)
        self.endResetModel()

    def set_record(self, index: int, record: RunRecord, state: str) -> None:
        """Replace a row's record; a training row keeps its progress."""
        row = self._rows[index]
        row.record, row.state = record, state
        if state == FINISHED:
            row.progress = 1.0
        added = [c for c in _task_columns(self.records()) if c not in self._extra]
        if added:
            first = len(_COLUMNS) + len(self._extra)
            self.beginInsertColumns(QModelIndex(), first, first + len(added) - 1)
            self._extra += added
            self.endInsertColumns()
        self._changed(index)

    def set_progress(self, index: int, fraction: float) -> None:
        row = self._rows[index]
        row.state, row.progress = TRAINING, max(0.0, min(1.0, fraction))
        self.dataChanged.emit(self.index(index, STATUS_COLUMN), self.index(index, STATUS_COLUMN))

    def _changed(self, index: int) -> None:
        self.dataChanged.emit(self.index(index, 0), self.index(index, self.columnCount() - 1))

    def record(self, index: int) -> RunRecord:
        return self._rows[index].record

    def state(self, index: int) -> str:
        return self._rows[index].state

    def records(self) -> list[RunRecord]:
        return [r.record for r in self._rows]


#: columns known once the spec is analysed, after an epoch, or only when the run finished
_STATIC = {"params", "macs", "training_memory"}
_LIVE = {"epochs", "best_val_accuracy", "best_epoch", "final_val_loss"}


def _known(row: _Row, attr: str) -> bool:
    if attr in _STATIC:
        return row.record.params > 0
    if attr in _LIVE:
        return row.record.epochs > 0
    return attr == "preset" or row.state == FINISHED


def _task_columns(records: list[RunRecord]) -> list[str]:
    """The `leaderboard_columns` of rows that trained an epoch that the fixed columns do not show."""
    return [c for c in leaderboard_columns([r for r in records if r.epochs]) if c not in CSV_COLUMNS]


def _task_cell(row: _Row, column: str, role):
    """A task column's cell: its value to four places, empty (sorted last) where the row has none."""
    value = row.record.csv_row().get(column) if row.record.epochs else None
    if role == Qt.DisplayRole:
        return "" if value is None else f"{value:.4f}"
    if role == SORT_ROLE:
        return -math.inf if value is None else float(value)
    if role == Qt.TextAlignmentRole:
        return int(Qt.AlignRight | Qt.AlignVCenter)
    return None


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
