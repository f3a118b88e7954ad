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

`BackgroundTask` puts a TaskThread behind one interface, in the spirit of
Orange's `concurrent.py`, for every job of the window but training (the
TensorFlow import, exports, comparisons, loading a data set, scanning the
runs folder, asking nvidia-smi): `submit(fn)` runs `fn()` (or `fn(state)`,
whose `TaskState` carries events to the GUI thread and the object that
cancel requests act on), and only the latest submission's `event`, `done`
or `failed` arrives.  Training keeps its own long-lived `TaskThread` (the
model lives in that thread between runs) and shares `PendingCalls`.

Waits are bounded: `shutdown(timeout_s)` cancels, waits at most that long
and, if the task still runs (an import cannot be interrupted), parks the
thread until interpreter exit instead of destroying it while it runs
("QThread: Destroyed while thread is still running" aborts the process).
"""

from __future__ import annotations

import atexit
import inspect
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any

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


#: how long closing a window waits for a task, by default, before parking its thread
SHUTDOWN_SECONDS = 30.0

#: threads still running: ended at interpreter exit if their owner never did (a QThread destroyed while it
#: runs aborts the process)
_running: weakref.WeakSet = weakref.WeakSet()
#: threads whose owner stopped waiting for them: kept alive here until they end or the interpreter exits
_parked: set = set()


@atexit.register
def _finish_all() -> None:
    for thread in list(_running) + list(_parked):
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

    def finish(self, final: Callable[[], None] | None = None, timeout_s: float | None = None) -> bool:
        """End the thread; True once it has ended, False if `timeout_s` passed first (the thread is parked)."""
        if not self.isRunning():
            _parked.discard(self)
            return True
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        if final is not None:
            self._tasks.put(final)
        self._tasks.put(self._STOP)
        ended = self.wait() if timeout_s is None else self.wait(max(1, round(timeout_s * 1000)))
        _running.discard(self)
        if ended:
            _parked.discard(self)
        else:
            log.warning("thread %s still runs after %.1f s; it ends on its own", self.objectName(), timeout_s)
            _parked.add(self)
            self.finished.connect(self._unpark)
        return ended

    @Slot()
    def _unpark(self) -> None:
        _parked.discard(self)


class PendingCalls:
    """Calls on an object that may not exist yet (a Trainer, a comparison runner), from any thread.

    Before `attach(target)` the calls are kept, and then replayed on it in
    order; after, they go straight through; after `detach()` they are kept
    again for the next target.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._target: Any = None
        self._calls: list[Callable[[Any], None]] = []

    def call(self, action: Callable[[Any], None]) -> None:
        with self._lock:
            if self._target is None:
                self._calls.append(action)
                return
            action(self._target)

    def attach(self, target: Any) -> None:
        with self._lock:
            self._target = target
            calls, self._calls = self._calls, []
            for action in calls:
                action(target)

    def detach(self) -> None:
        with self._lock:
            self._target = None


class TaskState:
    """What a task given to `BackgroundTask.submit` sees: `emit` events, `cancelled`, `calls` for its target."""

    def __init__(self, relay: Callable[[str, tuple], None]):
        self._relay = relay
        self._cancelled = threading.Event()
        self.calls = PendingCalls()

    def emit(self, kind: str, *args) -> None:
        """Report to the GUI thread: `BackgroundTask.event(kind, args)`, queued, in order."""
        self._relay(kind, args)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class BackgroundTask(QObject):
    """`submit(fn)`; later `event(kind, args)`s, then `done(value)` or `failed(message)`, for the latest submission.

    `fn` takes no argument, or one: its `TaskState`.  `request(action)`
    calls `action(target)` on what the task attached to `state.calls` (now,
    or as soon as it attaches); `cancel(action)` also marks it cancelled.
    """

    event = Signal(str, object)
    done = Signal(object)
    failed = Signal(str)
    _event = Signal(int, str, object)
    _done = Signal(int, object)
    _failed = Signal(int, str)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = TaskThread(name)
        self._thread.stopper = self.cancel
        self._ticket = 0
        self._state: TaskState | None = None
        self._busy = False
        self._event.connect(self._on_event)  # emitted in the task thread: queued to this GUI-thread object
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)

    def running(self) -> bool:
        """The latest submission has not reported its outcome yet."""
        return self._busy

    def submit(self, function: Callable) -> TaskState:
        self._ticket += 1
        ticket = self._ticket
        state = TaskState(lambda kind, args: self._event.emit(ticket, kind, args))
        self._state, self._busy = state, True
        takes_state = bool(inspect.signature(function).parameters)

        def call() -> None:
            try:
                value = function(state) if takes_state else function()
            except Exception as exc:  # noqa: BLE001 - every failure goes to the user as a message
                self._failed.emit(ticket, problem_text(exc))
            else:
                self._done.emit(ticket, value)

        self._thread.submit(call)
        return state

    def request(self, action: Callable[[Any], None]) -> None:
        """`action(target)` on what the latest task attached to `state.calls` (now, or once it attaches)."""
        if self._state is not None:
            self._state.calls.call(action)

    def cancel(self, action: Callable[[Any], None] | None = None) -> None:
        """Mark the latest task cancelled and, if given, `request(action)` (its way to stop its target)."""
        if self._state is None:
            return
        self._state.cancel()
        if action is not None:
            self.request(action)

    @Slot(int, str, object)
    def _on_event(self, ticket: int, kind: str, args: tuple) -> None:
        if ticket == self._ticket:
            self.event.emit(kind, args)

    @Slot(int, object)
    def _on_done(self, ticket: int, value) -> None:
        if ticket == self._ticket:
            self._busy = False
            self.done.emit(value)

    @Slot(int, str)
    def _on_failed(self, ticket: int, message: str) -> None:
        if ticket == self._ticket:
            self._busy = False
            self.failed.emit(message)

    def shutdown(self, cancel: Callable[[Any], None] | None = None, timeout_s: float = SHUTDOWN_SECONDS) -> bool:
        """Cancel (with `cancel(target)` if given), drop queued calls, wait at most `timeout_s` for the running one.

        True when the thread has ended; False when it was parked still running.
        What the task reported before it ended still arrives if the event loop runs.
        """
        self.cancel(cancel)
        self._busy = False
        return self._thread.finish(timeout_s=timeout_s)
