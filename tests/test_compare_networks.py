"""Comparing multi-network presets (GANs) and the named metrics of the generative and energy-based tasks."""

from __future__ import annotations

import csv
import json

from workbench.cli import main as cli_main
from workbench.compare.report import CSV_NAME, JSON_NAME, csv_text
from workbench.compare.results import FAILED, RunRecord, leaderboard_columns, ranked
from workbench.compare.runner import ComparisonRunner, make_entries
from workbench.data import load_dataset
from workbench.spec.networks_io import load_named_networks
from workbench.train import TrainConfig

GAN_REPORTED = ("d_loss", "g_loss", "label_agreement")


def gan_record(label: str, monitor: str, epochs: list[dict]) -> RunRecord:
    record = RunRecord(preset=label)
    record.set_task("gan", GAN_REPORTED, monitor, "max" if monitor == "label_agreement" else "min")
    for seconds, logs in enumerate(epochs, 1):
        record.add_epoch(logs, float(seconds))
    return record


def test_a_gan_ranks_by_label_agreement_and_an_unconditional_one_has_no_score():
    plain = gan_record("dcgan_mnist", "g_loss", [{"d_loss": 1.2, "g_loss": 0.9}, {"d_loss": 1.1, "g_loss": 0.7}])
    assert (plain.monitor, plain.mode, plain.best_value, plain.best_epoch) == ("label_agreement", "max", None, None)
    assert plain.metrics == {"d_loss": 1.1, "g_loss": 0.7, "label_agreement": None}  # the last epoch's
    conditional = gan_record("cdcgan_mnist", "label_agreement", [
        {"d_loss": 1.3, "g_loss": 0.8, "label_agreement": 0.4},
        {"d_loss": 1.2, "g_loss": 0.9, "label_agreement": 0.6},
        {"d_loss": 1.0, "g_loss": 1.1, "label_agreement": 0.5},
    ])
    assert (conditional.best_value, conditional.best_epoch) == (0.6, 2)
    assert conditional.metrics == {"d_loss": 1.2, "g_loss": 0.9, "label_agreement": 0.6}  # at the best epoch
    columns = leaderboard_columns([plain, conditional])
    assert columns[4:9] == ("best_label_agreement", "best_epoch", "final_val_loss", "d_loss", "g_loss")
    assert [r.preset for r in ranked([plain, conditional])] == ["cdcgan_mnist", "dcgan_mnist"]
    rows = list(csv.DictReader(csv_text([plain, conditional]).splitlines()))
    assert rows[0]["best_label_agreement"] == "" and rows[0]["g_loss"] == "0.7"
    assert rows[1]["best_label_agreement"] == "0.6" and rows[1]["d_loss"] == "1.2"
    restored = RunRecord.from_dict(json.loads(json.dumps(conditional.to_dict())))
    assert restored.metrics == conditional.metrics and restored.task == "gan"


def test_rbm_dbn_and_hopfield_columns_name_their_metrics():
    rbm = RunRecord(preset="rbm_mnist")
    rbm.set_task("rbm", ("val_reconstruction_mse",), "val_reconstruction_mse", "min")
    dbn = RunRecord(preset="dbn_mnist")
    dbn.set_task("dbn", ("val_accuracy", "val_accuracy_random_init"), "val_accuracy", "max")
    hopfield = RunRecord(preset="hopfield_100")
    hopfield.set_task("hopfield", ("val_recall", "recall_at_8", "recall_at_14", "recall_at_30"), "val_recall", "max")
    rbm.add_epoch({"val_reconstruction_mse": 0.04}, 1.0)
    dbn.add_epoch({"accuracy": 0.8, "val_accuracy": 0.85, "val_loss": 0.5, "val_accuracy_random_init": 0.8}, 1.0)
    hopfield.add_epoch({"val_recall": 1.0, "recall_at_8": 0.96, "recall_at_14": 0.7, "recall_at_30": 0.01}, 1.0)
    columns = leaderboard_columns([rbm, dbn, hopfield])
    assert columns[4:7] == ("best_val_reconstruction_mse", "best_val_accuracy", "best_val_recall")
    assert columns[9:13] == ("val_accuracy_random_init", "recall_at_8", "recall_at_14", "recall_at_30")
    assert [r.preset for r in ranked([rbm, dbn, hopfield])] == ["rbm_mnist", "dbn_mnist", "hopfield_100"]
    assert hopfield.csv_row()["recall_at_14"] == 0.7 and rbm.csv_row()["best_val_reconstruction_mse"] == 0.04


def test_one_input_shape_for_every_entry_does_not_apply_to_a_network_set(tmp_path):
    entries = make_entries([("dcgan_mnist", load_named_networks("dcgan_mnist"), "dcgan_mnist")])
    dataset = load_dataset("mnist_subset", max_samples=64)
    record = ComparisonRunner(entries, dataset, TrainConfig(epochs=1), tmp_path, input_shape=(32, 32, 1)).run()[0]
    assert record.status == FAILED
    assert record.error.startswith("dcgan_mnist: holds several networks (generator, discriminator)")


def test_cli_compares_two_gans_by_their_losses_and_reuses_them(tmp_path, capsys):
    argv = ["compare", "gan_mlp_mnist", "dcgan_mnist", "--dataset", "mnist_subset", "--epochs", "1",
            "--max-samples", "128", "--batch-size", "64", "--out-dir", str(tmp_path)]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[6:12] == ["best_label_agreement", "@", "val", "loss", "d_loss", "g_loss"]
    assert [line.split()[0] for line in out[1:3]] == ["gan_mlp_mnist", "dcgan_mnist"]  # queue order: no score
    rows = list(csv.DictReader((tmp_path / CSV_NAME).read_text().splitlines()))
    assert [r["preset"] for r in rows] == ["gan_mlp_mnist", "dcgan_mnist"]
    assert all(r["best_label_agreement"] == "" and float(r["d_loss"]) > 0 and float(r["g_loss"]) > 0 for r in rows)
    document = json.loads((tmp_path / JSON_NAME).read_text())
    assert document["unscored"] == ["gan_mlp_mnist", "dcgan_mnist"]
    assert document["columns"][7:9] == ["d_loss", "g_loss"]
    mlp, dcgan = document["runs"]
    assert mlp["network_params"] == {"generator": 559_632, "discriminator": 533_505}
    assert mlp["params"] == sum(mlp["network_params"].values()) == int(rows[0]["params"])
    assert dcgan["model_file"] == "generator.h5" and dcgan["epochs"] == 1 and dcgan["best_value"] is None
    assert all((tmp_path / name / f"{network}.h5").is_file()
               for name in ("gan_mlp_mnist", "dcgan_mnist") for network in ("generator", "discriminator"))
    assert cli_main(argv) == 0
    assert capsys.readouterr().err.count("reused") == 2
