#!/usr/bin/env python3
"""Write the preset gallery (workbench/presets/*.json) from one small function per network family.

ResNet-152 and DenseNet-201 have hundreds of layers, so the gallery is
generated from the blocks the papers describe instead of being written by
hand.  `tests/test_presets.py` checks that every committed preset is exactly
what these functions produce, so after changing a function run

    .venv/bin/python scripts/make_presets.py             # rewrite every preset
    .venv/bin/python scripts/make_presets.py resnet50    # or only some

Each layer's config goes through the layer catalogue: a misspelt key or a bad
value fails here, and the file keeps only what differs from Keras' defaults.
The block functions (`vgg_block`, `alexnet_stage`, `inception`,
`basic_block`, `bottleneck_block`, `dense_layer`, `dense_block`,
`transition`) also build the palette's blocks: see scripts/make_blocks.py.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from workbench.spec import INPUT, LayerSpec, ModelSpec, analyze, get_kind, save_preset
from workbench.spec.preset_io import presets_dir

IMAGENET = (224, 224, 3)
CIFAR = (32, 32, 3)


class Builder:
    """Collects layers in file order; a layer reads the previous one unless given `inputs`.

    `inputs` that name the previous layer are dropped, so the file lists them
    only where the graph branches or merges.
    """

    def __init__(self) -> None:
        self.layers: list[LayerSpec] = []

    @property
    def last(self) -> str:
        return self.layers[-1].name if self.layers else INPUT

    def add(self, type_: str, name: str, inputs: str | list[str] | None = None, **config) -> str:
        kind = get_kind(type_)
        if kind is None:
            raise ValueError(f"{name}: unknown layer type '{type_}'")
        try:
            normalized = kind.normalize_config(config)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        keep = set(kind.compact_config(normalized))
        written = {p.name: p.compact(normalized[p.name]) for p in kind.params if p.name in keep}
        if isinstance(inputs, str):
            inputs = [inputs]
        if inputs == [self.last]:
            inputs = None
        self.layers.append(LayerSpec(name, type_, written, inputs))
        return name


def training(
    *,
    learning_rate: float,
    batch_size: int,
    epochs: int,
    schedule: str,
    notes: str,
    momentum: float | None = 0.9,
    weight_decay: float | None = None,
    optimizer: str = "sgd",
) -> dict:
    """The paper's hyperparameters in the schema's key order; `schedule` reads "policy: details"."""
    out = {
        "optimizer": optimizer, "learning_rate": learning_rate, "momentum": momentum,
        "weight_decay": weight_decay, "batch_size": batch_size, "epochs": epochs,
        "schedule": schedule, "notes": notes,
    }
    return {k: v for k, v in out.items() if v is not None}


def model(name: str, family: str, description: str, input_shape, b: Builder, train: dict, **extra) -> ModelSpec:
    return ModelSpec(
        name=name, family=family, description=description, input_shape=tuple(input_shape),
        layers=b.layers, training=train, **extra,
    )


def fc_head(b: Builder, hidden: tuple[str, ...], output: str, classes: int = 1000, units: int = 4096) -> str:
    """Flatten, then FC-ReLU + dropout 0.5 per hidden layer, then the softmax classifier."""
    b.add("Flatten", "flatten")
    for name in hidden:
        b.add("Dense", name, units=units, activation="relu")
        b.add("Dropout", f"{name}_dropout", rate=0.5)
    return b.add("Dense", output, units=classes, activation="softmax")


# -- classic: LeNet-5, AlexNet, ZFNet ------------------------------------------------------------

def lenet5() -> ModelSpec:
    b = Builder()
    b.add("Conv2D", "c1", filters=6, kernel_size=5, activation="tanh")
    b.add("AveragePooling2D", "s2", pool_size=2)
    b.add("Conv2D", "c3", filters=16, kernel_size=5, activation="tanh")
    b.add("AveragePooling2D", "s4", pool_size=2)
    b.add("Flatten", "flatten")
    b.add("Dense", "c5", units=120, activation="tanh")
    b.add("Dense", "f6", units=84, activation="tanh")
    b.add("Dense", "f7", units=10, activation="softmax")
    return model(
        "LeNet-5", "classic",
        "CONV-POOL-CONV-POOL-FC-FC-FC on 32×32 grey digits. LeCun, Bottou, Bengio & Haffner, "
        "\"Gradient-based learning applied to document recognition\", Proceedings of the IEEE 86(11), 1998. "
        "Sub-sampling is 2×2 average pooling and activations are tanh; C3's partial connection table is "
        "replaced by full connections and the Euclidean RBF output layer by a softmax, as in most "
        "re-implementations. Paper training: stochastic diagonal Levenberg-Marquardt, one sample per update, "
        "no momentum or weight decay, 20 passes with a global learning rate of 0.0005 (2 passes), 0.0002 (3), "
        "0.0001 (3), 0.00005 (4), then 0.00001.",
        (32, 32, 1), b,
        training(
            learning_rate=0.01, batch_size=32, epochs=20,
            schedule="step: ×0.4, ×0.5, ×0.5, ×0.2 after epochs 2, 5, 8, 12",
            notes="Keras has no diagonal Levenberg-Marquardt: plain SGD with momentum and mini-batches of 32 "
            "stand in for it, keeping the paper's 20 epochs and the ratios of its learning-rate steps.",
        ),
    )


def alexnet_stage(b: Builder, n: int, filters: int, kernel: int, **conv) -> str:
    """AlexNet's stage n: conv n + ReLU, local response normalization, overlapping 3×3/2 max pooling."""
    b.add("Conv2D", f"conv{n}", filters=filters, kernel_size=kernel, activation="relu", **conv)
    b.add("LocalResponseNormalization", f"norm{n}")
    return b.add("MaxPooling2D", f"pool{n}", pool_size=3, strides=2)


def alexnet() -> ModelSpec:
    b = Builder()
    alexnet_stage(b, 1, 96, 11, strides=4)
    alexnet_stage(b, 2, 256, 5, padding="same", groups=2)
    b.add("Conv2D", "conv3", filters=384, kernel_size=3, padding="same", activation="relu")
    b.add("Conv2D", "conv4", filters=384, kernel_size=3, padding="same", groups=2, activation="relu")
    b.add("Conv2D", "conv5", filters=256, kernel_size=3, padding="same", groups=2, activation="relu")
    b.add("MaxPooling2D", "pool5", pool_size=3, strides=2)
    fc_head(b, ("fc6", "fc7"), "fc8")
    return model(
        "AlexNet", "classic",
        "Five convolutional and three fully connected layers on 227×227 RGB images (the paper's 224 does not "
        "tile with the 11×11/4 first layer, 227 does). conv2, conv4 and conv5 are split into two groups as on "
        "the paper's two GPUs (Conv2D groups=2) while conv3 sees both; local response normalization (k = 2, "
        "n = 5, α = 1e-4, β = 0.75) follows conv1 and conv2; overlapping 3×3/2 max pooling; dropout 0.5 in "
        "fc6 and fc7; 1000 classes. Krizhevsky, Sutskever & Hinton, \"ImageNet classification with deep "
        "convolutional neural networks\", NIPS 2012. Training: SGD, batch 128, momentum 0.9, weight decay "
        "0.0005, learning rate 0.01 divided by 10 whenever the validation error stopped improving (three times), "
        "about 90 epochs.",
        (227, 227, 3), b,
        training(
            learning_rate=0.01, weight_decay=0.0005, batch_size=128, epochs=90,
            schedule="plateau: ÷10 when the validation error stops improving",
            notes="The learning rate was reduced three times before training stopped after about 90 passes "
            "over the 1.2 million ImageNet images.",
        ),
    )


def zfnet() -> ModelSpec:
    b = Builder()
    b.add("ZeroPadding2D", "conv1_pad", padding=1)
    b.add("Conv2D", "conv1", filters=96, kernel_size=7, strides=2, activation="relu")
    b.add("MaxPooling2D", "pool1", pool_size=3, strides=2, padding="same")
    b.add("LocalResponseNormalization", "norm1")
    b.add("Conv2D", "conv2", filters=256, kernel_size=5, strides=2, activation="relu")
    b.add("MaxPooling2D", "pool2", pool_size=3, strides=2, padding="same")
    b.add("LocalResponseNormalization", "norm2")
    for name, filters in (("conv3", 512), ("conv4", 1024), ("conv5", 512)):
        b.add("Conv2D", name, filters=filters, kernel_size=3, padding="same", activation="relu")
    b.add("MaxPooling2D", "pool5", pool_size=3, strides=2)
    fc_head(b, ("fc6", "fc7"), "fc8")
    return model(
        "ZFNet", "classic",
        "AlexNet revised after visualising its features: conv1 of 96 7×7/2 filters (instead of 11×11/4), conv2 "
        "of 256 5×5/2, and conv3–conv5 of 512, 1024 and 512 3×3 filters as in the paper's larger Table 2 model "
        "(its Figure 3 draws 384, 384, 256); 3×3/2 max pooling then local response (contrast) normalization "
        "after conv1 and conv2; dropout 0.5 in fc6 and fc7; 1000 classes. The feature maps follow Figure 3 "
        "(110, 55, 26, 13, 6): conv1 has one pixel of zero padding (Keras floors (226 − 7)/2 + 1 = 110.5 to 110) "
        "and pool1 and pool2 pad 'same'. 107,627,624 parameters. Zeiler & Fergus, \"Visualizing and "
        "understanding convolutional networks\", ECCV 2014. Training: SGD, batch 128, learning rate 0.01 with "
        "momentum 0.9, annealed by hand when the validation error plateaus, 70 epochs; the paper gives no "
        "weight decay.",
        IMAGENET, b,
        training(
            learning_rate=0.01, batch_size=128, epochs=70,
            schedule="plateau: lowered by hand when the validation error plateaus",
            notes="Weights initialised to 0.01 and biases to 0; first-layer filters whose RMS exceeded 0.1 were "
            "renormalised to 0.1. 12 days on one GTX 580.",
        ),
    )


# -- VGG ------------------------------------------------------------------------------------------

#: convolutions per block: configuration D (16 layers) and E (19 layers)
VGG_BLOCKS = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_WIDTHS = (64, 128, 256, 512, 512)


def vgg_block(b: Builder, convs: int, filters: int, name: str) -> str:
    """`convs` 3×3 convolutions (stride 1, 'same', ReLU), then 2×2/2 max pooling."""
    for i in range(1, convs + 1):
        b.add("Conv2D", f"{name}_conv{i}", filters=filters, kernel_size=3, padding="same", activation="relu")
    return b.add("MaxPooling2D", f"{name}_pool")


def vgg(depth: int) -> ModelSpec:
    b = Builder()
    for block, (convs, filters) in enumerate(zip(VGG_BLOCKS[depth], VGG_WIDTHS), start=1):
        vgg_block(b, convs, filters, f"block{block}")
    fc_head(b, ("fc1", "fc2"), "predictions")
    config = "D" if depth == 16 else "E"
    return model(
        f"VGG-{depth}", "vgg",
        f"Configuration {config} of Simonyan & Zisserman, \"Very deep convolutional networks for large-scale "
        f"image recognition\", ICLR 2015: {sum(VGG_BLOCKS[depth])} 3×3 convolutions (stride 1, 'same') in five "
        "blocks of 64, 128, 256, 512 and 512 filters, each closed by 2×2/2 max pooling, then FC-4096, FC-4096 "
        f"and a 1000-way softmax. Layer names follow keras.applications.VGG{depth}; the dropout layers (0.5 "
        "after fc1 and fc2, used in the paper's training) are extra. Training: SGD, batch 256, momentum 0.9, "
        "weight decay 5e-4, learning rate 0.01 divided by 10 when the validation accuracy stopped improving "
        "(three times), stopped after 370K iterations (74 epochs).",
        IMAGENET, b,
        training(
            learning_rate=0.01, weight_decay=0.0005, batch_size=256, epochs=74,
            schedule="plateau: ÷10 when the validation accuracy stops improving",
            notes="The first four convolutions and the three FC layers were initialised from the trained "
            "11-layer configuration A; training images were rescaled (shorter side S = 256 or 384, or jittered "
            "in [256, 512]), randomly cropped to 224×224, flipped and RGB colour-shifted.",
        ),
    )


# -- Inception ------------------------------------------------------------------------------------

#: the paper's Table 1: #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
INCEPTION = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
#: modules followed by 3×3/2 max pooling, and those that feed an auxiliary classifier
INCEPTION_POOLS = {"3b": "pool3", "4e": "pool4"}
INCEPTION_AUX = {"4a": "aux1", "4d": "aux2"}


def relu_conv(b: Builder, name: str, filters: int, kernel: int, inputs=None, **config) -> str:
    """Conv + ReLU keeping the map size (a 1×1 needs no padding, so none is written)."""
    padding = "same" if kernel > 1 else "valid"
    return b.add("Conv2D", name, inputs, filters=filters, kernel_size=kernel, padding=padding, activation="relu", **config)


def inception(b: Builder, x: str, p: str, widths: tuple[int, ...]) -> str:
    """Four branches on the module input `x`, concatenated: 1×1 | 1×1→3×3 | 1×1→5×5 | 3×3 max-pool→1×1.

    `widths` is a row of the paper's Table 1 (see INCEPTION); the layers are named `{p}_1x1` and so on.
    """
    c1, r3, c3, r5, c5, proj = widths
    branch1 = relu_conv(b, f"{p}_1x1", c1, 1, x)
    relu_conv(b, f"{p}_3x3_reduce", r3, 1, x)
    branch3 = relu_conv(b, f"{p}_3x3", c3, 3)
    relu_conv(b, f"{p}_5x5_reduce", r5, 1, x)
    branch5 = relu_conv(b, f"{p}_5x5", c5, 5)
    b.add("MaxPooling2D", f"{p}_pool", x, pool_size=3, strides=1, padding="same")
    branch_pool = relu_conv(b, f"{p}_pool_proj", proj, 1)
    return b.add("Concatenate", f"{p}_output", [branch1, branch3, branch5, branch_pool])


def inception_aux(b: Builder, source: str, name: str) -> str:
    """5×5/3 average pooling, 1×1 conv 128, FC 1024, dropout 0.7, softmax (section 5 of the paper)."""
    b.add("AveragePooling2D", f"{name}_pool", source, pool_size=5, strides=3)
    relu_conv(b, f"{name}_conv", 128, 1)
    b.add("Flatten", f"{name}_flatten")
    b.add("Dense", f"{name}_fc", units=1024, activation="relu")
    b.add("Dropout", f"{name}_dropout", rate=0.7)
    return b.add("Dense", f"{name}_predictions", units=1000, activation="softmax")


def googlenet() -> ModelSpec:
    b = Builder()
    relu_conv(b, "conv1", 64, 7, strides=2)
    b.add("MaxPooling2D", "pool1", pool_size=3, strides=2, padding="same")
    b.add("LocalResponseNormalization", "norm1")
    relu_conv(b, "conv2_reduce", 64, 1)
    relu_conv(b, "conv2", 192, 3)
    b.add("LocalResponseNormalization", "norm2")
    b.add("MaxPooling2D", "pool2", pool_size=3, strides=2, padding="same")
    x, aux = b.last, []
    for name in INCEPTION:
        x = inception(b, x, f"inception_{name}", INCEPTION[name])
        if name in INCEPTION_AUX:
            aux.append(inception_aux(b, x, INCEPTION_AUX[name]))
        if name in INCEPTION_POOLS:
            x = b.add("MaxPooling2D", INCEPTION_POOLS[name], x, pool_size=3, strides=2, padding="same")
    b.add("AveragePooling2D", "pool5", x, pool_size=7, strides=1)
    b.add("Flatten", "flatten")
    b.add("Dropout", "dropout", rate=0.4)
    main = b.add("Dense", "predictions", units=1000, activation="softmax")
    return model(
        "GoogLeNet", "inception",
        "GoogLeNet (Inception v1) as in Table 1 of Szegedy, Liu, Jia, Sermanet, Reed, Anguelov, Erhan, "
        "Vanhoucke & Rabinovich, \"Going deeper with convolutions\", CVPR 2015: a 7×7/2 conv, 3×3/2 max pooling "
        "and 1×1 + 3×3 conv stem with local response normalization, nine Inception modules (1×1, 1×1→3×3, "
        "1×1→5×5 and 3×3 max-pool→1×1 branches, concatenated), 7×7 average pooling, dropout 0.4 and a 1000-way "
        "softmax. Two auxiliary classifiers (5×5/3 average pooling, 1×1 conv 128, FC 1024, dropout 0.7, "
        "softmax) sit on 4a and 4d; their losses are weighted 0.3 and they are discarded at inference. "
        "6,998,552 parameters without them, 13,378,280 with. Training: asynchronous SGD with momentum 0.9 and "
        "the learning rate decreased by 4% every 8 epochs; the paper gives no initial rate, batch size, weight "
        "decay or length, so those come from the BVLC Caffe replication (0.01, 32, 0.0002, about 250 epochs).",
        IMAGENET, b,
        training(
            learning_rate=0.01, weight_decay=0.0002, batch_size=32, epochs=250,
            schedule="exponential: ×0.96 every 8 epochs",
            notes="Paper: momentum 0.9 and ×0.96 every 8 epochs, with Polyak averaging for the final model. "
            "Learning rate, batch size, weight decay and length are the BVLC replication's solver: a step every "
            "320,000 iterations of 32 images (8 epochs), 10 million iterations (about 250 epochs).",
        ),
        outputs=[main, *aux],
        loss_weights=[1.0] + [0.3] * len(aux),
    )


# -- ResNet ---------------------------------------------------------------------------------------

RESNET_PAPER = (
    "He, Zhang, Ren & Sun, \"Deep residual learning for image recognition\", CVPR 2016"
)
RESNET_IMAGENET_TRAINING = (
    "Training: SGD, batch 256, momentum 0.9, weight decay 0.0001, learning rate 0.1 divided by 10 when the "
    "error plateaus, 60×10⁴ iterations (about 120 epochs); no dropout."
)
#: batch normalization as torch's defaults (eps 1e-5, momentum 0.1 = Keras' 0.9) and as keras.applications
BN_TORCH = {"epsilon": 1e-5, "momentum": 0.9}
BN_KERAS = {"epsilon": 1.001e-5}
#: blocks per stage
RESNET_BASIC = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}
RESNET_BOTTLENECK = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
RESNET_WIDTHS = (64, 128, 256, 512)


def resnet_training(**overrides) -> dict:
    """The paper's ImageNet recipe; the CIFAR network overrides batch, length and schedule."""
    settings = dict(
        learning_rate=0.1, weight_decay=0.0001, batch_size=256, epochs=120,
        schedule="plateau: ÷10 when the error plateaus",
        notes="60×10⁴ iterations of 256 images; scale augmentation (shorter side in [256, 480]), 224×224 "
        "random crops with horizontal flips and per-pixel mean subtraction, colour augmentation.",
    )
    settings.update(overrides)
    return training(**settings)


def conv_bn(b: Builder, name: str, inputs, filters: int, kernel: int, bn: dict, relu: bool = True, **conv) -> str:
    """`{name}_conv`, `{name}_bn` and, unless `relu` is false, `{name}_relu`."""
    b.add("Conv2D", f"{name}_conv", inputs, filters=filters, kernel_size=kernel, **conv)
    out = b.add("BatchNormalization", f"{name}_bn", **bn)
    return b.add("Activation", f"{name}_relu", activation="relu") if relu else out


def imagenet_stem(b: Builder, bn: dict, pool_name: str, use_bias: bool) -> None:
    """7×7/2 conv of 64 + BN + ReLU and 3×3/2 max pooling, zero-padded explicitly as torch and Keras do."""
    b.add("ZeroPadding2D", "conv1_pad", padding=3)
    conv_bn(b, "conv1", None, 64, 7, bn, strides=2, use_bias=use_bias)
    b.add("ZeroPadding2D", "pool1_pad", padding=1)
    b.add("MaxPooling2D", pool_name, pool_size=3, strides=2)


def basic_block(b: Builder, x: str, filters: int, stride: int, project: bool, name: str) -> str:
    """Two 3×3 convs (stride on the first, torch-style one-pixel padding when strided) + shortcut."""
    shortcut = x
    if project:
        shortcut = conv_bn(b, f"{name}_0", x, filters, 1, BN_TORCH, relu=False, strides=stride, use_bias=False)
    if stride > 1:
        x = b.add("ZeroPadding2D", f"{name}_1_pad", x, padding=1)
        conv_bn(b, f"{name}_1", x, filters, 3, BN_TORCH, strides=stride, use_bias=False)
    else:
        conv_bn(b, f"{name}_1", x, filters, 3, BN_TORCH, padding="same", use_bias=False)
    residual = conv_bn(b, f"{name}_2", None, filters, 3, BN_TORCH, relu=False, padding="same", use_bias=False)
    b.add("Add", f"{name}_add", [shortcut, residual])
    return b.add("Activation", f"{name}_out", activation="relu")


def bottleneck_block(b: Builder, x: str, filters: int, stride: int, project: bool, name: str) -> str:
    """keras.applications' residual_block_v1: 1×1 (strided), 3×3, 1×1 ×4 + shortcut, convs with bias."""
    shortcut = x
    if project:
        shortcut = conv_bn(b, f"{name}_0", x, 4 * filters, 1, BN_KERAS, relu=False, strides=stride)
    conv_bn(b, f"{name}_1", x, filters, 1, BN_KERAS, strides=stride)
    conv_bn(b, f"{name}_2", None, filters, 3, BN_KERAS, padding="same")
    residual = conv_bn(b, f"{name}_3", None, 4 * filters, 1, BN_KERAS, relu=False)
    b.add("Add", f"{name}_add", [shortcut, residual])
    return b.add("Activation", f"{name}_out", activation="relu")


def residual_stages(b: Builder, block: Callable, depths, widths, channels: int, expansion: int, classes: int) -> None:
    """Stages conv2, conv3, …: each later stage starts with stride 2; projections where the shape changes."""
    x = b.last
    for stage, (blocks, filters) in enumerate(zip(depths, widths), start=2):
        for i in range(1, blocks + 1):
            stride = 2 if stage > 2 and i == 1 else 1
            project = stride != 1 or channels != filters * expansion
            x = block(b, x, filters, stride, project, f"conv{stage}_block{i}")
            channels = filters * expansion
    b.add("GlobalAveragePooling2D", "avg_pool")
    b.add("Dense", "predictions", units=classes, activation="softmax")


def resnet_basic(depth: int) -> ModelSpec:
    b = Builder()
    imagenet_stem(b, BN_TORCH, "pool1_pool", use_bias=False)
    residual_stages(b, basic_block, RESNET_BASIC[depth], RESNET_WIDTHS, 64, 1, 1000)
    stages = ", ".join(map(str, RESNET_BASIC[depth]))
    return model(
        f"ResNet-{depth}", "resnet",
        f"ResNet-{depth} with basic blocks (two 3×3 convolutions) in four stages of [{stages}] blocks of 64, "
        "128, 256 and 512 filters, in the torchvision layout: 7×7/2 conv and 3×3/2 max pooling with torch's "
        "symmetric zero padding, convolutions without bias each followed by batch normalization (ε 1e-5, "
        "momentum 0.9, i.e. torch's 0.1), stride 2 on the first 3×3 conv of stages conv3–conv5, 1×1 projection "
        "shortcuts with batch normalization where the shape changes, global average pooling and a 1000-way "
        "softmax. Trainable parameters equal torchvision's; layer names follow keras.applications' ResNet. "
        f"{RESNET_PAPER}. {RESNET_IMAGENET_TRAINING}",
        IMAGENET, b, resnet_training(),
    )


def resnet_bottleneck(depth: int) -> ModelSpec:
    b = Builder()
    imagenet_stem(b, BN_KERAS, "pool1_pool", use_bias=True)
    residual_stages(b, bottleneck_block, RESNET_BOTTLENECK[depth], RESNET_WIDTHS, 64, 4, 1000)
    stages = ", ".join(map(str, RESNET_BOTTLENECK[depth]))
    return model(
        f"ResNet-{depth}", "resnet",
        f"ResNet-{depth} exactly as keras.applications.ResNet{depth} (same layers, names and parameters): "
        "7×7/2 conv + BN + ReLU and 3×3/2 max pooling, bottleneck blocks (1×1, 3×3, 1×1 convolutions with "
        f"4× expansion) in stages of [{stages}] blocks of 64, 128, 256 and 512 filters, stride 2 on the first "
        "1×1 conv of stages conv3–conv5 (as the original Caffe model), 1×1 projection shortcuts on each "
        "stage's first block, batch normalization (ε 1.001e-5) after every convolution, global average pooling "
        f"and a 1000-way softmax. {RESNET_PAPER}. {RESNET_IMAGENET_TRAINING}",
        IMAGENET, b, resnet_training(),
    )


def resnet_cifar(depth: int) -> ModelSpec:
    n = (depth - 2) // 6
    b = Builder()
    conv_bn(b, "conv1", None, 16, 3, BN_TORCH, padding="same", use_bias=False)
    residual_stages(b, basic_block, (n, n, n), (16, 32, 64), 16, 1, 10)
    return model(
        f"ResNet-{depth}", "resnet",
        f"The CIFAR-10 ResNet of section 4.2 of {RESNET_PAPER}, with n = {n}: a 3×3 conv of 16, three stages of "
        f"{n} basic blocks with 16, 32 and 64 filters on 32×32, 16×16 and 8×8 maps, global average pooling and "
        f"a 10-way softmax ({depth} weighted layers, ≈ 0.27M parameters). The paper's parameter-free option A "
        "shortcuts (strided identity padded with zeros) would need a Lambda layer, so the two shortcuts that "
        "change shape are 1×1 projections with batch normalization (option B); the blocks are those of the "
        "ImageNet ResNet-18 preset. Training: SGD, batch 128, momentum 0.9, weight decay 0.0001, learning rate "
        "0.1 divided by 10 at 32k and 48k iterations, stopped at 64k iterations (about 164 epochs).",
        CIFAR, b,
        resnet_training(
            batch_size=128, epochs=164,
            schedule="step: ÷10 at epochs 82 and 123 (32k and 48k iterations)",
            notes="64k iterations of 128 images on the 50k training images; 4 pixels of zero padding, random "
            "32×32 crops and horizontal flips; the schedule was chosen on a 45k/5k split.",
        ),
    )


# -- DenseNet -------------------------------------------------------------------------------------

DENSENET_PAPER = (
    "Huang, Liu, van der Maaten & Weinberger, \"Densely connected convolutional networks\", CVPR 2017"
)
DENSENET_BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32)}


def dense_layer(b: Builder, growth: int, name: str) -> str:
    """BN-ReLU-1×1 conv (4k)-BN-ReLU-3×3 conv (k), concatenated to its input (keras' conv_block)."""
    x = b.last
    b.add("BatchNormalization", f"{name}_0_bn", **BN_KERAS)
    b.add("Activation", f"{name}_0_relu", activation="relu")
    conv_bn(b, f"{name}_1", None, 4 * growth, 1, BN_KERAS, use_bias=False)
    new = b.add("Conv2D", f"{name}_2_conv", filters=growth, kernel_size=3, padding="same", use_bias=False)
    return b.add("Concatenate", f"{name}_concat", [x, new])


def dense_block(b: Builder, layers: int, growth: int, name: str) -> str:
    """`layers` dense layers `{name}_block1`, `{name}_block2`, … each adding `growth` channels."""
    for i in range(1, layers + 1):
        dense_layer(b, growth, f"{name}_block{i}")
    return b.last


def transition(b: Builder, filters: int, name: str) -> str:
    """BN-ReLU-1×1 conv to θ·channels, then 2×2/2 average pooling."""
    b.add("BatchNormalization", f"{name}_bn", **BN_KERAS)
    b.add("Activation", f"{name}_relu", activation="relu")
    b.add("Conv2D", f"{name}_conv", filters=filters, kernel_size=1, use_bias=False)
    return b.add("AveragePooling2D", f"{name}_pool", pool_size=2)


def dense_stages(b: Builder, blocks, growth: int, channels: int, compression: float, classes: int) -> None:
    """Dense blocks conv2, conv3, … with transitions pool2, pool3, … between them, then BN-ReLU-GAP-softmax."""
    for stage, layers in enumerate(blocks, start=2):
        if stage > 2:
            channels = int(channels * compression)
            transition(b, channels, f"pool{stage - 1}")
        dense_block(b, layers, growth, f"conv{stage}")
        channels += layers * growth
    b.add("BatchNormalization", "bn", **BN_KERAS)
    b.add("Activation", "relu", activation="relu")
    b.add("GlobalAveragePooling2D", "avg_pool")
    b.add("Dense", "predictions", units=classes, activation="softmax")


def densenet(depth: int) -> ModelSpec:
    b = Builder()
    imagenet_stem(b, BN_KERAS, "pool1", use_bias=False)
    dense_stages(b, DENSENET_BLOCKS[depth], 32, 64, 0.5, 1000)
    blocks = ", ".join(map(str, DENSENET_BLOCKS[depth]))
    return model(
        f"DenseNet-{depth}", "densenet",
        f"DenseNet-{depth} exactly as keras.applications.DenseNet{depth} (same layers and parameters; its two "
        "unnamed ZeroPadding2D layers are called conv1_pad and pool1_pad here): 7×7/2 conv of 64 + BN + ReLU, "
        f"3×3/2 max pooling, four dense blocks of [{blocks}] bottleneck layers (BN-ReLU-1×1 conv 128-BN-ReLU-3×3 "
        "conv 32, growth rate k = 32) whose outputs are concatenated to their inputs, transitions that halve "
        "the channels (BN-ReLU-1×1 conv, θ = 0.5) and the resolution (2×2 average pooling), BN-ReLU, global "
        f"average pooling and a 1000-way softmax. {DENSENET_PAPER}. Training (ImageNet): SGD with Nesterov "
        "momentum 0.9 without dampening, batch 256, weight decay 0.0001, learning rate 0.1 divided by 10 at "
        "epochs 30 and 60, 90 epochs.",
        IMAGENET, b,
        training(
            learning_rate=0.1, weight_decay=0.0001, batch_size=256, epochs=90,
            schedule="step: ÷10 at epochs 30 and 60",
            notes="Nesterov momentum without dampening; the ImageNet augmentation of the torch ResNet code "
            "(random crops, flips, colour jitter).",
        ),
    )


def densenet_bc_cifar(depth: int, growth: int) -> ModelSpec:
    layers = (depth - 4) // 6
    b = Builder()
    b.add("Conv2D", "conv1_conv", filters=2 * growth, kernel_size=3, padding="same", use_bias=False)
    dense_stages(b, (layers,) * 3, growth, 2 * growth, 0.5, 10)
    return model(
        f"DenseNet-BC-{depth}", "densenet",
        f"DenseNet-BC (L = {depth}, k = {growth}) for CIFAR: a 3×3 conv of 2k = {2 * growth}, three dense blocks "
        f"of {layers} bottleneck layers (BN-ReLU-1×1 conv 4k-BN-ReLU-3×3 conv k) on 32×32, 16×16 and 8×8 maps, "
        "transitions with compression θ = 0.5 (BN-ReLU-1×1 conv, 2×2 average pooling), BN-ReLU, global average "
        "pooling and a 10-way softmax; ≈ 0.8M parameters. Layer names follow keras.applications' DenseNet. "
        f"{DENSENET_PAPER}. Training (CIFAR): SGD with Nesterov momentum 0.9 without dampening, batch 64, "
        "weight decay 0.0001, learning rate 0.1 divided by 10 at 50% and 75% of 300 epochs.",
        CIFAR, b,
        training(
            learning_rate=0.1, weight_decay=0.0001, batch_size=64, epochs=300,
            schedule="step: ÷10 at epochs 150 and 225",
            notes="Nesterov momentum without dampening; with the standard augmentation (translation and "
            "horizontal flips) no dropout, without it dropout 0.2 after every convolution but the first.",
        ),
    )


#: slug (file stem) -> function building that preset
PRESETS: dict[str, Callable[[], ModelSpec]] = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "zfnet": zfnet,
    "vgg16": lambda: vgg(16),
    "vgg19": lambda: vgg(19),
    "googlenet": googlenet,
    "resnet18": lambda: resnet_basic(18),
    "resnet34": lambda: resnet_basic(34),
    "resnet50": lambda: resnet_bottleneck(50),
    "resnet101": lambda: resnet_bottleneck(101),
    "resnet152": lambda: resnet_bottleneck(152),
    "resnet20": lambda: resnet_cifar(20),
    "densenet121": lambda: densenet(121),
    "densenet169": lambda: densenet(169),
    "densenet201": lambda: densenet(201),
    "densenet_bc100": lambda: densenet_bc_cifar(100, 12),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the preset gallery from its generator functions.")
    parser.add_argument("slugs", nargs="*", metavar="SLUG", help=f"presets to write (default: all): {', '.join(PRESETS)}")
    args = parser.parse_args(argv)
    unknown = [s for s in args.slugs if s not in PRESETS]
    if unknown:
        parser.error(f"unknown preset(s): {', '.join(unknown)}")
    failed = False
    for slug in args.slugs or PRESETS:
        spec = PRESETS[slug]()
        analysis = analyze(spec)
        if analysis.errors:
            failed = True
            print(f"{slug}: not written, {len(analysis.errors)} error(s):", file=sys.stderr)
            for problem in analysis.errors:
                print(f"  {problem}", file=sys.stderr)
            continue
        save_preset(spec, presets_dir() / f"{slug}.json")
        print(
            f"{slug:15} {len(spec.layers):4} layers  {analysis.total_params:>12,} params "
            f"({analysis.trainable_params:,} trainable)  {analysis.total_macs / 1e6:9,.1f} M MACs  "
            f"{len(analysis.warnings)} warning(s)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
