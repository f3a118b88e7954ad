"""Repeated blocks found from layer names, and the graph with blocks collapsed: no Qt."""

from __future__ import annotations

from workbench.spec import LayerSpec, ModelSpec, load_named
from workbench.spec import collapse


def resnet_spec(blocks=(2, 2), width=8, input_shape=(32, 32, 3)) -> ModelSpec:
    """A small bottleneck ResNet named like keras.applications (conv2_block1_1_conv …)."""
    layers: list[LayerSpec] = []

    def add(name, type_, config=None, inputs=None):
        layers.append(LayerSpec(name, type_, config or {}, inputs))
        return name

    x = add("conv1_conv", "Conv2D", {"filters": width, "kernel_size": 3, "padding": "same"})
    x = add("conv1_relu", "Activation", {"activation": "relu"})
    filters = width
    for stage, n in enumerate(blocks, start=2):
        for b in range(1, n + 1):
            p = f"conv{stage}_block{b}"
            stride = 2 if b == 1 and stage > 2 else 1
            shortcut = x
            if b == 1:
                shortcut = add(f"{p}_0_conv", "Conv2D", {"filters": 4 * filters, "kernel_size": 1, "strides": stride}, [x])
            y = add(f"{p}_1_conv", "Conv2D", {"filters": filters, "kernel_size": 1, "strides": stride}, [x])
            y = add(f"{p}_1_bn", "BatchNormalization")
            y = add(f"{p}_2_conv", "Conv2D", {"filters": filters, "kernel_size": 3, "padding": "same"})
            y = add(f"{p}_3_conv", "Conv2D", {"filters": 4 * filters, "kernel_size": 1})
            y = add(f"{p}_add", "Add", inputs=[shortcut, y])
            x = add(f"{p}_out", "Activation", {"activation": "relu"})
        filters *= 2
    add("avg_pool", "GlobalAveragePooling2D")
    add("predictions", "Dense", {"units": 10, "activation": "softmax"})
    return ModelSpec("Small ResNet", input_shape, layers)


def densenet_spec(blocks=(2, 2), growth=4) -> ModelSpec:
    """A small DenseNet: dense layers concatenated onto their input, a transition between blocks."""
    layers: list[LayerSpec] = []

    def add(name, type_, config=None, inputs=None):
        layers.append(LayerSpec(name, type_, config or {}, inputs))
        return name

    x = add("conv1_conv", "Conv2D", {"filters": 8, "kernel_size": 3, "padding": "same"})
    channels = 8
    for stage, n in enumerate(blocks, start=2):
        for b in range(1, n + 1):
            p = f"conv{stage}_block{b}"
            y = add(f"{p}_0_bn", "BatchNormalization", inputs=[x])
            y = add(f"{p}_1_conv", "Conv2D", {"filters": growth, "kernel_size": 3, "padding": "same"})
            x = add(f"{p}_concat", "Concatenate", inputs=[x, y])
            channels += growth
        if stage < len(blocks) + 1:
            channels //= 2
            x = add(f"pool{stage}_conv", "Conv2D", {"filters": channels, "kernel_size": 1})
            x = add(f"pool{stage}_pool", "AveragePooling2D", {"pool_size": 2, "strides": 2})
    add("avg_pool", "GlobalAveragePooling2D")
    add("predictions", "Dense", {"units": 10, "activation": "softmax"})
    return ModelSpec("Small DenseNet", (16, 16, 3), layers)


def test_blocks_are_found_from_layer_names():
    blocks = collapse.find_blocks(resnet_spec())
    assert collapse.stages(blocks) == ["conv2", "conv3"]
    assert collapse.innermost(blocks) == ["conv1", "conv2_block1", "conv2_block2", "conv3_block1", "conv3_block2"]
    assert blocks["conv2_block1"].exit == "conv2_block1_out" and len(blocks["conv2_block1"].members) == 7
    assert blocks["conv3"].children == ("conv3_block1", "conv3_block2")
    dense = collapse.find_blocks(densenet_spec())
    assert set(collapse.innermost(dense)) == {"conv2_block1", "conv2_block2", "conv3_block1", "conv3_block2", "pool2"}
    assert collapse.find_blocks(load_named("lenet5")) == {}


def test_a_collapsed_block_is_one_node_whose_edges_stand_for_the_layer_connections():
    spec = resnet_spec()
    blocks = collapse.find_blocks(spec)
    graph = collapse.collapsed_graph(spec, blocks, {"conv2_block1"})
    members = blocks["conv2_block1"].members
    assert graph.nodes["block:conv2_block1"] == list(members) and len(members) == 7
    assert all(graph.hidden_by[m] == "conv2_block1" for m in members) and graph.hidden_by["conv1_conv"] is None
    # the block reads conv1_relu twice (shortcut and main path): one edge for both connections
    assert graph.edges[("conv1_relu", "block:conv2_block1")] == [
        ("conv1_relu", "conv2_block1_0_conv"), ("conv1_relu", "conv2_block1_1_conv")]
    # the exit feeds the next block's main path and its shortcut (the Add)
    assert graph.edges[("block:conv2_block1", "conv2_block2_1_conv")] == [("conv2_block1_out", "conv2_block2_1_conv")]
    assert graph.edges[("block:conv2_block1", "conv2_block2_add")] == [("conv2_block1_out", "conv2_block2_add")]
    plain = collapse.collapsed_graph(spec, blocks, set())
    assert len(plain.nodes) == len(spec.layers) + 1 and len(graph.nodes) == len(plain.nodes) - 6
