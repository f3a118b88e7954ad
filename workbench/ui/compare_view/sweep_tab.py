"""The Sweep tab: search presets' training settings with Optuna, trial by trial, as `workbench sweep` does.

Left: the targets (presets, plus specs offered by the editor), the data set,
the search space in the CLI's own notation (a learning rate `1e-4:1e-1:log`,
batch sizes `16,32,64`, epochs `3` or `2:6`), trials, sampler, pruning, where
the trials train and the study's folder.  Right: one row per trial (its
settings, state and best validation accuracy) and its validation curve.

The sweep runs as one `BackgroundTask` through `sweep_task.run_sweep`, so the
study (`DIR/study.db`), the trial folders and the reports are exactly what
the command writes, and the same folder resumes from either.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...compare.results import RunRecord
from ...compare.sweep import SAMPLERS
from ...compare.sweep_space import parse_param, space
from ...errors import WorkbenchError
from ...spec import ModelSpec
from ...train.config import TrainConfig
from ..background import BackgroundTask
from ..gui_gc import collector
from ..theme import show_status
from .backend_form import BackendForm
from .charts import RUN_COLORS
from .candidates import CandidateList
from .leaderboard import metric_label
from .sweep_task import TRIAL_ENDED, TRIAL_EPOCH, TRIAL_STARTED, SweepRequest, TrialRow, run_sweep

TABLE_COLUMNS = ("Trial", "Settings", "State", "Best")
#: the swept settings: (field, label, default text); a single value sets it for every trial
SPACE_FIELDS = (("learning_rate", "Learning rate", "1e-4:1e-1:log"), ("batch_size", "Batch sizes", "16,32,64"),
                ("epochs", "Epochs", "5"))


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _trial_color(number: int) -> str:
    """A trial's colour: its curve and the swatch in its table row."""
    return RUN_COLORS[number % len(RUN_COLORS)]


class SweepTab(QWidget):
    """Choose targets, a space and a budget; run an Optuna study; watch its trials."""

    sweepFinished = Signal(object)  # list[TrialRow]
    runningChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._task = BackgroundTask("sweep", self)
        self._task.event.connect(self._on_task_event)
        self._task.done.connect(self._on_finished)
        self._task.failed.connect(self._on_failed)
        self._handlers = {TRIAL_STARTED: self._on_trial_started, TRIAL_EPOCH: self._on_trial_epoch,
                          TRIAL_ENDED: self._on_trial_ended}
        self._active = False
        self._blocked: str | None = None
        self._rows: dict[int, int] = {}  # trial number -> table row
        self._params: dict[int, dict] = {}  # trial number -> its settings, in the order Optuna drew them
        self._curves: dict[int, pg.PlotDataItem] = {}
        self.paths: list[Path] = []

        self.targets = CandidateList(self)
        self.dataset = QComboBox(self)
        self.dataset.setEditable(True)
        from ...data import dataset_names

        self.dataset.addItems(dataset_names())
        self.space_edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Data set", self.dataset)
        for name, label, default in SPACE_FIELDS:
            edit = QLineEdit(default, self)
            edit.setToolTip("LOW:HIGH[:log] a range, a,b,c a list, one value: the same for every trial")
            self.space_edits[name] = edit
            form.addRow(label, edit)
        self.trials = QSpinBox(self)
        self.trials.setRange(1, 10_000)
        self.trials.setValue(10)
        self.trials.setToolTip("Trials the study should hold in the end; a resumed study counts its earlier ones")
        self.sampler = QComboBox(self)
        self.sampler.addItems(SAMPLERS)
        self.sampler.setCurrentText("tpe")
        self.prune = QCheckBox("Stop trials whose accuracy trails the median", self)
        self.out_dir = QLineEdit(self)
        self.out_dir.setPlaceholderText("a new folder under the runs folder; an earlier sweep's folder resumes it")
        browse_out = QPushButton("…", self)
        browse_out.clicked.connect(self._on_browse_out_clicked)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_dir, 1)
        out_row.addWidget(browse_out)
        form.addRow("Trials", self.trials)
        form.addRow("Sampler", self.sampler)
        form.addRow("Pruning", self.prune)
        form.addRow("Output folder", out_row)
        self.backend_form = BackendForm(self)
        form.addRow(self.backend_form)
        self.run_button = QPushButton("Run sweep", self)
        self.run_button.clicked.connect(self._on_run_clicked)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setToolTip("End the running trials (recorded as failed) and start no more")
        self.stop_button.clicked.connect(self.stop)

        targets_box = QGroupBox("Targets (several: the preset is swept too)", self)
        QVBoxLayout(targets_box).addWidget(self.targets)
        settings_box = QGroupBox("Search", self)
        settings_box.setLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.stop_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(targets_box, 1)
        left_layout.addWidget(settings_box)
        left_layout.addLayout(buttons)

        self.table = QTableWidget(0, len(TABLE_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.status = QLabel("Check a target, set the ranges and run.", self)
        self.status.setWordWrap(True)
        self.curves = pg.PlotWidget(self)
        self.curves.setTitle("validation accuracy per trial")
        self.curves.setLabel("bottom", "epoch")
        self.curves.showGrid(x=True, y=True, alpha=0.15)
        self.curves.setBackground(self.palette().color(QPalette.Base))
        board = QWidget(self)
        board_layout = QVBoxLayout(board)
        board_layout.setContentsMargins(0, 0, 0, 0)
        board_layout.addWidget(self.table, 1)
        board_layout.addWidget(self.status)
        right = QSplitter(Qt.Vertical, self)
        right.addWidget(board)
        right.addWidget(self.curves)
        right.setSizes([300, 500])
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(splitter)
        self._update_buttons()

    # -- targets ----------------------------------------------------------------------
    def add_spec(self, label: str, spec: ModelSpec, checked: bool = True) -> None:
        """Offer an architecture (e.g. the canvas' model) as a target; one of the same label is replaced."""
        self.targets.add_spec(label, spec, checked)

    def set_checked(self, labels: list[str]) -> None:
        self.targets.set_checked(labels)

    # -- the form -> a request --------------------------------------------------------
    def request(self) -> SweepRequest:
        """What the form asks for; WorkbenchError names the field that is wrong."""
        from ...train.run_dir import new_run_path

        entries = self.targets.checked_entries()
        if not entries:
            raise WorkbenchError("check at least one target to sweep")
        dataset_name = self.dataset.currentText().strip()
        if not dataset_name:
            raise WorkbenchError("choose a data set")
        params, fixed = [], {}
        for name, label, _default in SPACE_FIELDS:
            text = self.space_edits[name].text().strip()
            if not text:
                continue
            try:
                param = parse_param(f"{name}={text}")
            except WorkbenchError as exc:
                raise WorkbenchError([f"{label}: {p}" for p in exc.problems]) from None
            if len(param.choices) == 1:
                fixed[name] = param.choices[0]
            else:
                params.append(param)
        try:
            base = TrainConfig().replace(**fixed)
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from None
        full = space(params, [e.label for e in entries])
        if not full:
            raise WorkbenchError("give a range or a list for at least one setting, or check several targets")
        out_text = self.out_dir.text().strip()
        out_dir = Path(out_text).expanduser() if out_text else new_run_path(f"sweep-{dataset_name}")
        if out_dir.exists() and not out_dir.is_dir():
            raise WorkbenchError(f"Output folder {out_dir} is a file, not a folder")
        return SweepRequest(entries, dataset_name, base, full, out_dir, self.trials.value(),
                            sampler=self.sampler.currentText(), prune=self.prune.isChecked(),
                            backend=self.backend_form.backend())

    # -- running ----------------------------------------------------------------------
    def running(self) -> bool:
        return self._task.running()

    def start(self, request: SweepRequest) -> None:
        if self.running():
            raise WorkbenchError("a sweep is already running; stop it or wait for it to finish")
        if self._blocked:
            raise WorkbenchError(self._blocked)
        self.table.setRowCount(0)
        self._rows.clear()
        self._params.clear()
        self.curves.clear()
        self._curves.clear()
        self.paths = []
        self._active = True
        collector().hold()  # as the comparison: cyclic garbage is collected here while the worker trains
        self._task.submit(functools.partial(run_sweep, request))
        where = self.backend_form.describe() if request.backend is not None else "here"
        self._set_status(f"Sweeping {', '.join(e.label for e in request.entries)} on {request.dataset_name} "
                         f"({request.trials} trials, {request.sampler}) {where} into {request.out_dir} …")
        self._update_buttons()
        self.runningChanged.emit(True)

    def stop(self) -> None:
        if self.running():
            self._task.cancel(lambda sweep: sweep.stop())

    def set_blocked(self, reason: str | None) -> None:
        """Refuse to start while `reason` holds (training elsewhere shares Keras' global state)."""
        self._blocked = reason
        self.run_button.setToolTip(f"Unavailable: {reason}" if reason else "")
        self._update_buttons()

    def shutdown(self) -> None:
        if self.running():
            self._task.shutdown(lambda sweep: sweep.stop())
            self._ended()

    def trial_rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (what a user reads)."""
        return [tuple(self.table.item(r, c).text() for c in range(len(TABLE_COLUMNS)))
                for r in range(self.table.rowCount())]

    # -- the task's events ----------------------------------------------------------------
    @Slot(str, object)
    def _on_task_event(self, kind: str, args: tuple) -> None:
        self._handlers[kind](*args)

    def _on_trial_started(self, number: int, params: dict) -> None:
        self._show_row(TrialRow(number, params, "running", None))
        self._set_status(f"Trial {number} training …")

    def _on_trial_epoch(self, number: int, record: RunRecord) -> None:
        self._draw_curve(number, record)
        self._name_score(record)
        best = record.best_value
        self._set_cell(number, 3, "" if best is None else f"{best:.4f}")

    def _on_trial_ended(self, number: int, record: RunRecord, state: str) -> None:
        self._show_row(TrialRow(number, self._params.get(number, {}), state, record.best_value, record))

    @Slot(object)
    def _on_finished(self, outcome) -> None:
        rows, self.paths, note = outcome
        for row in rows:  # the whole study, earlier runs of a resumed one included
            self._show_row(row)
        done = [r for r in rows if r.state == "complete"]
        text = f"{len(rows)} trials, {len(done)} complete; reports in {self.paths[0].parent if self.paths else ''}"
        if done:
            best = max(done, key=lambda r: r.record.objective())
            text += f"; best: trial {best.number}, {metric_label(best.record.monitored_key)} {best.value:.4f} " \
                    f"({', '.join(f'{k}={_short(v)}' for k, v in best.params.items())})"
        self._set_status(text + (f"; {note}" if note else ""))
        self._ended()
        self.sweepFinished.emit(rows)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._set_status(f"The sweep stopped: {message}", error=True)
        self._ended()

    def _ended(self) -> None:
        if not self._active:
            return
        self._active = False
        collector().release()
        self._update_buttons()
        self.runningChanged.emit(False)

    # -- drawing ------------------------------------------------------------------------
    def _show_row(self, trial: TrialRow) -> None:
        row = self._rows.get(trial.number)
        if row is None:
            row = self._rows[trial.number] = self.table.rowCount()
            self.table.insertRow(row)
        self._params[trial.number] = dict(trial.params)
        settings = ", ".join(f"{k}={_short(v)}" for k, v in trial.params.items())
        value = "" if trial.value is None else f"{trial.value:.4f}"
        for column, text in enumerate((str(trial.number), settings, trial.state, value)):
            self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.item(row, 0).setData(Qt.DecorationRole, QColor(_trial_color(trial.number)))
        if trial.record is not None and trial.record.curves.get(trial.record.monitored_key):
            self._name_score(trial.record)
            self._draw_curve(trial.number, trial.record)

    def _set_cell(self, number: int, column: int, text: str) -> None:
        row = self._rows.get(number)
        if row is not None:
            self.table.setItem(row, column, QTableWidgetItem(text))

    def _name_score(self, record: RunRecord) -> None:
        """The score column and the curves' title name the metric the trials are ranked by (val MSE, ...)."""
        name = metric_label(record.monitored_key)
        self.table.setHorizontalHeaderItem(3, QTableWidgetItem(f"Best {name}"))
        self.curves.setTitle(f"{name} per epoch")

    def _draw_curve(self, number: int, record: RunRecord) -> None:
        values = [v for v in record.curves.get(record.monitored_key) or [] if v is not None]
        curve = self._curves.get(number)
        if curve is None:
            pen = pg.mkPen(_trial_color(number), width=2)
            curve = self._curves[number] = self.curves.plot([], [], pen=pen, name=f"trial {number}")
        curve.setData(list(range(1, len(values) + 1)), [float(v) for v in values])

    def _set_status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def _update_buttons(self) -> None:
        running = self.running()
        self.run_button.setEnabled(not running and not self._blocked)
        self.stop_button.setEnabled(running)

    # -- slots: buttons ---------------------------------------------------------------------
    @Slot()
    def _on_run_clicked(self) -> None:
        try:
            self.start(self.request())
        except WorkbenchError as exc:
            QMessageBox.warning(self, "Cannot start the sweep", "\n".join(exc.problems))

    @Slot()
    def _on_browse_out_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the sweep (an earlier one resumes it)")
        if path:
            self.out_dir.setText(path)
