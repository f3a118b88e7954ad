"""Feature maps during training: a sub-model built once, called on one fixed sample.

`model.predict` on one sample costs ~80 ms (it builds a data pipeline each
call); `predict_on_batch` on a prepared array costs ~1 ms, which is why the
probe owns its sample and its sub-model for the whole run.
"""

from __future__ import annotations

import threading

import numpy as np

from .errors import TrainError


def check_layers(model, layers) -> None:
    """TrainError naming the first of `layers` the model does not have."""
    names = {layer.name for layer in model.layers}
    for name in layers:
        if name not in names:
            raise TrainError(f"Cannot show feature maps of '{name}': the model has no layer of that name.")


class FeatureProbe:
    """The outputs of `layers` for one sample, as float32 arrays without the batch axis."""

    def __init__(self, model, layers: tuple[str, ...] | list[str], sample: np.ndarray):
        import keras

        if len(model.inputs) != 1:
            raise TrainError("Feature maps need a model with a single input.")
        check_layers(model, layers)
        outputs = []
        for name in layers:
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


class LiveProbe:
    """Which layers' feature maps a run shows, on which of a fixed set of samples; changeable mid-run.

    `request(layers, sample)` may come from any thread (the window's layer
    and sample pickers); the training thread calls `shoot(model)`, which
    builds the `FeatureProbe` sub-model once per choice of layers and only
    swaps the sample otherwise.  `samples` are model-ready inputs, set
    before the run (the Trainer uses the first validation sample when nobody
    set them).  `shown` is the (layers, sample) the last shot computed.
    """

    def __init__(self, layers: tuple[str, ...] = (), sample: int = 0):
        self._lock = threading.Lock()
        self._wanted = (tuple(layers), sample)
        self.samples: np.ndarray | None = None
        self.shown: tuple[tuple[str, ...], int] | None = None
        self._probe: FeatureProbe | None = None
        self._model = None

    def request(self, layers: tuple[str, ...] | list[str] | str | None, sample: int = 0) -> None:
        if isinstance(layers, str):
            layers = (layers,)
        with self._lock:
            self._wanted = (tuple(layers or ()), int(sample))

    @property
    def wanted(self) -> tuple[tuple[str, ...], int]:
        with self._lock:
            return self._wanted

    @property
    def active(self) -> bool:
        return bool(self.wanted[0]) and self.samples is not None and len(self.samples) > 0

    def shoot(self, model) -> list[tuple[str, np.ndarray]]:
        """The wanted layers' outputs for the wanted sample; raises TrainError for a layer the model lacks."""
        layers, sample = self.wanted
        if not layers or self.samples is None or len(self.samples) == 0:
            return []
        sample = min(max(sample, 0), len(self.samples) - 1)
        inputs = self.samples[sample:sample + 1]
        if self._probe is None or self._probe.layers != layers or self._model is not model:
            self._probe = None
            self._probe = FeatureProbe(model, layers, inputs)
            self._model = model
        self._probe.sample = np.ascontiguousarray(inputs)
        maps = self._probe()
        self.shown = (layers, sample)
        return maps

    def forget_model(self) -> None:
        """Drop the sub-model (and with it the model) once a run's model is released."""
        self._probe = None
        self._model = None
