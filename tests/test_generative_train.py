"""`workbench train` on the generative and energy-based presets: JSON summary, metrics and saved networks."""

from __future__ import annotations

import json
import math

import h5py
import pytest

from workbench.cli import main
from workbench.keras_bridge.targets import open_model, open_trainable
from workbench.errors import WorkbenchError
from workbench.spec.networks import NetworkSet

keras = pytest.importorskip("keras")


def train_json(capsys, *argv) -> dict:
    code = main(["train", *map(str, argv), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_hopfield_capacity_metrics_and_saved_network(capsys, tmp_path):
    summary = train_json(capsys, "hopfield_100", "--dataset", "random_patterns", "--run-dir", tmp_path / "run")
    metrics = summary["metrics"]
    assert summary["task"] == "hopfield" and summary["dataset"] == "random_patterns" and summary["epochs"] == 1
    assert metrics["val_recall"] == 1.0  # 8 patterns, 10 of 100 bits flipped
    assert metrics["recall_at_8"] >= 0.95 and 0.55 <= metrics["recall_at_14"] <= 0.85 and metrics["recall_at_30"] <= 0.05
    assert {f"recall_at_{p}" for p in (2, 4, 6, 10, 12, 16, 20, 25)} <= set(metrics)
    model = keras.models.load_model(summary["out"])
    kernel = model.get_layer("hopfield").get_weights()[0]
    assert kernel.shape == (100, 100) and abs(kernel - kernel.T).max() < 1e-6 and abs(kernel.diagonal()).max() == 0


def test_rbm_reports_validation_reconstruction_error(capsys, tmp_path):
    summary = train_json(capsys, "rbm_mnist", "--dataset", "mnist_subset", "--max-samples", "500", "--epochs", "1",
                         "--run-dir", tmp_path / "run")
    assert summary["task"] == "rbm" and summary["best_epoch"] == 1
    assert 0.0 < summary["metrics"]["val_reconstruction_mse"] < 0.2  # ~0.10 after 13 CD-1 steps; untrained ~0.25
    model = keras.models.load_model(tmp_path / "run" / "model.h5")
    assert model.count_params() == 101_264


def test_conditional_gan_saves_both_networks_and_reports_losses(capsys, tmp_path):
    run = tmp_path / "run"
    summary = train_json(capsys, "cdcgan_mnist", "--dataset", "mnist_subset", "--max-samples", "256", "--epochs", "1",
                         "--run-dir", run, "--out", tmp_path / "g.h5")
    metrics = summary["metrics"]
    assert summary["task"] == "gan" and summary["out"] == str(tmp_path / "g.h5")
    assert math.isfinite(metrics["d_loss"]) and math.isfinite(metrics["g_loss"]) and metrics["d_loss"] > 0
    assert 0.0 <= metrics["label_agreement"] <= 1.0
    generator, discriminator = (keras.models.load_model(run / f"{n}.h5") for n in ("generator", "discriminator"))
    assert generator.count_params() == 390_913 and discriminator.count_params() == 41_633
    assert keras.models.load_model(tmp_path / "g.h5").count_params() == 390_913
    with h5py.File(run / "discriminator.h5", "r") as f:
        assert json.loads(f.attrs["workbench_preset"])["name"] == "discriminator"
    record = json.loads((run / "run.json").read_text())
    assert record["files"]["models"] == ["generator.h5", "discriminator.h5"]
    assert record["result"]["steps_per_epoch"] == 256 // 32  # no metric reads held-out images: all 256 train
    assert (run / "agreement_lenet5.h5").is_file()


def test_multi_network_preset_opens_whole_only_for_training():
    assert isinstance(open_trainable("cdcgan_mnist"), NetworkSet)
    with pytest.raises(WorkbenchError, match=r"cdcgan_mnist: a multi-network preset \(generator, discriminator\)"):
        open_model("cdcgan_mnist")


def test_presets_lists_the_multi_network_presets_with_each_network(capsys):
    assert main(["presets", "--json"]) == 0
    rows = {r["slug"]: r for r in json.loads(capsys.readouterr().out)}
    gan = rows["cdcgan_mnist"]
    assert gan["networks"] == {"generator": 390_913, "discriminator": 41_633} and gan["params"] == 432_546
    assert gan["input_shape"] == [28, 28, 1] and not gan["errors"]
    assert {"dcgan_mnist", "gan_mlp_mnist", "rbm_mnist", "hopfield_100"} <= set(rows)


def test_preflight_of_a_multi_network_preset_imports_no_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys; from workbench.keras_bridge.targets import open_trainable; "
        "from workbench.data import load_dataset; from workbench.train.preflight import preflight; "
        "spec = preflight(open_trainable('cdcgan_mnist'), load_dataset('mnist_subset', max_samples=100, seed=0, "
        "validation_split=0.2)); print(spec.task); sys.exit(bool([m for m in ('tensorflow', 'keras') if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "gan", result.stderr
