"""The sequence presets trained from the command line: sequences and two-input models reach `fit()`."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main


@pytest.mark.parametrize(
    "preset, dataset, task, metrics, params, inputs",
    [
        ("gru_adding", "adding_problem", "sequence_regression", {"val_mse"}, 3489, [(None, 50, 2)]),
        ("seq2seq_dates", "dates", "seq2seq", {"val_loss", "exact_match", "char_accuracy"}, 119949,
         [(None, 20), (None, 11)]),
    ],
)
def test_sequence_preset_trains_and_saves_h5_plain_keras_loads(capsys, tmp_path, preset, dataset, task,
                                                                metrics, params, inputs):
    import keras

    out = tmp_path / f"{preset}.h5"
    code = main(["train", preset, "--dataset", dataset, "--max-samples", "300", "--epochs", "1",
                 "--run-dir", str(tmp_path / "run"), "--out", str(out), "--json"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(stdout.strip().splitlines()[-1])
    assert (report["preset"], report["task"], report["dataset"], report["epochs"]) == (preset, task, dataset, 1)
    assert set(report["metrics"]) == metrics  # epoch_below_0_01 appears only once val_mse < 0.01
    assert all(0.0 <= value < 10.0 for value in report["metrics"].values())
    model = keras.models.load_model(out)
    assert model.count_params() == params
    assert [tuple(i.shape) for i in model.inputs] == inputs


def test_sequences_keep_their_shape_and_a_mismatch_names_it():
    from workbench.data.errors import DatasetError
    from workbench.data.fitting import plan_for
    from workbench.data.sequences import load_adding_problem

    data = load_adding_problem(seed=0, validation_split=0.0, length=12, samples=8, val_samples=4)
    plan = plan_for(data, (None, 2))
    assert plan.target == (12, 2) and plan(data.x_train).dtype.name == "float32"
    with pytest.raises(DatasetError, match=r"sequences of 12×2 .* input 50×2; set the model's input shape to \(12, 2\)"):
        plan_for(data, (50, 2))
    with pytest.raises(DatasetError, match="cannot fit sequences of 12×2"):
        plan_for(data, (24,))


def test_the_cli_passes_loader_options_and_limits_both_parts(capsys, tmp_path):
    """The T = 100 gate's command line, at T = 12 and 90 samples: 80 training and 10 validation sequences."""
    code = main(["train", "rnn_adding", "--dataset", "adding_problem:length=12", "--input-shape", "12,2",
                 "--max-samples", "90", "--epochs", "1", "--run-dir", str(tmp_path / "run"), "--json"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "80 train / 10 validation samples" in err
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["dataset"] == "adding_problem" and set(report["metrics"]) == {"val_mse"}
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["dataset"]["origin"] == {"name": "adding_problem",
                                           "options": {"samples": 80, "val_samples": 10, "length": 12}}
    assert main(["train", "rnn_adding", "--dataset", "adding_problem:steps=100"]) == 2
    assert "unknown option steps for the 'adding_problem' data set; known: length, samples, val_samples" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "adding_problem:length=100" in capsys.readouterr().out
