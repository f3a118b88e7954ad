"""Spec <-> Keras: build a keras.Model from a spec; read a Keras model or model file back into a spec.

Importing this package does not import Keras: `read_spec` and `read_metadata`
(what `workbench summary model.h5` uses) work from the file with h5py/zipfile
and json, and must not wait seconds for TensorFlow.  `build`, `load_model` and
the workbench's own layers load Keras on first use.

The workbench's own layers (`LocalResponseNormalization`) and optimizers
(`Rprop`) are registered with Keras as soon as both this package and Keras are
imported, in either order, so that plain `keras.models.load_model(path)` (safe
mode) reads saved files that use them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

from .architecture import architecture
from .convert import from_keras, spec_from_config
from .errors import BridgeError, ModelFileError
from .files import load_model, read_metadata, read_spec

#: the modules that register our Keras classes when imported
_REGISTERING = (f"{__name__}.layers", f"{__name__}.optimizers")
#: names exported from modules that import Keras, loaded when first used
_LAZY = {
    "build": "builder", "make_layer": "builder", "LocalResponseNormalization": "layers", "CUSTOM_LAYERS": "layers",
    "Rprop": "optimizers", "CUSTOM_OPTIMIZERS": "optimizers",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _register() -> None:
    for module in _REGISTERING:
        importlib.import_module(module)


class _RegisterWithKeras(importlib.abc.MetaPathFinder):
    """Imports our registering modules right after `keras` itself finishes importing.

    Registration needs Keras' base classes; running it at Keras' import
    (rather than here) keeps this package light to import.
    """

    def find_spec(self, fullname, path, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        exec_keras = spec.loader.exec_module

        def exec_module(module):
            exec_keras(module)
            _register()

        spec.loader.exec_module = exec_module
        return spec


if "keras" in sys.modules:
    _register()
elif not any(isinstance(finder, _RegisterWithKeras) for finder in sys.meta_path):
    sys.meta_path.insert(0, _RegisterWithKeras())

__all__ = [
    "BridgeError", "CUSTOM_LAYERS", "CUSTOM_OPTIMIZERS", "architecture", "LocalResponseNormalization", "ModelFileError",
    "Rprop", "build", "from_keras", "load_model", "make_layer", "read_metadata", "read_spec", "spec_from_config",
]
