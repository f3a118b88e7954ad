"""`workbench train`, `export` and `datasets` as a user runs them."""

from __future__ import annotations

import json
import runpy

import h5py
import pytest

from workbench.cli import main
from workbench.spec import analyze, load_named
from workbench.train import default_runs_root


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_saves_h5_that_plain_keras_loads(capsys, tmp_path):
    import keras

    out = tmp_path / "lenet5.h5"
    code, stdout, err = run(
        capsys, "train", "lenet5", "--dataset", "digits", "--epochs", "2", "--max-samples", "400",
        "--batch-size", "32", "--steps-per-execution", "3", "--out", out,
    )
    assert code == 0, err
    assert "training on CPU" in err or "training on" in err
    assert "epoch 2/2" in err and "val_accuracy=" in err and "samples/s=" in err
    line = stdout.strip().splitlines()[-1]
    assert line.startswith("best val_accuracy ") and "at epoch" in line and str(out) in line
    model = keras.models.load_model(out)
    assert model.count_params() == 61706
    with h5py.File(out, "r") as f:
        preset = json.loads(f.attrs["workbench_preset"])
        history = json.loads(f.attrs["workbench_history"])
    assert preset["name"] == "LeNet-5"
    assert len(history["val_accuracy"]) == 2
    (run_json,) = default_runs_root().glob("*/run.json")
    record = json.loads(run_json.read_text())
    assert record["config"]["steps_per_execution"] == 3 == record["steps_per_execution"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "lenet5", "--dataset", "nope"], "unknown data set 'nope'"),
        (["train", "lenet5", "--dataset", "digits", "--epochs", "0"], "epochs must be at least 1"),
        (["train", "lenet5", "--dataset", "digits", "--batch-size", "0"], "batch_size must be at least 1"),
        (["train", "lenet5", "--dataset", "digits", "--steps-per-execution", "0"],
         "steps_per_execution must be at least 1"),
        (["train", "lenet5", "--dataset", "digits", "--out", "/nonexistent/x.h5"], "does not exist"),
        (["train", "lenet5", "--dataset", "digits", "--out", "model.txt"], "ending in .h5 or .keras"),
        (["train", "lenet5"], "--dataset is required"),
        (
            ["train", "alexnet", "--dataset", "digits", "--input-shape", "32,32,3", "--epochs", "1"],
            "pool window 3 is larger than its input 2",
        ),
    ],
)
def test_train_bad_input_exits_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_export_py_rebuilds_the_same_model(capsys, tmp_path):
    script = tmp_path / "resnet20.py"
    code, out, _ = run(capsys, "export", "resnet20", "--to", script)
    assert code == 0 and "exported ResNet-20" in out
    text = script.read_text()
    assert "import keras" in text and "workbench" not in text.split('"""')[-1]
    model = runpy.run_path(str(script))["build_model"]()
    assert model.count_params() == analyze(load_named("resnet20")).total_params == 274042


def test_export_py_inlines_the_custom_lrn_layer(capsys, tmp_path):
    script = tmp_path / "alexnet.py"
    assert run(capsys, "export", "alexnet", "--to", script, "--input-shape", "67,67,3", "--classes", "10")[0] == 0
    text = script.read_text()
    assert "class LocalResponseNormalization(keras.layers.Layer)" in text
    model = runpy.run_path(str(script))["build_model"]()
    spec = load_named("alexnet")
    from workbench.spec import with_classes, with_input_shape

    assert model.count_params() == analyze(with_classes(with_input_shape(spec, (67, 67, 3)), 10)).total_params


def test_export_h5_and_bad_suffix(capsys, tmp_path):
    import keras

    out = tmp_path / "lenet5.h5"
    assert run(capsys, "export", "lenet5", "--to", out)[0] == 0
    assert keras.models.load_model(out).count_params() == 61706
    code, _, err = run(capsys, "export", "lenet5", "--to", tmp_path / "x.txt")
    assert code == 2 and "choose a file name ending in .h5, .hdf5, .keras, .py, .onnx, .tflite, or a folder" in err


def test_datasets_lists_embedded_sets(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "1,797" in rows["digits"] and "bundled" in rows["digits"]
    assert "5,000" in rows["mnist_subset"]
    assert "cifar10" in rows
