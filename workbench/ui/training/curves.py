"""Live training curves: loss and accuracy per batch and per epoch, and the learning rate.

Every batch the worker reports is kept (`SeriesRecord` grows preallocated
arrays; nothing is thinned); pyqtgraph thins only what it draws
(`setDownsampling`, `setClipToView`).  The x axis is in epochs: batch `s`
sits at `s / steps_per_epoch`, epoch `e`'s train and validation points at
`e`.  Batch curves come raw (faint) and smoothed with TensorBoard's
debiased exponential moving average; a slider sets its weight.  The best
epoch by the run's monitored metric is marked, and a NaN loss with a red
cross where the run diverged.  Data arrival only marks the view dirty; a
`RedrawPacer` repaints at most 20 times a second, and only the parts
that changed (batch curves, or the epoch curves and markers).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.train import RunDir, StartInfo
from workbench.train.live.records import DEFAULT_SMOOTHING, SeriesRecord, best_epoch

from ..background import problem_text
from ..theme import follow_theme, monospace_digits
from .metric_plot import MetricPlot
from .plotting import (
    BEST,
    DIVERGED,
    TRAIN,
    VALIDATION,
    RedrawPacer,
    background,
    legend_html,
    restyle_plots,
    save_csv,
    save_png,
    style_plot,
    with_alpha,
)

#: what a redraw updates: the batch curves (often) or the epoch curves and markers (once per epoch)
BATCHES, EPOCHS = "batches", "epochs"


class CurvesView(QWidget):
    """Loss, accuracy (or MAE) and learning rate of the current run, or of a finished one."""

    exported = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.record = SeriesRecord()
        self.steps_per_epoch = 1
        self.monitor = "val_accuracy"
        self.mode = "max"
        self.metric_key = "accuracy"
        self._start_time: float | None = None
        self._divergence: tuple[float, float, str] | None = None
        self._stale: set[str] = set()  # what the next redraw must update

        self.smoothing = QSlider(Qt.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(round(DEFAULT_SMOOTHING * 100))
        self.smoothing.setMinimumWidth(60)
        self.smoothing.setMaximumWidth(160)
        self.smoothing.setToolTip("Exponential moving average over batches (as TensorBoard smooths)")
        self.smoothing_label = QLabel()
        self.log_scale = QCheckBox("Log loss")
        self.log_scale.setToolTip("Logarithmic y axis for the loss")
        self.show_batches = QCheckBox("Batches")
        self.show_batches.setChecked(True)
        self.show_batches.setToolTip("Show every batch (raw and smoothed); epochs are always shown")
        self.png_button = QToolButton()
        self.png_button.setText("PNG…")
        self.png_button.setToolTip("Save the charts as a picture")
        self.csv_button = QToolButton()
        self.csv_button.setText("CSV…")
        self.csv_button.setToolTip("Save every batch and epoch value as a table")
        self.legend = QLabel(legend_html([
            (with_alpha(TRAIN, 110).name(QColor.HexArgb), "train, each batch"), (TRAIN, "train, smoothed"),
            (TRAIN, "● train, epoch"), (VALIDATION, "■ validation"), (BEST, "┆ best epoch"),
            (DIVERGED, "✕ NaN")]))
        self.legend.setProperty("role", "caption")
        self.legend.setWordWrap(True)
        self.readout = QLabel(" ")
        self.readout.setFont(monospace_digits(self.readout.font()))
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # long read-outs must not widen the window

        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setBackground(background(self))
        self.loss = MetricPlot(self.canvas.addPlot(row=0, col=0), "loss", "loss")
        # (not `self.metric`: QWidget.metric() is a virtual that Qt calls while painting)
        self.score = MetricPlot(self.canvas.addPlot(row=0, col=1), "accuracy", "accuracy")
        self.lr_plot = self.canvas.addPlot(row=0, col=2)
        self.lr_plot.setTitle("learning rate")
        self.lr_plot.setLabel("bottom", "epoch")
        self.lr_curve = self.lr_plot.plot(pen=pg.mkPen(BEST, width=1), symbol="o", symbolSize=4, symbolBrush=BEST,
                                          symbolPen=None)
        self.nan_marker = pg.ScatterPlotItem(symbol="x", size=14, pen=pg.mkPen(DIVERGED, width=2), brush=DIVERGED)
        self.nan_label = pg.TextItem(color=DIVERGED, anchor=(1.0, 1.0))
        self.loss.plot.addItem(self.nan_marker)
        self.loss.plot.addItem(self.nan_label, ignoreBounds=True)
        for plot in (self.loss.plot, self.score.plot, self.lr_plot):
            style_plot(plot, self)
        follow_theme(self, restyle_plots)
        layout = self.canvas.ci.layout
        for column, stretch in enumerate((3, 3, 2)):
            layout.setColumnStretchFactor(column, stretch)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing)
        bar.addWidget(self.smoothing_label)
        bar.addSpacing(12)
        bar.addWidget(self.show_batches)
        bar.addWidget(self.log_scale)
        bar.addStretch(1)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        main = QVBoxLayout(self)
        main.setContentsMargins(4, 4, 4, 4)
        main.addLayout(bar)
        main.addWidget(self.legend)
        main.addWidget(self.canvas, 1)
        main.addWidget(self.readout)

        self.pacer = RedrawPacer(self._redraw, parent=self)
        self._mouse = pg.SignalProxy(self.canvas.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)
        self.smoothing.valueChanged.connect(self._on_smoothing_changed)
        self.log_scale.toggled.connect(self._on_log_scale_toggled)
        self.show_batches.toggled.connect(self._on_show_batches_toggled)
        self.png_button.clicked.connect(self._on_png_clicked)
        self.csv_button.clicked.connect(self._on_csv_clicked)
        self._on_smoothing_changed(self.smoothing.value())

    # -- feeding ---------------------------------------------------------------------------------------------------
    def reset(self, steps_per_epoch: int = 1, monitor: str = "val_accuracy", epochs: int | None = None,
              mode: str = "max") -> None:
        """Empty charts; the best-epoch marker follows `monitor` in direction `mode` ("max"/"min", as the task
        says).  With `epochs` the x axes span the whole run from the start: fixed axes are
        not re-laid out and repainted on every update, which is most of what a redraw costs."""
        self.record = SeriesRecord(self.smoothing.value() / 100)
        for plot in (self.loss.plot, self.score.plot, self.lr_plot):
            if epochs:
                plot.setXRange(0, epochs, padding=0.02)
            else:
                plot.enableAutoRange(x=True)
        for metric_plot in (self.loss, self.score):
            metric_plot.user_range = False
            metric_plot.plot.disableAutoRange(axis="y")
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.monitor = monitor
        self.mode = mode
        self.metric_key = "accuracy"
        self.loss.key = "loss"
        self.loss.plot.setTitle("loss")
        self._start_time = None
        self._divergence = None
        self.readout.setText(" ")
        self._set_metric_title()
        self._request()

    def begin_run(self, info: StartInfo) -> None:
        """A new run: clear the charts; a resumed run shows its earlier epochs first."""
        self.reset(info.steps_per_epoch, info.monitor, info.epochs, info.mode)
        if info.initial_epoch:
            rows = [row for row in RunDir(info.run_dir).read_history() if row["epoch"] <= info.initial_epoch]
            for row in rows:
                self.record.add_epoch(row["epoch"], {k: v for k, v in row.items() if k != "epoch"})
            self._pick_metric(self.record.epoch_logs)

    def add_batches(self, steps: np.ndarray, times: np.ndarray, metrics: dict[str, np.ndarray]) -> None:
        if self._start_time is None and len(times):
            self._start_time = float(times[0])
        if not self.record.batch:
            self._pick_metric(metrics)
        self.record.add_batches(steps, times, metrics)
        self._request(BATCHES)

    def add_epoch(self, epoch: int, logs: dict) -> None:
        if not self.record.epochs and (not self.record.batch or not {self.metric_key, f"val_{self.metric_key}"} & set(logs)):
            self._pick_metric(logs)  # metrics only an epoch logs (a task's own, such as CTC's) count too
        self.record.add_epoch(epoch, logs)
        self._request(EPOCHS)

    def show_history(self, history: dict[str, list], monitor: str | None = None, mode: str | None = None) -> None:
        """Curves of a finished run (a run folder's history.csv or a model file's history): epochs only.

        `monitor` and `mode` as the run recorded them; files written before the
        mode was recorded fall back to accuracy up, anything else down."""
        columns = {k: v for k, v in history.items() if k != "epoch" and isinstance(v, list)}
        epochs = history.get("epoch") or list(range(1, len(next(iter(columns.values()), [])) + 1))
        if monitor is None:
            monitor = next((m for m in ("val_accuracy", "val_loss", "accuracy", "loss") if m in columns), "loss")
        self.reset(1, monitor, mode=mode or ("max" if monitor.endswith("accuracy") else "min"))
        for i, epoch in enumerate(epochs):
            self.record.add_epoch(int(epoch), {k: (_number(v[i]) if i < len(v) else math.nan) for k, v in columns.items()})
        self._pick_metric(columns)

    def mark_divergence(self, epoch_position: float, message: str) -> None:
        """A red cross on the loss curve where the run diverged; `message` says why."""
        y = self._last_finite_loss()
        self._divergence = (epoch_position, y, message)
        self._request(EPOCHS)

    # -- reading (what the charts show) -----------------------------------------------------------------------
    def curve(self, key: str, kind: str) -> pg.PlotDataItem:
        """The item drawing `key` (the loss plot's key or the score plot's) of `kind` "batch", "smoothed",
        "epoch", "val"."""
        plot = self.loss if key == self.loss.key else self.score
        return {"batch": plot.batch_raw, "smoothed": plot.batch_smooth, "epoch": plot.epoch_train,
                "val": plot.epoch_val}[kind]

    def best(self) -> int | None:
        """The best epoch by the run's monitored key and the task's direction (val_mean_iou up, val_mse down)."""
        return best_epoch(self.record.epochs, self.record.epoch_column(self.monitor), self.mode)

    # -- drawing ----------------------------------------------------------------------------------------------------
    def pending(self) -> bool:
        """Data arrived that the charts do not show yet (the next paced redraw will)."""
        return bool(self._stale)

    def _request(self, *parts: str) -> None:
        """Redraw `parts` (BATCHES, EPOCHS; all by default) at the next paced redraw."""
        self._stale.update(parts or (BATCHES, EPOCHS))
        self.pacer.request()

    def _pick_metric(self, keys) -> None:
        """The score plot's key: the monitored accuracy when the run monitors one (the perceptron's epoch
        `accuracy`, not its step's `online_accuracy`), else the first accuracy logged, else MAE."""
        names = [k for k in keys if not k.startswith("val_")]
        monitored = self.monitor.removeprefix("val_")
        if "loss" not in names and {"d_loss", "g_loss"} <= set(names):  # a GAN: a loss per network, no accuracy
            self.loss.key, self.metric_key = "d_loss", "g_loss"
            self.loss.plot.setTitle("discriminator loss")
        elif monitored.endswith("accuracy"):
            self.metric_key = monitored
        else:  # any accuracy (CTC's sequence accuracy), else the monitored error (val_mse's mse), else MAE
            fallback = monitored if monitored != "loss" and monitored in names else "mae" if "mae" in names else "accuracy"
            self.metric_key = next((k for k in names if k.endswith("accuracy")), fallback)
        self._set_metric_title()

    def _set_metric_title(self) -> None:
        self.score.key = self.metric_key
        titles = {"mae": "mean absolute error", "mse": "mean squared error", "g_loss": "generator loss"}
        title = titles.get(self.metric_key, self.metric_key.replace("_", " "))
        self.score.plot.setTitle(title)
        if self.metric_key.endswith("accuracy"):
            self.score.fixed_y(0.0, 1.0)

    def _redraw(self) -> None:
        if not self.isVisible():
            return  # drawn when shown (showEvent); a hidden view costs no paint
        stale, self._stale = self._stale, set()
        if BATCHES in stale:
            self._draw_batches()
        if EPOCHS in stale:
            self._draw_epochs()
        if stale:
            self.loss.steady_y(self.log_scale.isChecked())
            if not self.metric_key.endswith("accuracy"):
                self.score.steady_y(False)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.pacer.request()

    def _draw_batches(self) -> None:
        record = self.record
        x = record.steps.values / self.steps_per_epoch
        show = self.show_batches.isChecked()
        for plot in (self.loss, self.score):
            raw, smooth = record.batch.get(plot.key), record.smoothed.get(plot.key)
            if raw is not None and show:
                plot.batch_raw.setData(x, raw.values)
                plot.batch_smooth.setData(x, smooth.values)
            else:
                plot.batch_raw.setData([], [])
                plot.batch_smooth.setData([], [])

    def _draw_epochs(self) -> None:
        record = self.record
        epochs = np.asarray(record.epochs, dtype=np.float64)
        for plot in (self.loss, self.score):
            plot.epoch_train.setData(epochs, record.epoch_column(plot.key))
            plot.epoch_val.setData(epochs, record.epoch_column(f"val_{plot.key}"))
        rates = record.epoch_column("learning_rate")
        self.lr_curve.setData(epochs, rates)
        finite = rates[np.isfinite(rates)]
        if finite.size:  # from 0, so a constant rate is a flat line, not a zoom into rounding noise
            self.lr_plot.setYRange(0.0, float(finite.max()) * 1.1 or 1.0, padding=0)
        best = self.best()
        for plot in (self.loss, self.score):
            plot.best.setVisible(best is not None)
            if best is not None:
                plot.best.setValue(best)
                plot.best.label.setFormat(f"best: epoch {best}")
                low, high = plot.plot.vb.viewRange()[0]
                side = 0 if best < (low + high) / 2 else 1  # the label on the side with room
                plot.best.label.anchors = [(side, 0), (side, 0)]
                plot.best.label.updatePosition()
        if self._divergence is None:
            self.nan_marker.setData([], [])
            self.nan_label.setText("")
            return
        x, y, message = self._divergence
        if self.log_scale.isChecked():  # items added by hand do not follow the plot's log mode
            y = math.log10(y) if y > 0 else 0.0
        self.nan_marker.setData([x], [y])
        self.nan_label.setText("loss became NaN")
        self.nan_label.setPos(QPointF(x, y))
        self.nan_label.setToolTip(message)

    def _last_finite_loss(self) -> float:
        """Where to put the NaN marker: the last finite batch loss, else epoch loss."""
        batch = self.record.batch.get("loss")
        for series in ((batch.values,) if batch is not None else ()) + (self.record.epoch_column("loss"),):
            finite = series[np.isfinite(series)]
            if len(finite):
                return float(finite[-1])
        return 0.0

    # -- controls ---------------------------------------------------------------------------------------------------
    @Slot(int)
    def _on_smoothing_changed(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")
        self.record.set_smoothing(value / 100)
        self._request(BATCHES)

    @Slot(bool)
    def _on_log_scale_toggled(self, on: bool) -> None:
        self.loss.plot.setLogMode(y=on)
        self._request(EPOCHS)

    @Slot(bool)
    def _on_show_batches_toggled(self, _on: bool) -> None:
        self._request(BATCHES)

    @Slot(object)
    def _on_mouse_moved(self, event) -> None:
        position = event[0]
        for plot in (self.loss, self.score):
            if plot.plot.sceneBoundingRect().contains(position):
                x = plot.plot.vb.mapSceneToView(position).x()
                self.readout.setText(self.describe_at(x))
                for other in (self.loss, self.score):
                    other.cursor.setValue(x)
                    other.cursor.setVisible(True)
                return

    def describe_at(self, x: float) -> str:
        """The values nearest to x (in epochs): the batch there and the closest epoch."""
        parts = []
        record = self.record
        keys = [k for k in (self.loss.key, self.metric_key) if k in record.batch]
        if record.steps.size and keys:
            xs = record.steps.values / self.steps_per_epoch
            i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                i -= 1
            values = " · ".join(
                f"{k} {record.batch[k].values[i]:.4g} (smoothed {record.smoothed[k].values[i]:.4g})" for k in keys)
            parts.append(f"step {int(record.steps.values[i])} (epoch {xs[i]:.2f}): {values}")
        if record.epochs:
            j = int(np.argmin(np.abs(np.asarray(record.epochs) - x)))
            shown = (self.loss.key, f"val_{self.loss.key}", self.metric_key, f"val_{self.metric_key}", "learning_rate")
            values = " · ".join(
                f"{k} {record.epoch_logs[k][j]:.4g}" for k in shown if k in record.epoch_logs)
            parts.append(f"epoch {record.epochs[j]}: {values}")
        return "   │   ".join(parts) or " "

    # -- export -----------------------------------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> Path:
        self._redraw()  # what has arrived, drawn now
        return save_png(self.canvas, path)

    def export_csv(self, path: str | Path) -> Path:
        """One row per batch, then one per epoch: kind, step, epoch, seconds and every metric."""
        record = self.record
        batch_keys = list(record.batch)
        epoch_keys = sorted(record.epoch_logs)
        keys = batch_keys + [k for k in epoch_keys if k not in batch_keys]
        header = ["kind", "step", "epoch", "seconds"] + keys
        rows = []
        start = self._start_time if self._start_time is not None else 0.0
        for i in range(record.steps.size):
            step = int(record.steps.values[i])
            rows.append(["batch", step, _text(step / self.steps_per_epoch), _text(record.times.values[i] - start)]
                        + [_text(record.batch[k].values[i]) if k in record.batch else "" for k in keys])
        for j, epoch in enumerate(record.epochs):
            rows.append(["epoch", epoch * self.steps_per_epoch if record.steps.size else "", epoch, ""]
                        + [_text(record.epoch_logs[k][j]) if k in record.epoch_logs else "" for k in keys])
        return save_csv(path, header, rows)

    def _export(self, caption: str, filter_: str, suffix: str, write) -> None:
        path, _ = QFileDialog.getSaveFileName(self, caption, f"curves{suffix}", filter_)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            write(path)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            QMessageBox.warning(self, caption, problem_text(exc))
            return
        self.exported.emit(path)

    @Slot()
    def _on_png_clicked(self) -> None:
        self._export("Export curves as PNG", "PNG pictures (*.png)", ".png", self.export_png)

    @Slot()
    def _on_csv_clicked(self) -> None:
        self._export("Export curves as CSV", "CSV tables (*.csv)", ".csv", self.export_csv)


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else str(float(value))
