"""Restricted Boltzmann machines trained with CD-1 under `fit()`, sampled from persistent chains.

`RBMTrainer` wraps the spec's functional model (inputs, optionally
flattened, into one `RBM` layer) so that `fit()` stays the loop.  Each
`train_step` runs one step of contrastive divergence: the positive phase
from the batch, one Gibbs step for the negative phase, and the difference
of the two correlations handed to the compiled optimizer as the (negated)
gradient, so the learning rate and its schedule work as for any model.

The sample grid comes from persistent chains (PCD) kept in a non-trainable
variable and advanced one Gibbs step per batch: chains started from noise at
sampling time collapse to a grey blob, chains that follow the model all
along show digits.  Reported per epoch: `reconstruction_mse` (the batch
against its one-step reconstruction) and `free_energy` (mean F(v), lower is
more probable).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from workbench.keras_bridge.energy import RBM

from .wrapper import NetworkTrainer

#: persistent chains kept for the sample grid (a 10 × 10 mosaic)
CHAINS = 100


def rbm_layer(model: keras.Model) -> RBM:
    """The first RBM layer of a functional model."""
    for layer in model.layers:
        if isinstance(layer, RBM):
            return layer
    raise ValueError(f"model '{model.name}' has no RBM layer")


def _bernoulli(probabilities, seed):
    return ops.cast(keras.random.uniform(ops.shape(probabilities), seed=seed) < probabilities, probabilities.dtype)


@keras.saving.register_keras_serializable(package="workbench")
class RBMTrainer(NetworkTrainer):
    """CD-1 training of the RBM inside `network`; `chains` are the persistent sampling chains."""

    def __init__(self, network: keras.Model, chains: int = CHAINS, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.rbm = rbm_layer(network)
        self.chain_count = int(chains)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        visible = int(self.rbm.kernel.shape[0])
        start = np.random.default_rng(seed).random((self.chain_count, visible)) < 0.5
        self.chains = keras.Variable(start.astype("float32"), trainable=False, name="pcd_chains")
        self.mse = keras.metrics.Mean(name="reconstruction_mse")
        self.free_energy = keras.metrics.Mean(name="free_energy")

    def call(self, inputs):
        return self.network(inputs)

    @property
    def metrics(self):
        return [self.mse, self.free_energy]

    def _visible(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return ops.reshape(ops.cast(x, "float32"), (ops.shape(x)[0], -1))

    def _report(self, v0, v1):
        self.mse.update_state(ops.mean(ops.square(v0 - v1)))
        self.free_energy.update_state(ops.mean(self.rbm.free_energy(v0)))
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        v0 = self._visible(data)
        h0 = self.rbm(v0)
        v1 = self.rbm.visible_probabilities(_bernoulli(h0, self.seed_generator))
        h1 = self.rbm(v1)
        batch = ops.cast(ops.shape(v0)[0], "float32")
        grads = [
            -(ops.matmul(ops.transpose(v0), h0) - ops.matmul(ops.transpose(v1), h1)) / batch,
            -ops.mean(h0 - h1, axis=0),
            -ops.mean(v0 - v1, axis=0),
        ]
        self.optimizer.apply(grads, [self.rbm.kernel, self.rbm.hidden_bias, self.rbm.visible_bias])
        self.chains.assign(self.gibbs_step(self.chains))
        return self._report(v0, v1)

    def test_step(self, data):
        v0 = self._visible(data)
        return self._report(v0, self.rbm.visible_probabilities(self.rbm(v0)))

    def gibbs_step(self, visible):
        """v → h ~ P(h|v) → v ~ P(v|h): one step of the chain, sampled."""
        hidden = _bernoulli(self.rbm(visible), self.seed_generator)
        return _bernoulli(self.rbm.visible_probabilities(hidden), self.seed_generator)

    def get_config(self):
        return {**super().get_config(), "chains": self.chain_count, "seed": self.seed}


def gibbs_samples(trainer: RBMTrainer, steps: int = 0) -> np.ndarray:
    """The chains' visible probabilities after `steps` further Gibbs steps, as images (chains × side × side)."""
    state = trainer.chains
    for _ in range(steps):
        state = trainer.gibbs_step(state)
    probabilities = keras.ops.convert_to_numpy(trainer.rbm.visible_probabilities(trainer.rbm(state)))
    return _as_images(probabilities)


def hidden_filters(rbm: RBM, count: int = 64) -> np.ndarray:
    """The first `count` hidden units' weights as images, each scaled to [0, 1] for display."""
    weights = keras.ops.convert_to_numpy(rbm.kernel).T[:count]
    low = weights.min(axis=1, keepdims=True)
    span = np.maximum(weights.max(axis=1, keepdims=True) - low, 1e-8)
    return _as_images((weights - low) / span)


def _as_images(rows: np.ndarray) -> np.ndarray:
    side = int(round(np.sqrt(rows.shape[1])))
    if side * side != rows.shape[1]:
        return rows.astype(np.float32)
    return rows.reshape(len(rows), side, side).astype(np.float32)


def hidden_features(rbm: RBM, visible: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """P(h = 1 | v) for flattened `visible`, in numpy (inputs of the next RBM or of a linear probe)."""
    flat = visible.reshape(len(visible), -1).astype(np.float32)
    return np.concatenate([keras.ops.convert_to_numpy(rbm(flat[i:i + batch_size]))
                           for i in range(0, len(flat), batch_size)])
