"""Blocks (spec layer): the bundled files are what scripts/make_blocks.py writes, each one
instantiates into a valid graph with the parameter count worked out by hand, parameters reach
every target, and a selection saved as a block comes back with the same layers."""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from workbench.spec import INPUT, LayerSpec, ModelSpec, analyze, load_named
from workbench.spec.block_edits import block_from_selection, find_instance, instance_for_layers, instantiate, slugify
from workbench.spec.blocks import BlockError, block_paths, bundled_blocks_dir, dumps_block, load_block, parse_block, save_block

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

#: slug -> (parameters counted by hand, output shape) on the block's own example input
EXPECTED = {
    # conv 3×3×3×64 + 64, conv 3×3×64×64 + 64; 2×2/2 pooling halves 224
    "vgg_double": ((3 * 3 * 3 * 64 + 64) + (3 * 3 * 64 * 64 + 64), (112, 112, 64)),
    "vgg_triple": ((9 * 128 * 256 + 256) + 2 * (9 * 256 * 256 + 256), (28, 28, 256)),
    "vgg_quad": ((9 * 128 * 256 + 256) + 3 * (9 * 256 * 256 + 256), (28, 28, 256)),
    # 11×11×3×96 + 96; (227 − 11) / 4 + 1 = 55, then 3×3/2 pooling: 27
    "alexnet_stage": (11 * 11 * 3 * 96 + 96, (27, 27, 96)),
    # three convs on 192 channels; the pooling branch passes the 192 on: 64 + 128 + 32 + 192
    "inception_naive": ((192 * 64 + 64) + (9 * 192 * 128 + 128) + (25 * 192 * 32 + 32), (28, 28, 416)),
    # Table 1, module 3a: 1×1 64 | 96 → 3×3 128 | 16 → 5×5 32 | pool → 32, with biases
    "inception": (
        (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) + (25 * 16 * 32 + 32)
        + (192 * 32 + 32),
        (28, 28, 256),
    ),
    # two 3×3 convs of 64 without bias + two batch norms of 64 (γ, β, mean, variance)
    "resnet_basic": (2 * (3 * 3 * 64 * 64) + 2 * 4 * 64, (56, 56, 64)),
    # projection 1×1 64→128, 3×3 64→128 (stride 2), 3×3 128→128, each with a batch norm of 128
    "resnet_basic_proj": (64 * 128 + 9 * 64 * 128 + 9 * 128 * 128 + 3 * 4 * 128, (28, 28, 128)),
    # 1×1 256→64, 3×3 64→64, 1×1 64→256 with biases; batch norms of 64, 64, 256
    "resnet_bottleneck": (
        (256 * 64 + 64) + (9 * 64 * 64 + 64) + (64 * 256 + 256) + 4 * (64 + 64 + 256), (56, 56, 256),
    ),
    "resnet_bottleneck_proj": (
        (256 * 512 + 512) + (256 * 128 + 128) + (9 * 128 * 128 + 128) + (128 * 512 + 512)
        + 4 * (512 + 128 + 128 + 512),
        (28, 28, 512),
    ),
    # BN 64, 1×1 64→128 (4k), BN 128, 3×3 128→32 (k); no biases; 64 + 32 channels out
    "dense_layer": (4 * 64 + 64 * 128 + 4 * 128 + 9 * 128 * 32, (56, 56, 96)),
    # six such layers on 64, 96, …, 224 channels
    "dense_block": (sum(4 * c + c * 128 + 4 * 128 + 9 * 128 * 32 for c in range(64, 256, 32)), (56, 56, 256)),
    # BN 256, 1×1 256→128 (θ = 0.5) without bias; 2×2 pooling
    "transition": (4 * 256 + 256 * 128, (28, 28, 128)),
    # 4×4 deconvolution 21→21 without bias, 1×1 conv 512→21 with bias
    "fcn_skip": (4 * 4 * 21 * 21 + (512 * 21 + 21), (14, 14, 21)),
    # 1×1 conv 4096→21 with bias, 64×64 deconvolution 21→21 without bias, back to 7 × 32 = 224
    "fcn_upsample": ((4096 * 21 + 21) + 64 * 64 * 21 * 21, (224, 224, 21)),
}


def residual_spec() -> ModelSpec:
    """stem -> (left, right 1×1) -> merge on 8×8×3."""
    return ModelSpec("Tiny residual", (8, 8, 3), [
        LayerSpec("stem", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
        LayerSpec("left", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
        LayerSpec("right", "Conv2D", {"filters": 4, "kernel_size": 1}, ["stem"]),
        LayerSpec("merge", "Add", {}, ["left", "right"]),
    ])


@lru_cache(maxsize=1)
def generator():
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location("make_blocks", SCRIPTS / "make_blocks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_blocks"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def bundled(slug: str):
    return load_block(block_paths(bundled_blocks_dir())[slug])


def wired(block, params=None, input_channels=None) -> tuple[ModelSpec, list[LayerSpec]]:
    """The block instantiated after the model input (extra ports: Input layers of the file's shapes)."""
    ports = [layer for layer in block.spec.layers if layer.type == "Input"]
    layers = instantiate(block, params, [p.name for p in ports], [INPUT, *(p.name for p in ports)],
                         input_channels=input_channels)
    return ModelSpec("wired", block.spec.input_shape, ports + layers), layers


def test_the_bundled_blocks_are_the_generated_set():
    recipes = generator().BLOCKS
    assert sorted(block_paths(bundled_blocks_dir())) == sorted(recipes) == sorted(EXPECTED)
    for slug, recipe in recipes.items():
        expected = block_paths(bundled_blocks_dir())[slug].read_text(encoding="utf-8")
        assert dumps_block(generator().make_block(slug, recipe)) == expected, slug


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_block_instantiates_into_a_valid_graph_with_the_hand_counted_params(slug):
    block = bundled(slug)
    spec, layers = wired(block)
    result = analyze(spec)
    assert result.errors == []
    params, shape = EXPECTED[slug]
    assert result.total_params == params
    assert layers[-1].name == f"{slug}1_{block.outputs[0]}"
    assert result.layers[layers[-1].name].output_shape == shape
    assert all(layer.name.startswith(f"{slug}1_") for layer in layers)
    assert block.description and "20" in block.description  # cites its paper's year


def test_keras_counts_and_shapes_agree_with_the_spec_for_every_block():
    from workbench.keras_bridge import build

    for slug in EXPECTED:
        model = build(wired(bundled(slug))[0])
        assert model.count_params() == EXPECTED[slug][0], slug
        assert tuple(model.outputs[0].shape[1:]) == EXPECTED[slug][1], slug


def test_resnet_basic_block_is_73728_weights_and_512_batch_norm_values():
    result = analyze(wired(bundled("resnet_basic"))[0])
    assert (result.total_params, result.trainable_params, result.non_trainable_params) == (74_240, 73_984, 256)


def test_instantiating_twice_gives_unique_names_and_chains():
    block = bundled("resnet_bottleneck")
    first = instantiate(block, existing_names=["stem"], input_name="stem")
    second = instantiate(block, existing_names=["stem"] + [l.name for l in first], input_name=first[-1].name)
    assert first[0].name == "resnet_bottleneck1_1_conv" and second[0].name == "resnet_bottleneck2_1_conv"
    assert not {l.name for l in first} & {l.name for l in second}
    assert second[0].inputs == ["resnet_bottleneck1_out"]
    assert [l for l in second if l.name.endswith("_add")][0].inputs == ["resnet_bottleneck1_out", "resnet_bottleneck2_3_bn"]
    stem = LayerSpec("stem", "Conv2D", {"filters": 256, "kernel_size": 1})
    result = analyze(ModelSpec("two blocks", (56, 56, 64), [stem] + first + second))
    assert result.errors == []
    assert result.total_params == 64 * 256 + 256 + 2 * EXPECTED["resnet_bottleneck"][0]


def test_parameters_reach_every_target():
    block = bundled("resnet_bottleneck_proj")
    layers = {l.name.split("_", 3)[-1]: l for l in instantiate(block, {"filters": 32, "stride": 1})}
    assert [layers[n].config["filters"] for n in ("0_conv", "1_conv", "2_conv", "3_conv")] == [128, 32, 32, 128]
    assert "strides" not in layers["0_conv"].config and "strides" not in layers["1_conv"].config
    spec = ModelSpec("x", (56, 56, 256), list(layers.values()))
    assert analyze(spec).layers[spec.layers[-1].name].output_shape == (56, 56, 128)


def test_compression_theta_scales_with_the_channels_it_is_given():
    block = bundled("transition")
    conv = {l.name: l for l in instantiate(block, {"compression": 0.25}, input_channels=512)}["transition1_conv"]
    assert conv.config["filters"] == 128  # ⌊0.25 × 512⌋
    conv = {l.name: l for l in instantiate(block, {"compression": 0.3})}["transition1_conv"]
    assert conv.config["filters"] == 76  # ⌊0.3 × 256⌋, the file's own input


def test_multi_input_block_wires_each_port():
    block = bundled("fcn_skip")
    assert block.inputs == ("input", "skip")
    layers = {l.name: l for l in instantiate(block, {"classes": 2}, ["pool4"], ["score_fr", "pool4"])}
    assert layers["fcn_skip1_up"].inputs == ["score_fr"] and layers["fcn_skip1_score"].inputs == ["pool4"]
    assert layers["fcn_skip1_up"].config["filters"] == 2 == layers["fcn_skip1_score"].config["filters"]
    with pytest.raises(BlockError, match=r"2 input\(s\) \['input', 'skip'\], got 3 source"):
        instantiate(block, input_name=["a", "b", "c"])


def test_bad_parameter_values_are_named():
    block = bundled("resnet_basic")
    with pytest.raises(BlockError, match="'filters' must be ≥ 1, got 0"):
        instantiate(block, {"filters": 0})
    with pytest.raises(BlockError, match="'filters' must be an integer, got 1.5"):
        instantiate(block, {"filters": 1.5})
    with pytest.raises(BlockError, match=r"no parameter 'width' \(parameters: filters\)"):
        instantiate(block, {"width": 3})
    with pytest.raises(BlockError, match="'compression' must be ≤ 1, got 2"):
        instantiate(bundled("transition"), {"compression": 2})


def test_instance_is_found_from_names_and_reads_its_parameters():
    block = bundled("transition")
    stem = LayerSpec("stem", "Conv2D", {"filters": 512, "kernel_size": 1})
    layers = instantiate(block, {"compression": 0.25}, ["stem"], "stem", input_channels=512)
    spec = ModelSpec("t", (8, 8, 3), [stem] + layers)
    result = analyze(spec)
    blocks = {"transition": block}
    instance = instance_for_layers(spec, [l.name for l in layers], blocks)
    assert instance is not None and instance.prefix == "transition1"
    assert instance.input_source(spec) == "stem"
    assert instance.values(spec, result) == {"compression": 0.25}
    assert instance.edits(spec, result, "compression", 0.5) == [("transition1_conv", "filters", 256)]
    assert instance_for_layers(spec, [l.name for l in layers[:-1]], blocks) is None  # not the whole instance
    spec.layers[-1] = LayerSpec("transition1_pool", "MaxPooling2D", {"pool_size": 2})
    assert find_instance(spec, "transition1", blocks) is None  # a layer changed type: no longer the block


def test_selection_saved_as_a_block_round_trips(tmp_path):
    spec = load_named("resnet18")
    names = [n for n in spec.names() if n.startswith("conv3_block1_")]
    block = block_from_selection(spec, names, "Strided basic block 2")
    assert block.slug == "strided_basic_block"
    assert block.inputs == ("input",) and block.outputs == ("out",)
    assert block.spec.input_shape == (56, 56, 64)
    assert [l.name for l in block.spec.layers][:3] == ["0_conv", "0_bn", "1_pad"]
    filters = block.parameters["filters"]
    assert filters.default == 128 and {t.layer for t in filters.targets} == {"0_conv", "1_conv", "2_conv"}
    loaded = load_block(save_block(block, tmp_path))
    assert loaded == block
    copies = instantiate(loaded, existing_names=spec.names(), input_name="conv2_block2_out")
    originals = [spec.layer(n) for n in names]
    assert [(l.type, l.config) for l in copies] == [(l.type, l.config) for l in originals]
    assert copies[0].name == "strided_basic_block1_0_conv"
    copied = [l.name for l in copies]
    grown = ModelSpec(spec.name, spec.input_shape, spec.layers + copies, outputs=spec.resolved_outputs() + copied[-1:])
    result, before = analyze(grown), analyze(spec)
    assert result.errors == []
    assert result.total_params == before.total_params + sum(before.layers[n].params for n in names)
    dangling = analyze(ModelSpec(spec.name, spec.input_shape, spec.layers + copies, outputs=spec.resolved_outputs()))
    assert dangling.unused == set(copied) and dangling.total_params == before.total_params  # Keras drops them


def test_selection_read_from_two_places_gets_two_ports():
    spec = residual_spec()
    block = block_from_selection(spec, ["right", "merge"], "Right and merge")
    assert block.inputs == ("input", "left")
    assert block.outputs == ("merge",)
    assert block.spec.layer("left").config == {"shape": [8, 8, 4]}
    assert block.spec.edges()["right"] == ["input"] and block.spec.edges()["merge"] == ["left", "right"]


def test_width_parameter_keeps_the_ratios_of_a_bottleneck():
    spec = load_named("resnet50")
    names = [n for n in spec.names() if n.startswith("conv2_block2_")]
    block = block_from_selection(spec, names, "Bottleneck")
    param = block.parameters["filters"]
    assert param.default == 64
    assert {t.layer: t.scale for t in param.targets} == {"1_conv": 1, "2_conv": 1, "3_conv": 4}
    layers = {l.name.split("_", 1)[1]: l for l in instantiate(block, {"filters": 16})}
    assert [layers[n].config["filters"] for n in ("1_conv", "2_conv", "3_conv")] == [16, 16, 64]


def test_selection_problems_are_named():
    spec = residual_spec()
    with pytest.raises(BlockError, match="needs a name"):
        block_from_selection(spec, ["left"], "  ")
    with pytest.raises(BlockError, match="no layer named 'nope'"):
        block_from_selection(spec, ["nope"], "x")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("block"), "not a block: it has no \"block\" section"),
        (lambda d: d["block"]["parameters"]["filters"]["targets"].append(["nope", "filters"]),
         "parameter 'filters': target 'nope' is not a layer of the block"),
        (lambda d: d["block"]["parameters"]["filters"].update(default=32),
         "parameter 'filters': its default 32 gives 1_conv.filters = 32, but the layer has 64"),
        (lambda d: d["block"]["parameters"]["filters"]["targets"].append(["1_bn", "epsilon"]),
         "parameter 'filters': its default 64 gives 1_bn.epsilon = 64"),
        (lambda d: d["block"]["parameters"]["filters"]["targets"].append(["add", "filters"]),
         "Add has no numeric parameter 'filters'"),
        (lambda d: d["block"].update(outputs=["nope"]), "output 'nope' is not a layer of the block"),
        (lambda d: d["block"].update(inputs=["skip"]), "the inputs must be 'input' then the Input layers"),
        (lambda d: d["layers"][0]["config"].update(kernel_size=99, padding="valid"), "layer '1_conv': kernel 99 is larger"),
        (lambda d: d["block"]["parameters"]["filters"].update(type="text"), "'text' is not one of"),
    ],
)
def test_bad_block_files_name_the_problem(change, message):
    data = json.loads(block_paths(bundled_blocks_dir())["resnet_basic"].read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(BlockError) as err:
        parse_block(json.dumps(data), "resnet_basic", "my.json")
    assert any(p.startswith("my.json") and message in p for p in err.value.problems), err.value.problems


def test_block_names_and_json_errors():
    text = block_paths(bundled_blocks_dir())["vgg_double"].read_text(encoding="utf-8")
    with pytest.raises(BlockError, match="'vgg2' is not a block name"):
        parse_block(text, "vgg2", "vgg2.json")
    with pytest.raises(BlockError, match=r"broken.json:1:2: invalid JSON"):
        parse_block("{,", "broken", "broken.json")
    assert slugify("My block 2") == "my_block" and slugify("3×3 stack") == "block_3_3_stack"
