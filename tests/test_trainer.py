"""The headless Trainer: events, stop/pause, NaN guards, resume, reproducibility, probe, presets."""

from __future__ import annotations

import csv
import json
import threading
import time

import h5py
import keras
import numpy as np
import pytest

from workbench import keras_bridge
from workbench.data import Dataset, fit_to_model, load_dataset
from workbench.data.building import from_arrays
from workbench.spec import LayerSpec, ModelSpec, load_named
from workbench.train import (
    ConfigError,
    FeatureProbe,
    RunDir,
    StartInfo,
    Throttle,
    TrainConfig,
    TrainError,
    Trainer,
    describe_device,
    release_memory,
)
from specs import mlp

MLP = mlp()
SMALL_CONV = ModelSpec(
    name="small-conv",
    input_shape=(8, 8, 1),
    layers=[
        LayerSpec("conv", "Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relu"}),
        LayerSpec("pool", "MaxPooling2D", {"pool_size": 2}),
        LayerSpec("flatten", "Flatten"),
        LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"}),
    ],
)
LINEAR = ModelSpec(
    name="linear",
    input_shape=(2,),
    layers=[LayerSpec("hidden", "Dense", {"units": 8}), LayerSpec("out", "Dense", {"units": 1})],
)
QUIET = {"tensorboard": False}
EVERY_BATCH = 1e6  # batch events per second: no throttling, for tests that act on a given batch


class Recorder:
    """A sink that keeps every event with its time, and can run an action on a batch."""

    def __init__(self, on_start=None, on_batch=None, on_epoch=None):
        self.events: list[tuple] = []
        self._start_action = on_start
        self._batch_action = on_batch
        self._epoch_action = on_epoch

    def _add(self, *event):
        self.events.append((time.monotonic(),) + event)

    def on_start(self, info):
        self._add("start", info)
        if self._start_action:
            self._start_action(info)

    def on_batch(self, step, logs):
        self._add("batch", step, dict(logs))
        if self._batch_action:
            self._batch_action(step, logs)

    def on_epoch(self, epoch, logs):
        self._add("epoch", epoch, dict(logs))
        if self._epoch_action:
            self._epoch_action(epoch, logs)

    def on_feature_maps(self, layer, array):
        self._add("maps", layer, array)

    def on_finished(self, result):
        self._add("finished", result)

    def on_error(self, message):
        self._add("error", message)

    def of(self, kind):
        return [e[1:] for e in self.events if e[1] == kind]

    @property
    def kinds(self):
        return [e[1] for e in self.events]


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons", seed=0, validation_split=0.2)  # 800 train, 200 validation


@pytest.fixture(scope="module")
def linear():
    """A regression set: 300 training rows of 2 features, targets their sum."""
    x = np.random.default_rng(0).random((400, 2), dtype=np.float32)
    return from_arrays("linear", x, x.sum(axis=1), kind="regression", class_names=[], seed=0, validation_split=0.25)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0, validation_split=0.2)


@pytest.fixture(scope="module", autouse=True)
def _release():
    """Give Keras' memory back once the module's runs are done (each clear costs about a second)."""
    yield
    release_memory()


def _without_timing(history):
    return {k: v for k, v in history.items() if k != "epoch_seconds"}


# -- configuration ---------------------------------------------------------
@pytest.mark.parametrize(
    "change, message",
    [
        ({"epochs": 0}, "epochs must be at least 1, got 0"),
        ({"batch_size": -4}, "batch_size must be at least 1, got -4"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"learning_rate": 0}, "learning_rate must be greater than 0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number"),
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'; choose one of sgd, momentum, nesterov"),
        ({"schedule": "warmup"}, "unknown schedule 'warmup'"),
        ({"momentum": 1.0}, "momentum must be less than 1"),
        ({"validation_split": 1.0}, "validation_split must be less than 1"),
        ({"steps_per_execution": 0}, "steps_per_execution must be at least 1"),
        ({"probe_layers": "c1"}, "probe_layers must be a list of layer names"),
        ({"seed": -1}, "seed must be a non-negative integer"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(change, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TrainConfig(**change)


def test_preset_training_blocks_are_scaled_for_small_data():
    lenet = TrainConfig.from_preset(load_named("lenet5"))
    assert (lenet.optimizer, lenet.learning_rate, lenet.batch_size, lenet.epochs, lenet.schedule) == (
        "momentum", 0.01, 32, 20, "step")
    alexnet = TrainConfig.from_preset(load_named("alexnet"))  # 128 images, 90 epochs, ÷10 on plateau
    assert (alexnet.batch_size, alexnet.learning_rate, alexnet.epochs, alexnet.schedule) == (64, 0.005, 30, "step")
    assert alexnet.weight_decay == 0.0005 and alexnet.momentum == 0.9
    googlenet = TrainConfig.from_preset(load_named("googlenet"))
    assert googlenet.schedule == "exponential" and googlenet.batch_size == 32
    chosen = TrainConfig.from_preset(load_named("alexnet"), batch_size=32, epochs=3)
    assert (chosen.batch_size, chosen.learning_rate, chosen.epochs) == (32, 0.0025, 3)
    assert TrainConfig.from_preset(load_named("alexnet"), learning_rate=0.1).learning_rate == 0.1
    with pytest.raises(ConfigError, match="unknown training setting 'epoch'"):
        TrainConfig.from_preset(load_named("lenet5"), epoch=3)


def test_optimizers_and_schedules_become_keras_objects():
    nesterov = TrainConfig(optimizer="nesterov", momentum=0.8, learning_rate=0.1).make_optimizer(10)
    assert isinstance(nesterov, keras.optimizers.SGD) and nesterov.nesterov and nesterov.momentum == 0.8
    adamw = TrainConfig(optimizer="adamw", weight_decay=0.01).make_optimizer(10)
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.weight_decay == 0.01
    step = TrainConfig(learning_rate=1.0, schedule="step", epochs=4).make_schedule(10)
    assert [float(step(s)) for s in (0, 20, 21, 31)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    cosine = TrainConfig(learning_rate=1.0, schedule="cosine", epochs=2).make_schedule(10)
    assert float(cosine(10)) == pytest.approx(0.5) and float(cosine(20)) == pytest.approx(0.0)
    exponential = TrainConfig(learning_rate=1.0, schedule="exponential", epochs=2).make_schedule(10)
    assert float(exponential(20)) == pytest.approx(0.01)
    assert TrainConfig(learning_rate=0.3).make_schedule(10) == 0.3


def test_throttle_lets_through_at_most_the_rate():
    now = [0.0]
    throttle = Throttle(20, clock=lambda: now[0])
    passed = []
    for i in range(1000):  # one call per millisecond for a second
        now[0] = i / 1000
        if throttle.ready():
            passed.append(now[0])
    assert len(passed) == 20
    assert passed[0] == 0.0
    assert min(np.diff(passed)) >= 0.05 - 1e-9


# -- events ----------------------------------------------------------------
def test_events_arrive_in_order_and_batches_are_throttled(moons, tmp_path):
    sink = Recorder()
    config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=8, epochs=2, seed=1)
    result = Trainer(config).run(MLP, moons, sink, run_dir=tmp_path / "run")
    assert result.status == "finished", result.message
    assert sink.kinds[0] == "start" and sink.kinds[-1] == "finished"
    assert "error" not in sink.kinds
    info = sink.of("start")[0][1]
    assert isinstance(info, StartInfo)
    assert (info.steps_per_epoch, info.num_train, info.num_val, info.params) == (100, 800, 200, 16 * 3 + 2 * 17)
    assert info.monitor == "val_accuracy" and info.device == describe_device().description
    epochs = sink.of("epoch")
    assert [e[1] for e in epochs] == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "epoch_seconds"} <= set(epochs[0][2])
    # batches: global step numbers, increasing, and epoch 2's after epoch 1's event
    steps = [e[1] for e in sink.of("batch")]
    assert steps == sorted(set(steps)) and 1 <= steps[0] and steps[-1] <= 200
    first_epoch_end = sink.kinds.index("epoch")
    assert all(s <= 100 for s in [e[2] for e in sink.events[:first_epoch_end] if e[1] == "batch"])
    times = [e[0] for e in sink.events if e[1] == "batch"]
    assert len(times) < 200  # many batches were not reported ...
    assert min(np.diff(times)) >= 0.05 - 0.005  # ... and never more than 20 per second
    assert len(times) <= 1 + (times[-1] - times[0]) * 20 + 1
    # the run folder
    run = RunDir(tmp_path / "run")
    record = run.read_run()
    assert record["status"] == "finished"
    assert record["result"]["best_val_accuracy"] == result.best_val_accuracy == max(result.history["val_accuracy"])
    assert record["result"]["best_epoch"] == result.best_epoch
    assert record["device"]["description"] == info.device
    assert record["versions"]["keras"] == keras.__version__
    assert record["config"]["batch_size"] == 8 and record["seed"] == 1
    assert record["dataset"]["name"] == "moons" and record["dataset"]["num_train"] == 800
    with open(run.history_file, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert float(rows[1]["val_accuracy"]) == result.history["val_accuracy"][1]
    if keras.backend.backend() == "tensorflow":
        assert list((run.path / "tensorboard" / "train").iterdir())
        assert record["files"]["tensorboard"] == "tensorboard"
    else:  # Keras' TensorBoard callback needs TensorFlow
        assert not (run.path / "tensorboard").exists() and record["files"]["tensorboard"] is None
    assert result.final_logs["val_accuracy"] > 0.8  # moons is easy
    # the model file carries the preset, the history and the run, and loads both ways
    meta = keras_bridge.read_metadata(result.model_path)
    assert meta["workbench_preset"]["name"] == "mlp"
    assert meta["workbench_history"]["epoch"] == [1, 2]
    assert meta["workbench_history"]["val_accuracy"] == result.history["val_accuracy"]
    assert meta["workbench_run"]["status"] == "finished"
    assert meta["workbench_run"]["result"]["best_epoch"] == result.best_epoch
    x = np.asarray(moons.x_val[:8], dtype=np.float32)
    np.testing.assert_array_equal(keras.models.load_model(result.model_path).predict_on_batch(x),
                                  keras_bridge.load_model(result.model_path).predict_on_batch(x))


def test_steps_per_execution_reports_every_nth_batch_within_the_epoch(moons, tmp_path):
    config = TrainConfig(batch_size=32, epochs=2, steps_per_execution=4, batch_events_per_second=EVERY_BATCH, **QUIET)
    sink = Recorder()
    trainer = Trainer(config)
    assert trainer.run(MLP, moons, sink, run_dir=tmp_path).status == "finished"
    # 25 batches per epoch in executions of 4: the 7th execution of each epoch holds one batch
    assert [e[1] for e in sink.of("batch")] == [4, 8, 12, 16, 20, 24, 25, 29, 33, 37, 41, 45, 49, 50]
    assert int(trainer.model.optimizer.iterations.numpy()) == 50


# -- stop and pause ----------------------------------------------------------
def test_stop_mid_epoch_saves_a_loadable_model_and_the_partial_history(moons, tmp_path):
    trainer = Trainer(TrainConfig(batch_size=8, epochs=3, batch_events_per_second=EVERY_BATCH, **QUIET))
    sink = Recorder(on_batch=lambda step, logs: trainer.stop() if step == 5 else None)
    result = trainer.run(MLP, moons, sink, run_dir=tmp_path)
    assert result.status == "stopped" and result.ok
    assert result.stopped_at == {"epoch": 1, "batch": 5}
    assert [e[1] for e in sink.of("batch")] == [1, 2, 3, 4, 5]  # the current batch finished, no more
    assert result.history == {} and result.epochs_completed == 0  # a partial epoch is no epoch of the history
    assert RunDir(tmp_path).read_history() == []
    x = np.asarray(moons.x_val[:16], dtype=np.float32)
    loaded = keras.models.load_model(result.model_path)
    np.testing.assert_array_equal(loaded.predict_on_batch(x), trainer.model.predict_on_batch(x))
    assert int(trainer.model.optimizer.iterations.numpy()) == 5
    assert RunDir(tmp_path).read_run()["result"]["stopped_at"] == {"epoch": 1, "batch": 5}


def test_a_stop_pressed_before_fit_starts_is_not_lost(moons, tmp_path):
    trainer = Trainer(TrainConfig(batch_size=8, epochs=3, **QUIET))
    trainer.stop()
    result = trainer.run(MLP, moons, None, run_dir=tmp_path)
    assert result.status == "stopped"
    assert result.stopped_at == {"epoch": 1, "batch": 1}
    assert int(trainer.model.optimizer.iterations.numpy()) == 1


def test_pause_blocks_between_batches_until_resume_or_stop(moons, tmp_path):
    trainer = Trainer(TrainConfig(batch_size=8, epochs=2, batch_events_per_second=EVERY_BATCH, **QUIET))
    seen = {}

    def act(step, logs):
        if step == 3:
            trainer.pause()
            seen["paused"] = trainer.paused
            threading.Timer(0.3, trainer.resume).start()
        if step == 120:
            trainer.pause()
            threading.Timer(0.2, trainer.stop).start()

    sink = Recorder(on_batch=act)
    result = trainer.run(MLP, moons, sink, run_dir=tmp_path)
    assert seen["paused"] is True
    assert result.status == "stopped" and result.stopped_at == {"epoch": 2, "batch": 20}
    assert result.paused_seconds >= 0.45
    steps = [e[1] for e in sink.of("batch")]
    assert steps == list(range(1, 121))
    assert result.history["epoch"] == [1]  # epoch 2 was cut short at batch 20


# -- divergence and bad data -------------------------------------------------
def test_nan_loss_stops_within_one_batch_with_a_clear_message(linear, tmp_path):
    sink = Recorder()
    config = TrainConfig(optimizer="sgd", learning_rate=1e6, batch_size=8, epochs=3,
                         batch_events_per_second=EVERY_BATCH, **QUIET)
    result = Trainer(config).run(LINEAR, linear, sink, run_dir=tmp_path)
    assert result.status == "nan" and not result.ok
    bad = result.stopped_at["batch"]
    assert result.stopped_at["epoch"] == 1 and bad < 10
    assert result.message.startswith(f"Training stopped at epoch 1, batch {bad}: the loss became ")
    assert "learning rate (1e+06, sgd) is probably too high" in result.message
    assert [e[1] for e in sink.of("batch")] == list(range(1, bad))  # nothing after the bad batch
    assert sink.of("error") == [("error", result.message)]
    assert sink.kinds[-2:] == ["error", "finished"]
    assert result.model_path is None and not (tmp_path / "model.h5").exists()  # no finite epoch to save
    assert RunDir(tmp_path).read_run()["status"] == "nan"


def test_divergence_after_a_good_epoch_saves_the_last_finite_weights(linear, tmp_path):
    trainer = Trainer(TrainConfig(optimizer="sgd", learning_rate=0.01, batch_size=8, epochs=3, **QUIET))
    kept = {}

    def blow_up(epoch, logs):
        if epoch == 1:
            kept["weights"] = trainer.model.get_weights()
            trainer.model.optimizer.learning_rate = 1e6

    result = trainer.run(LINEAR, linear, Recorder(on_epoch=blow_up), run_dir=tmp_path)
    assert result.status == "nan" and result.stopped_at["epoch"] == 2
    assert result.model_epoch == 1 and result.best_epoch == 1
    saved = keras.models.load_model(result.model_path).get_weights()
    for a, b in zip(saved, kept["weights"]):
        np.testing.assert_array_equal(a, b)
    assert result.history["epoch"] == [1, 2] and not np.isfinite(result.history["loss"][1])


def test_weights_turning_non_finite_are_caught_at_the_epoch_end(moons, tmp_path):
    trainer = Trainer(TrainConfig(batch_size=16, epochs=3, batch_events_per_second=EVERY_BATCH, **QUIET))

    def poison(step, logs):
        if step == 50:  # the last batch of epoch 1: its loss is already computed
            getattr(trainer.model, "jax_state_sync", lambda: None)()  # JAX: take the in-flight state back first
            bias = trainer.model.get_layer("out").bias
            bias.assign(np.full(bias.shape, np.nan, dtype=np.float32))

    result = trainer.run(MLP, moons, Recorder(on_batch=poison), run_dir=tmp_path)
    assert result.status == "nan"
    assert result.message.startswith("Training stopped after epoch 1: the weights became NaN or infinite")
    assert np.isfinite(result.history["loss"][0])
    assert result.epochs_completed == 1 and result.model_path is None


def test_non_finite_input_data_is_rejected_before_training(tmp_path):
    x = np.random.default_rng(0).random((40, 2), dtype=np.float32)
    x[3, 1] = np.nan
    x[7, 0] = np.inf
    bad = Dataset(name="bad", task="tabular_classification", input_shape=(2,), class_names=["a", "b"],
                  x_train=x, y_train=(np.arange(40) % 2).astype(np.int32))
    sink = Recorder()
    trainer = Trainer(TrainConfig(epochs=1, **QUIET))
    result = trainer.run(MLP, bad, sink, run_dir=tmp_path / "run")
    assert result.status == "error"
    assert "2 non-finite values (NaN or Inf) in 2 of 40 samples" in result.message
    assert sink.kinds == ["error", "finished"]  # never started
    assert not (tmp_path / "run").exists()
    with pytest.raises(TrainError, match="already run; create a new Trainer"):
        trainer.run(MLP, bad, sink, run_dir=tmp_path / "again")


# -- resume, reproducibility -------------------------------------------------
def test_resume_continues_epochs_weights_and_optimizer_iterations(moons, tmp_path):
    config = TrainConfig(optimizer="adam", batch_size=32, epochs=2, batch_events_per_second=EVERY_BATCH, **QUIET)
    first = Trainer(config)
    before = first.run(MLP, moons, None, run_dir=tmp_path / "a")
    final_weights = first.model.get_weights()
    final_slots = [v.numpy() for v in first.model.optimizer.variables]
    assert int(first.model.optimizer.iterations.numpy()) == 50

    second = Trainer(config.replace(epochs=4))
    at_start = {}

    def capture(info):
        at_start["weights"] = second.model.get_weights()
        at_start["slots"] = [v.numpy() for v in second.model.optimizer.variables]

    sink = Recorder(on_start=capture)
    after = second.run(MLP, moons, sink, run_dir=tmp_path / "b", resume_from=tmp_path / "a")
    assert after.status == "finished", after.message
    info = sink.of("start")[0][1]
    assert info.initial_epoch == 2 and info.epochs == 4
    for a, b in zip(at_start["weights"], final_weights):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(at_start["slots"], final_slots):  # iterations, Adam's m and v
        np.testing.assert_array_equal(a, b)
    assert [e[1] for e in sink.of("epoch")] == [3, 4]
    assert sink.of("batch")[0][1] == 51  # the step count continues too
    assert int(second.model.optimizer.iterations.numpy()) == 100
    assert after.history["epoch"] == [1, 2, 3, 4] and after.initial_epoch == 2
    assert after.history["val_loss"][:2] == before.history["val_loss"]
    with h5py.File(tmp_path / "b" / "checkpoint-last.h5", "r") as f:
        assert f.attrs["epoch"] == 4
    assert RunDir(tmp_path / "b").read_run()["resumed_from"] == str(tmp_path / "a")

    done = Trainer(config.replace(epochs=4)).run(MLP, moons, None, resume_from=tmp_path / "b")
    assert done.status == "error"
    assert "has already trained 4 epochs; ask for more than 4 epochs" in done.message


def test_same_seed_gives_the_same_history(moons, tmp_path):
    def history(seed, name):
        config = TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=1, seed=seed, **QUIET)
        return _without_timing(Trainer(config).run(MLP, moons, None, run_dir=tmp_path / name).history)

    first, again, other = history(7, "a"), history(7, "b"), history(8, "c")
    assert first == again
    assert first["loss"] != other["loss"]


# -- feature maps, tasks, outputs --------------------------------------------
def test_feature_probe_sends_arrays_of_the_layers_shapes_a_few_times_a_second(digits, tmp_path):
    config = TrainConfig(batch_size=16, epochs=2, learning_rate=0.01, probe_layers=("conv", "pool"),
                         probe_per_second=4, **QUIET)
    sink = Recorder()
    result = Trainer(config).run(SMALL_CONV, digits, sink, run_dir=tmp_path)
    assert result.status == "finished"
    maps = sink.of("maps")
    assert maps and [m[1] for m in maps[:2]] == ["conv", "pool"]
    shapes = {m[1]: m[2].shape for m in maps}
    assert shapes == {"conv": (6, 6, 8), "pool": (3, 3, 8)}
    assert all(m[2].dtype == np.float32 for m in maps)
    rounds = [e[0] for e in sink.events if e[1] == "maps" and e[2] == "conv"]
    span = rounds[-1] - rounds[0] if len(rounds) > 1 else 0.0
    assert len(rounds) <= 1 + span * 4 + 1
    assert result.best_val_accuracy > 0.85


def test_feature_probe_is_one_sub_model_on_one_fixed_sample(digits):
    keras.utils.set_random_seed(0)
    model = keras_bridge.build(SMALL_CONV)
    sample = np.asarray(digits.x_val[:3], dtype=np.float32)
    probe = FeatureProbe(model, ["conv", "pool"], sample)
    assert probe.sample.shape == (1, 8, 8, 1)
    (conv_name, conv), (pool_name, pool) = probe()
    assert (conv_name, pool_name) == ("conv", "pool")
    direct = keras.Model(model.inputs, model.get_layer("pool").output).predict_on_batch(sample[:1])[0]
    np.testing.assert_allclose(pool, direct, rtol=1e-6)
    np.testing.assert_allclose(pool, conv.reshape(3, 2, 3, 2, 8).max(axis=(1, 3)), rtol=1e-6)
    with pytest.raises(TrainError, match="no layer of that name"):
        FeatureProbe(model, ["nope"], sample)


def test_multi_output_specs_train_every_head_on_the_same_labels(moons, tmp_path):
    spec = ModelSpec(
        name="two-heads", input_shape=(2,),
        layers=[
            LayerSpec("hidden", "Dense", {"units": 16, "activation": "relu"}),
            LayerSpec("main", "Dense", {"units": 2, "activation": "softmax"}, ["hidden"]),
            LayerSpec("aux", "Dense", {"units": 2}, ["hidden"]),  # logits
        ],
        outputs=["aux", "main"], loss_weights=[0.3, 1.0],
    )
    result = Trainer(TrainConfig(epochs=2, learning_rate=0.01, **QUIET)).run(spec, moons, None, run_dir=tmp_path)
    assert result.status == "finished", result.message
    assert result.monitor == "val_main_accuracy"
    assert {"loss", "aux_loss", "main_loss", "main_accuracy", "val_main_accuracy"} <= set(result.history)
    # 800 samples in full batches of 32: the epoch loss is exactly the weighted sum of the heads' losses
    total = 0.3 * result.history["aux_loss"][-1] + 1.0 * result.history["main_loss"][-1]
    assert result.history["loss"][-1] == pytest.approx(total, rel=1e-5)
    assert result.best_val_accuracy > 0.8


def test_streamed_data_trains_through_pydatasets_even_with_several_outputs(digits, tmp_path):
    streamed = fit_to_model(digits, (8, 8, 1), max_bytes=1)  # "too large for memory": fitted per batch
    assert streamed.stream is not None and streamed.x_train is None
    spec = ModelSpec(
        name="conv-aux", input_shape=(8, 8, 1),
        layers=SMALL_CONV.layers + [LayerSpec("aux", "Dense", {"units": 10, "activation": "softmax"}, ["flatten"])],
        outputs=["out", "aux"], loss_weights=[1.0, 0.3],
    )
    sink = Recorder()
    config = TrainConfig(batch_size=32, epochs=1, learning_rate=0.01, probe_layers=("conv",), **QUIET)
    result = Trainer(config).run(spec, streamed, sink, run_dir=tmp_path)
    assert result.status == "finished", result.message
    info = sink.of("start")[0][1]
    assert (info.steps_per_epoch, info.num_train, info.num_val) == (45, 1438, 359)
    assert result.monitor == "val_out_accuracy" and result.best_val_accuracy > 0.5
    assert {"out_loss", "aux_loss"} <= set(result.history)
    assert sink.of("maps")[0][2].shape == (6, 6, 8)


def test_regression_uses_mse_and_mae_and_resizes_the_head(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((400, 3), dtype=np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32)).astype(np.float32)
    data = from_arrays("linear", x, y, kind="regression", class_names=[], seed=0, validation_split=0.25)
    spec = ModelSpec("reg", (2,), [LayerSpec("out", "Dense", {"units": 2})])
    result = Trainer(TrainConfig(epochs=3, learning_rate=0.05, **QUIET)).run(spec, data, None, run_dir=tmp_path)
    assert result.status == "finished", result.message
    assert result.monitor == "val_loss" and result.best_val_accuracy is None
    assert {"loss", "mae", "val_loss", "val_mae"} <= set(result.history)
    assert result.history["val_loss"][-1] < result.history["val_loss"][0]
    trained = RunDir(tmp_path).load_spec()
    assert trained.input_shape == (3,) and trained.layer("out").config["units"] == 1
    assert result.params == 3 + 1


def test_mixed_precision_is_set_in_the_training_thread_and_undone(moons, tmp_path):
    trainer = Trainer(TrainConfig(epochs=1, batch_size=64, mixed_precision=True, **QUIET))
    result = trainer.run(MLP, moons, None, run_dir=tmp_path)
    assert result.status == "finished", result.message
    assert trainer.model.get_layer("hidden").dtype_policy.name == "mixed_bfloat16"  # CPU: bfloat16
    assert keras.config.dtype_policy().name == "float32"
    loaded = keras.models.load_model(result.model_path)
    assert loaded.get_layer("hidden").dtype_policy.name == "mixed_bfloat16"
    x = np.asarray(moons.x_val[:8], dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(loaded.predict_on_batch(x)), np.asarray(trainer.model.predict_on_batch(x)))


def test_an_unknown_probe_layer_is_a_clear_error(moons, tmp_path):
    result = Trainer(TrainConfig(epochs=1, probe_layers=("c9",), **QUIET)).run(
        MLP, moons, Recorder(), run_dir=tmp_path)
    assert result.status == "error"
    assert result.message == "Cannot show feature maps of 'c9': the model has no layer of that name."
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "error"


@pytest.mark.slow
def test_lenet5_on_digits_reaches_well_above_90_percent(digits, tmp_path):
    spec = load_named("lenet5")
    result = Trainer(TrainConfig.from_preset(spec, epochs=10, **QUIET)).run(spec, digits, None, run_dir=tmp_path)
    assert result.status == "finished", result.message
    assert result.params == 61_706
    assert result.best_val_accuracy > 0.93  # 0.958 here (TensorFlow and JAX backends)
    assert result.history["val_accuracy"][-1] > 0.93
