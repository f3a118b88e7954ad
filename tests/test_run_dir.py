"""Run folders: run.json, history.csv and checkpoints read back exactly, and writes are atomic."""

from __future__ import annotations

import errno
import json
import math
import os
import time

import numpy as np
import pytest

from workbench.train import Checkpoint, RunDir, SaveError, TrainError, history_columns, new_run_path, sweep_stale_temps
from workbench.atomic import temp_path_for, write_text_atomic
from workbench.train.run_dir import default_runs_root


def _rows():
    return [
        {"epoch": 1, "loss": 0.75, "accuracy": 0.5, "val_loss": 0.8, "val_accuracy": 0.25},
        {"epoch": 2, "loss": 0.3333333432674408, "accuracy": 0.875, "val_loss": float("nan"), "val_accuracy": 0.5},
    ]


def test_history_round_trips_every_value_bit_for_bit(tmp_path):
    run = RunDir(tmp_path)
    run.write_history(_rows())
    lines = run.history_file.read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert len(lines) == 3
    back = run.read_history()
    assert [r["epoch"] for r in back] == [1, 2]
    assert back[1]["loss"] == 0.3333333432674408
    assert math.isnan(back[1]["val_loss"])
    assert back[0] == _rows()[0]


def test_history_columns_match_keras_history_layout():
    columns = history_columns(_rows())
    assert list(columns) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert columns["epoch"] == [1, 2]
    assert columns["accuracy"] == [0.5, 0.875]


def test_run_record_round_trips_and_writes_strict_json(tmp_path):
    run = RunDir(tmp_path)
    run.write_run({"status": "nan", "result": {"final": {"loss": float("nan"), "accuracy": np.float32(0.5)}}})
    text = run.run_file.read_text()
    assert "NaN" not in text  # strict JSON: non-finite numbers become null
    data = json.loads(text)
    assert data["workbench_run"] == 1
    assert data["result"]["final"] == {"loss": None, "accuracy": 0.5}
    assert run.read_run()["status"] == "nan"


def test_unreadable_or_foreign_run_records_are_clear_errors(tmp_path):
    with pytest.raises(TrainError, match="not a run folder"):
        RunDir(tmp_path).read_run()
    (tmp_path / "run.json").write_text("{\"workbench_run\": 99}")
    with pytest.raises(TrainError, match="newer workbench"):
        RunDir(tmp_path).read_run()
    (tmp_path / "run.json").write_text("[1, 2")
    with pytest.raises(TrainError, match="cannot be read"):
        RunDir(tmp_path).read_run()


def test_checkpoint_round_trip_keeps_arrays_names_and_epoch(tmp_path):
    run = RunDir(tmp_path)
    weights = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(3, np.float32)]
    optimizer = [np.array(42, dtype=np.int64), np.full((2, 3), 0.5, np.float32), np.zeros(3, np.float32)]
    saved = Checkpoint(
        epoch=7, optimizer="adam", weight_names=["d/kernel", "d/bias"], weights=weights,
        optimizer_names=["adam/iteration", "adam/d_kernel_momentum", "adam/d_bias_momentum"],
        optimizer_values=optimizer, monitor="val_accuracy", monitor_value=0.875,
    )
    run.save_checkpoint("last", saved)
    back = run.load_checkpoint("last")
    assert back.epoch == 7 and back.optimizer == "adam"
    assert back.weight_names == ["d/kernel", "d/bias"]
    assert back.optimizer_names[0] == "adam/iteration"
    assert int(back.optimizer_values[0]) == 42
    for a, b in zip(back.weights + back.optimizer_values, weights + optimizer):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    assert back.monitor == "val_accuracy" and back.monitor_value == 0.875


def test_missing_checkpoint_says_the_run_cannot_resume(tmp_path):
    with pytest.raises(TrainError, match="no checkpoint-last.h5 to resume from"):
        RunDir(tmp_path).load_checkpoint("last")


def test_prepare_creates_the_folder_and_sweeps_stale_temps(tmp_path):
    run = RunDir(tmp_path / "a" / "b")
    run.prepare()
    assert run.path.is_dir()
    stale = temp_path_for(run.model_file)
    stale.write_bytes(b"half a model")
    keep = run.path / "notes.txt"
    keep.write_text("mine")
    run.prepare()
    assert not stale.exists()
    assert keep.read_text() == "mine"


def test_prepare_refuses_a_path_below_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SaveError, match="Could not create the run folder"):
        RunDir(blocker / "run").prepare()


def test_failed_rename_keeps_the_previous_text_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "history.csv"
    write_text_atomic(target, "epoch\n1\n")

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(SaveError, match="No space left on device. The previous file is unchanged"):
        write_text_atomic(target, "epoch\n1\n2\n")
    assert target.read_text() == "epoch\n1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


def test_sweep_only_touches_temp_names(tmp_path):
    (tmp_path / ".model.h5.0123abcd.tmp.h5").write_bytes(b"x")
    (tmp_path / ".run.json.89abcdef.tmp.json").write_bytes(b"x")
    (tmp_path / "model.h5").write_bytes(b"real")
    (tmp_path / ".hidden").write_bytes(b"x")
    removed = sweep_stale_temps(tmp_path, "model.h5")
    assert [p.name for p in removed] == [".model.h5.0123abcd.tmp.h5"]
    removed = sweep_stale_temps(tmp_path)
    assert [p.name for p in removed] == [".run.json.89abcdef.tmp.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", "model.h5"]


def test_new_run_paths_are_unique_and_named_after_the_model(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "strftime", lambda fmt: "20260102-030405")
    first = new_run_path("LeNet-5 (digits)", tmp_path)
    first.mkdir()
    second = new_run_path("LeNet-5 (digits)", tmp_path)
    assert first.name == "20260102-030405-lenet-5-digits"
    assert second.name == "20260102-030405-lenet-5-digits-2"
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    assert default_runs_root() == tmp_path / "home" / "data" / "runs"
