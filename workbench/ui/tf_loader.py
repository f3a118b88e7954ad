"""Import TensorFlow and Keras in the background, so the window opens seconds earlier.

The import runs in a QThread; the result crosses back to the GUI thread
through queued signals received by `TensorFlowLoader`'s slots (it lives in
the GUI thread), which re-emit them for the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot


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


class _Importer(QObject):
    """Lives in the worker thread; only emits."""

    loaded = Signal(str)
    failed = Signal(str)

    @Slot()
    def run(self) -> None:
        try:
            self.loaded.emit(describe_devices())
        except Exception as exc:  # any import failure is reported to the user, not raised in a thread
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class TensorFlowLoader(QObject):
    """Starts the import once; `loaded(description)` or `failed(message)` follows."""

    loaded = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._importer: _Importer | None = None
        self.state = "idle"  # idle, loading, loaded, failed
        self.description = ""

    def start(self) -> None:
        if self._thread is not None:
            return
        self.state = "loading"
        self._thread = QThread()
        self._thread.setObjectName("tensorflow-import")
        self._importer = _Importer()
        self._importer.moveToThread(self._thread)
        self._thread.started.connect(self._importer.run)
        self._importer.loaded.connect(self._on_loaded)
        self._importer.failed.connect(self._on_failed)
        self._thread.start(QThread.LowPriority)

    @Slot(str)
    def _on_loaded(self, description: str) -> None:
        self.state, self.description = "loaded", description
        self._thread.quit()
        self.loaded.emit(description)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.state, self.description = "failed", message
        self._thread.quit()
        self.failed.emit(message)

    def shutdown(self) -> None:
        """Wait for the import to end (it cannot be interrupted) so no thread outlives the app."""
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
