"""What a run records about itself and feeds to `fit` besides the model: library versions, TensorBoard,
timestamps, and streamed data for models with several outputs."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np


def library_versions() -> dict[str, str]:
    """The versions that decide whether a run can be reproduced, for run.json."""
    import h5py
    import keras

    import workbench

    backend = keras.backend.backend()
    versions = {
        "workbench": workbench.__version__,
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": backend,
        "numpy": np.__version__,
        "h5py": h5py.__version__,
    }
    module = sys.modules.get(backend)  # Keras has imported its backend already
    if module is not None:
        versions[backend] = getattr(module, "__version__", "")
    return versions


def tensorboard_callback(log_dir: Path):
    """Keras' TensorBoard callback, when the TensorFlow backend and the tensorboard package are there."""
    import importlib.util

    import keras

    if keras.backend.backend() != "tensorflow" or importlib.util.find_spec("tensorboard") is None:
        return None
    return keras.callbacks.TensorBoard(str(log_dir), write_graph=False, update_freq="epoch", profile_batch=0)


def summary(record: dict) -> dict:
    """run.json without the spec (the .h5 carries that in its own attribute)."""
    return {k: v for k, v in record.items() if k != "spec"}


def iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(timestamp))


def repeat_targets(batches, outputs: int):
    """A stream whose labels are repeated for each model output (GoogLeNet's auxiliary heads)."""
    if outputs == 1:
        return batches
    import keras

    class RepeatTargets(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=batches.workers, use_multiprocessing=False,
                             max_queue_size=batches.max_queue_size)

        def __len__(self):
            return len(batches)

        def __getitem__(self, index):
            x, y = batches[index]
            return x, (y,) * outputs

        def on_epoch_end(self):
            batches.on_epoch_end()

    return RepeatTargets()
