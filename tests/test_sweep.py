"""`workbench sweep`: Optuna ask-and-tell over the workbench's runner, pruning, resuming, reports; MLflow logging."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("optuna", reason="the sweep tests need Optuna (pip install 'keras-workbench[sweep]')")

from specs import mlp  # noqa: E402

from workbench.cli import main as cli_main  # noqa: E402
from workbench.compare.sweep_space import parse_param  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.spec import save_preset  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_param_texts():
    lr = parse_param("lr=1e-4:1e-1:log")
    assert (lr.name, lr.low, lr.high, lr.log, lr.integer) == ("learning_rate", 1e-4, 1e-1, True, False)
    assert parse_param("epochs=2:6").integer
    assert parse_param("batch_size=32,64,128").choices == (32, 64, 128)
    assert parse_param("optimizer=adam,sgd").choices == ("adam", "sgd")
    with pytest.raises(WorkbenchError, match="'depth' is not a sweepable setting"):
        parse_param("depth=1,2")
    with pytest.raises(WorkbenchError, match="need LOW < HIGH and LOW > 0 on a log scale"):
        parse_param("lr=0:1:log")
    with pytest.raises(WorkbenchError, match="'x' is not an integer"):
        parse_param("batch_size=32,x")


@pytest.mark.slow
def test_sweep_prunes_resumes_and_reports(tmp_path, capfd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    preset = tmp_path / "mlp.json"
    save_preset(mlp("mlp", 8), preset)
    out = tmp_path / "sweep"
    common = [str(preset), "--dataset", "xor", "--epochs", "2", "--batch-size", "32",
              "--param", "lr=1e-3:1e-1:log", "--param", "batch_size=16,32", "--prune", "--sampler", "random",
              "--out-dir", str(out)]
    assert cli_main(["sweep", *common, "--trials", "3"]) == 0
    first = capfd.readouterr()
    assert [f"trial {n}:" in first.err for n in range(4)] == [True, True, True, False]
    assert cli_main(["sweep", *common, "--trials", "6", "--mlflow"]) == 0
    second = capfd.readouterr()
    started = [line.split(":")[0] for line in second.err.splitlines() if line.startswith("trial ") and "=" in line]
    assert started == ["trial 3", "trial 4", "trial 5"]  # trials 0-2 are not trained again
    document = json.loads((out / "comparison.json").read_text())
    trials = document["sweep"]["trials"]
    assert [t["number"] for t in trials] == list(range(6))
    assert {t["state"] for t in trials} <= {"complete", "pruned"}
    assert sum(t["state"] == "complete" for t in trials) >= 2
    assert len({(t["params"]["learning_rate"], t["params"]["batch_size"]) for t in trials}) == 6
    assert len(list((out / "trials").iterdir())) == 6
    for name in ("comparison.png", "sweep-parallel.png", "sweep-importance.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("keras-workbench").experiment_id])
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId")]
    assert sorted(r.info.run_name for r in children) == ["t003-mlp", "t004-mlp", "t005-mlp"]
    history = client.get_metric_history(children[0].info.run_id, "val_accuracy")
    assert [m.step for m in history] == list(range(1, len(history) + 1)) and history
    assert "learning_rate" in children[0].data.params
    assert not (tmp_path / "mlruns").exists()
    # the run folders are logged beside the store, not into ./mlruns of the current folder
    assert (out / "mlartifacts" / children[0].info.run_id / "artifacts" / "history.csv").is_file()


def test_a_sweep_of_a_task_with_an_error_to_minimise_ranks_the_lowest_best(tmp_path, capfd):
    out = tmp_path / "sweep"
    argv = ["sweep", "gru_adding", "--dataset", "adding_problem:samples=192,val_samples=64", "--epochs", "1",
            "--batch-size", "64", "--param", "lr=1e-3,3e-2", "--sampler", "grid", "--trials", "2",
            "--out-dir", str(out)]
    assert cli_main(argv) == 0
    printed = capfd.readouterr().out
    trials = json.loads((out / "comparison.json").read_text())["sweep"]["trials"]
    assert [t["state"] for t in trials] == ["complete", "complete"]  # not failed for want of an accuracy
    assert {t["monitor"] for t in trials} == {"val_mse"}
    best = min(trials, key=lambda t: t["value"])
    assert f"best: trial {best['number']}, val mse {best['value']:.4f}" in printed
