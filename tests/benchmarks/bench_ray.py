"""Comparisons local vs Ray: four small presets, wall time of each way and Ray's start-up cost.

Run with `make bench`.  Prints figures, asserts nothing about time.  The goal
on a machine with k free cores is Ray wall ≈ serial wall / k + start-up; on a
2-core machine shared with other work, expect much less than 2×.  Start-up is
`ray.init` of a local cluster (2 CPUs, no dashboard) plus the first task's
worker process importing TensorFlow, measured by a no-op entry before the run.
"""

from __future__ import annotations

import tempfile
import time

import pytest

pytest.importorskip("ray", reason="bench_ray needs Ray (pip install 'keras-workbench[ray]')")

from workbench.compare.ray_backend import RayBackend, connect  # noqa: E402
from workbench.compare.runner import ComparisonRunner, make_entries  # noqa: E402
from workbench.data import load_dataset  # noqa: E402
from workbench.spec import LayerSpec, ModelSpec, load_named  # noqa: E402
from workbench.train import TrainConfig  # noqa: E402

WORKERS = 2


def _entries():
    def mlp(name, units):
        return ModelSpec(name, (32, 32, 1), [LayerSpec("flat", "Flatten"),
                                             LayerSpec("hidden", "Dense", {"units": units, "activation": "relu"}),
                                             LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"})])

    lenet = load_named("lenet5")
    small = lenet.copy()
    small.layer("c3").config["kernel_size"] = 3
    return make_entries([("lenet5", lenet, ""), ("lenet5-k3", small, ""), ("mlp64", mlp("a", 64), ""),
                         ("mlp128", mlp("b", 128), "")])


def _timed(backend, dataset, config) -> tuple[float, list]:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        records = ComparisonRunner(_entries(), dataset, config, out, backend=backend, reuse_finished=False).run()
        return time.perf_counter() - started, records


def test_bench_local_vs_ray():
    import ray

    dataset = load_dataset("digits", seed=0, validation_split=0.2)
    config = TrainConfig(epochs=5, batch_size=32, seed=0, tensorboard=False)
    local_wall, local = _timed(None, dataset, config)
    init_seconds = connect(workers=WORKERS)
    warm_wall, _ = _timed(RayBackend(), dataset, config.replace(epochs=1))  # workers import TensorFlow here
    ray_wall, remote = _timed(RayBackend(), dataset, config)
    ray.shutdown()
    assert [r.status for r in local] == [r.status for r in remote] == ["finished"] * 4
    serial = sum(r.train_seconds for r in local)
    print(f"\nlocal: {local_wall:.1f} s wall ({serial:.1f} s training) for 4 presets × {config.epochs} epochs")
    print(f"ray, {WORKERS} workers: {ray_wall:.1f} s wall; local/ray wall ratio {local_wall / ray_wall:.2f} "
          f"(goal with {WORKERS} free cores ≈ {WORKERS})")
    print(f"ray start-up: ray.init {init_seconds:.1f} s; first comparison with cold workers (1 epoch each) "
          f"{warm_wall:.1f} s")
