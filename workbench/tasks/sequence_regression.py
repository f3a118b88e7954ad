"""Sequence regression (the adding problem): one value per sequence, mean squared error.

Reported: `val_mse` (Keras') and `epoch_below_0_01`, the first epoch whose
validation MSE fell under 0.01 (absent until one does).  The view draws
one validation sample's inputs with its markers, the recurrent layer's
hidden state at every step, and the gradient norm of the loss with respect
to each time step's input: how far back the error still reaches (a plain
RNN's gradient vanishes a few dozen steps back).
"""

from __future__ import annotations

import numpy as np

from .base import Objectives, Task, TaskError, predict
from .sequence_metrics import MSE_BAR, epoch_below

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
#: validation samples the gradient norms are averaged over
GRADIENT_SAMPLES = 64


class SequenceRegression(Task):
    name = "sequence_regression"
    inputs = "sequences (time steps × features)"
    targets = "one float value per sequence"
    reported = ("val_mse", "epoch_below_0_01")
    dataset = "adding_problem"

    def __init__(self, spec):
        super().__init__(spec)
        self.history: list[float] = []

    def check(self, dataset) -> None:
        if dataset.task != "regression" or len(dataset.input_shape) != 2:
            raise self.refuse(dataset, f"it holds {dataset.task.replace('_', ' ')} data shaped {dataset.input_shape}")

    def arrays(self, x, y):
        x, _ = super().arrays(x, y)
        return x, np.asarray(y, dtype=np.float32).reshape(len(y), -1)

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        outputs, output = self.single_output()
        return Objectives([keras.losses.MeanSquaredError()], None, [keras.metrics.MeanSquaredError(name="mse")],
                          outputs, output, "mse", "val_mse" if has_validation else "mse", "min")

    def evaluate(self, model, x, y):
        """Counts epochs (one call each) and reports the first whose validation MSE is under 0.01."""
        self.history.append(float(np.mean((predict(model, x).reshape(y.shape) - y) ** 2)))
        epoch = epoch_below(self.history, MSE_BAR)
        return {} if epoch is None else {"epoch_below_0_01": epoch}

    def recurrent_layer(self, model):
        layers = [layer for layer in model.layers if type(layer).__name__ in RECURRENT]
        if not layers:
            raise TaskError(f"{self.spec.name}: the {self.name} view needs a SimpleRNN, LSTM or GRU layer")
        return layers[0]

    def hidden_states(self, model, x: np.ndarray) -> np.ndarray:
        """The first recurrent layer's state at every step (samples × steps × units), its weights shared."""
        layer = self.recurrent_layer(model)
        config = dict(layer.get_config(), return_sequences=True, return_state=False, name=f"{layer.name}_trace")
        trace = type(layer).from_config(config)
        trace.build(tuple(layer.input.shape))
        trace.set_weights(layer.get_weights())
        return np.asarray(trace(layer_input(model, layer, x)))

    def gradient_norms(self, model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """‖∂loss/∂x_t‖ per time step, averaged over the samples."""
        import tensorflow as tf

        inputs = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_mean((model(inputs, training=False) - y) ** 2)
        grads = tape.gradient(loss, inputs).numpy()
        return np.linalg.norm(grads, axis=-1).mean(axis=0).astype(np.float32)

    def samples(self, model, x, y, dataset=None):
        """Sample 0's values and markers, its hidden-state traces and prediction; gradient norms per step."""
        shown = x[:GRADIENT_SAMPLES]
        return {
            "values": x[0, :, 0], "markers": x[0, :, 1], "target": np.float32(y[0, 0]),
            "predicted": np.float32(predict(model, x[:1])[0, 0]),
            "hidden": self.hidden_states(model, x[:1])[0].astype(np.float32),
            "gradient_norms": self.gradient_norms(model, shown, y[:GRADIENT_SAMPLES]),
        }


def layer_input(model, layer, x: np.ndarray) -> np.ndarray:
    """What `layer` receives when `model` reads `x`."""
    import keras

    if layer.input is model.inputs[0]:
        return x
    return np.asarray(keras.Model(model.inputs, layer.input)(x))
