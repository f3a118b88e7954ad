"""What the command line asks of the window once it is up: the view, `--report-startup`, `--screenshot`."""

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
        if self.window.grab().save(self.path):
            print(f"saved {self.path}", flush=True)
            self.exit_code = 0
        else:
            print(f"error: could not write {self.path}", file=sys.stderr)
        QApplication.quit()
