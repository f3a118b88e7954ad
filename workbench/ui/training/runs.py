"""Earlier runs: the run folders under the runs root, with their curves, to reopen or resume.

Each run folder's run.json is read in a background thread (a DenseNet's
record holds its whole spec); choosing a run draws its history.csv.
"Open model" loads the run's model.h5 (graph and curves); "Resume…"
continues training from its last checkpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.errors import WorkbenchError
from workbench.train import RunDir, default_runs_root

from ..background import BackgroundTask
from ..theme import follow_theme
from .plotting import TRAIN, VALIDATION, background, legend_beside, restyle_plots, style_plot


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs list, from a run folder's run.json."""

    path: Path
    name: str
    status: str
    dataset: str
    started: str
    epochs: int
    best_val_accuracy: float | None
    message: str
    has_model: bool
    has_checkpoint: bool

    @property
    def model_file(self) -> Path:
        return RunDir(self.path).model_file


def summarize(path: Path) -> RunSummary:
    """The list row for one run folder; raises WorkbenchError when it holds no readable run.json."""
    run = RunDir(path)
    record = run.read_run()
    result = record.get("result") or {}
    dataset = record.get("dataset") or {}
    timings = record.get("timings") or {}
    best = result.get("best_val_accuracy")
    return RunSummary(
        path=path,
        name=str(record.get("name", path.name)),
        status=str(record.get("status", "")),
        dataset=str(dataset.get("name", "")) if isinstance(dataset, dict) else "",
        started=str(timings.get("started", ""))[:19].replace("T", " ") if isinstance(timings, dict) else "",
        epochs=int(result.get("epochs_completed") or 0),
        best_val_accuracy=float(best) if isinstance(best, (int, float)) and math.isfinite(best) else None,
        message=str(record.get("message", "")),
        has_model=run.model_file.is_file(),
        has_checkpoint=run.checkpoint_file("last").is_file(),
    )


def scan_runs(root: Path) -> list[RunSummary]:
    """Every readable run under `root`, newest first (folder names start with their start time)."""
    if not root.is_dir():
        return []
    runs = []
    for child in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True):
        try:
            runs.append(summarize(child))
        except WorkbenchError:
            continue
    return runs


_COLUMNS = ("Started", "Model", "Data set", "Status", "Epochs", "Best val acc")


class RunsView(QWidget):
    """The runs list, the chosen run's curves, and actions on it."""

    openModelRequested = Signal(str)  # model.h5 path
    resumeRequested = Signal(str)  # run folder

    def __init__(self, root: Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.root = Path(root) if root is not None else default_runs_root()
        self.runs: list[RunSummary] = []
        self.scanner = BackgroundTask("runs-scan", self)

        self.heading = QLabel()
        self.heading.setProperty("role", "caption")
        self.heading.setWordWrap(True)  # a long runs folder wraps instead of widening the window's bottom docks
        self.refresh_button = QPushButton("Refresh")
        self.folder_button = QPushButton("Show folder")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(_COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSortingEnabled(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.open_button = QPushButton("Open model")
        self.open_button.setToolTip("Open the run's model.h5: its graph on the canvas and its curves")
        self.resume_button = QPushButton("Resume…")
        self.resume_button.setToolTip("Continue training this run from its last checkpoint (weights and optimizer)")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setProperty("role", "caption")
        self.loss_plot = pg.PlotWidget(background=background(self), title="loss")
        self.accuracy_plot = pg.PlotWidget(background=background(self), title="accuracy")
        for plot in (self.loss_plot, self.accuracy_plot):
            legend_beside(plot.getPlotItem(), labelTextSize="8pt")
            style_plot(plot.getPlotItem(), self)
            plot.setLabel("bottom", "epoch")
        follow_theme(self, restyle_plots)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.folder_button)
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.resume_button)
        actions.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.detail)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.accuracy_plot)
        right_layout.addLayout(plots, 1)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([560, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.scanner.done.connect(self._on_scanned)
        self.scanner.failed.connect(self._on_scan_failed)
        self._update_buttons()

    # -- listing -----------------------------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.runs and not self.heading.text():
            self.refresh()  # the first time the list is looked at

    @Slot()
    def refresh(self) -> None:
        self.heading.setText(f"Reading runs in {self.root}…")
        root = self.root
        self.scanner.submit(lambda: scan_runs(root))

    @Slot(object)
    def _on_scanned(self, runs: list[RunSummary]) -> None:
        chosen = self.current()
        self.runs = runs
        self.tree.clear()
        for run in runs:
            best = f"{run.best_val_accuracy:.4f}" if run.best_val_accuracy is not None else ""
            item = QTreeWidgetItem([run.started, run.name, run.dataset, run.status, str(run.epochs), best])
            item.setToolTip(0, str(run.path))
            item.setToolTip(3, run.message or run.status)
            for column in (4, 5):
                item.setTextAlignment(column, Qt.AlignRight | Qt.AlignVCenter)
            self.tree.addTopLevelItem(item)
            if chosen is not None and run.path == chosen.path:
                self.tree.setCurrentItem(item)
        if self.tree.currentItem() is None and runs:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))  # the newest run
        count = len(runs)
        self.heading.setText(f"{count} run{'s' * (count != 1)} in {self.root}")
        self._update_buttons()

    @Slot(str)
    def _on_scan_failed(self, message: str) -> None:
        self.heading.setText(f"Cannot read {self.root}: {message}")

    def current(self) -> RunSummary | None:
        row = self.tree.indexOfTopLevelItem(self.tree.currentItem()) if self.tree.currentItem() else -1
        return self.runs[row] if 0 <= row < len(self.runs) else None

    # -- the chosen run ---------------------------------------------------------------------------------------------
    @Slot()
    def _on_current_changed(self, *_args) -> None:
        run = self.current()
        self._update_buttons()
        self.loss_plot.clear()
        self.accuracy_plot.clear()
        if run is None:
            self.detail.setText("")
            return
        self.detail.setText(f"{run.path}\n{run.message}" if run.message else str(run.path))
        try:
            rows = RunDir(run.path).read_history()
        except WorkbenchError as exc:
            self.detail.setText(str(exc))
            return
        epochs = np.asarray([row["epoch"] for row in rows], dtype=np.float64)
        for plot, key in ((self.loss_plot, "loss"), (self.accuracy_plot, "accuracy")):
            for prefix, colour, name in (("", TRAIN, "train"), ("val_", VALIDATION, "validation")):
                values = np.asarray([row.get(prefix + key, np.nan) for row in rows], dtype=np.float64)
                if np.isfinite(values).any():
                    plot.plot(epochs, values, pen=pg.mkPen(colour, width=1), symbol="o", symbolSize=4,
                              symbolBrush=colour, symbolPen=None, name=name, connect="finite")

    def _update_buttons(self) -> None:
        run = self.current()
        self.open_button.setEnabled(run is not None and run.has_model)
        self.resume_button.setEnabled(run is not None and run.has_checkpoint)

    @Slot()
    def _on_open_clicked(self) -> None:
        run = self.current()
        if run is not None and run.has_model:
            self.openModelRequested.emit(str(run.model_file))

    @Slot()
    def _on_resume_clicked(self) -> None:
        run = self.current()
        if run is not None:
            self.resumeRequested.emit(str(run.path))

    @Slot()
    def _on_folder_clicked(self) -> None:
        run = self.current()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(run.path if run is not None else self.root)))

    def shutdown(self) -> None:
        self.scanner.shutdown()
