"""Every task of the registry trained as a user trains it: `workbench train SLUG --dataset D --json`.

Each run is short (a few epochs on a few hundred samples), so the bars are
the trivial baselines the task must beat, not the issue's full gates (those
run in tests/benchmarks/bench_tasks.py).  One process: TensorFlow is
imported once for all of them.
"""

from __future__ import annotations

import csv
import json

import keras
import numpy as np
import pytest

from workbench.cli import main
from workbench.data.registry import load_dataset


def train_json(capsys, tmp_path, *argv):
    """Exit code, the one JSON object printed on stdout, and stderr."""
    code = main(["train", *map(str, argv), "--json", "--run-dir", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    return json.loads(lines[0]), err


def loaded(path):
    return keras.models.load_model(path)


def test_perceptron_learns_and_and_saves_its_unit(capsys, tmp_path):
    result, _ = train_json(capsys, tmp_path, "perceptron", "--dataset", "logic_and", "--epochs", "12")
    assert (result["preset"], result["task"], result["dataset"], result["epochs"]) == (
        "perceptron", "perceptron", "logic_and", 12)
    assert result["metrics"] == {"val_accuracy": 1.0}
    model = loaded(result["out"])
    assert model.count_params() == 3
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    assert list((model.predict_on_batch(x)[:, 0] > 0).astype(int)) == [0, 0, 0, 1]


def test_perceptron_on_xor_reports_the_share_right_after_each_epoch(capsys, tmp_path):
    """The online rule cycles on XOR with every point wrong when it comes (online_accuracy 0); the
    epoch's accuracy is what the weights then classify: logic_xor validates on the same 4 points."""
    train_json(capsys, tmp_path, "perceptron", "--dataset", "logic_xor", "--epochs", "12")
    rows = list(csv.DictReader((tmp_path / "run" / "history.csv").open()))
    accuracy = [float(r["accuracy"]) for r in rows]
    assert accuracy == [float(r["val_accuracy"]) for r in rows]
    assert accuracy == [0.5, 0.5, 0.5, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    assert [float(r["online_accuracy"]) for r in rows][6:] == [0.0] * 6


def test_mlp_xor_full_batch_beats_chance(capsys, tmp_path):
    result, err = train_json(capsys, tmp_path, "mlp_xor", "--dataset", "logic_xor", "--epochs", "25")
    assert "4 train / 4 validation samples, batch 4, 1 steps per epoch" in err
    assert result["task"] == "classification" and set(result["metrics"]) == {"val_accuracy"}
    assert result["metrics"]["val_accuracy"] >= 0.75  # chance: 0.5
    assert loaded(result["out"]).count_params() == 17


def test_rprop_iris_trains_full_batch_and_reports_mse(capsys, tmp_path):
    result, err = train_json(capsys, tmp_path, "bp_rprop_iris", "--dataset", "iris", "--epochs", "15")
    assert "RPROP" in err and "full batch" in err and "batch 120, 1 steps per epoch" in err
    assert set(result["metrics"]) == {"val_accuracy", "val_mse"}
    assert result["metrics"]["val_accuracy"] >= 0.8  # chance: 1/3
    assert result["metrics"]["val_mse"] < 0.1  # the uniform guess: 2/9
    assert loaded(result["out"]).count_params() == 67


def test_autoencoder_beats_the_mean_image(capsys, tmp_path):
    result, _ = train_json(capsys, tmp_path, "autoencoder_dense", "--dataset", "mnist_subset", "--epochs", "3",
                           "--max-samples", "1000", "--batch-size", "32")
    assert result["task"] == "reconstruction" and list(result["metrics"]) == ["val_mse"]
    data = load_dataset("mnist_subset", max_samples=1000).x_train.astype(np.float32) / 255
    mean_image = float(np.mean((data - data.mean(axis=0)) ** 2))
    assert result["metrics"]["val_mse"] < mean_image
    assert loaded(result["out"]).count_params() == 407_834


def test_fcn_segments_better_than_all_background(capsys, tmp_path):
    result, _ = train_json(capsys, tmp_path, "fcn8s_shapes", "--dataset", "shapes_masks", "--epochs", "3",
                           "--max-samples", "1000")
    assert result["task"] == "segmentation"
    assert set(result["metrics"]) == {"val_mean_iou", "val_pixel_accuracy"}
    masks = load_dataset("shapes_masks", samples=1000).y_train
    background = float(np.mean(masks == 0))  # ~0.85: all background scores IoU 0.85 / 6 classes
    assert result["metrics"]["val_mean_iou"] > background / 6 + 0.02
    assert result["metrics"]["val_pixel_accuracy"] > 0.8
    assert loaded(result["out"]).count_params() == 95_780


def test_deconv_generator_draws_more_than_a_blank_image(capsys, tmp_path):
    result, _ = train_json(capsys, tmp_path, "deconv_chairs", "--dataset", "shapes_render", "--epochs", "3",
                           "--max-samples", "600")
    assert result["task"] == "generation" and list(result["metrics"]) == ["val_mse"]
    images = load_dataset("shapes_render", samples=600).y_train.astype(np.float32)
    assert result["metrics"]["val_mse"] < 0.6 * float(np.mean(images ** 2))  # a blank image: 0.21
    assert loaded(result["out"]).count_params() == 364_385


def test_a_data_set_that_does_not_fit_the_task_is_named(capsys):
    code = main(["train", "fcn8s_shapes", "--dataset", "digits", "--epochs", "1"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "digits: does not fit the segmentation task of 'FCN-8s-shapes'" in err and "not per pixel" in err


@pytest.mark.parametrize("event", ["on_samples"])
def test_the_task_samples_reach_the_sink_once_per_epoch(tmp_path, event):
    from workbench.spec import load_named
    from workbench.train import TrainConfig, Trainer

    seen = []
    config = TrainConfig(epochs=2, batch_size=4, tensorboard=False)
    result = Trainer(config).run(load_named("mlp_xor"), load_dataset("logic_xor"), {event: lambda e, s: seen.append((e, s))},
                                 run_dir=tmp_path / "run")
    assert result.status == "finished"
    assert [e for e, _ in seen] == [1, 2]
    assert seen[0][1]["grid"].shape == (64, 64) and seen[0][1]["unit_lines"].shape == (4, 2, 2)


def test_the_leaderboard_names_the_monitored_metric_of_other_tasks():
    from workbench.compare.report import csv_text
    from workbench.compare.results import CSV_COLUMNS, RunRecord, leaderboard_columns

    autoencoder = RunRecord(preset="autoencoder_dense", monitor="val_mse", mode="min")
    for mse in (0.05, 0.03, 0.04):
        autoencoder.add_epoch({"loss": mse, "val_loss": mse, "val_mse": mse}, 1.0)
    assert (autoencoder.best_value, autoencoder.best_epoch, autoencoder.best_column) == (0.03, 2, "best_val_mse")
    assert leaderboard_columns([autoencoder])[4] == "best_val_mse"
    assert csv_text([autoencoder]).splitlines()[1].split(",")[4] == "0.03"
    lenet = RunRecord(preset="lenet5")
    lenet.add_epoch({"accuracy": 0.5, "val_accuracy": 0.7, "val_loss": 1.0}, 1.0)
    assert leaderboard_columns([lenet]) == CSV_COLUMNS and lenet.best_val_accuracy == 0.7


def test_rprop_is_an_optimizer_choice():
    from workbench.keras_bridge import Rprop
    from workbench.train import TrainConfig
    from workbench.train.config import FIELD

    assert "rprop" in FIELD["optimizer"].choices and "full batch" in FIELD["optimizer"].help
    optimizer = TrainConfig(optimizer="rprop", learning_rate=0.1).make_optimizer(10)
    assert isinstance(optimizer, Rprop) and float(optimizer.learning_rate) == pytest.approx(0.1)


def test_task_objectives_are_abstract():
    from workbench.spec import load_named
    from workbench.tasks import Task

    class Unfinished(Task):
        name = "unfinished"

    with pytest.raises(TypeError, match="objectives"):
        Unfinished(load_named("lenet5"))
