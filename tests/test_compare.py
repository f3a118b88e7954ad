"""The comparison runner and `workbench compare`: tiny specs, one epoch, tiny data."""

from __future__ import annotations

import argparse
import csv
import json

import pytest

from workbench.cli import main as cli_main
from workbench.commands.compare import add_parsers, run_compare
from workbench.compare.report import CSV_NAME, JSON_NAME, PNG_NAME, comparison_document, write_reports
from workbench.compare.results import CANCELLED, CSV_COLUMNS, FAILED, FINISHED, RunRecord
from workbench.compare.runner import ENTRY_FILE, ComparisonRunner, _read_finished, make_entries
from workbench.data import load_dataset
from workbench.spec import LayerSpec, ModelSpec, save_preset
from workbench.train import TrainConfig

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def mlp(name: str, hidden: int, input_shape=(8, 8, 1)) -> ModelSpec:
    return ModelSpec(name, tuple(input_shape), [
        LayerSpec("flat", "Flatten"),
        LayerSpec("hidden", "Dense", {"units": hidden, "activation": "relu"}),
        LayerSpec("out", "Dense", {"units": 3, "activation": "softmax"}),  # resized to the data's 10 classes
    ])


class Recorder:
    """A comparison sink that keeps every event."""

    def __init__(self):
        self.events: list[tuple] = []

    def on_run_started(self, index, record):
        self.events.append(("started", index, record.params))

    def on_run_progress(self, index, step, total_steps):
        self.events.append(("progress", index, step, total_steps))

    def on_run_epoch(self, index, record):
        self.events.append(("epoch", index, record.epochs))

    def on_run_finished(self, index, record):
        self.events.append(("finished", index, record.status))

    def on_finished(self, records):
        self.events.append(("all", len(records)))

    def kinds(self, index):
        return [e[0] for e in self.events if len(e) > 1 and e[1] == index]


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0, validation_split=0.2, max_samples=300)


def test_runner_trains_reports_failures_cancels_and_reuses(tmp_path, digits, monkeypatch):
    import workbench.train.trainer as trainer_module

    releases = []
    real_release = trainer_module.release_memory
    monkeypatch.setattr(trainer_module, "release_memory", lambda: (releases.append(1), real_release()))

    bad_kernel = mlp("bad", 4)
    bad_kernel.layers.insert(0, LayerSpec("conv", "Conv2D", {"filters": 4, "kernel_size": 9}))
    entries = make_entries([
        ("small", mlp("small", 16), "small"),
        ("bad-kernel", bad_kernel, "bad"),  # fails before training: the spec cannot take 8×8 input
        ("two-inputs", mlp("two", 8, input_shape=(2,)), "two"),  # fails inside the trainer: 8×8 images into 2 values
        ("wide", mlp("wide", 32), "wide"),
        ("skipped", mlp("skipped", 8), "skipped"),  # cancelled while queued
    ])
    config = TrainConfig(epochs=2, batch_size=32, seed=0, tensorboard=False)
    sink = Recorder()
    runner = ComparisonRunner(entries, digits, config, tmp_path, sink)
    runner.cancel(4)
    records = runner.run()

    assert [r.status for r in records] == [FINISHED, FAILED, FAILED, FINISHED, CANCELLED]
    small, bad, two, wide, skipped = records
    assert (small.params, wide.params) == (64 * 16 + 16 + 16 * 10 + 10, 64 * 32 + 32 + 32 * 10 + 10)
    assert (small.macs, small.classes, small.input_shape) == (64 * 16 + 16 * 10, 10, (8, 8, 1))
    assert "conv: kernel 9 is larger than its input 8" in bad.error
    assert "cannot fit 8×8×1 images to the model's input 2" in two.error
    assert skipped.error == "cancelled before it started" and skipped.params == 64 * 8 + 8 + 8 * 10 + 10
    for r in (small, wide):
        assert r.epochs == 2 and len(r.curves["val_accuracy"]) == 2
        assert 0.0 <= r.best_val_accuracy <= 1.0 and r.best_epoch in (1, 2)
        assert r.best_val_accuracy == max(r.curves["val_accuracy"])
        assert r.final_val_loss == r.curves["val_loss"][-1]
        assert r.curves["elapsed"][0] < r.curves["elapsed"][1] <= r.train_seconds
        assert r.samples_per_second == pytest.approx(digits.num_train * 2 / r.train_seconds)
        run_dir = tmp_path / r.preset
        assert r.model_bytes == (run_dir / "model.h5").stat().st_size > 0
        assert {"run.json", "history.csv", "model.h5", ENTRY_FILE} <= {p.name for p in run_dir.iterdir()}
    assert releases == [1, 1, 1]  # memory released after every run that reached the trainer

    assert sink.kinds(0)[0] == "started" and sink.kinds(0)[-1] == "finished"
    assert ("epoch", 0, 1) in sink.events and ("epoch", 0, 2) in sink.events
    progress = [e for e in sink.events if e[0] == "progress" and e[1] == 0]
    assert progress[0][2:] == (0, 2 * 8) and all(e[3] == 16 for e in progress)  # 240 samples / 32 = 8 steps
    assert ("started", 1, 0) in sink.events and sink.kinds(1) == ["started", "finished"]
    assert sink.kinds(4) == ["started", "finished"]
    assert sink.events[-1] == ("all", 5)

    paths = write_reports(tmp_path, records, comparison_document(records, dataset=digits.describe(),
                                                                 config=config.to_dict()))
    assert [p.name for p in paths] == [CSV_NAME, JSON_NAME, PNG_NAME]
    with open(tmp_path / CSV_NAME, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [(r["preset"], int(r["params"]), int(r["epochs"])) for r in rows] == [("small", 1210, 2), ("wide", 2410, 2)]
    assert float(rows[0]["best_val_accuracy"]) == round(small.best_val_accuracy, 4)
    png = (tmp_path / PNG_NAME).read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 20_000
    doc = json.loads((tmp_path / JSON_NAME).read_text())
    assert [r["status"] for r in doc["runs"]] == [FINISHED, FAILED, FAILED, FINISHED, CANCELLED]
    assert RunRecord.from_dict(doc["runs"][0]).curves == small.curves

    # A second comparison into the same folder reuses the finished entries and retries the others.
    again = Recorder()
    rerun = ComparisonRunner(entries[:2], digits, config, tmp_path, again).run()
    assert [(r.status, r.reused) for r in rerun] == [(FINISHED, True), (FAILED, False)]
    assert rerun[0].best_val_accuracy == small.best_val_accuracy and rerun[0].curves == small.curves
    assert not [e for e in again.events if e[0] in ("progress", "epoch")]
    key = runner._entry_key(runner.fitted_spec(entries[0]))
    assert _read_finished(tmp_path / "small", key) is not None
    key["config"]["epochs"] = 3
    assert _read_finished(tmp_path / "small", key) is None  # other settings: trained again


def test_runner_rejects_duplicate_labels_and_empty_lists(tmp_path, digits):
    from workbench.errors import WorkbenchError

    config = TrainConfig(epochs=1)
    with pytest.raises(WorkbenchError, match="at least one"):
        ComparisonRunner([], digits, config, tmp_path)
    entries = make_entries([("a", mlp("a", 4), "a"), ("a", mlp("a", 4), "a"), ("a", mlp("a", 4), "a")])
    assert [e.label for e in entries] == ["a", "a-2", "a-3"]
    with pytest.raises(WorkbenchError, match="its own label"):
        ComparisonRunner([entries[0], entries[0]], digits, config, tmp_path)


def parse(*argv):
    parser = argparse.ArgumentParser(prog="workbench")
    add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def test_cli_compare_params_match_summary_and_rerun_skips(tmp_path, capsys):
    tiny = tmp_path / "tiny.json"
    save_preset(mlp("tiny", 16, input_shape=(32, 32, 1)), tiny)
    out = tmp_path / "out"
    argv = ["compare", "lenet5", str(tiny), "--dataset", "digits", "--epochs", "1", "--batch-size", "64",
            "--input-shape", "32,32,1", "--seed", "3", "--max-samples", "300", "--out-dir", str(out)]
    assert run_compare(parse(*argv)) == 0
    first = capsys.readouterr()
    assert "lenet5" in first.out and "wrote" in first.out

    with open(out / CSV_NAME, newline="") as fh:
        rows = {r["preset"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"lenet5", "tiny"}
    assert cli_main(["summary", "lenet5", "--input-shape", "32,32,1", "--classes", "10", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert int(rows["lenet5"]["params"]) == summary["total_params"] == 61706
    assert int(rows["lenet5"]["macs"]) == summary["total_macs"]
    assert int(rows["tiny"]["params"]) == 1024 * 16 + 16 + 16 * 10 + 10
    assert (out / PNG_NAME).read_bytes().startswith(PNG_MAGIC)
    for preset in ("lenet5", "tiny"):
        assert (out / preset / "model.h5").is_file() and (out / preset / "run.json").is_file()
    doc = json.loads((out / JSON_NAME).read_text())
    assert doc["config"]["seed"] == 3 and doc["config"]["batch_size"] == 64 and doc["input_shape"] == [32, 32, 1]
    csv_before = (out / CSV_NAME).read_text()

    assert run_compare(parse(*argv)) == 0
    second = capsys.readouterr()
    assert second.err.count("reused") == 2
    assert (out / CSV_NAME).read_text() == csv_before


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--input-shape", "a,b"], "--input-shape: expected integers"),
        (["--dataset", "nowhere"], "unknown data set 'nowhere'"),
    ],
)
def test_cli_compare_user_errors(tmp_path, argv, message):
    from workbench.errors import WorkbenchError

    base = {"--dataset": "digits", "--out-dir": str(tmp_path)}
    for flag, value in zip(argv[::2], argv[1::2]):
        base[flag] = value
    args = parse("compare", "lenet5", *[x for kv in base.items() for x in kv])
    with pytest.raises(WorkbenchError, match=message):
        run_compare(args)


def test_charts_score_runs_by_the_metric_they_share_and_fall_back_to_accuracy_when_mixed():
    from workbench.compare.results import RunRecord, best_score, score_of

    ae = RunRecord(preset="ae", monitor="val_mse", mode="min", reported=("val_mse",))
    for epoch, value in enumerate([0.05, 0.03, 0.04], 1):
        ae.add_epoch({"loss": value, "val_loss": value, "mse": value, "val_mse": value}, elapsed=epoch)
    lenet = RunRecord(preset="lenet")
    lenet.add_epoch({"loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.6}, elapsed=1.0)
    assert score_of([ae]) == ("val_mse", "val mse") and best_score(ae, "val_mse") == 0.03
    assert score_of([ae, lenet]) == ("val_accuracy", "validation accuracy")
    assert best_score(lenet, "val_accuracy") == 0.6 and best_score(ae, "val_accuracy") is None
