"""Spec inference speed, and `workbench summary resnet152` against importing TensorFlow.

Run with `make bench`. Prints figures; asserts nothing about time (machines
here vary by ±40%, so the two commands are interleaved and repeated and the
ratio of medians is reported).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from workbench.spec import analyze, load_preset, preset_paths

REPEATS = 5


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def test_bench_inference_per_preset():
    print("\nspec inference (load + analyze), median of 5:")
    for slug, path in preset_paths().items():
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            a = analyze(load_preset(path))
            times.append(time.perf_counter() - start)
        print(f"  {slug:<16} {len(a.layers):>4} layers  {statistics.median(times) * 1000:7.1f} ms")


def test_bench_summary_vs_tensorflow_import():
    summary = [sys.executable, "-m", "workbench.cli", "summary", "resnet152"]
    tf = [sys.executable, "-c", "import tensorflow"]
    _wall(tf)  # warm the file cache for both
    _wall(summary)
    s_times, tf_times = [], []
    for _ in range(REPEATS):
        s_times.append(_wall(summary))
        tf_times.append(_wall(tf))
    s, t = statistics.median(s_times), statistics.median(tf_times)
    print(f"\nworkbench summary resnet152: {s:.3f} s   import tensorflow: {t:.3f} s   ratio {s / t:.2f} (goal ≤ 0.35)")
