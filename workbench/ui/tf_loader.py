"""Import TensorFlow and Keras in the background, so the window opens seconds earlier.

The import runs as a `BackgroundTask`; its outcome arrives in the GUI
thread, where `TensorFlowLoader` re-emits it for the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from .background import SHUTDOWN_SECONDS, BackgroundTask


def describe_devices() -> str:
    """'TensorFlow 2.21.0 · NVIDIA H100 80GB HBM3' or '… · CPU'; imports TensorFlow (and Keras, the next thing
    the app needs) without its native start-up messages on the terminal."""
    from ..quiet_tensorflow import import_keras_quietly

    import_keras_quietly()
    import tensorflow as tf

    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(details.get("device_name", gpu.name))
    if not names:
        device = "CPU"
    elif len(set(names)) == 1:
        device = names[0] if len(names) == 1 else f"{len(names)}× {names[0]}"
    else:
        device = ", ".join(names)
    return f"TensorFlow {tf.__version__} · {device}"


class TensorFlowLoader(QObject):
    """Starts the import once; `loaded(description)` or `failed(message)` follows."""

    loaded = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._task: BackgroundTask | None = None
        self.state = "idle"  # idle, loading, loaded, failed
        self.description = ""

    def start(self) -> None:
        if self._task is not None:
            return
        self.state = "loading"
        self._task = BackgroundTask("tensorflow-import", self)
        self._task.done.connect(self._on_loaded)
        self._task.failed.connect(self._on_failed)
        self._task.submit(describe_devices)

    @Slot(object)
    def _on_loaded(self, description: str) -> None:
        self.state, self.description = "loaded", description
        self.loaded.emit(description)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.state, self.description = "failed", message
        self.failed.emit(message)

    def shutdown(self, timeout_s: float = SHUTDOWN_SECONDS) -> None:
        """Wait a bounded time for the import to end (it cannot be interrupted); after that it ends on its own."""
        if self._task is not None:
            self._task.shutdown(timeout_s=timeout_s)
