"""View → Open in Netron: the canvas' model, built and saved as `.h5`, shown in Netron in the browser.

Netron is optional and never installed by the workbench; the action is
enabled only when the `netron` package can be imported, and otherwise its
tooltip says how to get it.  The model is written by the window's own
`ExportJob` (Keras builds it off the GUI thread) to the state folder, and
Netron serves that file (it reads the workbench's `.h5` with its attributes).
"""

from __future__ import annotations

import importlib.util

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from . import settings
from .files import ExportJob, _file_stem

INSTALL_HINT = "Netron is not installed: pip install netron"


def netron_available() -> bool:
    return importlib.util.find_spec("netron") is not None


class NetronOpener(QObject):
    """The action and what it does: export the document to a file Netron opens, then start Netron on it."""

    def __init__(self, window, document):
        super().__init__(window)
        self.window, self.doc = window, document
        self.action = QAction("Open in &Netron", window)
        self.action.setStatusTip("Build the model with Keras and show it in Netron, in the web browser")
        available = netron_available()
        self.action.setEnabled(available)
        self.action.setToolTip("Show the model in Netron" if available else INSTALL_HINT)
        self.action.triggered.connect(self.open)
        self.job = ExportJob(self)
        self.job.finished.connect(self._on_exported)
        self.job.failed.connect(self._on_failed)

    @Slot()
    def open(self) -> None:
        if self.job.running() or not netron_available():
            return
        folder = settings.state_dir() / "netron"
        folder.mkdir(parents=True, exist_ok=True)
        self.action.setEnabled(False)
        self.job.start(self.doc.spec, str(folder / f"{_file_stem(self.doc.spec.name)}.h5"))

    @Slot(str)
    def _on_exported(self, path: str) -> None:
        import netron

        self.action.setEnabled(True)
        netron.start(path, browse=True)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.action.setEnabled(True)
        QMessageBox.critical(self.window, "Cannot open in Netron", message)

    def shutdown(self) -> None:
        self.job.wait()
