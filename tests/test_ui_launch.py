"""Starting the app: no display, missing X11 libraries, start-up before TensorFlow, scripted screenshots."""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from workbench.ui import launch, settings
from workbench.ui.tf_loader import TensorFlowLoader


def _env(**changes) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(changes)
    return env


def _launch(*args, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.ui.launch", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_without_a_display_it_explains_and_exits_2():
    result = _launch(env=_env())
    assert result.returncode == 2
    assert "no display found" in result.stderr
    assert "xvfb-run -a python -m workbench.ui.launch" in result.stderr
    assert "workbench summary resnet50" in result.stderr and "workbench presets" in result.stderr
    assert "Traceback" not in result.stderr and "qt.qpa" not in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check is for Linux")
def test_missing_x11_libraries_are_named_with_their_packages(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    absent = {"xcb-cursor", "xkbcommon-x11"}
    # every other library counts as installed, whatever this machine has
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name in absent else f"lib{name}.so")
    assert launch.main([]) == 2
    err = capsys.readouterr().err
    assert "libxcb-cursor, libxkbcommon-x11" in err
    assert "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0" in err
    assert "workbench summary resnet50" in err


def test_headless_platforms_need_no_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert launch.startup_problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert "no display found" in launch.startup_problem()


def test_bad_arguments_are_reported_without_a_window(capsys):
    assert launch.main(["--preset", "no_such_net"]) == 2
    err = capsys.readouterr().err
    assert "unknown preset 'no_such_net'" in err and "lenet5" in err
    assert launch.main(["--preset", "lenet5", "--select", "nope"]) == 2
    assert "'LeNet-5' has no layer named 'nope'" in capsys.readouterr().err


def test_the_window_is_shown_before_tensorflow_is_imported(tmp_path):
    result = _launch(
        "--preset", "resnet50", "--report-startup", "--settings-dir", str(tmp_path),
        env=_env(QT_QPA_PLATFORM="offscreen"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["tensorflow_imported"] is False and report["keras_imported"] is False
    assert report["shown_at"] > 0


def test_screenshot_option_saves_the_rendered_window(tmp_path):
    out = tmp_path / "shot.png"
    result = _launch(
        "--preset", "lenet5", "--select", "c3", "--screenshot", str(out), "--size", "1000x700",
        "--settings-dir", str(tmp_path / "profile"), env=_env(QT_QPA_PLATFORM="offscreen"), timeout=180,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)
    assert len({image.pixel(x, y) for x in range(0, 1000, 25) for y in range(0, 700, 25)}) > 20  # not blank


def test_tensorflow_loads_in_the_background_and_names_the_device(qtbot, tmp_path):
    settings.use_directory(tmp_path)
    loader = TensorFlowLoader()
    with qtbot.waitSignal(loader.loaded, timeout=180_000) as loaded:
        loader.start()
        assert loader.state == "loading"
    loader.shutdown()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    assert loaded.args[0].startswith(f"TensorFlow {tf.__version__} · ")
    assert loaded.args[0].endswith("CPU") if not gpus else "CPU" not in loaded.args[0]
    assert loader.state == "loaded"
