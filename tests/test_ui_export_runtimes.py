"""File → Export to ONNX / LiteRT / SavedModel from the window, the missing-extra message, and the Netron action."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from test_export_runtimes import needs_onnx
from test_ui_window import Answers, make_window  # noqa: F401 - the fixtures' helpers
from workbench.ui import files
from workbench.ui.netron import INSTALL_HINT


@pytest.fixture
def answers(monkeypatch):
    return Answers(monkeypatch)


def test_export_filters_name_every_runtime():
    assert {".onnx", ".tflite", "/"} <= set(files.EXPORT_FILTERS.values())
    assert files._runtime("m.onnx").keras_format == "onnx"
    assert files._runtime("saved/").keras_format == "tf_saved_model"
    assert files._runtime("m.h5") is None and files._runtime("m.py") is None


@needs_onnx
def test_window_exports_onnx_that_matches_keras(tmp_path, qtbot, answers, monkeypatch):
    import onnxruntime

    import workbench.keras_bridge as bridge

    built = []
    real_build = bridge.build
    monkeypatch.setattr(bridge, "build", lambda spec: built.append(real_build(spec)) or built[-1])
    window = make_window(qtbot)
    target = tmp_path / "lenet5.onnx"
    with qtbot.waitSignal(window.files.exportRunning, check_params_cb=lambda running: not running, timeout=120_000):
        window.files.export_to(target)
    assert answers.errors == [] and target.is_file()
    x = np.random.default_rng(0).random((2, 32, 32, 1), dtype=np.float32)
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x})[0]
    (model,) = built  # the Keras model the export wrote
    expected = model.predict(x, verbose=0)
    assert got.shape == (2, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_missing_extra_is_named_before_anything_runs(tmp_path, qtbot, answers, monkeypatch):
    window = make_window(qtbot)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name in ("tf2onnx", "onnx") else real(name))
    window.files.export_to(tmp_path / "lenet5.onnx")
    assert not window.files.export_job.running() and not (tmp_path / "lenet5.onnx").exists()
    assert answers.errors == ["ONNX export needs tf2onnx, onnx, which is not installed: "
                              "pip install 'keras-workbench[onnx]'"]


@pytest.mark.skipif(importlib.util.find_spec("netron") is not None, reason="netron is installed here")
def test_netron_action_is_disabled_with_the_reason(qtbot):
    window = make_window(qtbot)
    action = window.actions["netron"]
    assert not action.isEnabled() and action.toolTip() == INSTALL_HINT == "Netron is not installed: pip install netron"
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
