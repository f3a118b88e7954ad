"""Feature maps during training: a sub-model built once, called on one fixed sample.

`model.predict` on one sample costs ~80 ms (it builds a data pipeline each
call); `predict_on_batch` on a prepared array costs ~1 ms, which is why the
probe owns its sample and its sub-model for the whole run.
"""

from __future__ import annotations

import numpy as np

from .errors import TrainError


class FeatureProbe:
    """The outputs of `layers` for one sample, as float32 arrays without the batch axis."""

    def __init__(self, model, layers: tuple[str, ...] | list[str], sample: np.ndarray):
        import keras

        if len(model.inputs) != 1:
            raise TrainError("Feature maps need a model with a single input.")
        names = {layer.name for layer in model.layers}
        outputs = []
        for name in layers:
            if name not in names:
                raise TrainError(f"Cannot show feature maps of '{name}': the model has no layer of that name.")
            try:
                output = model.get_layer(name).output
            except (AttributeError, ValueError) as exc:
                raise TrainError(f"Cannot show feature maps of '{name}': {exc}") from None
            if not hasattr(output, "shape") or isinstance(output, (list, tuple)):
                raise TrainError(f"Cannot show feature maps of '{name}': it has several outputs.")
            outputs.append(output)
        self.layers = tuple(layers)
        self.model = keras.Model(model.inputs, outputs, name="feature_probe")
        self.sample = np.ascontiguousarray(sample[:1])

    def __call__(self) -> list[tuple[str, np.ndarray]]:
        outputs = self.model.predict_on_batch(self.sample)
        if len(self.layers) == 1:
            outputs = [outputs]
        return [(name, np.asarray(out[0], dtype=np.float32)) for name, out in zip(self.layers, outputs)]
