"""The energy-based layers: an RBM and a Hopfield network, registered for plain Keras loading.

Both hold their weights like any Keras layer, so a model containing them
saves to `.h5` and `keras.models.load_model(path)` reopens it in safe mode
once this module is imported.  Their learning rules (CD-1, Hebbian or
pseudo-inverse storage) belong to the tasks that train them
(`workbench.tasks.rbm`, `workbench.tasks.hopfield`); the layers only offer
the pieces those rules need.
"""

from __future__ import annotations

import keras
from keras import ops

from .convert import PACKAGE

HOPFIELD_RULES = ("hebbian", "pseudo_inverse")


@keras.saving.register_keras_serializable(package=PACKAGE)
class RBM(keras.layers.Layer):
    """Binary visible and hidden units; `call(v)` is P(h = 1 | v) = σ(vW + b_h).

    W starts at N(0, 0.01²) and both biases at zero (Hinton's practical
    guide), which keeps the first Gibbs steps close to uniform.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        visible = int(input_shape[-1])
        self.kernel = self.add_weight(
            name="kernel", shape=(visible, self.units),
            initializer=keras.initializers.RandomNormal(stddev=0.01),
        )
        self.hidden_bias = self.add_weight(name="hidden_bias", shape=(self.units,), initializer="zeros")
        self.visible_bias = self.add_weight(name="visible_bias", shape=(visible,), initializer="zeros")

    def call(self, visible):
        return ops.sigmoid(ops.matmul(visible, self.kernel) + self.hidden_bias)

    def visible_probabilities(self, hidden):
        """P(v = 1 | h) = σ(hWᵀ + b_v)."""
        return ops.sigmoid(ops.matmul(hidden, ops.transpose(self.kernel)) + self.visible_bias)

    def free_energy(self, visible):
        """F(v) = −v·b_v − Σ_j softplus(vW + b_h)_j, per sample (lower is more probable)."""
        pre = ops.matmul(visible, self.kernel) + self.hidden_bias
        return -ops.sum(visible * self.visible_bias, axis=-1) - ops.sum(ops.softplus(pre), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package=PACKAGE)
class Hopfield(keras.layers.Layer):
    """N ±1 units with a symmetric, zero-diagonal W that is stored, never trained.

    `call(s)` is one synchronous update s ← sign(sW) (a unit with zero
    field keeps its state); recall proper is asynchronous and runs outside
    the graph (`workbench.tasks.hopfield.recall`).
    """

    def __init__(self, rule: str = "hebbian", **kwargs):
        super().__init__(**kwargs)
        if rule not in HOPFIELD_RULES:
            raise ValueError(f"Hopfield rule must be one of {', '.join(HOPFIELD_RULES)}, got {rule!r}")
        self.rule = rule

    def build(self, input_shape):
        units = int(input_shape[-1])
        self.kernel = self.add_weight(name="kernel", shape=(units, units), initializer="zeros", trainable=False)

    def call(self, states):
        field = ops.matmul(states, self.kernel)
        return ops.where(field > 0, 1.0, ops.where(field < 0, -1.0, states))

    def weights_for(self, patterns):
        """W for the ±1 rows of `patterns` (P × N) under this layer's rule, diagonal zeroed.

        Hebbian: W = ξᵀξ / N.  Pseudo-inverse (projection) rule: W = ξᵀ C⁻¹ ξ / N
        with C = ξξᵀ / N, which makes every linearly independent pattern a fixed
        point however correlated the patterns are.
        """
        patterns = ops.cast(patterns, self.kernel.dtype)
        units = ops.shape(patterns)[-1]
        if self.rule == "hebbian":
            weights = ops.matmul(ops.transpose(patterns), patterns) / units
        else:
            overlaps = ops.matmul(patterns, ops.transpose(patterns)) / units
            weights = ops.matmul(ops.transpose(patterns), ops.matmul(ops.inv(overlaps), patterns)) / units
        return weights * (1.0 - ops.eye(units, dtype=self.kernel.dtype))

    def store(self, patterns):
        """Replace W by the weights storing `patterns` (storage is idempotent: one call holds them all)."""
        self.kernel.assign(self.weights_for(patterns))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rule": self.rule}
