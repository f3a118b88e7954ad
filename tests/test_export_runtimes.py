"""ONNX / LiteRT / SavedModel export through keras.Model.export: the other runtime computes what Keras does."""

from __future__ import annotations

import importlib.util
import numpy as np
import pytest

from workbench.errors import WorkbenchError
from workbench.export.runtimes import ONNX, export_runtime, missing_packages, require, runtime_format

_ONNX_MISSING = [m for m in ("tf2onnx", "onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
needs_onnx = pytest.mark.skipif(
    bool(_ONNX_MISSING), reason=f"ONNX export test needs {', '.join(_ONNX_MISSING)} (pip install 'keras-workbench[onnx]')"
)


def _model(slug: str):
    from workbench.keras_bridge import build
    from workbench.keras_bridge.targets import open_model

    return build(open_model(slug))


def _batch(model, n: int = 3) -> np.ndarray:
    return np.random.default_rng(0).random((n, *model.inputs[0].shape[1:]), dtype=np.float32)


@needs_onnx
@pytest.mark.parametrize("slug, shape", [("lenet5", (32, 32, 1)), ("resnet20", (32, 32, 3))])
def test_onnxruntime_matches_keras(tmp_path, slug, shape):
    import onnxruntime

    model = _model(slug)
    assert tuple(model.inputs[0].shape[1:]) == shape
    x = _batch(model)
    expected = model.predict(x, verbose=0)
    path = export_runtime(model, tmp_path / f"{slug}.onnx")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    got = session.run(None, {"input": x})[0]
    assert got.shape == expected.shape == (3, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert [p.name for p in tmp_path.iterdir()] == [f"{slug}.onnx"]  # no temp file left


def test_litert_matches_keras(tmp_path):
    import warnings

    import tensorflow as tf

    model = _model("lenet5")
    x = _batch(model, 2)
    expected = model.predict(x, verbose=0)
    path = export_runtime(model, tmp_path / "lenet5.tflite")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's move to the ai_edge_litert package
        interpreter = tf.lite.Interpreter(model_path=str(path))
    source = interpreter.get_input_details()[0]
    assert "input" in source["name"]
    interpreter.resize_tensor_input(source["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(source["index"], x)
    interpreter.invoke()
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_saved_model_folder_replaces_an_old_one(tmp_path):
    import tensorflow as tf

    model = _model("lenet5")
    target = tmp_path / "saved"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    export_runtime(model, f"{target}/")
    assert (target / "saved_model.pb").is_file() and not (target / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved"]
    x = _batch(model, 2)
    loaded = tf.saved_model.load(str(target))  # kept: its variables die with it
    served = loaded.serve(x).numpy()
    np.testing.assert_allclose(served, model.predict(x, verbose=0), atol=1e-5)


def test_format_by_suffix_and_missing_package_message(monkeypatch, tmp_path):
    assert runtime_format("m.onnx") is ONNX
    assert runtime_format("m.ONNX") is ONNX
    assert runtime_format("m.tflite").keras_format == "litert"
    assert runtime_format("out/").keras_format == "tf_saved_model"
    assert runtime_format("m.h5") is None
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert missing_packages(ONNX) == ["tf2onnx", "onnx"]
    with pytest.raises(WorkbenchError, match=r"ONNX export needs tf2onnx, onnx.*keras-workbench\[onnx\]"):
        require(ONNX)


@needs_onnx
def test_cli_export_onnx(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "lenet5.onnx"
    assert main(["export", "lenet5", "--to", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"exported LeNet-5 to {out}"
    import onnx

    graph = onnx.load(str(out)).graph
    assert [i.name for i in graph.input] == ["input"]
