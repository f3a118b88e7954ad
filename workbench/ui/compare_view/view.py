"""The comparison screen itself: candidates, data set and shared hyperparameters, the leaderboard and charts."""

from __future__ import annotations

import functools
from operator import methodcaller
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...compare.report import (
    JSON_NAME, comparison_document, read_comparison, settings_of, write_csv, write_json, write_png,
)
from ...compare.results import FAILED, RunRecord
from ...compare.runner import CompareEntry
from ...errors import WorkbenchError
from ...keras_bridge.targets import open_model, parse_shape
from ...spec import ModelSpec
from ...train.config import TrainConfig
from ...train.errors import ConfigError
from ..background import BackgroundTask
from ..config_form import HyperparameterForm
from ..gui_gc import collector
from ..theme import show_status
from .backend_form import BackendForm
from .candidates import CandidateList
from .charts import ComparisonCharts
from .leaderboard import (
    QUEUED,
    SORT_ROLE,
    STATUS_COLUMN,
    STATUS_WIDTH,
    TRAINING,
    LeaderboardModel,
    ProgressDelegate,
)
from .task import RUN_EPOCH, RUN_FINISHED, RUN_PROGRESS, RUN_STARTED, run_comparison

REDRAW_MS = 100
#: the hyperparameters a comparison shares (the rest keep TrainConfig's defaults, as the CLI's `compare`)
COMPARE_FIELDS = ("epochs", "batch_size", "optimizer", "learning_rate", "validation_split", "seed")


class CompareView(QWidget):
    """Choose candidates, data and settings; train them one after another; rank and chart them.

    `specs` adds saved or edited architectures (label -> spec) next to the
    presets.  Call `shutdown()` before the application quits: it cancels the
    comparison and waits for the worker thread.
    """

    comparisonFinished = Signal(object)  # list[RunRecord]
    runningChanged = Signal(bool)

    def __init__(self, specs: dict[str, ModelSpec] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._task = BackgroundTask("comparison", self)
        self._active = False  # between start() and the comparison's end
        self._task.event.connect(self._on_task_event)
        self._task.done.connect(self._on_finished)
        self._task.failed.connect(self._on_failed)
        #: the comparison task's events -> their handlers (the dispatch table)
        self._handlers = {RUN_STARTED: self._on_run_started, RUN_PROGRESS: self._on_run_progress,
                          RUN_EPOCH: self._on_run_epoch, RUN_FINISHED: self._on_run_finished}
        self._out_dir: Path | None = None
        self._settings: dict = {}
        self._dirty = False
        self._blocked: str | None = None

        self.candidates = CandidateList(self, networks=True)
        for label, spec in (specs or {}).items():
            self.add_spec(label, spec)
        add_file = QPushButton("Add saved spec…", self)
        add_file.clicked.connect(self._on_add_file_clicked)

        self.dataset = QComboBox(self)
        self.dataset.setEditable(True)
        self._fill_datasets()
        browse_data = QPushButton("…", self)
        browse_data.setToolTip("Choose a data file or an image folder")
        browse_data.clicked.connect(self._on_browse_dataset_clicked)
        self.hyperparameters = HyperparameterForm(COMPARE_FIELDS, parent=self)
        self.hyperparameters.apply(TrainConfig())
        for name, editor in self.hyperparameters.editors.items():  # the names tests and scripts use
            setattr(self, name, editor)
        self.input_shape = QLineEdit(self)
        self.input_shape.setPlaceholderText("each model's own, e.g. 32,32,1")
        self.out_dir = QLineEdit(self)
        self.out_dir.setPlaceholderText("a new folder under the runs folder")
        browse_out = QPushButton("…", self)
        browse_out.clicked.connect(self._on_browse_out_clicked)

        data_row = QHBoxLayout()
        data_row.addWidget(self.dataset, 1)
        data_row.addWidget(browse_data)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_dir, 1)
        out_row.addWidget(browse_out)
        form = self.hyperparameters
        form.insertRow(0, "Data set", data_row)
        form.addRow("Input shape", self.input_shape)
        form.addRow("Output folder", out_row)
        self.backend_form = BackendForm(self)
        form.addRow(self.backend_form)

        self.run_button = QPushButton("Train and compare", self)
        self.run_button.clicked.connect(self._on_run_clicked)
        candidates_box = QGroupBox("Candidates", self)
        box_layout = QVBoxLayout(candidates_box)
        box_layout.addWidget(self.candidates, 1)
        box_layout.addWidget(add_file)
        settings_box = QGroupBox("Shared settings", self)
        settings_box.setLayout(form)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(candidates_box, 1)
        left_layout.addWidget(settings_box)
        left_layout.addWidget(self.run_button)

        self.model = LeaderboardModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(STATUS_COLUMN, QHeaderView.Interactive)
        header.resizeSection(STATUS_COLUMN, STATUS_WIDTH)
        header.setSortIndicator(-1, Qt.AscendingOrder)  # queue order until a header is clicked
        self.table.setItemDelegateForColumn(STATUS_COLUMN, ProgressDelegate(self.table))
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.cancel_button = QPushButton("Cancel selected", self)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.cancel_all_button = QPushButton("Cancel all", self)
        self.cancel_all_button.clicked.connect(self._on_cancel_all_clicked)
        open_button = QPushButton("Open comparison…", self)
        open_button.clicked.connect(self._on_open_clicked)
        self.export_buttons = []
        for text, suffix in (("Export CSV…", "csv"), ("Export JSON…", "json"), ("Export PNG…", "png")):
            button = QPushButton(text, self)
            button.setProperty("suffix", suffix)
            button.clicked.connect(self._on_export_clicked)
            self.export_buttons.append(button)
        actions = QHBoxLayout()
        for button in (self.cancel_button, self.cancel_all_button, open_button):
            actions.addWidget(button)
        actions.addStretch(1)
        for button in self.export_buttons:
            actions.addWidget(button)
        self.status = QLabel("Check two or more candidates, choose a data set, and train.", self)
        self.status.setWordWrap(True)

        self.charts = ComparisonCharts(self)
        self.charts.x_axis.currentIndexChanged.connect(self._on_x_axis_changed)
        board = QWidget(self)
        board_layout = QVBoxLayout(board)
        board_layout.setContentsMargins(0, 0, 0, 0)
        board_layout.addWidget(self.table, 1)
        board_layout.addLayout(actions)
        board_layout.addWidget(self.status)
        right = QSplitter(Qt.Vertical, self)
        right.addWidget(board)
        right.addWidget(self.charts)
        right.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._on_redraw_tick)
        self._timer.start()
        self._update_buttons()

    # -- candidates -------------------------------------------------------------------
    def add_spec(self, label: str, spec: ModelSpec, checked: bool = True) -> None:
        """Offer an architecture (the canvas' model, a saved file) as a candidate (`CandidateList.add_spec`)."""
        self.candidates.add_spec(label, spec, checked)

    def set_checked(self, labels: list[str]) -> None:
        self.candidates.set_checked(labels)

    def checked_entries(self) -> list[CompareEntry]:
        return self.candidates.checked_entries()

    def _fill_datasets(self) -> None:
        from ...data import dataset_names

        self.dataset.addItems(dataset_names())

    # -- running --------------------------------------------------------------------
    def running(self) -> bool:
        return self._task.running()

    def start(self, entries: list[CompareEntry], dataset_name: str, config, out_dir: Path,
              input_shape=None, backend=None) -> None:
        """Train `entries` on `dataset_name` with `config` into `out_dir` in the worker thread;
        `backend` None trains them here one after another, a `RayBackend` side by side on Ray."""
        if self.running():
            raise WorkbenchError("a comparison is already running; cancel it or wait for it to finish")
        if self._blocked:
            raise WorkbenchError(self._blocked)
        self._out_dir = Path(out_dir)
        self._settings = {}
        self.model.reset_records([RunRecord(preset=e.label, source=e.source) for e in entries], QUEUED)
        self.charts.clear()
        self._dirty = True
        self._active = True
        collector().hold()  # cyclic garbage is collected in this thread while the worker trains (gui_gc)
        self._task.submit(functools.partial(run_comparison, list(entries), dataset_name, config, self._out_dir,
                                            input_shape, backend))
        where = "" if backend is None else f" on Ray ({backend.address or 'a local cluster'})"
        self._set_status(f"Training {len(entries)} candidates on {dataset_name}{where} into {self._out_dir} …")
        self._update_buttons()
        self.runningChanged.emit(True)

    def set_blocked(self, reason: str | None) -> None:
        """Refuse to start while `reason` holds (e.g. training in the main window: both would share
        Keras' global state), saying why on the Train button; None lifts it."""
        self._blocked = reason
        self.run_button.setToolTip(f"Unavailable: {reason}" if reason else "")
        self._update_buttons()

    def cancel(self, index: int) -> None:
        if self.running():
            self._task.request(lambda runner: runner.cancel(index))

    def cancel_all(self) -> None:
        if self.running():
            self._task.cancel(methodcaller("cancel_all"))

    def shutdown(self) -> None:
        """Cancel the comparison and wait for the worker, so no thread outlives the window."""
        self._timer.stop()
        if self.running():
            self._task.shutdown(methodcaller("cancel_all"))
            self._ended()  # now, not when the queued outcome would arrive (maybe never)

    def _gather(self):
        """(entries, data set name, TrainConfig, out dir, input shape) from the form."""
        from ...train.run_dir import new_run_path

        entries = self.checked_entries()
        if not entries:
            raise WorkbenchError("check at least one candidate to train")
        dataset_name = self.dataset.currentText().strip()
        if not dataset_name:
            raise WorkbenchError("choose a data set")
        try:
            config = self.hyperparameters.config()
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from None
        shape_text = self.input_shape.text().strip()
        try:
            input_shape = parse_shape(shape_text) if shape_text else None
        except WorkbenchError as exc:
            raise WorkbenchError([f"Input shape: {p}" for p in exc.problems]) from None
        out_text = self.out_dir.text().strip()
        out_dir = Path(out_text).expanduser() if out_text else new_run_path(f"comparison-{dataset_name}")
        return entries, dataset_name, config, out_dir, input_shape

    # -- slots: buttons ---------------------------------------------------------------
    @Slot()
    def _on_run_clicked(self) -> None:
        try:
            self.start(*self._gather(), backend=self.backend_form.backend())
        except WorkbenchError as exc:
            QMessageBox.warning(self, "Cannot start the comparison", "\n".join(exc.problems))

    @Slot()
    def _on_cancel_clicked(self) -> None:
        for index in self._selected_rows():
            self.cancel(index)

    @Slot()
    def _on_cancel_all_clicked(self) -> None:
        self.cancel_all()

    @Slot()
    def _on_add_file_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a saved spec", "", "Presets and models (*.json *.h5 *.keras)")
        if not path:
            return
        try:
            spec = open_model(path)
        except WorkbenchError as exc:
            QMessageBox.warning(self, "Cannot add the spec", "\n".join(exc.problems))
            return
        self.add_spec(Path(path).stem, spec)

    @Slot()
    def _on_browse_dataset_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a data file", "", "Data (*.csv *.tsv *.npz *.h5 *.hdf5)")
        if not path:
            path = QFileDialog.getExistingDirectory(self, "Or an image folder (one sub-folder per class)")
        if path:
            self.dataset.setEditText(path)

    @Slot()
    def _on_browse_out_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder for the comparison")
        if path:
            self.out_dir.setText(path)

    @Slot()
    def _on_open_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a comparison", "", f"Comparison ({JSON_NAME})")
        if path:
            try:
                self.load_comparison(path)
            except WorkbenchError as exc:
                QMessageBox.warning(self, "Cannot open the comparison", "\n".join(exc.problems))

    @Slot()
    def _on_export_clicked(self) -> None:
        suffix = self.sender().property("suffix")
        path, _ = QFileDialog.getSaveFileName(self, f"Export the comparison as {suffix.upper()}",
                                              f"comparison.{suffix}", f"{suffix.upper()} (*.{suffix})")
        if path:
            self.export(path)

    # -- public: results -----------------------------------------------------------------
    def records(self) -> list[RunRecord]:
        return self.model.records()

    def show_records(self, records: list[RunRecord]) -> None:
        """Show finished (or failed) records, e.g. from an earlier comparison."""
        self.model.reset_records(list(records))
        self.charts.clear()
        self._dirty = True
        self._update_buttons()

    def load_comparison(self, path: str | Path) -> None:
        """Show a `comparison.json` written by `workbench compare` or this view."""
        self._settings, records = read_comparison(path)
        self._out_dir = Path(path).parent
        self._apply_settings(self._settings, [r.preset for r in records])
        self.show_records(records)
        self._set_status(f"{len(records)} runs from {path}")

    def _apply_settings(self, settings: dict, presets: list[str]) -> None:
        """The form shows what the opened comparison ran with, so "Train and compare" repeats it."""
        if settings.get("dataset"):
            self.dataset.setEditText(str(settings["dataset"]))
        if isinstance(settings.get("config"), dict):
            try:
                self.hyperparameters.apply(TrainConfig.from_dict(settings["config"]))
            except (TypeError, ValueError, KeyError, ConfigError):
                pass  # an older or foreign file's settings: the results still show
        shape = settings.get("input_shape")
        self.input_shape.setText(",".join(str(n) for n in shape) if shape else "")
        if set(presets) & set(self.candidates.labels()):
            self.set_checked(presets)

    def export(self, path: str | Path) -> Path:
        """Write the leaderboard as .csv, .json or .png (by the suffix)."""
        path = Path(path)
        records = self.records()
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return write_csv(records, path)
        if suffix == ".json":
            return write_json(comparison_document(records, dataset=self._settings.get("dataset"),
                                                  config=self._settings.get("config"),
                                                  input_shape=self._settings.get("input_shape")), path)
        if suffix == ".png":
            return write_png(records, path)
        raise WorkbenchError(f"{path}: export as .csv, .json or .png")

    # -- slots: the worker's signals (queued into the GUI thread) --------------------------
    @Slot(int, object)
    def _on_run_started(self, index: int, record: RunRecord) -> None:
        self.model.set_record(index, record, TRAINING)
        self.model.set_progress(index, 0.0)
        self._set_status(f"Training {record.preset} ({index + 1} of {self.model.rowCount()}) …")

    @Slot(int, int, int)
    def _on_run_progress(self, index: int, step: int, total_steps: int) -> None:
        self.model.set_progress(index, step / total_steps if total_steps else 0.0)

    @Slot(int, object)
    def _on_run_epoch(self, index: int, record: RunRecord) -> None:
        self.model.set_record(index, record, TRAINING)
        self._dirty = True

    @Slot(int, object)
    def _on_run_finished(self, index: int, record: RunRecord) -> None:
        self.model.set_record(index, record, record.status)
        self._dirty = True

    @Slot(object)
    def _on_finished(self, outcome: tuple[list[RunRecord], dict]) -> None:
        records, document = outcome
        self._settings = settings_of(document)
        done = sum(r.finished for r in records)
        failed = [r.preset for r in records if r.status == FAILED]
        text = f"{done} of {len(records)} trained; reports and models in {self._out_dir}"
        self._set_status(text + (f"; failed: {', '.join(failed)}" if failed else ""), error=bool(failed))
        self._ended()
        self.comparisonFinished.emit(records)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._set_status(f"The comparison stopped: {message}", error=True)
        self._ended()

    @Slot(str, object)
    def _on_task_event(self, kind: str, args: tuple) -> None:
        self._handlers[kind](*args)

    def _ended(self) -> None:
        """Once per comparison, on its outcome or at shutdown, whichever comes first."""
        if not self._active:
            return
        self._active = False
        collector().release()
        self._update_buttons()
        self.runningChanged.emit(False)

    # -- slots: view ---------------------------------------------------------------------------
    @Slot()
    def _on_selection_changed(self, *_args) -> None:
        self._dirty = True

    @Slot(int)
    def _on_x_axis_changed(self, _index: int) -> None:
        self._dirty = True

    @Slot()
    def _on_redraw_tick(self) -> None:
        if self._dirty:
            self._dirty = False
            records = self.records()
            selected = set(self._selected_rows())
            self.charts.draw(records, selected or set(range(len(records))))

    def _set_status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def _selected_rows(self) -> list[int]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return sorted(rows)

    def _update_buttons(self) -> None:
        running = self.running()
        self.run_button.setEnabled(not running and not self._blocked)
        self.cancel_button.setEnabled(running)
        self.cancel_all_button.setEnabled(running)
        for button in self.export_buttons:
            button.setEnabled(not running and self.model.rowCount() > 0)
