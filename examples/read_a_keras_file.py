"""Read a Keras model file made elsewhere into a spec, and print its summary.

Builds a small Keras model, saves it as .h5 in a temporary folder, then reads
it back with `workbench.keras_bridge.files.read_spec` (h5py and json only:
reading does not need TensorFlow; building the file here does).

Run: python examples/read_a_keras_file.py   (a few seconds)
"""

import tempfile
from pathlib import Path

import keras

from workbench.keras_bridge.files import read_spec
from workbench.spec import analyze
from workbench.spec.units import human, shape_text

model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
    keras.layers.MaxPooling2D(2, name="pool"),
    keras.layers.Flatten(name="flat"),
    keras.layers.Dense(10, activation="softmax", name="probs"),
], name="small_cnn")

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "small_cnn.h5"
    model.save(path)
    spec = read_spec(path)

analysis = analyze(spec)
print(f"{spec.name}: input {shape_text(spec.input_shape)}, {len(spec.layers)} layers")
for layer in spec.layers:
    info = analysis.layers[layer.name]
    print(f"  {layer.name:6} {layer.type:14} {shape_text(info.output_shape):10} {info.params:>6,} params")
print(f"total {analysis.total_params:,} params (Keras counts {model.count_params():,}), {human(analysis.total_macs)} MACs")
