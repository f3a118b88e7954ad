"""Train a small MLP on the embedded XOR points with a sink of your own.

A sink is any object with some of the methods `on_start`, `on_batch`,
`on_epoch`, `on_feature_maps`, `on_error`, `on_finished` (see
`workbench.train.events.TrainingSink`); the window and `workbench train`
use the same Trainer with their own sinks.

Run: python examples/train_with_a_sink.py   (a few seconds; writes only to a temporary folder)
"""

import tempfile

from workbench.data import load_dataset
from workbench.spec import LayerSpec, ModelSpec, analyze
from workbench.train import TrainConfig, Trainer


class PrintEpochs:
    """Prints one line per epoch and the outcome."""

    def on_start(self, info):
        print(f"training {info.params} params on {info.num_train} samples, {info.steps_per_epoch} steps per epoch")

    def on_epoch(self, epoch, logs):
        print(f"epoch {epoch}: loss {logs['loss']:.3f}, val_accuracy {logs['val_accuracy']:.3f}")

    def on_finished(self, result):
        print(f"{result.status} after {result.epochs_completed} epochs")


spec = ModelSpec("XOR MLP", (2,), [
    LayerSpec("hidden", "Dense", {"units": 16, "activation": "relu"}),
    LayerSpec("out", "Dense", {"units": 2, "activation": "softmax"}),
])
print(f"{spec.name}: {analyze(spec).total_params} params")  # 2·16 + 16 + 16·2 + 2 = 82
data = load_dataset("xor", seed=0)
config = TrainConfig(epochs=2, batch_size=32, learning_rate=0.01, tensorboard=False)
with tempfile.TemporaryDirectory() as folder:
    result = Trainer(config).run(spec, data, PrintEpochs(), run_dir=folder)
print("epochs in the history:", result.history["epoch"])
