"""Pure-Python model of architectures: graph, catalogue, inference, presets.

Imports neither Qt nor TensorFlow/Keras (a test checks), so the editor's
numbers are instant and the CLI's `summary` never waits for TensorFlow.
"""

from .catalogue import CATEGORIES, KINDS, LayerKind, Param, by_category, get_kind
from .graph import INPUT, LayerSpec, ModelSpec
from .infer import Analysis, LayerInfo, Problem, analyze
from .overrides import head_layers, num_classes, with_classes, with_input_shape
from .preset_io import (
    PRESET_VERSION,
    PresetError,
    dumps,
    load_named,
    load_preset,
    parse_preset,
    preset_paths,
    save_preset,
    spec_from_data,
)

__all__ = [
    "CATEGORIES", "INPUT", "KINDS", "PRESET_VERSION", "Analysis", "LayerInfo", "LayerKind", "LayerSpec",
    "ModelSpec", "Param", "PresetError", "Problem", "analyze", "by_category", "dumps", "get_kind",
    "head_layers", "load_named", "load_preset", "num_classes", "parse_preset", "preset_paths",
    "save_preset", "spec_from_data", "with_classes", "with_input_shape",
]
