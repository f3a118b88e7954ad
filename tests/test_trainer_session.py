"""What the Trainer offers the window as well as the CLI: batches per call, batch chunks, the per-epoch weights,
a probe that changes mid-run, post-run evaluation."""

from __future__ import annotations

import threading

import keras
import numpy as np
import pytest

from workbench.data import load_dataset
from workbench.spec import LayerSpec, ModelSpec, analyze
from workbench.train import ConfigError, TrainConfig, Trainer, release_memory
from workbench.train.execution import auto_steps_per_execution
from specs import mlp

SMALL_CONV = ModelSpec(
    name="small-conv",
    input_shape=(8, 8, 1),
    layers=[
        LayerSpec("conv", "Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
        LayerSpec("pool", "MaxPooling2D", {"pool_size": 2}),
        LayerSpec("flatten", "Flatten"),
        LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"}),
    ],
)
QUIET = {"tensorboard": False}


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", seed=0, validation_split=0.2)  # 800 train, 200 validation


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0, validation_split=0.2, max_samples=400)


@pytest.fixture(scope="module", autouse=True)
def _release():
    yield
    release_memory()


class Sink:
    def __init__(self):
        self.events: list[tuple] = []

    def __getattr__(self, name):
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda *args: self.events.append((name[3:], *args))

    def of(self, kind: str) -> list[tuple]:
        return [e for e in self.events if e[0] == kind]


def test_steps_per_execution_is_auto_by_default_and_chosen_by_the_trainer(moons, tmp_path):
    assert TrainConfig().steps_per_execution == "auto"
    with pytest.raises(ConfigError, match="steps_per_execution must be a whole number or \"auto\", got 'fast'"):
        TrainConfig(steps_per_execution="fast")
    sink = Sink()
    trainer = Trainer(TrainConfig(batch_size=8, epochs=1, **QUIET))
    assert trainer.run(mlp(), moons, sink, run_dir=tmp_path).status == "finished"
    (_, info), = sink.of("start")
    expected = auto_steps_per_execution(analyze(mlp()).total_macs, 8, 100)
    assert info.steps_per_execution == expected == 16  # a tiny model: the most batches per call
    assert int(trainer.model.optimizer.iterations.numpy()) == 100


def test_chunks_carry_every_batch_then_the_epoch_and_its_one_weight_pull(moons, tmp_path):
    sink = Sink()
    trainer = Trainer(TrainConfig(batch_size=32, epochs=2, steps_per_execution=1, batch_events_per_second=5,
                                  **QUIET))
    assert trainer.run(mlp(), moons, sink, run_dir=tmp_path).status == "finished"
    chunks = sink.of("batches")
    steps = np.concatenate([c[1].steps for c in chunks]).tolist()
    assert steps == list(range(1, 51))  # 25 batches per epoch, none thinned
    assert set(chunks[0][1].metrics) == {"loss", "accuracy"}
    kinds = [e[0] for e in sink.events if e[0] in ("batches", "epoch", "weights")]
    first_epoch = kinds.index("epoch")
    assert kinds[first_epoch - 1] == "batches" and kinds[first_epoch + 1] == "weights"  # the epoch's last batch first
    assert [e[1] for e in sink.of("weights")] == [1, 2]
    weights = sink.of("weights")[-1][2]
    assert list(weights) == [w.path for w in trainer.model.weights] == [
        "hidden/kernel", "hidden/bias", "out/kernel", "out/bias"]
    for array, final in zip(weights.values(), trainer.model.get_weights()):
        np.testing.assert_array_equal(array, final)


def test_the_probe_follows_a_layer_and_sample_changed_from_another_thread(digits, tmp_path):
    sink = Sink()
    trainer = Trainer(TrainConfig(batch_size=16, epochs=3, steps_per_execution=1, probe_per_second=1000, **QUIET))
    samples = np.asarray(digits.x_val[:4], dtype=np.float32)
    trainer.probe.samples = samples
    trainer.probe.request("conv", 0)

    def change(epoch, _logs):  # runs in the training thread; the request itself comes from another one
        layers = {1: "pool", 2: "nope"}.get(epoch)
        if layers:
            requester = threading.Thread(target=trainer.probe.request, args=(layers, 3))
            requester.start()
            requester.join()

    sink.on_epoch = lambda epoch, logs: (sink.events.append(("epoch", epoch, logs)), change(epoch, logs))
    assert trainer.run(SMALL_CONV, digits, sink, run_dir=tmp_path).status == "finished"
    shapes = {m[1]: m[2].shape for m in sink.of("feature_maps")}
    assert shapes == {"conv": (6, 6, 4), "pool": (3, 3, 4)}
    failures = sink.of("probe_failed")
    assert failures == [("probe_failed", ("nope",), "Cannot show feature maps of 'nope': the model has no layer of that name.")]
    trainer.probe.request("pool", 3)
    ((layer, array),) = trainer.feature_maps()
    direct = keras.Model(trainer.model.inputs, trainer.model.get_layer("pool").output).predict_on_batch(samples[3:])[0]
    assert layer == "pool" and trainer.probe.shown == (("pool",), 3)
    np.testing.assert_allclose(array, direct, rtol=1e-6)


def test_evaluation_after_the_run_matches_the_last_validation_accuracy(moons, tmp_path):
    trainer = Trainer(TrainConfig(batch_size=32, epochs=2, **QUIET))
    result = trainer.run(mlp(), moons, None, run_dir=tmp_path)
    evaluation = trainer.evaluate(list(moons.class_names))
    assert evaluation.split == "validation" and evaluation.total == 200
    assert int(evaluation.confusion.sum()) == 200 and evaluation.confusion.shape == (2, 2)
    assert evaluation.accuracy == pytest.approx(result.history["val_accuracy"][-1], abs=1e-6)
    assert len(evaluation.hardest) == 48 and evaluation.losses[evaluation.hardest[0]] == evaluation.losses.max()
