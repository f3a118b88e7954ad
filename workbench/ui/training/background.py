"""Threads that run blocking work off the GUI thread, and report back through signals.

Why not a worker QObject moved to a QThread, with queued slots?  Each queued
slot call enters Python afresh, and PySide gives the thread a new Python
thread state for it, freeing the old one afterwards.  TensorFlow's pybind11
bindings cache the thread state they saw first, so the second call into
TensorFlow from such a thread dereferences a freed state and crashes (seen
here: a segfault in `take_gil` under `PyGraph::version_def` when a feature
map was asked for after a run).  `TaskThread` instead runs one Python
function for its whole life, taking callables from a queue, so its thread
state never changes.

`BackgroundTask` puts a TaskThread behind a submit/done/failed interface for
short jobs (loading a data set, scanning the runs folder, asking nvidia-smi),
delivering only the latest submission's outcome.
"""

from __future__ import annotations

import atexit
import logging
import queue
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from workbench.errors import WorkbenchError

log = logging.getLogger(__name__)


def problem_text(exc: BaseException) -> str:
    """A readable message: the project's own errors as they are, others with their type."""
    problems = getattr(exc, "problems", None)
    if problems:
        return "\n".join(str(p) for p in problems)
    if isinstance(exc, (WorkbenchError, ValueError, OSError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


#: threads still running: ended at interpreter exit if their owner never did (a QThread destroyed while it
#: runs aborts the process)
_running: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _finish_all() -> None:
    for thread in list(_running):
        if thread.stopper is not None:
            thread.stopper()
        thread.finish()


class TaskThread(QThread):
    """Runs submitted callables one after the other in one long-lived Python frame.

    A callable must not raise (report failures by signal); one that does is
    logged and the thread goes on.  `finish()` drops what has not started,
    lets the running callable end, runs `final` if given, then ends the
    thread and waits for it.  `stopper`, if set, is
    called at interpreter exit to end a long task before the thread is
    finished (when its owner did not finish it).
    """

    _STOP = object()

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.stopper: Callable[[], None] | None = None

    def submit(self, task: Callable[[], None]) -> None:
        if not self.isRunning():
            _running.add(self)
            self.start()
        self._tasks.put(task)

    def run(self) -> None:
        while True:
            task = self._tasks.get()
            if task is self._STOP:
                return
            try:
                task()
            except Exception:  # noqa: BLE001 - a task's bug must not end the thread that serves the window
                log.exception("background task failed in thread %s", self.objectName())

    def finish(self, final: Callable[[], None] | None = None) -> None:
        if not self.isRunning():
            return
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        if final is not None:
            self._tasks.put(final)
        self._tasks.put(self._STOP)
        self.wait()
        _running.discard(self)


class BackgroundTask(QObject):
    """`submit(fn)`; later `done(value)` or `failed(message)` in the GUI thread, for the latest submission."""

    done = Signal(object)
    failed = Signal(str)
    _done = Signal(int, object)
    _failed = Signal(int, str)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = TaskThread(name)
        self._ticket = 0
        self._done.connect(self._on_done)  # emitted in the task thread: queued to this GUI-thread object
        self._failed.connect(self._on_failed)

    def submit(self, function: Callable) -> None:
        self._ticket += 1
        ticket = self._ticket

        def call() -> None:
            try:
                value = function()
            except Exception as exc:  # noqa: BLE001 - every failure goes to the user as a message
                self._failed.emit(ticket, problem_text(exc))
            else:
                self._done.emit(ticket, value)

        self._thread.submit(call)

    @Slot(int, object)
    def _on_done(self, ticket: int, value) -> None:
        if ticket == self._ticket:
            self.done.emit(value)

    @Slot(int, str)
    def _on_failed(self, ticket: int, message: str) -> None:
        if ticket == self._ticket:
            self.failed.emit(message)

    def shutdown(self) -> None:
        """Let the running function finish (queued ones are dropped), then end the thread."""
        self._thread.finish()
