"""Per-epoch files written in batches: at most every few seconds, and whenever the run pauses, stops or ends."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from workbench.data import load_dataset
from workbench.train import RunDir, TrainConfig, Trainer
from workbench.train import epoch_files
from workbench.train.epoch_files import EpochFiles
from workbench.train.run_dir import Checkpoint

from specs import mlp


def checkpoint(epoch: int) -> Checkpoint:
    return Checkpoint(epoch=epoch, optimizer="adam", weight_names=["w"], weights=[np.full(2, epoch, np.float32)],
                      optimizer_names=[], optimizer_values=[], monitor="val_accuracy", monitor_value=epoch / 10)


def test_epochs_wait_in_memory_until_the_interval_or_a_flush(tmp_path):
    now = [0.0]
    run = RunDir(tmp_path)
    files = EpochFiles(run, every=5.0, clock=lambda: now[0])
    rows = [{"epoch": 1, "loss": 0.5}]
    files.add(rows, {"last": checkpoint(1), "best": checkpoint(1)})
    now[0] = 4.9
    rows.append({"epoch": 2, "loss": 0.4})
    files.add(rows, {"last": checkpoint(2)})
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written within the interval
    now[0] = 5.0
    rows.append({"epoch": 3, "loss": 0.3})
    files.add(rows, {"last": checkpoint(3)})
    assert [r["epoch"] for r in run.read_history()] == [1, 2, 3]
    assert (run.load_checkpoint("last").epoch, run.load_checkpoint("best").epoch) == (3, 1)
    rows.append({"epoch": 4, "loss": 0.2})
    files.add(rows, {"last": checkpoint(4), "best": checkpoint(4)})
    assert run.load_checkpoint("last").epoch == 3
    files.flush()
    assert [r["epoch"] for r in run.read_history()] == [1, 2, 3, 4]
    assert (run.load_checkpoint("last").epoch, run.load_checkpoint("best").epoch) == (4, 4)
    np.testing.assert_array_equal(run.load_checkpoint("best").weights[0], [4.0, 4.0])


@pytest.fixture
def counted(monkeypatch):
    """How often the run folder's per-epoch files are written."""
    counts = {"history": 0, "checkpoint": 0}
    write_history, save_checkpoint = RunDir.write_history, RunDir.save_checkpoint

    def history(self, rows):
        counts["history"] += 1
        return write_history(self, rows)

    def saved(self, kind, value):
        counts["checkpoint"] += 1
        return save_checkpoint(self, kind, value)

    monkeypatch.setattr(RunDir, "write_history", history)
    monkeypatch.setattr(RunDir, "save_checkpoint", saved)
    return counts


def test_a_quick_run_writes_its_files_once_at_the_end_and_resumes(tmp_path, monkeypatch, counted):
    monkeypatch.setattr(epoch_files, "WRITE_SECONDS", 3600.0)
    data = load_dataset("xor", samples=64)
    config = TrainConfig(batch_size=16, epochs=6, tensorboard=False)
    result = Trainer(config).run(mlp(), data, None, run_dir=tmp_path / "a")
    assert result.status == "finished" and counted == {"history": 1, "checkpoint": 2}
    run = RunDir(tmp_path / "a")
    assert [r["epoch"] for r in run.read_history()] == [1, 2, 3, 4, 5, 6]
    assert (run.load_checkpoint("last").epoch, run.load_checkpoint("best").epoch) == (6, result.best_epoch)
    resumed = Trainer(TrainConfig(batch_size=16, epochs=8, tensorboard=False)).run(
        mlp(), data, None, resume_from=tmp_path / "a")
    assert resumed.status == "finished" and resumed.history["epoch"] == list(range(1, 9))


def test_a_pause_writes_the_finished_epochs_before_it_waits(tmp_path, monkeypatch):
    monkeypatch.setattr(epoch_files, "WRITE_SECONDS", 3600.0)
    data = load_dataset("xor", samples=64)
    trainer = Trainer(TrainConfig(batch_size=16, epochs=3, batch_events_per_second=1e6, tensorboard=False,
                                  steps_per_execution=1))
    run, seen = RunDir(tmp_path), {}

    def look_then_stop():
        seen["history"] = [r["epoch"] for r in run.read_history()]
        seen["last"] = run.load_checkpoint("last").epoch
        trainer.stop()

    class Sink:
        def on_start(self, info):
            seen["at"] = info.steps_per_epoch + 2  # epoch 2, batch 2

        def on_batch(self, step, logs):
            if step == seen.get("at"):
                trainer.pause()
                threading.Timer(0.5, look_then_stop).start()

    result = trainer.run(mlp(), data, Sink(), run_dir=tmp_path)
    assert (seen["history"], seen["last"]) == ([1], 1)
    assert result.status == "stopped" and result.history["epoch"] == [1]
