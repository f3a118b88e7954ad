"""The gates of the task presets, measured with plain Keras and through the task registry.

Run with `make bench` (or `pytest -s tests/benchmarks/bench_tasks.py -k NAME`).
Prints each gate's figure with its seed; asserts the gate on the task path.
"Plain" compiles the same built model with hand-written Keras losses and
metrics; "task" asks the preset's task for data, model and compile.  Full
gates take minutes each on two cores.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from workbench.keras_bridge import Rprop
from tasks_fit import Fitted

SEEDS = range(10)


def _report(gate: str, side: str, seed, figure) -> None:
    print(f"\n{gate} [{side}, seed {seed}]: {figure}")


def _plain(run: Fitted, loss, metrics, optimizer) -> None:
    """Recompile the built model without the task (the plain-Keras side)."""
    run.model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def test_perceptron_gate():
    for gate in ("logic_and", "logic_or", "logic_xor"):
        epochs_to_100 = []
        for seed in SEEDS:
            run = Fitted("perceptron", gate, seed=seed)
            history = run.fit(30)
            hit = np.flatnonzero(history["val_accuracy"] == 1.0)
            epochs_to_100.append(int(hit[0]) + 1 if len(hit) else None)
            best = float(history["val_accuracy"].max())
            if gate == "logic_xor":
                assert best <= 0.75
        _report(f"perceptron {gate} epochs to 100 %", "task", list(SEEDS), epochs_to_100)


@pytest.mark.parametrize("side", ["plain", "task"])
def test_mlp_xor_gate(side):
    solved, epochs = 0, []
    for seed in SEEDS:
        run = Fitted("mlp_xor", "logic_xor", seed=seed)
        if side == "plain":
            _plain(run, "binary_crossentropy", ["accuracy"], keras.optimizers.Adam(0.05))
        history = run.fit(100)
        hit = np.flatnonzero(history["val_accuracy"] == 1.0)
        solved += bool(len(hit))
        epochs.append(int(hit[0]) + 1 if len(hit) else None)
    _report("mlp_xor 100 % within 100 epochs", side, list(SEEDS), f"{solved}/10, epochs {epochs}")
    assert solved >= 8


def test_mlp_2d_gate():
    run = Fitted("mlp_2d", "xor", seed=0)
    history = run.fit(30)
    best = float(history["val_accuracy"].max())  # the best epoch's, as `train --json` reports it
    _report("mlp_2d xor best val_accuracy in 30 epochs (last)", "task", 0,
            f"{best:.4f} ({history['val_accuracy'][-1]:.4f})")
    assert best >= 0.90


@pytest.mark.parametrize("side", ["plain", "task"])
@pytest.mark.parametrize("slug, dataset, epochs, bar", [("bp_rprop_digits", "digits", 40, 0.01),
                                                         ("bp_rprop_iris", "iris", 30, 0.02)])
def test_rprop_gate(slug, dataset, epochs, bar, side):
    for seed in range(3):
        run = Fitted(slug, dataset, seed=seed)
        if side == "plain":
            _plain(run, "mse", ["mse", keras.metrics.CategoricalAccuracy(name="accuracy")], Rprop(0.1))
        history = run.fit(epochs)
        hit = np.flatnonzero(history["mse"] < bar)
        _report(f"{slug} epochs to MSE < {bar}", side, seed,
                f"{int(hit[0]) + 1 if len(hit) else None}; val_accuracy {history['val_accuracy'][-1]:.3f}")
        assert len(hit) and hit[0] < epochs


def test_autoencoder_dense_gate():
    run = Fitted("autoencoder_dense", "mnist_subset", seed=0)
    history = run.fit(30, batch_size=64)
    pca = run.task.evaluate(run.model, run.x_val, run.y_val, train=run.x)["val_pca_mse"]
    _report("autoencoder_dense val_mse after 30 epochs (PCA-10)", "task", 0,
            f"{history['val_mse'][-1]:.4f} ({pca:.4f})")
    assert history["val_mse"][-1] <= 0.025 and history["val_mse"][-1] < pca


def test_fcn_gate():
    iou = {}
    for slug in ("fcn32s_shapes", "fcn8s_shapes"):
        run = Fitted(slug, "shapes_masks", seed=0)
        iou[slug] = float(run.fit(20, batch_size=32)["val_mean_iou"].max())
    _report("FCN val_mean_iou after 20 epochs", "task", 0, iou)
    assert iou["fcn8s_shapes"] >= 0.5 and iou["fcn8s_shapes"] > iou["fcn32s_shapes"]


def test_deconv_gate():
    run = Fitted("deconv_chairs", "shapes_render", seed=0)
    history = run.fit(30, batch_size=32)
    _report("deconv_chairs val_mse after 30 epochs", "task", 0, round(float(history["val_mse"][-1]), 5))
    assert history["val_mse"][-1] <= 0.01


# -- what the workbench costs per task: `Trainer.run` against plain `model.fit` ------------------------------
RATIO_REPEATS = 3
#: slug: (data set, its options, epochs, batch size (None: the whole training set), steps per execution)
RATIO_CASES = {
    "perceptron": ("logic_and", {}, 8, 1, 4),
    "mlp_xor": ("logic_xor", {}, 8, None, 1),
    "bp_rprop_digits": ("digits", {}, 6, None, 1),
    "autoencoder_dense": ("mnist_subset", {"max_samples": 1000}, 3, 64, 4),
    "fcn8s_shapes": ("shapes_masks", {"samples": 500}, 3, 32, 2),
    "deconv_chairs": ("shapes_render", {"samples": 500}, 3, 32, 2),
}


def _rates(ends, num_train: int) -> tuple[float, float]:
    """Samples per wall and per CPU second from the end of epoch 1 to the last epoch's end (tracing excluded)."""
    samples = (len(ends) - 1) * num_train
    return samples / (ends[-1][0] - ends[0][0]), samples / (ends[-1][1] - ends[0][1])


def _plain_side(slug, dataset, options, epochs, batch, steps) -> tuple[float, float]:
    """The preset's task arrays, model and compile, trained by bare `model.fit` with an epoch clock only."""
    from clocks import EpochClock

    run = Fitted(slug, dataset, seed=0, steps_per_execution=steps, **options)
    size = batch or len(run.y)
    clock = EpochClock()
    run.model.fit(run.x, run.y, batch_size=size, epochs=epochs, verbose=0, shuffle=True,
                  validation_data=(run.x_val, run.y_val), callbacks=[clock])
    return _rates(clock.ends, len(run.y))


def _workbench_side(slug, dataset, options, epochs, batch, steps, run_dir) -> tuple[float, float]:
    """The same through `Trainer.run` (what `workbench train` runs), its sink hearing every epoch."""
    from clocks import now
    from workbench.data.registry import load_dataset
    from workbench.spec.preset_io import load_named
    from workbench.train import TrainConfig, Trainer

    spec = load_named(slug)
    data = load_dataset(dataset, seed=0, **options)
    overrides = {"batch_size": batch} if batch else {}
    config = TrainConfig.from_preset(spec, epochs=epochs, steps_per_execution=steps, tensorboard=False, **overrides)
    ends, started = [], []
    result = Trainer(config).run(spec, data, {"on_start": started.append, "on_epoch": lambda e, logs: ends.append(now())},
                                 run_dir=run_dir)
    assert result.status == "finished", result.message
    return _rates(ends, started[0].num_train)


@pytest.mark.parametrize("slug", list(RATIO_CASES))
def test_workbench_against_plain_keras(slug, tmp_path):
    from workbench.train import release_memory

    pairs = []
    for i in range(RATIO_REPEATS):  # interleaved: the machine's load hits both sides alike
        plain = _plain_side(slug, *RATIO_CASES[slug])
        release_memory()
        ours = _workbench_side(slug, *RATIO_CASES[slug], tmp_path / f"run{i}")
        release_memory()
        pairs.append((ours, plain))
    for which, clock in ((0, "wall"), (1, "CPU")):
        ratios = [o[which] / p[which] for o, p in pairs]
        _report(f"{slug} workbench / plain Keras throughput ({clock})", "ratio", 0,
                f"median {np.median(ratios):.3f}, lowest {min(ratios):.3f} "
                f"(plain median {np.median([p[which] for _, p in pairs]):,.0f} samples/s)")
