"""Presets of several named networks (a GAN's generator and discriminator).

A multi-network preset holds `"networks": {name: single-network preset body}`
instead of `input_shape`/`layers`; each body is a `ModelSpec` of its own, so
everything that works on one network (inference, the builder, the editor,
the diff) works on each unchanged.  `NetworkSet` is the file's top level;
`fit_problems` checks that the networks plug into each other: the
generator's output is the discriminator's input, and every condition input
(an `Input` layer such as the one-hot label of a conditional GAN) appears in
both with the same shape.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .graph import INPUT, ModelSpec
from .infer import analyze

#: the networks a GAN preset names, in the order they are shown and saved
GAN_NETWORKS = ("generator", "discriminator")


@dataclass
class NetworkSet:
    """The top level of a multi-network preset: shared metadata and one spec per named network."""

    name: str
    networks: dict[str, ModelSpec] = field(default_factory=dict)
    description: str = ""
    family: str = "custom"
    task: str = "gan"
    training: dict[str, Any] | None = None

    def network(self, name: str) -> ModelSpec:
        if name not in self.networks:
            raise KeyError(f"{self.name}: no network '{name}' (it has {', '.join(self.networks)})")
        return self.networks[name]

    def copy(self) -> "NetworkSet":
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        from .preset_io import PRESET_VERSION

        out: dict[str, Any] = {
            "workbench_preset": PRESET_VERSION, "name": self.name, "description": self.description,
            "family": self.family, "task": self.task,
            "networks": {key: _body(spec.to_dict()) for key, spec in self.networks.items()},
        }
        if self.training is not None:
            out["training"] = copy.deepcopy(self.training)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NetworkSet":
        networks = {
            key: ModelSpec.from_dict({"name": body.get("name", key), **body}) for key, body in data["networks"].items()
        }
        return cls(
            name=data["name"], networks=networks, description=data.get("description", ""),
            family=data.get("family", "custom"), task=data.get("task", "gan"),
            training=copy.deepcopy(data.get("training")),
        )


def _body(network: dict[str, Any]) -> dict[str, Any]:
    """A network as it stands inside "networks": no version key, no empty description or default family."""
    network.pop("workbench_preset", None)
    if not network.get("description"):
        network.pop("description", None)
    if network.get("family") == "custom":
        network.pop("family", None)
    return network


def total_params(model: ModelSpec | NetworkSet) -> int:
    """A model's parameters, or all its networks' together."""
    specs = model.networks.values() if isinstance(model, NetworkSet) else [model]
    return sum(analyze(spec).total_params for spec in specs)


def _condition_inputs(spec: ModelSpec) -> dict[str, tuple]:
    """The `Input` layers besides the implicit one: name -> shape."""
    return {l.name: tuple(l.config.get("shape", ())) for l in spec.layers if l.type == "Input"}


def fit_problems(networks: NetworkSet) -> list[str]:
    """Why the generator cannot feed the discriminator, one line per mismatch (empty when it can)."""
    missing = [n for n in GAN_NETWORKS if n not in networks.networks]
    if missing:
        return [f"{networks.name}: a GAN needs networks {' and '.join(GAN_NETWORKS)}; missing {', '.join(missing)}"]
    generator, discriminator = networks.network("generator"), networks.network("discriminator")
    analyses = {"generator": analyze(generator), "discriminator": analyze(discriminator)}
    broken = [f"{networks.name}: {key}: {problem}" for key, analysis in analyses.items() for problem in analysis.errors]
    if broken:
        return broken
    problems = []
    outputs = generator.resolved_outputs()
    if len(outputs) != 1:
        problems.append(f"{networks.name}: the generator has {len(outputs)} outputs ({', '.join(outputs)}); it needs one image")
    else:
        made = tuple(analyses["generator"].layers[outputs[0]].output_shape)
        wanted = tuple(discriminator.input_shape)
        if made != wanted:
            problems.append(
                f"{networks.name}: the generator's output '{outputs[0]}' is {list(made)} but the "
                f"discriminator's input '{INPUT}' is {list(wanted)}"
            )
    made_inputs, read_inputs = _condition_inputs(generator), _condition_inputs(discriminator)
    for name in sorted(set(made_inputs) | set(read_inputs)):
        if name not in read_inputs:
            problems.append(f"{networks.name}: the generator's condition input '{name}' is not an input of the discriminator")
        elif name not in made_inputs:
            problems.append(f"{networks.name}: the discriminator's condition input '{name}' is not an input of the generator")
        elif made_inputs[name] != read_inputs[name]:
            problems.append(
                f"{networks.name}: condition input '{name}' is {list(made_inputs[name])} in the generator but "
                f"{list(read_inputs[name])} in the discriminator"
            )
    return problems
