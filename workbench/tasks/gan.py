"""Generative adversarial networks: one discriminator and one generator step per batch under `fit()`.

`GANTrainer` holds the two functional models built from a preset's
`networks` ("generator", "discriminator").  Its `train_step` is the
DCGAN recipe: the discriminator learns real (label 0.9, one-sided
smoothing) against generated (label 0) with binary cross-entropy on its
logit, then the generator learns to make the discriminator say "real"
(non-saturating loss, −log D(G(z))), each network with its own Adam
(2·10⁻⁴, β₁ = 0.5).  A conditional GAN feeds the one-hot label to both: the
generator reads [z, label] and the discriminator [image, label] (the
preset tiles the label into 10 channels inside the discriminator).

Reported per epoch: `d_loss`, `g_loss`, `d_real` (mean D(x)) and `d_fake`
(mean D(G(z))).  The gradient steps use TensorFlow's GradientTape, the
backend the workbench trains with.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

#: one-sided label smoothing: the discriminator's target for real images
REAL_LABEL = 0.9


def gan_optimizer() -> keras.optimizers.Optimizer:
    """Adam(2·10⁻⁴, β₁ = 0.5): Radford et al.'s setting, one per network."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


@keras.saving.register_keras_serializable(package="workbench")
class GANTrainer(keras.Model):
    """Trains `generator` against `discriminator`; conditional when the generator has a label input."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.seed = int(seed)
        self.conditional = len(generator.inputs) > 1
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.classes = int(generator.inputs[1].shape[-1]) if self.conditional else 0
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = [keras.metrics.Mean(name=n) for n in ("d_loss", "g_loss", "d_real", "d_fake")]

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Two optimizers; `optimizer` (what the trainer reports and schedules) is the generator's."""
        self.d_optimizer = d_optimizer or gan_optimizer()
        super().compile(optimizer=g_optimizer or gan_optimizer(), **kwargs)

    @property
    def metrics(self):
        return self.trackers

    def call(self, inputs):
        return self.generator(inputs)

    def noise(self, count):
        return keras.random.normal((count, self.latent_dim), seed=self.seed_generator)

    def _split(self, data):
        x, y = (data[0], data[1]) if isinstance(data, tuple) else (data, None)
        if not self.conditional:
            return x, None
        if y is None:
            raise ValueError("a conditional GAN needs labels with its images")
        if len(y.shape) == 1:
            y = ops.one_hot(ops.cast(y, "int32"), self.classes)
        return x, ops.cast(y, "float32")

    def _inputs(self, first, labels):
        return [first, labels] if self.conditional else first

    def train_step(self, data):
        real, labels = self._split(data)
        count = ops.shape(real)[0]
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        fake = self.generator(self._inputs(self.noise(count), labels), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(self._inputs(real, labels), training=True)
            fake_logits = self.discriminator(self._inputs(fake, labels), training=True)
            d_loss = (bce(ops.full_like(real_logits, REAL_LABEL), real_logits)
                      + bce(ops.zeros_like(fake_logits), fake_logits))
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(d_loss, weights), weights)
        with tf.GradientTape() as tape:
            generated = self.generator(self._inputs(self.noise(count), labels), training=True)
            judged = self.discriminator(self._inputs(generated, labels), training=True)
            g_loss = bce(ops.ones_like(judged), judged)
        weights = self.generator.trainable_weights
        self.optimizer.apply(tape.gradient(g_loss, weights), weights)
        values = (d_loss, g_loss, ops.mean(ops.sigmoid(real_logits)), ops.mean(ops.sigmoid(fake_logits)))
        for tracker, value in zip(self.trackers, values):
            tracker.update_state(value)
        return {t.name: t.result() for t in self.trackers}

    def get_config(self):
        return {**super().get_config(), "seed": self.seed,
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator)}

    @classmethod
    def from_config(cls, config):
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(generator, discriminator, **config)


def fixed_noise(latent_dim: int, rows: int = 10, cols: int = 10, seed: int = 0) -> np.ndarray:
    """The grid's noise, drawn once per run so each epoch's grid shows the same z."""
    return np.random.default_rng(seed).standard_normal((rows * cols, latent_dim)).astype(np.float32)


def grid_labels(classes: int, rows: int = 10, cols: int = 10) -> np.ndarray:
    """One-hot labels for the grid: row r asks for digit r (mod classes)."""
    return np.eye(classes, dtype=np.float32)[np.repeat(np.arange(rows) % classes, cols)]


def sample_grid(generator: keras.Model, noise: np.ndarray, rows: int = 10, cols: int = 10) -> np.ndarray:
    """One (rows·H) × (cols·W) mosaic in [0, 1] of the generator's samples for `noise` (one digit per row if conditional)."""
    inputs = noise
    if len(generator.inputs) > 1:
        inputs = [noise, grid_labels(int(generator.inputs[1].shape[-1]), rows, cols)]
    images = np.asarray(generator.predict_on_batch(inputs), dtype=np.float32)
    images = np.clip((images + 1.0) / 2.0, 0.0, 1.0)
    height, width = images.shape[1], images.shape[2]
    tiles = images[..., 0].reshape(rows, cols, height, width)
    return tiles.transpose(0, 2, 1, 3).reshape(rows * height, cols * width)


def label_agreement(generator: keras.Model, classifier: keras.Model, *, per_class: int = 100, seed: int = 0) -> float:
    """The share of conditional samples that `classifier` assigns to the digit they were asked for."""
    classes = int(generator.inputs[1].shape[-1])
    noise = np.random.default_rng(seed).standard_normal((classes * per_class, generator.inputs[0].shape[-1]))
    wanted = np.repeat(np.arange(classes), per_class)
    images = generator.predict([noise.astype(np.float32), np.eye(classes, dtype=np.float32)[wanted]],
                               batch_size=500, verbose=0)
    if classifier.inputs[0].shape[1] != images.shape[1]:
        images = lenet_inputs(images)
    predicted = np.argmax(classifier.predict(images, batch_size=500, verbose=0), axis=-1)
    return float(np.mean(predicted == wanted))


def lenet_inputs(images: np.ndarray) -> np.ndarray:
    """28 × 28 images in [−1, 1] padded with background (−1) to LeNet-5's 32 × 32."""
    return np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)


def agreement_classifier(x: np.ndarray, y: np.ndarray, *, epochs: int = 5, seed: int = 0, cache=None) -> keras.Model:
    """A LeNet-5 (the bundled preset) trained on the GAN's own images in [−1, 1], once per run.

    `cache` is a path: a classifier saved there is reused, otherwise the
    trained one is saved there, so each epoch's label agreement costs only
    the predictions.  The returned model takes 28 × 28 images (it pads them).
    """
    from pathlib import Path

    from workbench.keras_bridge import build
    from workbench.spec import load_named, with_classes

    if cache is not None and Path(cache).is_file():
        return keras.models.load_model(cache)
    keras.utils.set_random_seed(seed)
    lenet = build(with_classes(load_named("lenet5"), int(np.max(y)) + 1))
    lenet.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    lenet.fit(lenet_inputs(x), y, batch_size=64, epochs=epochs, verbose=0)
    if cache is not None:
        lenet.save(cache)
    return lenet
