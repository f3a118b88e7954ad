"""The RPROP view's data: a run's loss against SGD and Adam from the same start, and its per-weight step sizes."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data.registry import load_dataset
from workbench.spec import load_named
from workbench.tasks.rprop_race import REFERENCES, step_histogram
from workbench.train import TrainConfig, Trainer


def run_samples(tmp_path, optimizer: str, epochs: int = 3):
    seen = []
    config = TrainConfig(epochs=epochs, optimizer=optimizer, learning_rate=0.1, tensorboard=False)
    trainer = Trainer(config)
    result = trainer.run(load_named("bp_rprop_iris"), load_dataset("iris"),
                         {"on_samples": lambda e, s: seen.append((e, s))}, run_dir=tmp_path / "run")
    assert result.status == "finished"
    return trainer, result, seen


def test_an_rprop_run_sends_its_loss_the_references_and_its_step_sizes(tmp_path):
    trainer, result, seen = run_samples(tmp_path, "rprop")
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    samples = seen[-1][1]
    assert samples["rprop_epochs"].tolist() == [0, 1, 2, 3]  # the start, then after each epoch
    assert samples["reference_epochs"].tolist() == [0, 1, 2, 3]
    assert samples["reference_loss"].shape == (len(REFERENCES), 4)
    assert np.all(np.isfinite(samples["reference_loss"])) and np.all(samples["reference_loss"] > 0)
    assert samples["reference_names"].tolist() == ["SGD lr 0.9", "Adam lr 0.01"]
    losses = samples["rprop_loss"]
    assert len(losses) == 4 and np.all(np.isfinite(losses))
    # full batch, one step per epoch: Keras logs an epoch's loss before its step, the view the loss after it
    assert losses[:3] == pytest.approx(result.history["loss"], rel=1e-4)
    assert samples["reference_loss"][:, 0] == pytest.approx([losses[0]] * len(REFERENCES), rel=1e-5)  # one start
    assert np.all(samples["reference_loss"][:, -1] < losses[0])
    counts, edges = samples["step_counts"], samples["step_edges"]
    assert counts.sum() == 67  # 4-8-3: 4*8 + 8 + 8*3 + 3 weights and biases
    assert len(edges) == len(counts) + 1
    assert edges[0] == pytest.approx(np.log10(1e-6)) and edges[-1] == pytest.approx(np.log10(50.0))
    # three steps from Δ0 = 0.1: each Δ is 0.1 times two factors of 1.2 (sign kept), 0.5 (flipped) or 1
    assert 0.1 * 0.5 ** 2 <= float(samples["step_median"]) <= 0.1 * 1.2 ** 2 + 1e-7
    # the window's evaluation reads the one-hot targets of a squared-error network as class indices
    evaluation = trainer.evaluate(["setosa", "versicolor", "virginica"])
    assert evaluation.confusion.shape == (3, 3) and evaluation.confusion.sum() == len(trainer.prepared.y_val)


def test_a_run_with_another_optimizer_sends_no_rprop_keys(tmp_path):
    _, _, seen = run_samples(tmp_path, "adam", epochs=1)
    assert not seen or not any(key.startswith(("rprop", "step", "reference")) for key in seen[0][1])


def test_step_histogram_puts_every_step_in_a_log_bin():
    edges, counts = step_histogram(np.array([1e-6, 1e-3, 0.1, 0.1, 50.0]), 1e-6, 50.0)
    assert counts.sum() == 5 and len(edges) == len(counts) + 1 == 25
    assert counts[0] == 1 and counts[-1] == 1
    assert counts[np.searchsorted(edges, -1.0, side="right") - 1] == 2
