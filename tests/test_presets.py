"""The preset gallery: every file validates, has its reference parameter count, cites its
paper and training recipe, and is exactly what scripts/make_presets.py generates.

Spec layer only (no TensorFlow): layer-by-layer equality with Keras is the bridge's test.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import pytest

from workbench.spec import INPUT, Analysis, ModelSpec, analyze, dumps, load_named, preset_paths

GENERATOR_PATH = Path(__file__).resolve().parents[1] / "scripts" / "make_presets.py"

#: slug -> (count compared, value): Keras' totals (keras.applications where it has the network),
#: torchvision's trainable counts for ResNet-18/34, and the generated count where no reference exists
REFERENCE_PARAMS = {
    "lenet5": ("total", 61_706),
    "alexnet": ("total", 60_965_224),
    "zfnet": ("total", 107_627_624),
    "vgg16": ("total", 138_357_544),
    "vgg19": ("total", 143_667_240),
    "googlenet": ("total", 13_378_280),
    "resnet18": ("trainable", 11_689_512),
    "resnet34": ("trainable", 21_797_672),
    "resnet50": ("total", 25_636_712),
    "resnet101": ("total", 44_707_176),
    "resnet152": ("total", 60_419_944),
    "resnet20": ("total", 274_042),
    "densenet121": ("total", 8_062_504),
    "densenet169": ("total", 14_307_880),
    "densenet201": ("total", 20_242_984),
    "densenet_bc100": ("total", 793_150),
}
CLASSES = {"lenet5": 10, "resnet20": 10, "densenet_bc100": 10}
FAMILIES = {"classic", "vgg", "inception", "resnet", "densenet"}

#: ImageNet ResNets: the 7×7/2 conv on 230 px, the 3×3/2 pool on 114 px and each strided
#: 1×1 or padded 3×3 stage entry leave one row and column unused, exactly as Keras floors them
_STAGE_ENTRIES = {f"conv{s}_block1_{i}_conv" for s in (3, 4, 5) for i in (0, 1)}
FLOORED_LAYERS = {
    "zfnet": {"conv1"},
    **{slug: {"conv1_conv", "pool1_pool"} | _STAGE_ENTRIES for slug in ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")},
    "resnet20": {f"conv{s}_block1_{i}_conv" for s in (3, 4) for i in (0, 1)},
    **{slug: {"conv1_conv", "pool1"} for slug in ("densenet121", "densenet169", "densenet201")},
}

#: the presets scripts/make_presets.py writes (the course's CNN line), checked here against the papers
SLUGS = sorted(REFERENCE_PARAMS)
#: hand-written presets of the other tasks; test_tasks.py, test_sequence_spec.py and test_generative.py
#: check their parameter counts against Keras and that they train
TASK_PRESETS = set(preset_paths()) - set(SLUGS)


@lru_cache(maxsize=1)
def generator():
    spec = importlib.util.spec_from_file_location("make_presets", GENERATOR_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def analysis(slug: str) -> Analysis:
    return analyze(load_named(slug))


def trunk(spec: ModelSpec, output: str) -> ModelSpec:
    """The spec cut down to the layers `output` depends on (drops side branches and heads)."""
    edges, needed, todo = spec.edges(), set(), [output]
    while todo:
        name = todo.pop()
        if name != INPUT and name not in needed:
            needed.add(name)
            todo.extend(edges[name])
    out = spec.copy()
    out.layers = [layer for layer in out.layers if layer.name in needed]
    out.outputs, out.loss_weights = None, None
    return out


def test_the_gallery_is_the_generated_set_and_the_task_presets():
    assert SLUGS == sorted(generator().PRESETS)
    assert set(SLUGS) <= set(preset_paths())
    assert not {slug for slug in TASK_PRESETS if load_named(slug).family in FAMILIES}


@pytest.mark.parametrize("slug", SLUGS)
def test_preset_is_valid_with_reference_params(slug):
    result = analysis(slug)
    assert result.errors == []
    which, expected = REFERENCE_PARAMS[slug]
    count = result.trainable_params if which == "trainable" else result.total_params
    assert count == expected
    spec = result.spec
    assert spec.family in FAMILIES
    assert result.output_shapes() == [(CLASSES.get(slug, 1000),)] * len(spec.resolved_outputs())


@pytest.mark.parametrize("slug", SLUGS)
def test_flooring_strides_are_notes_one_per_layer_and_nothing_warns(slug):
    a = analysis(slug)
    assert a.warnings == []
    assert [n.layer for n in a.notes] == sorted(FLOORED_LAYERS.get(slug, set()), key=list(a.layers).index)
    assert all(re.search(r"drops the last 1 row and 1 column$", n.message) for n in a.notes)


@pytest.mark.parametrize("slug", SLUGS)
def test_description_cites_the_paper_and_training_is_given(slug):
    spec = load_named(slug)
    assert re.search(r"\b(19|20)\d\d\b", spec.description), "the description names no year"
    assert re.search(r"\"[A-Z][^\"]+\"", spec.description), "the description quotes no paper title"
    train = spec.training
    assert train is not None
    assert train["optimizer"] == "sgd"
    assert 0 < train["learning_rate"] <= 0.1
    assert train["batch_size"] >= 32 and train["epochs"] >= 20
    assert re.match(r"(step|plateau|exponential): \S", train["schedule"])
    assert train["notes"]


@pytest.mark.parametrize("slug", SLUGS)
def test_generator_reproduces_the_file(slug):
    expected = preset_paths()[slug].read_text(encoding="utf-8")
    assert dumps(generator().PRESETS[slug]()) == expected


def test_googlenet_heads_and_trunk():
    spec = load_named("googlenet")
    assert spec.outputs == ["predictions", "aux1_predictions", "aux2_predictions"]
    assert spec.loss_weights == [1.0, 0.3, 0.3]
    edges = spec.edges()
    assert edges["aux1_pool"] == ["inception_4a_output"]
    assert edges["aux2_pool"] == ["inception_4d_output"]
    assert edges["inception_4b_1x1"] == ["inception_4a_output"]
    without_heads = analyze(trunk(spec, "predictions"))
    assert without_heads.errors == []
    assert without_heads.total_params == 6_998_552
    assert analysis("googlenet").layers["aux1_pool"].output_shape == (4, 4, 512)


def test_alexnet_tiles_and_splits_in_two_groups():
    result = analysis("alexnet")
    assert result.spec.input_shape == (227, 227, 3)
    assert result.layers["conv1"].output_shape == (55, 55, 96)
    assert result.layers["pool5"].output_shape == (6, 6, 256)
    assert [l.config.get("groups", 1) for l in result.spec.layers if l.type == "Conv2D"] == [1, 2, 1, 2, 2]


@pytest.mark.parametrize("slug, millions", [("resnet20", 0.27), ("densenet_bc100", 0.8)])
def test_cifar_networks_have_the_papers_size(slug, millions):
    digits = len(str(millions).split(".")[1])
    assert round(analysis(slug).total_params / 1e6, digits) == millions
