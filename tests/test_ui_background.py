"""The one background-task helper: events then an outcome, requests before the target exists, bounded waits."""

from __future__ import annotations

import threading
from operator import methodcaller

from workbench.ui import background
from workbench.ui.background import BackgroundTask, PendingCalls


class Target:
    def __init__(self):
        self.calls: list[str] = []

    def stop(self):
        self.calls.append("stop")

    def pause(self):
        self.calls.append("pause")


def test_pending_calls_are_kept_replayed_in_order_then_passed_through():
    pending, target = PendingCalls(), Target()
    pending.call(methodcaller("pause"))
    pending.call(methodcaller("stop"))
    assert target.calls == []
    pending.attach(target)
    assert target.calls == ["pause", "stop"]
    pending.call(methodcaller("stop"))
    assert target.calls == ["pause", "stop", "stop"]
    pending.detach()
    pending.call(methodcaller("pause"))
    assert target.calls == ["pause", "stop", "stop"]


def test_a_task_reports_events_then_its_value_and_a_cancel_reaches_its_target(qtbot):
    task = BackgroundTask("test-task")
    attached, target = threading.Event(), Target()
    release = threading.Event()

    def work(state):
        for i in range(3):
            state.emit("step", i, i * i)
        attached.wait(5)
        state.calls.attach(target)  # the cancel asked for before this is replayed here
        release.wait(5)
        return ("done", state.cancelled, list(target.calls))

    events = []
    task.event.connect(lambda kind, args: events.append((kind, args)))
    task.submit(work)
    assert task.running()
    task.cancel(methodcaller("stop"))
    attached.set()
    release.set()
    with qtbot.waitSignal(task.done, timeout=5_000) as done:
        pass
    assert done.args[0] == ("done", True, ["stop"])
    assert events == [("step", (0, 0)), ("step", (1, 1)), ("step", (2, 4))]
    assert not task.running()
    assert task.shutdown(timeout_s=1) is True


def test_a_failure_is_a_message_and_shutdown_waits_a_bounded_time(qtbot):
    task = BackgroundTask("test-bounded")
    with qtbot.waitSignal(task.failed, timeout=5_000) as failed:
        task.submit(lambda: 1 / 0)
    assert failed.args[0] == "ZeroDivisionError: division by zero"

    started, release = threading.Event(), threading.Event()
    task.submit(lambda: (started.set(), release.wait(10)))
    assert started.wait(5)
    assert task.shutdown(timeout_s=0.2) is False  # still running: parked, not destroyed
    assert task._thread in background._parked
    release.set()
    assert task._thread.finish(timeout_s=5) is True
    assert task._thread not in background._parked
