"""The architecture graph: named layers, their inputs and the model's outputs.

A `ModelSpec` is plain data (no Keras, no Qt) so that the editor, the CLI and
the tests can build, copy and compare architectures instantly.  Everything
numeric about it (shapes, parameters, MACs) is derived by `spec.infer`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

#: Name of the implicit model input that the first layer reads by default.
INPUT = "input"
#: most layers a preset or model file may have: DenseNet-201, the largest preset, has 708
MAX_LAYERS = 20_000


@dataclass
class LayerSpec:
    """One layer: `type` is the Keras class name, `config` its constructor arguments.

    `inputs` is None when the layer reads the previous layer in the list (the
    preset format's default); it is kept as written so files round-trip.
    """

    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.config:
            out["config"] = copy.deepcopy(self.config)
        if self.inputs is not None:
            out["inputs"] = list(self.inputs)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LayerSpec":
        inputs = data.get("inputs")
        return cls(
            name=data["name"],
            type=data["type"],
            config=copy.deepcopy(data.get("config", {})),
            inputs=list(inputs) if inputs is not None else None,
        )


@dataclass
class ModelSpec:
    """A whole architecture as the preset file describes it."""

    name: str
    input_shape: tuple[int | None, ...]
    layers: list[LayerSpec] = field(default_factory=list)
    outputs: list[str] | None = None
    description: str = ""
    family: str = "custom"
    loss_weights: list[float] | None = None
    training: dict[str, Any] | None = None
    task: str = "classification"  # what it learns: a name in workbench.tasks.TASKS

    # -- graph structure -------------------------------------------------
    def layer(self, name: str) -> LayerSpec:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    def input_names(self) -> list[str]:
        """The model inputs: the implicit `input` plus any `Input` layers."""
        return [INPUT] + [l.name for l in self.layers if l.type == "Input"]

    def resolved_inputs(self, index: int) -> list[str]:
        """Inputs of layer `index`, applying the 'previous layer' default."""
        layer = self.layers[index]
        if layer.type == "Input":
            return []
        if layer.inputs is not None:
            return list(layer.inputs)
        return [self.layers[index - 1].name if index > 0 else INPUT]

    def edges(self) -> dict[str, list[str]]:
        """Layer name -> resolved input names, in file order."""
        return {l.name: self.resolved_inputs(i) for i, l in enumerate(self.layers)}

    def resolved_outputs(self) -> list[str]:
        if self.outputs:
            return list(self.outputs)
        return [self.layers[-1].name] if self.layers else [INPUT]

    def consumers(self) -> dict[str, list[str]]:
        """Name -> the layers that read it (the inverse of `edges`)."""
        out: dict[str, list[str]] = {n: [] for n in self.input_names() + self.names()}
        for name, ins in self.edges().items():
            for src in ins:
                out.setdefault(src, []).append(name)
        return out

    @property
    def keras_name(self) -> str:
        """The name as a Keras model accepts it: TensorFlow's root scopes allow no spaces or '/'."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", self.name) or "model"

    # -- copies and serialisation ---------------------------------------
    def copy(self) -> "ModelSpec":
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        from .preset_io import PRESET_VERSION

        out: dict[str, Any] = {
            "workbench_preset": PRESET_VERSION,
            "name": self.name,
            "description": self.description,
            "family": self.family,
            **({"task": self.task} if self.task != "classification" else {}),
            "input_shape": list(self.input_shape),
            "layers": [l.to_dict() for l in self.layers],
        }
        if self.outputs is not None:
            out["outputs"] = list(self.outputs)
        if self.loss_weights is not None:
            out["loss_weights"] = list(self.loss_weights)
        if self.training is not None:
            out["training"] = copy.deepcopy(self.training)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelSpec":
        outputs = data.get("outputs")
        weights = data.get("loss_weights")
        return cls(
            name=data["name"],
            input_shape=tuple(data["input_shape"]),
            layers=[LayerSpec.from_dict(l) for l in data["layers"]],
            outputs=list(outputs) if outputs is not None else None,
            description=data.get("description", ""),
            family=data.get("family", "custom"),
            loss_weights=list(weights) if weights is not None else None,
            training=copy.deepcopy(data.get("training")),
            task=data.get("task", "classification"),
        )
