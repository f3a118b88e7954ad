"""Small specs several test and benchmark files train: tiny enough for a CPU, real enough to learn."""

from __future__ import annotations

from workbench.spec import LayerSpec, ModelSpec


def mlp(name: str = "mlp", hidden: int = 16) -> ModelSpec:
    """Two inputs, one ReLU layer of `hidden` units, two softmax classes (xor, moons, spirals)."""
    return ModelSpec(
        name=name,
        input_shape=(2,),
        layers=[
            LayerSpec("hidden", "Dense", {"units": hidden, "activation": "relu"}),
            LayerSpec("out", "Dense", {"units": 2, "activation": "softmax"}),
        ],
    )
