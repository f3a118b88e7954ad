"""Deep belief nets: RBMs trained greedily layer by layer, copied into a classifier, then fine-tuned.

`pretrained_classifier` takes the functional classifier built from the
preset (Flatten, sigmoid Dense layers, softmax head) and trains one RBM per
hidden Dense layer on the previous layer's hidden probabilities (784-128,
then 128-64 for `dbn_mnist`), copying each RBM's W and hidden bias into its
Dense layer.  It also returns the same classifier from its random
initialisation, so that both are fine-tuned alike and the comparison says
honestly what pre-training bought.
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np

from workbench.keras_bridge.energy import RBM

from .rbm import RBMTrainer, hidden_features


def hidden_dense_layers(classifier: keras.Model) -> list[keras.layers.Dense]:
    """The Dense layers before the output layer, in order: the ones an RBM stack pre-trains."""
    dense = [layer for layer in classifier.layers if isinstance(layer, keras.layers.Dense)]
    if len(dense) < 2:
        raise ValueError(f"model '{classifier.name}' has {len(dense)} Dense layers; a DBN needs hidden layers and a head")
    return dense[:-1]


def pretrained_classifier(
    classifier: keras.Model, x: np.ndarray, *, epochs: int = 10, learning_rate: float = 0.05, batch_size: int = 32,
    seed: int = 0, on_stage: Callable[[int, dict], None] | None = None,
) -> tuple[keras.Model, keras.Model]:
    """(`classifier` with RBM-pre-trained hidden layers, an untouched random-init twin).

    `x` are inputs in [0, 1] (pixel intensities act as visible probabilities).
    `on_stage(index, history)` is called after each RBM with its per-epoch
    `reconstruction_mse` and `free_energy`, for the per-stage progress view.
    """
    twin = keras.models.clone_model(classifier)
    twin.set_weights(classifier.get_weights())
    features = x.reshape(len(x), -1).astype(np.float32)
    for index, dense in enumerate(hidden_dense_layers(classifier)):
        visible = keras.Input((features.shape[1],), name="visible")
        rbm = RBM(dense.units, name=f"rbm{index + 1}")
        trainer = RBMTrainer(keras.Model(visible, rbm(visible)), seed=seed + index)
        trainer.compile(optimizer=keras.optimizers.SGD(learning_rate))
        history = trainer.fit(features, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0).history
        dense.set_weights([keras.ops.convert_to_numpy(rbm.kernel), keras.ops.convert_to_numpy(rbm.hidden_bias)])
        if on_stage is not None:
            on_stage(index, history)
        features = hidden_features(rbm, features)
    return classifier, twin
