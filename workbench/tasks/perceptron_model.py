"""Rosenblatt's perceptron as a Keras model: fit() runs the perceptron rule, not back-propagation.

The spec is one Dense unit on the flat inputs (its net input w·x + b); the
unit fires (o = 1) when the net input is above 0.  Each step moves the
weights by Δw = η Σ (t − o) x and the bias by η Σ (t − o) over the batch
(batch size 1 is the textbook rule, one point at a time); η is the
optimizer's learning rate, which only carries the value (no gradient is
taken).  The wrapped functional model is what gets saved, so plain
`keras.models.load_model` opens the file; its output is the net input.

The step logs `online_accuracy`: the share of points the rule had right
when it saw them, before their update.  That is not the unit's accuracy:
on XOR the online rule falls into a cycle where every point is wrong when
it comes (each update undoes the last), while the weights at the epoch's
end classify half of them right.  The epoch's `accuracy` is therefore
measured after the epoch on the whole training set (`Perceptron.train_logs`);
validation (`test_step`) measures the unit as it stands.
"""

from __future__ import annotations

import keras
from keras import ops

from .wrapper import NetworkTrainer


def _fires(net):
    return ops.cast(ops.greater(net, 0.0), net.dtype)


@keras.saving.register_keras_serializable(package="workbench")
class PerceptronModel(NetworkTrainer):
    """`network`: a functional model ending in one linear Dense unit."""

    def __init__(self, network: keras.Model, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.unit = network.layers[-1]
        self.accuracy_tracker = keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.5)
        self.online_tracker = keras.metrics.BinaryAccuracy(name="online_accuracy", threshold=0.5)

    def call(self, inputs, training=False):
        return _fires(self.network(inputs, training=training))

    @property
    def metrics(self):
        return [self.accuracy_tracker, self.online_tracker]

    def train_step(self, data):
        x, t = data[0], data[1]
        x = ops.cast(x, "float32")
        t = ops.reshape(ops.cast(t, "float32"), (-1, 1))
        fired = self(x)
        self.online_tracker.update_state(t, fired)  # before the update: the points the rule had right
        error = t - fired
        rate = ops.cast(self.optimizer.learning_rate, "float32")
        self.unit.kernel.assign_add(rate * ops.matmul(ops.transpose(x), error))
        self.unit.bias.assign_add(rate * ops.sum(error, axis=0))
        self.optimizer.iterations.assign_add(1)
        return {"online_accuracy": self.online_tracker.result()}

    def test_step(self, data):
        x, t = data[0], data[1]
        self.accuracy_tracker.update_state(ops.reshape(ops.cast(t, "float32"), (-1, 1)), self(x))
        return {"accuracy": self.accuracy_tracker.result()}

