"""What the Trainer's events cost: its throughput against plain `model.fit`, and the probe's share.

Run with `make bench` (or `pytest -s tests/benchmarks`).  Prints figures;
asserts nothing about time.  Throughput here varies by ±40% from run to run,
so the two sides are interleaved, repeated, and compared as the median of
per-pair ratios.  Each side is timed over epochs 2..E (the first epoch
traces the graph): from the end of epoch 1 to the end of epoch E, the same
span for both, so the Trainer's per-epoch checkpoints and history writes
count against it.
"""

from __future__ import annotations

import statistics
import time

import keras
import pytest

from workbench import keras_bridge
from workbench.data import load_dataset
from workbench.spec import load_named
from workbench.train import CallbackSink, FeatureProbe, TrainConfig, release_memory
from workbench.train.prepare import prepare, task_for
from workbench.train.session import Session
from workbench.train.trainer import Trainer
from clocks import EpochClock, now
from specs import mlp

REPEATS = 5
MLP = mlp()
CASES = {
    # name: (spec, data set, its options, config, probe layers)
    "MLP on moons, batch 8 (overhead-bound)": (
        MLP, "moons", {"samples": 4000}, TrainConfig(batch_size=8, epochs=3), ("hidden",)),
    "LeNet-5 on mnist_subset, batch 32": (
        load_named("lenet5"), "mnist_subset", {}, TrainConfig(batch_size=32, epochs=3), ("c1", "c3")),
}




def _rates(ends: list[tuple[float, float]], num_train: int) -> tuple[float, float]:
    """Samples per wall second and per CPU second from the end of epoch 1 to the last epoch's end."""
    samples = (len(ends) - 1) * num_train
    return samples / (ends[-1][0] - ends[0][0]), samples / (ends[-1][1] - ends[0][1])


def _median_ratio(pairs: list[tuple[tuple[float, float], tuple[float, float]]], which: int) -> str:
    ratios = [a[which] / b[which] for a, b in pairs]
    return f"{statistics.median(ratios):.3f} (per pair: {', '.join(f'{r:.2f}' for r in ratios)})"


def _plain_fit(spec, dataset, config) -> tuple[float, float]:
    """The same model, data, optimizer and batch size through bare `model.fit`."""
    prepared = prepare(spec, dataset, config)
    keras.utils.set_random_seed(config.seed)
    model = keras_bridge.build(prepared.spec)
    objectives = task_for(prepared.spec, dataset).objectives(prepared.has_validation)
    steps = -(-prepared.num_train // config.batch_size)
    model.compile(optimizer=config.make_optimizer(steps), loss=objectives.losses, metrics=objectives.metrics)
    clock = EpochClock()
    model.fit(prepared.x_train, prepared.y_train, batch_size=config.batch_size, epochs=config.epochs,
              validation_data=(prepared.x_val, prepared.y_val), callbacks=[clock], verbose=0)
    return _rates(clock.ends, prepared.num_train)


def _trainer_fit(spec, dataset, config, run_dir) -> tuple[tuple[float, float], dict]:
    """The Trainer with a sink that listens to every event (batches throttled to 20/s as in the GUI)."""
    ends: list[tuple[float, float]] = []
    counts = {"batch": 0, "maps": 0}
    started = []
    sink = CallbackSink(
        on_start=started.append,
        on_batch=lambda step, logs: counts.__setitem__("batch", counts["batch"] + 1),
        on_epoch=lambda epoch, logs: ends.append(now()),
        on_feature_maps=lambda layer, array: counts.__setitem__("maps", counts["maps"] + 1),
    )
    result = Trainer(config).run(spec, dataset, sink, run_dir=run_dir)
    assert result.status == "finished", result.message
    return _rates(ends, started[0].num_train), counts


def _case(case):
    spec, name, options, config, layers = CASES[case]
    return spec, load_dataset(name, seed=0, validation_split=0.2, **options), config.replace(tensorboard=False), layers


@pytest.mark.parametrize("case", list(CASES))
def test_bench_trainer_against_plain_fit(case, tmp_path, monkeypatch):
    spec, dataset, config, _ = _case(case)
    bookkeeping = []
    record = Session._record_epoch

    def timed_record(self, *args):
        start = time.perf_counter()
        record(self, *args)
        bookkeeping.append(time.perf_counter() - start)

    monkeypatch.setattr(Session, "_record_epoch", timed_record)
    pairs = []
    for i in range(REPEATS):
        plain = _plain_fit(spec, dataset, config)
        release_memory()
        ours, counts = _trainer_fit(spec, dataset, config, tmp_path / f"run{i}")
        release_memory()
        pairs.append((ours, plain))
    print(f"\n{case}: {dataset.num_train} samples, {config.epochs} epochs, timed over epochs 2-{config.epochs}")
    for label, side in (("plain model.fit", 1), ("Trainer + sink ", 0)):
        wall = statistics.median(p[side][0] for p in pairs)
        cpu = statistics.median(p[side][1] for p in pairs)
        print(f"  {label}: median {wall:7.0f} samples/s wall, {cpu:7.0f} samples per CPU second")
    print(f"  ({counts['batch']} batch events in the Trainer's last run)")
    print(f"  Trainer / plain, wall: median ratio {_median_ratio(pairs, 0)}")
    print(f"  Trainer / plain, CPU : median ratio {_median_ratio(pairs, 1)}")
    print(f"  per-epoch checkpoints + history.csv: median {statistics.median(bookkeeping) * 1000:.1f} ms")


@pytest.mark.parametrize("case", list(CASES))
def test_bench_feature_probe_share_of_an_epoch(case, tmp_path, monkeypatch):
    spec, dataset, config, layers = _case(case)
    spent = {"seconds": 0.0, "calls": 0}
    original = FeatureProbe.__call__

    def timed(self):
        start = time.perf_counter()
        out = original(self)
        spent["seconds"] += time.perf_counter() - start
        spent["calls"] += 1
        return out

    monkeypatch.setattr(FeatureProbe, "__call__", timed)
    pairs, shares = [], []
    for i in range(REPEATS):
        without, _ = _trainer_fit(spec, dataset, config, tmp_path / f"off{i}")
        release_memory()
        spent.update(seconds=0.0, calls=0)
        start = time.perf_counter()
        with_probe, counts = _trainer_fit(spec, dataset, config.replace(probe_layers=layers), tmp_path / f"on{i}")
        total = time.perf_counter() - start
        release_memory()
        pairs.append((with_probe, without))
        shares.append(spent["seconds"] / total)
    per_call = spent["seconds"] / max(spent["calls"], 1) * 1000
    print(f"\n{case}: probe on {', '.join(layers)} at {config.probe_per_second:g} rounds/s")
    print(f"  probe time / run time : median {statistics.median(shares) * 100:.2f}% "
          f"({spent['calls']} rounds in the last run, {per_call:.2f} ms per round)")
    print(f"  throughput with / without probe, wall: median ratio {_median_ratio(pairs, 0)}")
    print(f"  throughput with / without probe, CPU : median ratio {_median_ratio(pairs, 1)}")
