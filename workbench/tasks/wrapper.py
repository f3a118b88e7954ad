"""The base of the train-step models that wrap one functional network (perceptron, RBM, Hopfield).

Each trains `self.network` with its own rule; `.h5` files hold the network
itself (`Task.saved_model`), and this config round trip lets Keras rebuild
the wrapper too.  Subclasses add their own constructor arguments to
`get_config` and take them back as keywords.
"""

from __future__ import annotations

import keras


class NetworkTrainer(keras.Model):
    """A `keras.Model` holding `network`, the functional model it trains."""

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network)}

    @classmethod
    def from_config(cls, config):
        network = keras.saving.deserialize_keras_object(config.pop("network"))
        return cls(network, **config)
