"""Generative and energy-based models: Hopfield storage and recall, RBM CD-1, GAN steps, saving, presets."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from workbench.data.patterns import digit_prototypes, flip_bits  # noqa: E402
from workbench.data.registry import load_dataset  # noqa: E402
from workbench.keras_bridge import build  # noqa: E402
from workbench.keras_bridge.energy import RBM, Hopfield  # noqa: E402
from workbench.spec import analyze, load_named  # noqa: E402
from workbench.spec.networks_io import load_named_networks  # noqa: E402
from workbench.tasks.gan import GANTrainer, label_agreement, sample_grid, fixed_noise  # noqa: E402
from workbench.tasks.hopfield import HopfieldNetwork, energy, exact_recall, hebbian_weights, overlaps, recall  # noqa: E402
from workbench.tasks.rbm import RBMTrainer, gibbs_samples, hidden_filters  # noqa: E402


def _patterns(count, units=100, seed=0):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(count, units)), rng


@pytest.mark.parametrize("seed", range(5))
def test_energy_never_increases_during_asynchronous_recall(seed):
    patterns, rng = _patterns(12, seed=seed)
    start = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(1, 100))
    result = recall(hebbian_weights(patterns), start, rng, trace=True)
    steps = np.diff(result.energies)
    assert len(result.energies) == 100 * result.sweeps + 1
    assert steps.max() <= 1e-9 and steps.min() < 0
    assert np.allclose(result.trace[-1], result.states[0])


def test_hebbian_recall_of_five_patterns_with_ten_flipped_bits_is_exact():
    patterns, rng = _patterns(5, seed=3)
    probes = flip_bits(patterns, 10, rng)
    assert np.all((probes != patterns).sum(axis=1) == 10)
    assert exact_recall(hebbian_weights(patterns), patterns, probes, rng) == 1.0


def test_pseudo_inverse_stores_the_ten_digit_prototypes_hebbian_does_not():
    digits = load_dataset("mnist_subset", validation_split=0.0)
    prototypes = digit_prototypes(digits.x_train, digits.y_train)
    assert prototypes.shape == (10, 100) and set(np.unique(prototypes)) == {-1.0, 1.0}
    inputs = keras.Input((100,))
    stored = {}
    for rule in ("pseudo_inverse", "hebbian"):
        layer = Hopfield(rule)
        network = HopfieldNetwork(keras.Model(inputs, layer(inputs)))
        network.compile()
        network.fit(prototypes, batch_size=10, epochs=1, verbose=0)
        weights = network.weights_array()
        assert np.allclose(weights, weights.T, atol=1e-5) and np.allclose(np.diag(weights), 0.0)
        stored[rule] = float(np.mean(np.all(network.recall(prototypes, seed=0).states == prototypes, axis=1)))
    assert stored["pseudo_inverse"] == 1.0
    assert stored["hebbian"] <= 0.3


def test_hopfield_layer_matches_numpy_hebbian_and_overlaps():
    patterns, _ = _patterns(4)
    inputs = keras.Input((100,))
    layer = Hopfield()
    keras.Model(inputs, layer(inputs))
    layer.store(patterns)
    assert np.allclose(keras.ops.convert_to_numpy(layer.kernel), hebbian_weights(patterns), atol=1e-6)
    assert np.allclose(np.diag(overlaps(patterns, patterns)), 1.0)
    assert energy(hebbian_weights(patterns), patterns).max() < 0


def _rbm_trainer(visible=784, hidden=16, seed=0):
    inputs = keras.Input((visible,))
    return RBMTrainer(keras.Model(inputs, RBM(hidden, name="rbm")(inputs)), chains=9, seed=seed)


def test_rbm_reconstruction_error_drops_over_a_few_batches():
    digits = load_dataset("mnist_subset", max_samples=640, validation_split=0.0)
    x = (digits.x_train.reshape(-1, 784) > 127).astype(np.float32)
    keras.utils.set_random_seed(0)
    trainer = _rbm_trainer()
    trainer.compile(optimizer=keras.optimizers.SGD(0.05))
    before = trainer.evaluate(x, batch_size=64, verbose=0, return_dict=True)["reconstruction_mse"]
    trainer.fit(x, batch_size=32, epochs=1, verbose=0)
    after = trainer.evaluate(x, batch_size=64, verbose=0, return_dict=True)["reconstruction_mse"]
    assert before > 0.2 and after < 0.8 * before
    assert gibbs_samples(trainer, steps=2).shape == (9, 28, 28)
    filters = hidden_filters(trainer.rbm, count=4)
    assert filters.shape == (4, 28, 28) and filters.min() == 0.0 and filters.max() == 1.0


def test_rbm_preset_counts_101264_params_like_keras():
    spec = load_named("rbm_mnist")
    assert analyze(spec).total_params == 101_264 == build(spec).count_params()


@pytest.mark.parametrize("slug, generator, discriminator", [
    ("cdcgan_mnist", 390_913, 41_633), ("dcgan_mnist", None, None), ("gan_mlp_mnist", None, None),
])
def test_gan_presets_count_params_like_keras(slug, generator, discriminator):
    networks = load_named_networks(slug)
    for key, expected in (("generator", generator), ("discriminator", discriminator)):
        spec = networks.network(key)
        counted = analyze(spec).total_params
        assert counted == build(spec).count_params()
        if expected is not None:
            assert counted == expected


def test_conditional_gan_trains_two_steps_and_saves_both_networks(tmp_path):
    networks = load_named_networks("cdcgan_mnist")
    keras.utils.set_random_seed(0)
    generator, discriminator = build(networks.network("generator")), build(networks.network("discriminator"))
    gan = GANTrainer(generator, discriminator)
    gan.compile()
    assert gan.conditional and gan.latent_dim == 100 and gan.classes == 10
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(16, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, size=16)
    before = [w.copy() for w in generator.get_weights()]
    logs = gan.fit(x, y, batch_size=8, epochs=1, verbose=0).history
    assert set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v[-1]) for v in logs.values())
    assert 0 < logs["d_real"][-1] < 1 and 0 < logs["d_fake"][-1] < 1
    assert any(not np.allclose(a, b) for a, b in zip(before, generator.get_weights()))
    grid = sample_grid(generator, fixed_noise(100))
    assert grid.shape == (280, 280) and 0.0 <= grid.min() and grid.max() <= 1.0
    for name, model in (("generator", generator), ("discriminator", discriminator)):
        model.save(tmp_path / f"{name}.h5")
        loaded = keras.models.load_model(tmp_path / f"{name}.h5")
        assert loaded.count_params() == model.count_params()
    loaded = keras.models.load_model(tmp_path / "generator.h5")
    noise, labels = fixed_noise(100, 1, 4), np.eye(10, dtype=np.float32)[:4]
    assert np.allclose(loaded.predict_on_batch([noise, labels]), generator.predict_on_batch([noise, labels]), atol=1e-5)
    always_three = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                     keras.layers.Dense(10, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant([0, 0, 0, 9, 0, 0, 0, 0, 0, 0]))])
    assert label_agreement(generator, always_three, per_class=5) == pytest.approx(0.1)


def test_rbm_and_hopfield_models_load_with_plain_keras(tmp_path):
    rbm_model = build(load_named("rbm_mnist"))
    hopfield_model = build(load_named("hopfield_100"))
    patterns, _ = _patterns(3)
    network = HopfieldNetwork(hopfield_model)
    network.compile()
    network.fit(patterns, batch_size=3, epochs=1, verbose=0)
    for name, model in (("rbm", rbm_model), ("hopfield", hopfield_model)):
        model.save(tmp_path / f"{name}.h5")
        loaded = keras.models.load_model(tmp_path / f"{name}.h5")
        assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
        for a, b in zip(loaded.get_weights(), model.get_weights()):
            assert np.array_equal(a, b)
    loaded = keras.models.load_model(tmp_path / "hopfield.h5")
    assert np.array_equal(loaded.predict_on_batch(patterns), patterns)
