"""`workbench train` and `compare` under faults: diverged runs, unwritable places, full disks, huge models.

Every case asserts the exit code, the one message the user reads, and that
nothing already on disk was lost.  Training cases use a 82-parameter model
on 200 generated points for one or two epochs.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap

import keras  # noqa: F401 - imported here: the CLI's quiet import needs the real stderr that capsys replaces
import pytest

from workbench.cli import main
from workbench.spec import dumps
from specs import mlp


def _pretend_free_memory(monkeypatch, free: int) -> None:
    """Host and GPU alike, so the case runs the same on a machine with a GPU."""
    from workbench import host_memory
    from workbench.train import memory_check

    monkeypatch.setattr(host_memory, "free_host_memory", lambda: free)
    monkeypatch.setattr(memory_check, "query_gpu_memory", lambda **_: memory_check.FreeMemory(free, "on the GPU"))


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _preset(path, units=16, extra_input=False):
    data = json.loads(dumps(mlp(hidden=1)))
    data["layers"][0]["config"]["units"] = units
    if extra_input:
        data["layers"].insert(0, {"name": "extra", "type": "Input", "config": {"shape": [2]}})
        data["layers"][1]["inputs"] = ["input"]
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def preset(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS_DIR", str(tmp_path / "runs"))
    return _preset(tmp_path / "mlp.json")


def test_a_diverged_run_never_overwrites_an_existing_out_file(capsys, tmp_path, preset):
    keep = tmp_path / "keep.h5"
    keep.write_bytes(b"\x89HDF\r\n\x1a\n the user's trained model")
    before = keep.read_bytes()
    code, _, err = run(capsys, "train", preset, "--dataset", "xor", "--optimizer", "sgd", "--lr", "1e30",
                       "--epochs", "2", "--out", keep, "--run-dir", tmp_path / "run")
    assert code == 1
    assert keep.read_bytes() == before
    assert f"--out {keep} left unchanged: the run has no finite completed epoch (run folder {tmp_path / 'run'})" in err
    assert "the loss became NaN" in err and "Traceback" not in err


def test_an_unwritable_out_folder_is_refused_before_training(capsys, tmp_path, preset, monkeypatch):
    import workbench.commands.train as train_command

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(train_command.os, "access",
                        lambda path, mode: False if os.fspath(path) == str(locked) else real_access(path, mode))
    code, _, err = run(capsys, "train", preset, "--dataset", "xor", "--out", locked / "m.h5")
    assert code == 2
    assert f"error: --out {locked / 'm.h5'}: the folder {locked} is not writable; choose another place" in err
    assert not (tmp_path / "runs").exists()  # refused before any run folder or training


def test_an_out_file_that_cannot_be_written_after_training_names_the_saved_model(capsys, tmp_path, preset,
                                                                               monkeypatch):
    import workbench.train.atomic as atomic

    real = atomic.atomic_target
    out = tmp_path / "m.h5"

    def refuse_out(target, *args, **kwargs):
        if os.fspath(target) == str(out):
            raise atomic.SaveError(f"Could not save the model {out}: Read-only file system. No file was written.")
        return real(target, *args, **kwargs)

    monkeypatch.setattr(atomic, "atomic_target", refuse_out)
    code, _, err = run(capsys, "train", preset, "--dataset", "xor", "--epochs", "1", "--out", out,
                       "--run-dir", tmp_path / "run")
    assert code == 2 and not out.exists()
    assert f"The trained model is in the run folder: {tmp_path / 'run' / 'model.h5'}" in err
    assert (tmp_path / "run" / "model.h5").is_file()


def test_a_full_disk_is_reported_once(capsys, tmp_path, preset, monkeypatch):
    import workbench.train.atomic as atomic

    def full(path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "_fsync_file", full)
    code, _, err = run(capsys, "train", preset, "--dataset", "xor", "--epochs", "1", "--run-dir", tmp_path / "run")
    assert code == 2
    assert err.count("No space left on device") == 1
    assert f"error: Could not save the run.json {tmp_path / 'run' / 'run.json'}: No space left on device." in err


def test_resume_without_dataset_reloads_a_generated_set_with_its_options(capsys, tmp_path, preset):
    from workbench.data import load_dataset
    from workbench.train import TrainConfig, Trainer

    trainer = Trainer(TrainConfig(epochs=1, tensorboard=False))
    moons = load_dataset("moons", seed=0, validation_split=0.2, samples=200, noise=0.2)
    assert trainer.run(mlp(), moons, None, run_dir=tmp_path / "run").status == "finished"
    trainer.release()
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["dataset"]["source"] == "generated (seed 0)"
    assert record["dataset"]["origin"] == {"name": "moons", "options": {"samples": 200, "noise": 0.2}}
    code, out, err = run(capsys, "train", "--resume", tmp_path / "run", "--epochs", "2")
    assert code == 0, err
    assert "160 train / 40 validation samples" in err and "epoch 2/2" in err
    assert "at epoch" in out.strip().splitlines()[-1]
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in history[1:]] == ["1", "2"]


def test_a_model_too_large_for_memory_is_refused_and_force_overrides(capsys, tmp_path, preset, monkeypatch):
    huge = _preset(tmp_path / "huge.json", units=10**12)
    code, _, err = run(capsys, "train", huge, "--dataset", "xor", "--run-dir", tmp_path / "huge")
    assert code == 2 and "Traceback" not in err
    assert "error: mlp: training will not fit in memory: batch 32 with adam needs about 189 TiB" in err
    assert "Even a batch of 1 does not fit" in err and not (tmp_path / "huge").exists()

    _pretend_free_memory(monkeypatch, 1000)
    code, _, err = run(capsys, "train", preset, "--dataset", "xor", "--epochs", "1")
    assert code == 2 and "training will not fit in memory" in err
    code, out, err = run(capsys, "train", preset, "--dataset", "xor", "--epochs", "1", "--force")
    assert code == 0 and "at epoch 1" in out


def test_a_comparison_refuses_an_entry_too_large_for_memory_unless_forced(tmp_path, monkeypatch):
    from workbench.compare.runner import ComparisonRunner, make_entries
    from workbench.data import load_dataset
    from workbench.train import TrainConfig

    _pretend_free_memory(monkeypatch, 1000)
    entries = make_entries([("mlp", mlp(), "mlp")])
    xor = load_dataset("xor", seed=0, validation_split=0.2, samples=200)
    config = TrainConfig(epochs=1, tensorboard=False)
    refused = ComparisonRunner(entries, xor, config, tmp_path / "a").run()[0]
    assert not refused.finished and "mlp: training will not fit in memory" in refused.error
    forced = ComparisonRunner(entries, xor, config, tmp_path / "b", check_memory=False).run()[0]
    assert forced.finished and forced.epochs == 1


def test_graph_shape_and_feature_errors_come_before_tensorflow_is_imported(tmp_path):
    """One fresh process: every case fails with its message, and TensorFlow was never imported."""
    two_inputs = _preset(tmp_path / "two.json", extra_input=True)
    plain = _preset(tmp_path / "mlp.json")
    cases = [
        ([two_inputs, "--dataset", "xor"], "the input 'extra' feeds no layer; remove it"),
        ([plain, "--dataset", "digits"], "cannot fit 8×8×1 images to the model's input 2"),
        (["lenet5", "--dataset", "xor"], "error: c1: Conv2D expects a rank-3 input (without batch), got (2,)"),
        (["alexnet", "--dataset", "digits", "--input-shape", "32,32,3"], "pool window 3 is larger than its input 2"),
    ]
    script = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from workbench.cli import main
        results = []
        for argv in {[["train", *map(str, argv)] for argv, _ in cases]!r}:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(argv)
            results.append([code, err.getvalue()])
        print(json.dumps([results, "tensorflow" in sys.modules, "keras" in sys.modules]))
        """
    )
    env = {**os.environ, "WORKBENCH_RUNS_DIR": str(tmp_path / "runs")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    results, tensorflow, keras = json.loads(done.stdout.strip().splitlines()[-1])
    for (code, err), (argv, message) in zip(results, cases):
        assert code == 2 and message in err, (argv, err)
    assert not tensorflow and not keras
