"""How long the first architecture diff takes when asked for right after the window opens.

Run with `make bench` (or `python tests/benchmarks/bench_gui_first_diff.py`).
The window starts importing TensorFlow in the background as soon as it is
shown; the diff is pure Python, so it must not wait for that import.  Each
repeat is a fresh process (a cold start is what a user meets), the diff of
VGG-16 against VGG-19 is opened after the given delay, and the time until
the diff window has been filled and painted once is printed with whether
TensorFlow's import had finished by then.  Nothing is asserted about time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

REPEATS = 5
DELAYS_S = (0.0, 1.0)


def _one(delay_s: float) -> dict:
    """In this process: open the window, wait `delay_s`, diff two presets, report the seconds it took."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    from workbench.spec import load_preset, preset_paths
    from workbench.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    end = time.perf_counter() + delay_s
    while True:
        app.processEvents()
        if time.perf_counter() >= end:
            break
        time.sleep(0.01)
    loading = window.tf_loader.state == "loading"
    start = time.perf_counter()
    paths = preset_paths()
    view = window.tools.open_diff(load_preset(paths["vgg16"]), load_preset(paths["vgg19"]))
    app.processEvents()
    view.grab()
    seconds, rows = time.perf_counter() - start, view.table.rowCount()
    window.close()  # waits for the background import, as quitting the app does
    return {"seconds": seconds, "tensorflow_loading": loading, "rows": rows}


def measure() -> str:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", QT_QPA_PLATFORM="offscreen")
    lines = []
    for delay in DELAYS_S:
        runs = []
        for _ in range(REPEATS):
            out = subprocess.run([sys.executable, __file__, str(delay)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        seconds = [r["seconds"] for r in runs]
        loading = sum(r["tensorflow_loading"] for r in runs)
        lines.append(f"  diff asked {delay:.1f} s after show: median {statistics.median(seconds):.2f} s, "
                     f"max {max(seconds):.2f} s ({loading}/{REPEATS} while TensorFlow was still loading; "
                     f"{runs[0]['rows']} rows)")
    return "First diff (VGG-16 vs VGG-19) after the window opens, fresh process each:\n" + "\n".join(lines)


def test_bench_first_diff_after_start():
    print("\n" + measure())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(_one(float(sys.argv[1]))))
    else:
        print(measure())
