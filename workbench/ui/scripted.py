"""What the command line asks of the window once it is up: the view, `--report-startup`, `--screenshot`,
and a training run (`--dataset`, `--train`, `--epochs`, `--out`, `--exit-when-done`)."""

from __future__ import annotations

import json
import sys
import time

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication


class InitialView(QObject):
    """Applies `--fit`, `--zoom` and `--select` to the canvas and the table once the window is on screen."""

    def __init__(self, window, select: str | None, zoom: float | None, fit: bool):
        super().__init__(window)
        self.window, self.select, self.zoom, self.fit = window, select, zoom, fit
        window.firstShown.connect(self._on_shown)

    @Slot()
    def _on_shown(self) -> None:
        view = self.window.view
        if self.fit:
            view.fit()
        if self.zoom:
            view.set_zoom(self.zoom)
        if self.select:
            view.center_on(self.select)
            self.window.summary.scroll_to_selection()


class StartupReport(QObject):
    """Prints when the window is on screen and whether TensorFlow was imported by then, then quits."""

    exit_code = 0

    def __init__(self, window):
        super().__init__(window)
        window.firstShown.connect(self._on_shown)

    @Slot()
    def _on_shown(self) -> None:
        report = {
            "shown_at": time.time(),
            "tensorflow_imported": "tensorflow" in sys.modules,
            "keras_imported": "keras" in sys.modules,
        }
        print(json.dumps(report), flush=True)
        QApplication.quit()


class Screenshot(QObject):
    """Waits until the window has settled (gallery analysed, TensorFlow loaded), saves a picture, quits."""

    TIMEOUT_S = 60

    def __init__(self, window, path: str):
        super().__init__(window)
        self.window, self.path = window, path
        self.exit_code = 1
        self._deadline = time.monotonic() + self.TIMEOUT_S
        self._gallery_done = False
        window.gallery.model.finished.connect(self._on_gallery_done)
        window.firstShown.connect(self._on_shown)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)

    @Slot()
    def _on_gallery_done(self) -> None:
        self._gallery_done = True

    @Slot()
    def _on_shown(self) -> None:
        self._timer.start()

    @Slot()
    def _poll(self) -> None:
        settled = self._gallery_done and self.window.tf_loader.state in ("loaded", "failed")
        if not settled and time.monotonic() < self._deadline:
            return
        self._timer.stop()
        QTimer.singleShot(400, self._grab)  # one more round of painting after the last status change

    @Slot()
    def _grab(self) -> None:
        if _save_screenshot(self.window, self.path):
            self.exit_code = 0
        QApplication.quit()


class TrainingScript(QObject):
    """Sets the data set and epochs, trains in the window, saves `--out`, grabs `--screenshot`, exits.

    The picture is taken after the run has finished and its evaluation is
    shown, so the curves and the feature maps are in it.  The exit code is
    0 when the run finished (or stopped on request) and every requested
    file was written.
    """

    SETTLE_MS = 800  # painting after the last update, before the picture

    def __init__(self, window, *, dataset: str | None, epochs: int | None, train: bool, out: str | None,
                 screenshot: str | None, exit_when_done: bool):
        super().__init__(window)
        self.window, self.dataset, self.epochs, self.train = window, dataset, epochs, train
        self.out, self.screenshot = out, screenshot
        self.exit_when_done = exit_when_done or bool(screenshot)
        self.exit_code = 1 if train else 0
        self._ok = True
        training = window.training
        training.finished.connect(self._on_finished)
        training.job.exported.connect(self._on_exported)
        training.job.exportFailed.connect(self._on_export_failed)
        window.firstShown.connect(self._on_shown)

    @Slot()
    def _on_shown(self) -> None:
        panel = self.window.training.panel
        if self.dataset:
            panel.choose_dataset(self.dataset)
        if self.epochs:
            panel.epochs.setValue(self.epochs)
        panel.activate()
        self.window.show_training_views()
        if self.train:
            QTimer.singleShot(0, self._start)
        elif self.screenshot:
            QTimer.singleShot(self.SETTLE_MS, self._grab)

    @Slot()
    def _start(self) -> None:
        if not self.window.training.start():
            print(f"error: training did not start: {self.window.training.panel.status_label.text()}",
                  file=sys.stderr)
            self._finish(False)

    @Slot(object)
    def _on_finished(self, result) -> None:
        best = f", best {result.monitor} {result.best_value:.4f} at epoch {result.best_epoch}" \
            if result.best_value is not None else ""
        print(f"training {result.status}: {result.epochs_completed} epochs in {result.seconds:.1f} s{best}; "
              f"run folder {result.run_dir}", flush=True)
        if not result.ok:
            print(f"error: {result.message}", file=sys.stderr)
            self._ok = False
        if self.out and result.model_path is not None:
            self.window.training.export(self.out)  # exported / exportFailed follow
            return
        self._saved()

    @Slot(str)
    def _on_exported(self, path: str) -> None:
        print(f"saved {path}", flush=True)
        self._saved()

    @Slot(str)
    def _on_export_failed(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self._ok = False
        self._saved()

    def _saved(self) -> None:
        if self.screenshot:
            QTimer.singleShot(self.SETTLE_MS, self._grab)
        else:
            self._finish(self._ok)

    @Slot()
    def _grab(self) -> None:
        if not _save_screenshot(self.window, self.screenshot):
            self._ok = False
        self._finish(self._ok)

    def _finish(self, ok: bool) -> None:
        self.exit_code = 0 if ok else 1
        if self.exit_when_done or not ok:
            QApplication.quit()


def _save_screenshot(window, path) -> bool:
    """Write the window as PNG atomically and say so on stdout, or the reason on stderr."""
    from ..atomic import SaveError
    from .training.plotting import save_png  # pyqtgraph: only when a picture is asked for

    try:
        save_png(window, path)
    except SaveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    print(f"saved {path}", flush=True)
    return True
