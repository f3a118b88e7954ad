"""The Trainer's own guards: memory before building, a diverging loss, a stop mid-epoch, bad input data.

Tiny two-input models on 200 generated points, one or two epochs each.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data import Dataset, load_dataset
from workbench.spec import analyze
from workbench.train import RunDir, TrainConfig, Trainer
from workbench import host_memory
from workbench.train import memory_check
from specs import mlp

MLP = mlp()
QUIET = {"tensorboard": False}


def _pretend_free_memory(monkeypatch, free: int) -> None:
    """Host and GPU alike, so the case runs the same on a machine with a GPU."""
    monkeypatch.setattr(host_memory, "free_host_memory", lambda: free)
    monkeypatch.setattr(memory_check, "query_gpu_memory", lambda **_: memory_check.FreeMemory(free, "on the GPU"))


class Sink:
    def __init__(self, on_batch=None):
        self.errors, self.warnings, self.epochs = [], [], []
        self._on_batch = on_batch

    def on_batch(self, step, logs):
        if self._on_batch:
            self._on_batch(step, logs)

    def on_epoch(self, epoch, logs):
        self.epochs.append(epoch)

    def on_error(self, message):
        self.errors.append(message)

    def on_warning(self, message):
        self.warnings.append(message)


@pytest.fixture(scope="module")
def xor():
    return load_dataset("xor", seed=0, validation_split=0.2, samples=200)


def test_a_model_that_does_not_fit_is_refused_before_it_is_built(xor, tmp_path, monkeypatch):
    analysis = analyze(MLP)
    fixed = analysis.training_memory(0, "adam")
    per_sample = analysis.training_memory(1, "adam") - fixed
    free = int((fixed + 10 * per_sample) / memory_check.BUDGET) + 1  # room for a batch of 10, not 32
    _pretend_free_memory(monkeypatch, free)
    sink = Sink()
    trainer = Trainer(TrainConfig(batch_size=32, epochs=1, **QUIET))
    result = trainer.run(MLP, xor, sink, run_dir=tmp_path / "run")
    assert result.status == "error" and trainer.model is None
    assert result.message.startswith("mlp: training will not fit in memory: batch 32 with adam needs about ")
    assert "The largest batch that fits is 10;" in result.message and "--force" in result.message
    assert sink.errors == [result.message]
    assert not (tmp_path / "run").exists()  # nothing written for a run that never started


def test_a_diverging_loss_is_warned_about_once_and_recorded(xor, tmp_path):
    sink = Sink()
    config = TrainConfig(optimizer="sgd", learning_rate=1e6, batch_size=16, epochs=1, **QUIET)
    trainer = Trainer(config)
    result = trainer.run(MLP, xor, sink, run_dir=tmp_path)
    trainer.release()
    assert len(sink.warnings) == 1
    warning = sink.warnings[0]
    assert warning.startswith("The loss is diverging: ") and "times its lowest value so far" in warning
    assert "learning rate (1e+06, sgd) is probably too high" in warning
    assert RunDir(tmp_path).read_run()["warnings"] == [warning]
    assert result.status == "finished" and result.history["loss"][0] > 1e15  # finite, so it trains on, warned


def test_a_stop_mid_epoch_is_not_recorded_as_an_epoch_and_resume_trains_it_again(xor, tmp_path):
    steps = 10  # 160 training points in batches of 16
    trainer = Trainer(TrainConfig(batch_size=16, epochs=2, batch_events_per_second=1e6, **QUIET))
    sink = Sink(on_batch=lambda step, logs: trainer.stop() if step == steps + 4 else None)
    result = trainer.run(MLP, xor, sink, run_dir=tmp_path)
    trainer.release()
    assert result.status == "stopped" and result.stopped_at == {"epoch": 2, "batch": 4}
    assert result.epochs_completed == 1 and result.history["epoch"] == [1] and sink.epochs == [1]
    run = RunDir(tmp_path)
    assert [row["epoch"] for row in run.read_history()] == [1]
    assert run.load_checkpoint("last").epoch == 1

    again = Trainer(TrainConfig(batch_size=16, epochs=2, **QUIET))
    resumed = again.run(MLP, xor, None, resume_from=tmp_path)
    assert resumed.status == "finished" and resumed.initial_epoch == 1
    assert resumed.history["epoch"] == [1, 2]
    assert int(again.model.optimizer.iterations.numpy()) == 2 * steps  # epoch 2 trained whole, once
    again.release()


def test_non_finite_input_data_is_refused_before_training_naming_rows(xor, tmp_path):
    x = xor.x_train.copy()
    x[[2, 9], 0] = np.nan
    bad = Dataset(name="points", task=xor.task, input_shape=xor.input_shape, class_names=xor.class_names,
                  x_train=x, y_train=xor.y_train)
    trainer = Trainer(TrainConfig(epochs=1, **QUIET))
    result = trainer.run(MLP, bad, None, run_dir=tmp_path / "run")
    assert result.status == "error" and trainer.model is None
    assert "points: the training inputs hold 2 non-finite values (NaN or Inf) in 2 of 160 samples (rows 2, 9" \
        in result.message


def test_on_a_gpu_the_check_counts_its_whole_memory(tmp_path, monkeypatch):
    """TensorFlow keeps the GPU reserved after a run, so a second run must not be judged by nvidia-smi's free."""
    tool = tmp_path / "nvidia-smi"
    tool.write_text('#!/bin/sh\ncase "$1" in *memory.total*) echo "81559, NVIDIA H100";; *) echo "120, NVIDIA H100";; esac\n')
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert memory_check.memory_where("GPU") == memory_check.FreeMemory(
        81559 * 2**20, "on the GPU (NVIDIA H100, its whole memory)")
    assert memory_check.query_gpu_memory().free == 120 * 2**20  # the window's panel still shows what is free
    assert memory_check.memory_where("TPU") is None
