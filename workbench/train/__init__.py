"""Headless training: `Trainer(config).run(spec, dataset, sink)`, run folders, atomic model files.

Never imports Qt.  Importing this package does not import Keras either:
`TrainConfig`, the sink helpers, `RunDir` and the errors are light, so the
GUI can build its training form while TensorFlow is still loading; the
functions that need Keras import it when called, and `Trainer` loads it on
first use.
"""

from __future__ import annotations

import importlib

from ..atomic import SaveError, sweep_stale_temps, write_text_atomic
from .batches import BatchChunk
from .config import AUTO, FIELDS, OPTIMIZERS, SCHEDULES, TrainConfig
from .device import DeviceInfo, describe_device
from .errors import ConfigError, TrainError
from .events import EVENTS, CallbackSink, StartInfo, Throttle, TrainingSink, as_sink
from .h5_save import ATTR_HISTORY, ATTR_PRESET, ATTR_RUN, save_model, workbench_metadata
from .memory import release_memory
from .probe import FeatureProbe, LiveProbe
from .result import DIVERGED, FAILED, FINISHED, STOPPED, TrainResult
from .run_dir import Checkpoint, RunDir, default_runs_root, history_columns, new_run_path

#: name -> module, for the exports whose module imports Keras at import time
_LAZY = {
    "Trainer": "trainer",
    "library_versions": "run_info",
    "RunControl": "callbacks",
    "TrainingCallback": "callbacks",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ATTR_HISTORY", "ATTR_PRESET", "ATTR_RUN", "AUTO", "BatchChunk", "CallbackSink", "Checkpoint", "ConfigError", "DIVERGED", "DeviceInfo",
    "EVENTS", "FAILED", "FIELDS", "FINISHED", "FeatureProbe", "LiveProbe", "OPTIMIZERS", "RunControl", "RunDir", "SCHEDULES", "STOPPED",
    "SaveError", "StartInfo", "Throttle", "TrainConfig", "TrainError", "TrainResult", "Trainer", "TrainingCallback",
    "TrainingSink", "as_sink", "default_runs_root", "describe_device", "history_columns", "library_versions",
    "new_run_path", "release_memory", "save_model", "sweep_stale_temps", "workbench_metadata", "write_text_atomic",
]
