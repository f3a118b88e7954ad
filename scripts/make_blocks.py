#!/usr/bin/env python3
"""Write the palette's blocks (workbench/presets/blocks/*.json) from the functions that build the presets.

Each block is built by the same function as the networks in the gallery
(`make_presets.basic_block`, `dense_layer`, `inception`, …) on an example
input; the FCN heads and the naive Inception module, which no preset holds,
are written here.  A block's parameters are found, not listed: the block is
built again with each parameter changed, and every config value that moved
becomes one of its targets, with the ratio it moved by (a bottleneck's last
1×1 conv has 4 × filters).  `tests/test_blocks.py` checks that every
committed block is exactly what this script writes, so after a change run

    .venv/bin/python scripts/make_blocks.py                  # rewrite every block
    .venv/bin/python scripts/make_blocks.py resnet_basic     # or only some
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))  # make_presets sits beside this script

from make_presets import (  # noqa: E402
    DENSENET_PAPER,
    INCEPTION,
    RESNET_PAPER,
    Builder,
    alexnet_stage,
    basic_block,
    bottleneck_block,
    dense_block,
    dense_layer,
    inception,
    relu_conv,
    transition,
    vgg_block,
)

from workbench.spec import INPUT, LayerSpec, ModelSpec, get_kind  # noqa: E402
from workbench.spec.blocks import (  # noqa: E402
    INPUT_CHANNELS,
    Block,
    BlockParameter,
    Target,
    block_from_data,
    bundled_blocks_dir,
    save_block,
)

#: the name the preset functions are given here; it is dropped from the block's layer names
LOCAL = "x"
VGG_PAPER = "Simonyan & Zisserman, \"Very deep convolutional networks for large-scale image recognition\", ICLR 2015"
ALEXNET_PAPER = (
    "Krizhevsky, Sutskever & Hinton, \"ImageNet classification with deep convolutional neural networks\", NIPS 2012"
)
INCEPTION_PAPER = "Szegedy et al., \"Going deeper with convolutions\", CVPR 2015"
FCN_PAPER = "Long, Shelhamer & Darrell, \"Fully convolutional networks for semantic segmentation\", CVPR 2015"
#: the channels entering DenseNet-121's first transition (64 + 6 × 32)
TRANSITION_INPUT = (56, 56, 256)
#: Table 1 columns of an Inception module, as parameter names and labels
INCEPTION_WIDTHS = (
    ("n1x1", "#1×1"), ("n3x3_reduce", "#3×3 reduce"), ("n3x3", "#3×3"),
    ("n5x5_reduce", "#5×5 reduce"), ("n5x5", "#5×5"), ("pool_proj", "pool proj"),
)


@dataclass(frozen=True)
class Knob:
    """A block parameter as a recipe declares it; its targets are found by `find_targets`."""

    default: int | float
    label: str = ""
    help: str = ""
    minimum: float | None = 1
    maximum: float | None = None
    per_input_channel: bool = False  # value × the input's channels (DenseNet's θ)

    @property
    def type(self) -> str:
        return "float" if isinstance(self.default, float) else "int"

    def probe(self) -> int | float:
        """Another valid value, to see which config values follow this one."""
        return self.default / 2 if self.type == "float" else self.default + 1


@dataclass(frozen=True)
class Recipe:
    title: str
    family: str
    description: str
    input_shape: tuple[int, ...]
    build: Callable[..., str]  # build(builder, **parameter values) -> the output layer
    knobs: dict[str, Knob] = field(default_factory=dict)


def build_layers(recipe: Recipe, values: dict) -> tuple[list[LayerSpec], str]:
    """The recipe's layers with the `x_` of the preset functions' names dropped, and its output."""
    b = Builder()
    out = recipe.build(b, **values)

    def local(name: str) -> str:
        return name[len(LOCAL) + 1:] if name.startswith(f"{LOCAL}_") else name

    layers = [
        LayerSpec(local(l.name), l.type, l.config, None if l.inputs is None else [local(s) for s in l.inputs])
        for l in b.layers
    ]
    return layers, local(out)


def find_targets(recipe: Recipe, name: str, layers: list[LayerSpec]) -> tuple[Target, ...]:
    """The config values that change when parameter `name` does, with their ratio to it."""
    knob = recipe.knobs[name]
    values = {k: v.default for k, v in recipe.knobs.items()}
    probe = knob.probe()
    changed, _ = build_layers(recipe, {**values, name: probe})
    if [(l.name, l.type) for l in changed] != [(l.name, l.type) for l in layers]:
        raise ValueError(f"{recipe.title}: parameter '{name}' changes the block's layers, not only their values")
    targets = []
    for before, after in zip(layers, changed):
        kind = get_kind(before.type)
        old, new = kind.normalize_config(before.config), kind.normalize_config(after.config)
        for key in (p.name for p in kind.params if old[p.name] != new[p.name]):
            moved = new[key][0] if isinstance(new[key], tuple) else new[key]
            if knob.per_input_channel:
                scale = INPUT_CHANNELS
            else:
                ratio = moved / probe
                scale = int(ratio) if ratio == int(ratio) else ratio
            targets.append(Target(before.name, key, scale))
    if not targets:
        raise ValueError(f"{recipe.title}: parameter '{name}' changes nothing")
    return tuple(targets)


def make_block(slug: str, recipe: Recipe) -> Block:
    """The block as its file holds it, validated like any block file that is read."""
    layers, out = build_layers(recipe, {k: v.default for k, v in recipe.knobs.items()})
    parameters = {
        name: BlockParameter(
            name, knob.type, knob.default, find_targets(recipe, name, layers),
            knob.minimum, knob.maximum, knob.label, knob.help,
        )
        for name, knob in recipe.knobs.items()
    }
    spec = ModelSpec(recipe.title, recipe.input_shape, layers, description=recipe.description, family=recipe.family)
    ports = (INPUT, *(l.name for l in layers if l.type == "Input"))
    block = Block(slug, spec, ports, (out,), parameters)
    return block_from_data(block.to_data(), slug, f"block '{slug}'")


# -- blocks no preset holds -----------------------------------------------------------------------

def inception_naive(b: Builder, n1x1: int, n3x3: int, n5x5: int) -> str:
    """Figure 2(a) of the Inception paper: 1×1, 3×3 and 5×5 convs and 3×3 max pooling side by side."""
    branches = [relu_conv(b, name, filters, kernel, INPUT) for name, filters, kernel in
                (("1x1", n1x1, 1), ("3x3", n3x3, 3), ("5x5", n5x5, 5))]
    branches.append(b.add("MaxPooling2D", "pool", INPUT, pool_size=3, strides=1, padding="same"))
    return b.add("Concatenate", "output", branches)


def fcn_skip(b: Builder, classes: int, skip_shape: tuple[int, ...]) -> str:
    """FCN's skip fusion: coarse scores upsampled ×2 by a learnt 4×4/2 deconvolution, plus a 1×1
    scoring of a finer pooling output (`skip`)."""
    b.add("Input", "skip", shape=list(skip_shape))
    up = b.add("Conv2DTranspose", "up", INPUT, filters=classes, kernel_size=4, strides=2, padding="same", use_bias=False)
    score = b.add("Conv2D", "score", "skip", filters=classes, kernel_size=1)
    return b.add("Add", "fuse", [up, score])


def fcn_upsample(b: Builder, classes: int, factor: int) -> str:
    """FCN's head: 1×1 class scores, a 2f×2f/f deconvolution back to the image size, per-pixel softmax."""
    b.add("Conv2D", "score", filters=classes, kernel_size=1)
    b.add("Conv2DTranspose", "up", filters=classes, kernel_size=2 * factor, strides=factor, padding="same", use_bias=False)
    return b.add("Activation", "softmax", activation="softmax")


def _vgg(convs: int, input_shape, filters: int, where: str) -> Recipe:
    return Recipe(
        f"VGG block, {convs} × conv", "vgg",
        f"{convs} 3×3 convolutions (stride 1, 'same', ReLU) and 2×2/2 max pooling, as {where}. {VGG_PAPER}.",
        input_shape, lambda b, filters: vgg_block(b, convs, filters, LOCAL),
        {"filters": Knob(filters, help="filters of every convolution")},
    )


def _residual(kind: str, project: bool, input_shape, filters: int, stride: int, where: str) -> Recipe:
    function = basic_block if kind == "basic" else bottleneck_block
    expansion = "" if kind == "basic" else "; the last 1×1 has 4×"
    knobs = {"filters": Knob(filters, help=f"filters of the 3×3 convolution{expansion}")}
    if project:
        knobs["stride"] = Knob(stride, help="stride of the first convolution and of the shortcut")
    body = ("two 3×3 convolutions with batch normalization (torchvision's layout)" if kind == "basic"
            else "1×1, 3×3 and 1×1 ×4 convolutions with batch normalization (keras.applications' layout)")
    shortcut = ("a 1×1 projection shortcut with batch normalization, for a change of stride or width" if project
                else "an identity shortcut (input and output shapes must agree)")
    return Recipe(
        f"Residual {kind} block, {'projection' if project else 'identity'} shortcut", "resnet",
        f"{body.capitalize()}, {shortcut}, added and passed through ReLU; as {where}. {RESNET_PAPER}.",
        input_shape,
        lambda b, filters, stride=1: function(b, INPUT, filters, stride, project, LOCAL),
        knobs,
    )


GROWTH = Knob(32, "growth rate k", "channels each dense layer adds (its 1×1 bottleneck has 4k)")

#: slug (file stem) -> recipe, in palette order
BLOCKS: dict[str, Recipe] = {
    "vgg_double": _vgg(2, (224, 224, 3), 64, "blocks 1 and 2 of VGG-16 and VGG-19"),
    "vgg_triple": _vgg(3, (56, 56, 128), 256, "blocks 3–5 of VGG-16"),
    "vgg_quad": _vgg(4, (56, 56, 128), 256, "blocks 3–5 of VGG-19"),
    "alexnet_stage": Recipe(
        "AlexNet stage", "classic",
        f"A convolution with ReLU, local response normalization (k = 2, n = 5, α = 1e-4, β = 0.75) and "
        f"overlapping 3×3/2 max pooling: AlexNet's first stage (96 11×11/4 filters). {ALEXNET_PAPER}.",
        (227, 227, 3),
        lambda b, filters, kernel, stride: alexnet_stage(b, 1, filters, kernel, strides=stride),
        {"filters": Knob(96), "kernel": Knob(11, "kernel size"), "stride": Knob(4)},
    ),
    "inception_naive": Recipe(
        "Inception module, naive", "inception",
        "1×1, 3×3 and 5×5 convolutions (ReLU) and 3×3 max pooling on the same input, concatenated: Figure 2(a), "
        f"widths of module 3a. The pooling branch passes all input channels on, so the width grows. {INCEPTION_PAPER}.",
        (28, 28, 192), inception_naive,
        {"n1x1": Knob(64, "#1×1"), "n3x3": Knob(128, "#3×3"), "n5x5": Knob(32, "#5×5")},
    ),
    "inception": Recipe(
        "Inception module, 1×1 bottlenecks", "inception",
        "1×1 | 1×1→3×3 | 1×1→5×5 | 3×3 max pooling→1×1 branches, concatenated: Figure 2(b) with the widths of "
        f"module 3a from Table 1; the 1×1 reductions keep the 3×3 and 5×5 convolutions cheap. {INCEPTION_PAPER}.",
        (28, 28, 192),
        lambda b, **w: inception(b, INPUT, LOCAL, tuple(w[name] for name, _ in INCEPTION_WIDTHS)),
        {name: Knob(width, label) for (name, label), width in zip(INCEPTION_WIDTHS, INCEPTION["3a"])},
    ),
    "resnet_basic": _residual("basic", False, (56, 56, 64), 64, 1, "conv2_block2 of ResNet-18"),
    "resnet_basic_proj": _residual("basic", True, (56, 56, 64), 128, 2, "conv3_block1 of ResNet-18"),
    "resnet_bottleneck": _residual("bottleneck", False, (56, 56, 256), 64, 1, "conv2_block2 of ResNet-50"),
    "resnet_bottleneck_proj": _residual("bottleneck", True, (56, 56, 256), 128, 2, "conv3_block1 of ResNet-50"),
    "dense_layer": Recipe(
        "Dense layer", "densenet",
        "BN-ReLU-1×1 conv (4k)-BN-ReLU-3×3 conv (k), concatenated to its input: one bottleneck layer of a "
        f"DenseNet-BC dense block, which adds k channels. {DENSENET_PAPER}.",
        (56, 56, 64), lambda b, growth_rate: dense_layer(b, growth_rate, LOCAL), {"growth_rate": GROWTH},
    ),
    "dense_block": Recipe(
        "Dense block, 6 layers", "densenet",
        "Six dense layers (BN-ReLU-1×1 conv 4k-BN-ReLU-3×3 conv k, each concatenated to all before it), "
        f"DenseNet-121's first dense block: 64 + 6k channels out. {DENSENET_PAPER}.",
        (56, 56, 64), lambda b, growth_rate: dense_block(b, 6, growth_rate, LOCAL), {"growth_rate": GROWTH},
    ),
    "transition": Recipe(
        "Transition layer", "densenet",
        "BN-ReLU-1×1 conv to ⌊θ · channels⌋ then 2×2/2 average pooling: what joins two dense blocks, "
        f"shrinking the width by the compression θ and halving the resolution. {DENSENET_PAPER}.",
        TRANSITION_INPUT,
        lambda b, compression: transition(b, int(TRANSITION_INPUT[-1] * compression), LOCAL),
        {"compression": Knob(0.5, "compression θ", "output channels per input channel", minimum=0.01,
                             maximum=1, per_input_channel=True)},
    ),
    "fcn_skip": Recipe(
        "FCN skip fusion", "fcn",
        "The coarse class scores (input) upsampled ×2 by a learnt 4×4/2 deconvolution and added to a 1×1 scoring "
        "of a pooling output twice as fine (skip), as FCN-16s fuses pool4 and FCN-8s pool3; connect the skip "
        f"input to that pooling layer. {FCN_PAPER}.",
        (7, 7, 21), lambda b, classes: fcn_skip(b, classes, (14, 14, 512)),
        {"classes": Knob(21, help="classes scored per pixel (PASCAL VOC: 21)")},
    ),
    "fcn_upsample": Recipe(
        "FCN upsampling head", "fcn",
        "1×1 class scores, a 2f×2f/f deconvolution that brings them back to the image size and a per-pixel "
        f"softmax: FCN-32s's head on the 7×7 fc7 map (f = 32). {FCN_PAPER}.",
        (7, 7, 4096), fcn_upsample,
        {"classes": Knob(21, help="classes scored per pixel (PASCAL VOC: 21)"),
         "factor": Knob(32, "upsampling factor f", "the deconvolution's stride; its kernel is 2f")},
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the palette's blocks from the preset functions.")
    parser.add_argument("slugs", nargs="*", metavar="SLUG", help=f"blocks to write (default: all): {', '.join(BLOCKS)}")
    args = parser.parse_args(argv)
    unknown = [s for s in args.slugs if s not in BLOCKS]
    if unknown:
        parser.error(f"unknown block(s): {', '.join(unknown)}")
    for slug in args.slugs or BLOCKS:
        block = make_block(slug, BLOCKS[slug])
        path = save_block(block, bundled_blocks_dir())
        params = ", ".join(f"{name} = {p.default:g}" for name, p in block.parameters.items())
        print(f"{slug:24} {len(block.spec.layers):3} layers  {params}  -> {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
