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
