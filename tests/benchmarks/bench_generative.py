"""Gates of the generative and energy-based presets: Hopfield capacity, RBM reconstruction, DBN, cDCGAN.

Run with `make bench` (or pytest -s on this file).  Each test prints its
figures with the seeds used and asserts the gate of the issue.  Set
WORKBENCH_GAN_SEEDS (e.g. "0,1,2") to choose the cDCGAN seeds; the cDCGAN
gate trains 16 epochs per seed (minutes on a CPU).
"""

from __future__ import annotations

import os
import time

import keras
import numpy as np

from workbench.data.patterns import binary_pixels, digit_prototypes, flip_bits, signed_pixels
from workbench.data.registry import load_dataset
from workbench.keras_bridge import build
from workbench.spec import load_named
from workbench.spec.networks_io import load_named_networks
from workbench.tasks.dbn import pretrained_classifier
from workbench.tasks.gan import GANTrainer, agreement_classifier, label_agreement
from workbench.tasks.hopfield import HopfieldNetwork, capacity_curve
from workbench.tasks.rbm import RBMTrainer, hidden_features


def test_bench_hopfield_capacity():
    start = time.perf_counter()
    curve = capacity_curve(seed=0)
    print(f"\nHopfield N=100, Hebbian, 10 bits flipped, 20 sets per P, seed 0 ({time.perf_counter() - start:.1f} s):")
    print("  " + "  ".join(f"P={p}: {r:.3f}" for p, r in curve.items()))
    assert min(curve[p] for p in curve if p <= 8) >= 0.95
    assert 0.55 <= curve[14] <= 0.85
    assert curve[30] <= 0.05


def test_bench_hopfield_digit_prototypes():
    digits = load_dataset("mnist_subset", validation_split=0.0)
    prototypes = digit_prototypes(digits.x_train, digits.y_train)
    rng = np.random.default_rng(0)
    inputs = keras.Input((100,))
    shares = {}
    for rule in ("pseudo_inverse", "hebbian"):
        from workbench.keras_bridge.energy import Hopfield

        network = HopfieldNetwork(keras.Model(inputs, Hopfield(rule)(inputs)))
        network.compile()
        network.fit(prototypes, batch_size=10, epochs=1, verbose=0)
        hits = [np.all(network.recall(flip_bits(prototypes, 10, rng), seed=i).states == prototypes, axis=1)
                for i in range(20)]
        shares[rule] = float(np.mean(hits))
        stored = int(np.sum(np.all(network.recall(prototypes, seed=0).states == prototypes, axis=1)))
        print(f"\n  {rule}: {stored}/10 prototypes are fixed points; exact recall from 10 flipped bits "
              f"(20 probe sets, seed 0): {shares[rule]:.3f}")
    assert shares["pseudo_inverse"] >= 0.95


def test_bench_rbm_reconstruction_and_features():
    seed = 0
    keras.utils.set_random_seed(seed)
    data = load_dataset("mnist_subset", seed=seed)
    x, xv = binary_pixels(data.x_train).reshape(-1, 784), binary_pixels(data.x_val).reshape(-1, 784)
    network = build(load_named("rbm_mnist"))
    trainer = RBMTrainer(network, seed=seed)
    trainer.compile(optimizer=keras.optimizers.SGD(0.05))
    start = time.perf_counter()
    history = trainer.fit(x, batch_size=32, epochs=20, validation_data=(xv,), verbose=0).history
    mse = history["val_reconstruction_mse"][-1]
    print(f"\nRBM 784-128, CD-1, lr 0.05, batch 32, 20 epochs, seed {seed}: test reconstruction MSE {mse:.4f} "
          f"({time.perf_counter() - start:.0f} s)")
    from sklearn.linear_model import LogisticRegression

    probe = {}
    for name, train, test in (("hidden features", hidden_features(trainer.rbm, x), hidden_features(trainer.rbm, xv)),
                              ("raw pixels", x, xv)):
        model = LogisticRegression(max_iter=1000).fit(train, data.y_train)
        probe[name] = model.score(test, data.y_val)
    print("  logistic regression: " + ", ".join(f"{k} {v:.3f}" for k, v in probe.items()))
    assert mse <= 0.03


def test_bench_dbn_against_random_init():
    seed = 0
    data = load_dataset("mnist_subset", seed=seed)
    x, xv = data.x_train.astype(np.float32) / 255.0, data.x_val.astype(np.float32) / 255.0
    results = {}
    for labels in (len(x), 400):
        keras.utils.set_random_seed(seed)
        classifier = build(load_named("dbn_mnist"))
        pretrained, twin = pretrained_classifier(classifier, x, epochs=10, seed=seed)
        epochs = 20 if labels == len(x) else 40
        for name, model in (("pre-trained", pretrained), ("random init", twin)):
            model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            model.fit(x[:labels], data.y_train[:labels], batch_size=32, epochs=epochs, verbose=0)
            results[(labels, name)] = model.evaluate(xv, data.y_val, verbose=0, return_dict=True)["accuracy"]
        print(f"\nDBN 784-128-64-10, seed {seed}, {labels} labels, {epochs} fine-tuning epochs: "
              f"pre-trained {results[(labels, 'pre-trained')]:.3f}, random init {results[(labels, 'random init')]:.3f}")


def test_bench_cdcgan_label_agreement():
    seeds = [int(s) for s in os.environ.get("WORKBENCH_GAN_SEEDS", "0").split(",")]
    data = load_dataset("mnist_subset", validation_split=0.0)
    x = signed_pixels(data.x_train)
    classifier = agreement_classifier(x, data.y_train, seed=0)
    checkpoints = (5, 10, 16)
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        networks = load_named_networks("cdcgan_mnist")
        gan = GANTrainer(build(networks.network("generator")), build(networks.network("discriminator")), seed=seed)
        gan.compile()
        agreement, start, done = {}, time.perf_counter(), 0
        for epoch in checkpoints:
            gan.fit(x, data.y_train, batch_size=32, epochs=epoch, initial_epoch=done, verbose=0)
            done = epoch
            agreement[epoch] = label_agreement(gan.generator, classifier, seed=seed)
        print(f"\ncDCGAN, batch 32, seed {seed}: label agreement "
              + ", ".join(f"epoch {e}: {a:.2f}" for e, a in agreement.items())
              + f" ({time.perf_counter() - start:.0f} s)")
        assert agreement[16] >= 0.80


def _workbench_train(capsys, tmp_path, *argv) -> dict:
    """`workbench train ... --json` in this process: the path a user takes, with the preset's own settings."""
    import json

    from workbench.cli import main

    code = main(["train", *argv, "--run-dir", str(tmp_path / "run"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])["metrics"]


def test_bench_hopfield_capacity_through_workbench_train(capsys, tmp_path):
    metrics = _workbench_train(capsys, tmp_path, "hopfield_100", "--dataset", "random_patterns")
    with capsys.disabled():
        print("\nworkbench train hopfield_100 --dataset random_patterns (seed 0): "
              + "  ".join(f"{k}={v:.3f}" for k, v in metrics.items()))
    assert metrics["recall_at_8"] >= 0.95 and 0.55 <= metrics["recall_at_14"] <= 0.85 and metrics["recall_at_30"] <= 0.05


def test_bench_rbm_reconstruction_through_workbench_train(capsys, tmp_path):
    metrics = _workbench_train(capsys, tmp_path, "rbm_mnist", "--dataset", "mnist_subset")
    with capsys.disabled():
        print(f"\nworkbench train rbm_mnist --dataset mnist_subset (20 epochs, lr 0.05, batch 32, seed 0): "
              f"val_reconstruction_mse {metrics['val_reconstruction_mse']:.4f}")
    assert metrics["val_reconstruction_mse"] <= 0.03
