"""The workbench's own Keras layers, registered so that plain Keras can load them.

`LocalResponseNormalization`: AlexNet's cross-channel normalisation, which
Keras 3 does not ship; `LayerScale`: ConvNeXt's learned per-channel scale,
which keras.applications defines but does not export.  They are written
with `keras.ops` alone so that they run on every Keras backend, and
registered under the "workbench" package so that a saved `.h5`/`.keras`
file naming them loads with `keras.models.load_model(path)` (safe mode) once
this module is imported.
"""

from __future__ import annotations

import keras

from .convert import PACKAGE
from .energy import RBM, Hopfield


@keras.saving.register_keras_serializable(package=PACKAGE)
class LocalResponseNormalization(keras.layers.Layer):
    """b = a / (bias + alpha · Σ a²)^beta, the sum over 2·depth_radius + 1 neighbouring channels.

    Krizhevsky et al. 2012, section 3.3 (k = 2, n = 5, α = 1e-4, β = 0.75);
    the same definition as `tf.nn.local_response_normalization`: alpha scales
    the plain sum of squares (not its mean) and the window is truncated at the
    first and last channel.
    """

    def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4, beta: float = 0.75, **kwargs):
        super().__init__(**kwargs)
        if int(depth_radius) != depth_radius or depth_radius < 0:
            raise ValueError(f"depth_radius must be a non-negative integer, got {depth_radius!r}")
        self.depth_radius = int(depth_radius)
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        channels = inputs.shape[-1]
        if channels is None:
            raise ValueError("LocalResponseNormalization needs a known number of channels")
        r = self.depth_radius
        squares = keras.ops.square(inputs)
        padding = [(0, 0)] * (len(inputs.shape) - 1) + [(r, r)]
        padded = keras.ops.pad(squares, padding)
        window = padded[..., 0:channels]
        for offset in range(1, 2 * r + 1):
            window = window + padded[..., offset:offset + channels]
        return inputs / keras.ops.power(self.bias + self.alpha * window, self.beta)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha, beta=self.beta)
        return config


@keras.saving.register_keras_serializable(package=PACKAGE)
class LayerScale(keras.layers.Layer):
    """x · γ with one trainable γ per channel, initialised to `init_values` (ConvNeXt, Liu et al. 2022):
    the same weights and config as keras.applications.convnext.LayerScale, so its files convert both ways."""

    def __init__(self, init_values: float, projection_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.init_values = float(init_values)
        self.projection_dim = int(projection_dim)

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=keras.initializers.Constant(self.init_values), trainable=True)

    def call(self, inputs):
        return inputs * self.gamma

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(init_values=self.init_values, projection_dim=self.projection_dim)
        return config


#: catalogue type -> class, for the layers Keras itself does not provide
CUSTOM_LAYERS = {cls.__name__: cls for cls in (LocalResponseNormalization, LayerScale, RBM, Hopfield)}


class NotEqual(keras.Operation):
    """`keras.ops.not_equal(x, y)`: the mask an Embedding with mask_zero passes on, as Keras saves it.

    Keras 3 records that mask (a recurrent encoder's, say) as a `NotEqual`
    op node in the model's config, `{"class_name": "NotEqual", "config":
    {"name": ...}}` called on (token ids, 0), and exports the op's class
    nowhere.  Its legacy `.h5` reader looks the bare name up among layers and
    registered objects, so this operation (an operation, not a layer: it is
    called with the plain 0 as its second argument) is registered under that
    bare name through the public custom-object table, not under
    "workbench>NotEqual": a model that uses it saves the very entry Keras
    writes itself, so files saved before and after read back alike, in safe
    mode.  The output spec is Keras' own trace of `call`.
    """

    def call(self, x, y):
        return keras.ops.not_equal(x, y)


keras.saving.get_custom_objects().setdefault(NotEqual.__name__, NotEqual)
