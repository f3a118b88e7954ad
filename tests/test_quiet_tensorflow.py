"""TensorFlow's native start-up messages (CUDA probing on a CPU-only machine) stay off the terminal."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "from workbench.ui.tf_loader import describe_devices; print(describe_devices())"


def run_probe(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "WORKBENCH_DEBUG")}
    return subprocess.run([sys.executable, "-c", PROBE + "; import sys; print('after', file=sys.stderr)"],
                          capture_output=True, text=True, timeout=180, env={**environ, **env})


def test_loading_tensorflow_for_the_window_prints_no_native_start_up_lines():
    done = run_probe()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("TensorFlow ")
    assert "cuInit" not in done.stderr and "cuda drivers" not in done.stderr
    assert "absl::InitializeLog" not in done.stderr
    assert done.stderr == "after\n"  # the program's own messages still come through


def test_a_second_thread_waits_for_the_first_import_instead_of_taking_a_half_made_module(monkeypatch):
    """The window's threads may reach for Keras at once: the second must return only after the first import ends."""
    import threading
    from contextlib import contextmanager

    import pytest

    from workbench import quiet_tensorflow

    pytest.importorskip("keras")  # already in sys.modules, as in the window once anything imported it
    monkeypatch.setattr(quiet_tensorflow, "_imported", False)
    inside, release = threading.Event(), threading.Event()

    @contextmanager
    def slow_import():
        inside.set()
        release.wait(10)
        yield

    monkeypatch.setattr(quiet_tensorflow, "native_stderr_held", slow_import)
    first = threading.Thread(target=quiet_tensorflow.import_keras_quietly)
    first.start()
    assert inside.wait(10)
    second_done = threading.Event()
    second = threading.Thread(target=lambda: (quiet_tensorflow.import_keras_quietly(), second_done.set()))
    second.start()
    assert not second_done.wait(0.3)  # still importing in the first thread: the second waits
    release.set()
    first.join(10)
    second.join(10)
    assert second_done.is_set() and quiet_tensorflow._imported
