"""Comparison overhead: `ComparisonRunner` against training the same specs one by one with `Trainer`.

Run with `make bench`.  Prints figures, asserts nothing about time.  Both
ways train the same specs on the same data with the same settings and
release Keras' memory after each run; the comparison adds its bookkeeping
(sink events, records, entry files) and, optionally, the three reports.

Two figures, because these machines vary by ±40% from run to run:
- end to end, the two ways interleaved (order alternating) in one process and
  repeated; the ratio of medians (goal ≤ 1.05);
- the comparison's own time measured inside it: wall time minus the time
  spent in `Trainer.run` and `Trainer.release`, plus the time its sink
  spends handling the trainer's events, as a share of the training time.
  Training noise does not enter this figure.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from workbench.compare import runner as runner_module
from workbench.compare.report import comparison_document, write_reports
from workbench.compare.runner import ComparisonRunner, make_entries
from workbench.data import load_dataset
from workbench.spec import LayerSpec, ModelSpec, load_named
from workbench.train import TrainConfig

REPEATS = 3


def _specs() -> list[tuple[str, ModelSpec]]:
    lenet = load_named("lenet5")
    small_kernels = lenet.copy()
    small_kernels.layer("c3").config["kernel_size"] = 3
    mlp = ModelSpec("mlp", (32, 32, 1), [
        LayerSpec("flat", "Flatten"),
        LayerSpec("hidden", "Dense", {"units": 64, "activation": "relu"}),
        LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"}),
    ])
    return [("lenet5", lenet), ("lenet5-k3", small_kernels), ("mlp", mlp)]


def _one_by_one(specs, dataset, config, root: Path) -> float:
    from workbench.train.prepare import adapt_spec
    from workbench.train.trainer import Trainer

    start = time.perf_counter()
    for label, spec in specs:
        trainer = Trainer(config)
        result = trainer.run(adapt_spec(spec, dataset)[0], dataset, None, run_dir=root / label)
        assert result.status == "finished", result.message
        trainer.release()
    return time.perf_counter() - start


def _comparison(specs, dataset, config, root: Path, reports: bool) -> tuple[float, float]:
    """(wall seconds, report seconds)."""
    start = time.perf_counter()
    records = ComparisonRunner(make_entries([(l, s, l) for l, s in specs]), dataset, config, root).run()
    assert all(r.finished for r in records), [r.error for r in records]
    report_start = time.perf_counter()
    if reports:
        write_reports(root, records, comparison_document(records, dataset=dataset.describe(), config=config.to_dict()))
    end = time.perf_counter()
    return end - start, end - report_start


class _Clock:
    """Seconds spent in the wrapped methods, by kind."""

    def __init__(self):
        self.seconds = {"train": 0.0, "sink": 0.0}

    def wrap(self, method, kind: str):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[kind] += time.perf_counter() - start

        return timed


def test_bench_comparison_overhead(monkeypatch):
    import workbench.train.trainer as trainer_module

    dataset = load_dataset("digits", seed=0, validation_split=0.2, max_samples=600)
    config = TrainConfig(epochs=2, batch_size=32, seed=0, tensorboard=False)
    specs = _specs()
    clock = _Clock()
    monkeypatch.setattr(trainer_module.Trainer, "run", clock.wrap(trainer_module.Trainer.run, "train"))
    monkeypatch.setattr(trainer_module.Trainer, "release", clock.wrap(trainer_module.Trainer.release, "train"))
    for event in ("on_start", "on_batch", "on_epoch"):
        method = getattr(runner_module._RunSink, event)
        monkeypatch.setattr(runner_module._RunSink, event, clock.wrap(method, "sink"))

    walls: dict[str, list[float]] = {"one by one": [], "comparison": [], "comparison + reports": []}
    own_shares, report_seconds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _one_by_one(specs, dataset, config, root / "warm")  # TensorFlow's first-use costs, paid by neither
        for rep in range(REPEATS):
            ways = list(walls) if rep % 2 == 0 else list(walls)[::-1]
            for way in ways:
                target = root / f"{rep}-{way.replace(' ', '_')}"
                if way == "one by one":
                    walls[way].append(_one_by_one(specs, dataset, config, target))
                    continue
                clock.seconds = {"train": 0.0, "sink": 0.0}
                with_reports = "reports" in way
                wall, reporting = _comparison(specs, dataset, config, target, reports=with_reports)
                walls[way].append(wall)
                training = clock.seconds["train"] - clock.seconds["sink"]
                own_shares.append((wall - reporting - clock.seconds["train"] + clock.seconds["sink"]) / training)
                if with_reports:
                    report_seconds.append(reporting)
    base = statistics.median(walls["one by one"])
    print(f"\ncomparison overhead, {len(specs)} specs × {config.epochs} epochs on {dataset.num_train} digits, "
          f"{REPEATS} interleaved repeats:")
    for way, values in walls.items():
        median = statistics.median(values)
        spread = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {way:<22} median {median:7.2f} s  ratio {median / base:5.3f}   ({spread})")
    print(f"  the comparison's own time (bookkeeping + sink), share of training: "
          f"median {statistics.median(own_shares):.2%} (max {max(own_shares):.2%})")
    print(f"  writing comparison.csv/.json/.png: median {statistics.median(report_seconds):.2f} s")
    print("  goal: comparison ≤ 1.05 × one by one")
