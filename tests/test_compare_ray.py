"""Comparisons on the Ray backend: same leaderboard as local, cancel, a killed worker fails only its entry.

One local Ray cluster (two CPUs, no dashboard) serves the whole module.
"""

from __future__ import annotations

import csv
import os
import signal

import pytest

pytest.importorskip("ray", reason="the Ray backend tests need Ray (pip install 'keras-workbench[ray]')")

from workbench.cli import main as cli_main  # noqa: E402
from workbench.compare.ray_backend import RayBackend  # noqa: E402
from workbench.compare.results import CANCELLED, FAILED, FINISHED  # noqa: E402
from workbench.compare.runner import ComparisonRunner, make_entries  # noqa: E402
from workbench.data import load_dataset  # noqa: E402
from workbench.spec import LayerSpec, ModelSpec, save_preset  # noqa: E402
from workbench.train import TrainConfig  # noqa: E402

pytestmark = pytest.mark.slow


def mlp(name: str, hidden: int) -> ModelSpec:
    return ModelSpec(name, (8, 8, 1), [
        LayerSpec("flat", "Flatten"),
        LayerSpec("hidden", "Dense", {"units": hidden, "activation": "relu"}),
        LayerSpec("out", "Dense", {"units": 10, "activation": "softmax"}),
    ])


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}})
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0, validation_split=0.2, max_samples=300)


class Watch:
    """A sink that keeps epochs per entry and calls `on_epoch(index, record)` for each."""

    def __init__(self, on_epoch=None):
        self.epochs: dict[int, int] = {}
        self.finished: dict[int, str] = {}
        self.on_epoch = on_epoch

    def on_run_epoch(self, index, record):
        self.epochs[index] = record.epochs
        if self.on_epoch:
            self.on_epoch(index, record)

    def on_run_finished(self, index, record):
        self.finished[index] = record.status


def test_cli_ray_matches_local(ray_cluster, tmp_path, capfd):
    targets = []
    for name, hidden in (("small", 8), ("wide", 32)):
        path = tmp_path / f"{name}.json"
        save_preset(mlp(name, hidden), path)
        targets.append(str(path))
    common = [*targets, "--dataset", "digits", "--epochs", "3", "--max-samples", "300", "--seed", "1"]
    assert cli_main(["compare", *common, "--out-dir", str(tmp_path / "local")]) == 0
    local_out = capfd.readouterr()
    assert cli_main(["compare", *common, "--out-dir", str(tmp_path / "ray"), "--backend", "ray"]) == 0
    ray_out = capfd.readouterr()
    # the leaderboard's columns (their widths follow the values: a run of 10 s widens "time")
    assert local_out.out.splitlines()[0].split() == ray_out.out.splitlines()[0].split()
    rows = {}
    for where in ("local", "ray"):
        with open(tmp_path / where / "comparison.csv", newline="") as handle:
            rows[where] = {r["preset"]: r for r in csv.DictReader(handle)}
        for name in ("small", "wide"):
            assert (tmp_path / where / name / "model.h5").is_file()
            assert (tmp_path / where / name / "history.csv").is_file()
    assert list(rows["local"]["small"]) == list(rows["ray"]["small"])
    for name in ("small", "wide"):
        local, ray = rows["local"][name], rows["ray"][name]
        assert (local["params"], local["epochs"]) == (ray["params"], ray["epochs"]) == (local["params"], "3")
        assert abs(float(local["best_val_accuracy"]) - float(ray["best_val_accuracy"])) <= 0.05
    assert "[1/2] small: done in" in ray_out.err and "[2/2] wide: done in" in ray_out.err


def test_cancel_one_mid_run(ray_cluster, digits, tmp_path):
    config = TrainConfig(epochs=40, batch_size=16, seed=0, tensorboard=False)
    entries = make_entries([("stopped", mlp("a", 64), ""), ("kept", mlp("b", 8), "")])
    runner = None

    def cancel_first(index, record):
        if index == 0 and record.epochs == 2:
            runner.cancel(0)

    runner = ComparisonRunner(entries, digits, config, tmp_path, Watch(cancel_first), backend=RayBackend())
    records = runner.run()
    assert records[0].status == CANCELLED and 2 <= records[0].epochs < 40
    assert records[1].status == FINISHED and records[1].epochs == 40
    assert (tmp_path / "kept" / "model.h5").is_file()


def test_killed_worker_fails_only_its_entry(ray_cluster, digits, tmp_path):
    config = TrainConfig(epochs=40, batch_size=16, seed=0, tensorboard=False)
    entries = make_entries([("killed", mlp("a", 64), ""), ("survivor", mlp("b", 8), "")])
    backend = RayBackend()
    pools = []
    real_pool = backend.pool

    def keep_pool(*args):
        pools.append(real_pool(*args))
        return pools[-1]

    backend.pool = keep_pool

    def kill_first(index, record):
        if index == 0 and record.epochs == 2:
            os.kill(pools[0].worker_pids[0], signal.SIGKILL)

    runner = ComparisonRunner(entries, digits, config, tmp_path, Watch(kill_first), backend=backend)
    records = runner.run()
    assert records[0].status == FAILED and "Ray worker" in records[0].error
    assert records[0].epochs >= 2
    assert records[1].status == FINISHED and records[1].epochs == 40


def test_window_trains_on_ray_streams_progress_and_cancels_one(ray_cluster, qtbot, tmp_path):
    """The comparison window with the Ray choice: per-entry progress and epochs arrive, cancel one works."""
    from workbench.compare.results import FINISHED as DONE
    from workbench.ui.compare_view import CompareView
    from workbench.ui.compare_view.backend_form import RAY

    view = CompareView()
    qtbot.addWidget(view)
    view.backend_form.set_backend(RAY)
    seen: dict[str, set] = {}

    def on_event(kind, args):
        seen.setdefault(kind, set()).add(args[0])
        if kind == "runEpoch" and args[0] == 0 and args[1].epochs == 2:
            view.cancel(0)

    view._task.event.connect(on_event)
    entries = make_entries([("stopped", mlp("a", 64), ""), ("kept", mlp("b", 8), "")])
    # Enough epochs that the cancel, relayed through the control actor, lands before the end
    # even when the machine is loaded (6 epochs could all finish in the relay's delay).
    config = TrainConfig(epochs=30, batch_size=32, seed=0, tensorboard=False)
    with qtbot.waitSignal(view.comparisonFinished, timeout=180_000) as finished:
        view.start(entries, "digits", config, tmp_path, backend=view.backend_form.backend())
    records = finished.args[0]
    assert records[0].status == CANCELLED and 2 <= records[0].epochs < 30
    assert records[1].status == DONE and records[1].epochs == 30
    assert seen["runProgress"] == seen["runEpoch"] == {0, 1}
    assert [view.model.records()[i].status for i in range(2)] == [CANCELLED, DONE]
    assert (tmp_path / "kept" / "model.h5").is_file()
    view.shutdown()
