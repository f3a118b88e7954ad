"""Files: new, open, save, export, recent files, dropped files, autosave and crash recovery.

Opening reads the whole file before the Document is touched, so a bad file
leaves the current model as it was and says what is wrong.  Export builds the
model with Keras, so it runs as a background task (`ExportJob`) whose
results come back through queued signals to slots here.  The dirty document is
autosaved every 30 s to the user state folder; a file left there by a process
that is no longer running is offered back at the next start.
"""

from __future__ import annotations

import functools
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from ..atomic import SaveError, write_text_atomic
from ..keras_bridge.targets import MODEL_SUFFIXES, PRESET_SUFFIXES, read_openable
from ..quiet_tensorflow import import_keras_quietly
from ..spec import ModelSpec, save_preset, spec_from_data
from ..spec.networks import NetworkSet
from ..spec.networks_io import networks_from_data, save_networks
from . import settings
from .background import SHUTDOWN_SECONDS, BackgroundTask, problem_text

OPEN_FILTER = (
    "Presets and Keras models (*.json *.h5 *.hdf5 *.keras);;"
    "Workbench presets (*.json);;Keras models (*.h5 *.hdf5 *.keras);;All files (*)"
)
#: export filter -> suffix; the format follows the suffix ("/": a TensorFlow SavedModel folder)
EXPORT_FILTERS = {
    "Keras HDF5 model (*.h5)": ".h5",
    "Keras v3 model (*.keras)": ".keras",
    "Python script (*.py)": ".py",
    "ONNX model (*.onnx)": ".onnx",
    "LiteRT model (*.tflite)": ".tflite",
    "TensorFlow SavedModel folder (*)": "/",
}
AUTOSAVE_INTERVAL_MS = 30_000
AUTOSAVE_FORMAT = 1


# -- export in a worker thread ---------------------------------------------------
def _runtime(path: str):
    """The other runtime `path` asks for (ONNX, LiteRT, SavedModel), or None for .h5/.keras/.py."""
    from ..export import SUFFIXES
    from ..export.runtimes import runtime_format

    return None if path.lower().endswith(SUFFIXES) else runtime_format(path)


def _export(spec: ModelSpec, path: str) -> str:
    """As `workbench export`: Keras and script files through `export_model`, other runtimes through
    `keras.Model.export` on the freshly built model."""
    if not path.lower().endswith(".py"):  # a script is written without Keras
        import_keras_quietly()  # after the window's background import, never beside it
    if _runtime(path) is None:
        from ..export import export_model

        return str(export_model(spec, path))
    from ..export.runtimes import export_runtime
    from ..keras_bridge import build

    return str(export_runtime(build(spec), path))


class ExportJob(QObject):
    """One export at a time, as a `BackgroundTask`: `finished(path)` or `failed(message)` arrive in the GUI thread."""

    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._task = BackgroundTask("export", self)
        self._task.done.connect(self._on_done)
        self._task.failed.connect(self._on_failed)

    def running(self) -> bool:
        return self._task.running()

    def start(self, spec: ModelSpec, path: str) -> None:
        if self.running():
            raise RuntimeError("an export is already running")
        self._task.submit(functools.partial(_export, spec.copy(), path))

    @Slot(object)
    def _on_done(self, path: str) -> None:
        self.finished.emit(path)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)

    def wait(self, timeout_s: float = SHUTDOWN_SECONDS) -> None:
        """Let a running export finish (a half-written model file is worse than a short wait), within a bound."""
        self._task.shutdown(timeout_s=timeout_s)


# -- autosave and recovery -----------------------------------------------------------
class Autosave:
    """This process' autosave file, guarded by a lock file so others can tell it is alive."""

    def __init__(self):
        folder = settings.state_dir()
        self.path = folder / f"autosave-{os.getpid()}.json"
        self._lock = QLockFile(str(self.path) + ".lock")
        self._lock.setStaleLockTime(0)  # stale only when the owning process is gone, however old
        self._lock.tryLock(0)

    def write(self, spec: ModelSpec | NetworkSet, source: Path | None) -> None:
        data = {
            "workbench_autosave": AUTOSAVE_FORMAT,
            "path": str(source) if source else None,
            "saved_at": time.time(),
            "preset": spec.to_dict(),
        }
        write_text_atomic(self.path, json.dumps(data), "autosave")

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def release(self) -> None:
        self.remove()
        self._lock.unlock()

    @staticmethod
    def orphans() -> list[Path]:
        """Autosaves left by processes that are no longer running, newest first."""
        own = f"autosave-{os.getpid()}.json"
        found = []
        for path in settings.state_dir().glob("autosave-*.json"):
            if path.name == own:
                continue
            lock = QLockFile(str(path) + ".lock")
            lock.setStaleLockTime(0)
            if lock.tryLock(0):  # succeeds only if no live process holds it
                lock.unlock()
                found.append(path)
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)

    @staticmethod
    def read(path: Path) -> tuple[ModelSpec | NetworkSet, str | None, float]:
        """(spec or every network of a set, original file or None, time saved) from an autosave; ValueError if unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: unreadable autosave ({exc})") from None
        if not isinstance(data, dict) or data.get("workbench_autosave") != AUTOSAVE_FORMAT:
            raise ValueError(f"{path}: not a workbench autosave")
        preset = data.get("preset")
        if isinstance(preset, dict) and "networks" in preset:
            spec = networks_from_data(preset, str(path), check_fit=False)
        else:
            spec = spec_from_data(preset, str(path))
        source = data.get("path") if isinstance(data.get("path"), str) else None
        saved_at = data.get("saved_at")
        return spec, source, float(saved_at) if isinstance(saved_at, (int, float)) else path.stat().st_mtime


# -- the controller the window's File menu calls ----------------------------------------
class FileController(QObject):
    """File actions on one Document; dialogs are parented to `window`."""

    status = Signal(str)  # a transient status-bar message
    exportRunning = Signal(bool)
    modelOpened = Signal(str)  # a Keras model file replaced the document (its training curves may follow)

    def __init__(self, window: QWidget, document, parent=None):
        super().__init__(parent)
        self.window = window
        self.doc = document
        self.autosave = Autosave()
        self.export_job = ExportJob(self)
        self.export_job.finished.connect(self._on_export_finished)
        self.export_job.failed.connect(self._on_export_failed)
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self._timer.timeout.connect(self.autosave_now)
        self._timer.start()

    # -- new / open -------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled what they were doing."""
        if not self.doc.dirty:
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"“{self.doc.title}” has unsaved changes. Save them first?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.doc.load(ModelSpec("Untitled", (28, 28, 1), []))
        self.autosave.remove()
        return True

    def open_spec(self, spec: ModelSpec | NetworkSet, path: str | os.PathLike | None = None) -> bool:
        """Replace the document with `spec` (a tab per network of a NetworkSet) after asking about unsaved changes."""
        if not self.maybe_save():
            return False
        self.doc.load(spec, path)
        self.autosave.remove()
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self.window, "Open preset or model", self._start_dir(), OPEN_FILTER)
        return self.open_path(path, ask=False) if path else False

    def open_path(self, path: str | os.PathLike, ask: bool = True) -> bool:
        """Read `path` first; only a successful read replaces the document.

        A network's `.h5` of a run that saved several (a GAN's generator.h5), or that run's folder, opens
        every network of the run, each in its tab, and the run's curves."""
        path = Path(path)
        try:
            with _busy_cursor():
                spec = read_openable(path)
        except (ValueError, OSError) as exc:
            if not path.exists():
                settings.remove_recent_file(path)
            QMessageBox.critical(self.window, "Cannot open file", f"Cannot open {path.name}:\n\n{problem_text(exc)}")
            return False
        if ask and not self.maybe_save():
            return False
        is_preset = path.suffix.lower() in PRESET_SUFFIXES
        self.doc.load(spec, path if is_preset else None)
        self.autosave.remove()
        settings.add_recent_file(path)
        self.status.emit(f"Opened {path}")
        if path.suffix.lower() in MODEL_SUFFIXES:
            self.modelOpened.emit(str(path))
        elif path.is_dir():  # a run folder: the curves its first network's file carries
            self.modelOpened.emit(str(path / f"{next(iter(spec.networks))}.h5"))
        return True

    # -- save ----------------------------------------------------------------------
    def save(self) -> bool:
        path = self.doc.path
        if path is None or Path(path).suffix.lower() not in PRESET_SUFFIXES:
            return self.save_as()
        return self.save_to(path)

    def save_as(self) -> bool:
        suggested = self.doc.path.with_suffix(".json") if self.doc.path else Path(self._start_dir()) / (
            _file_stem(self.doc.title) + ".json"
        )
        path, _ = QFileDialog.getSaveFileName(self.window, "Save preset", str(suggested), "Workbench presets (*.json)")
        if not path:
            return False
        if Path(path).suffix.lower() != ".json":
            path += ".json"
        return self.save_to(path)

    def save_to(self, path: str | os.PathLike) -> bool:
        """Write the preset atomically, every network of a set in one file; an invalid graph saves too (it is
        work in progress)."""
        path = Path(path)
        networks = self.doc.network_set()
        try:
            if networks is not None:
                save_networks(networks, path)
            else:
                save_preset(self.doc.spec, path)
        except SaveError as exc:
            QMessageBox.critical(self.window, "Cannot save", str(exc))
            return False
        self.doc.mark_saved(path)
        self.autosave.remove()
        settings.add_recent_file(path)
        self.status.emit(f"Saved {path}")
        return True

    # -- export ----------------------------------------------------------------------
    def export_dialog(self) -> bool:
        errors = self.doc.analysis.errors
        if errors:
            listed = "\n".join(f"• {p}" for p in errors[:8])
            more = f"\n… and {len(errors) - 8} more" if len(errors) > 8 else ""
            QMessageBox.warning(
                self.window, "Cannot export",
                f"Keras cannot build “{self.doc.spec.name}” until these errors are fixed:\n\n{listed}{more}",
            )
            return False
        start = Path(self._start_dir()) / (_file_stem(self.doc.spec.name) + ".h5")
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export model", str(start), ";;".join(EXPORT_FILTERS))
        if not path:
            return False
        suffix = EXPORT_FILTERS.get(chosen, ".h5")
        if Path(path).suffix.lower() not in EXPORT_FILTERS.values():
            path += suffix
        self.export_to(path)
        return True

    def export_to(self, path: str | os.PathLike) -> None:
        """Export in the background; a runtime whose packages are absent is refused at once, naming the extra."""
        from ..errors import WorkbenchError
        from ..export.runtimes import require

        runtime = _runtime(os.fspath(path))
        if runtime is not None:
            try:
                require(runtime)
            except WorkbenchError as exc:
                self.status.emit("Export failed")
                QMessageBox.critical(self.window, "Export failed", str(exc))
                return
        self.export_job.start(self.doc.spec, str(path))
        self.exportRunning.emit(True)
        self.status.emit(f"Exporting to {path}… (building with Keras)")

    @Slot(str)
    def _on_export_finished(self, path: str) -> None:
        self.exportRunning.emit(False)
        self.status.emit(f"Exported {path}")

    @Slot(str)
    def _on_export_failed(self, message: str) -> None:
        self.exportRunning.emit(False)
        self.status.emit("Export failed")
        QMessageBox.critical(self.window, "Export failed", message)

    # -- autosave ----------------------------------------------------------------------
    @Slot()
    def autosave_now(self) -> None:
        if self.doc.dirty:
            try:
                self.autosave.write(self.doc.network_set() or self.doc.spec, self.doc.path)
            except SaveError as exc:
                self.status.emit(f"Autosave failed: {exc}")
        else:
            self.autosave.remove()

    def offer_recovery(self) -> bool:
        """If an earlier session left an autosave, offer to reopen it; True if it was recovered."""
        for path in Autosave.orphans():
            try:
                spec, source, saved_at = Autosave.read(path)
            except ValueError:
                path.unlink(missing_ok=True)
                continue
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at))
            answer = QMessageBox.question(
                self.window,
                "Recover unsaved work",
                f"Keras Workbench did not shut down cleanly. Recover the unsaved model “{spec.name}” "
                f"autosaved at {when}?" + (f"\n\nIts file was {source}." if source else ""),
                QMessageBox.Yes | QMessageBox.Discard | QMessageBox.Ignore,
                QMessageBox.Yes,
            )
            if answer == QMessageBox.Ignore:  # keep it for the next start
                return False
            path.unlink(missing_ok=True)
            Path(str(path) + ".lock").unlink(missing_ok=True)
            if answer == QMessageBox.Yes:
                self.doc.load(spec, source if source and Path(source).suffix.lower() in PRESET_SUFFIXES else None)
                self.doc.undo_stack.resetClean()  # recovered work is unsaved work
                self.autosave_now()
                return True
        return False

    def shutdown(self) -> None:
        """On a clean exit: wait for an export, drop the autosave."""
        self._timer.stop()
        self.export_job.wait()
        self.autosave.release()

    def _start_dir(self) -> str:
        if self.doc.path:
            return str(self.doc.path.parent)
        recent = settings.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())


@contextmanager
def _busy_cursor():
    QApplication.setOverrideCursor(Qt.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def _file_stem(name: str) -> str:
    """A file name from a model name: 'ResNet-50' -> 'ResNet-50', 'my net/v2' -> 'my_net_v2'."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in name.strip()).strip("._")
    return stem or "model"
