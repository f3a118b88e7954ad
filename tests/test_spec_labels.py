"""Node texts (labels), number and shape texts (units) and the layered layout: no Qt."""

from __future__ import annotations

import pytest

from workbench.spec import labels, layout
from workbench.spec.units import human, shape_text, signed

WIDTH, HEIGHT = 224.0, 42.0  # the canvas' node size


@pytest.mark.parametrize(
    "type_, config, expected",
    [
        ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same"}, "Conv2D 64 3×3 /1 same"),
        ("Conv2D", {"filters": 96, "kernel_size": 11, "strides": 4, "activation": "relu"}, "Conv2D 96 11×11 /4 valid relu"),
        ("MaxPooling2D", {"pool_size": 3, "strides": 2}, "MaxPool 3×3 /2"),
        ("Dense", {"units": 1000, "activation": "softmax"}, "Dense 1000 softmax"),
        ("Add", {}, "Add"),
        ("Dropout", {"rate": 0.5}, "Dropout 0.5"),
        ("BatchNormalization", {}, "BatchNorm"),
        ("Conv2D", {"filters": 0, "kernel_size": 3}, "Conv2D invalid config"),
    ],
)
def test_node_titles(type_, config, expected):
    assert " ".join(t for t in labels.node_title(type_, config) if t) == expected


def test_shape_count_and_delta_texts():
    assert shape_text((56, 56, 64)) == "56×56×64"
    assert shape_text((None, 128)) == "?×128" and shape_text(()) == "scalar" and shape_text(None) == "?"
    assert human(25_636_712) == "25.6M" and human(4160) == "4.16K" and human(12) == "12"
    assert signed(5_309_696) == "+5,309,696" and signed(-850) == "-850" and signed(0) == "0"


def test_layout_is_cached_by_structure():
    nodes = [("a", WIDTH, HEIGHT), ("b", WIDTH, HEIGHT), ("c", WIDTH, HEIGHT)]
    edges = [("a", "b"), ("a", "c"), ("b", "c")]
    first = layout.layered_layout(nodes, edges)
    assert layout.layered_layout(list(nodes), list(edges)) is first
    assert first.routes[("a", "c")]  # skips a rank: runs past b through bend points
    xs = {x for x, _ in first.routes[("a", "c")]}
    assert len(xs) == 1 and abs(xs.pop() - first.positions["b"][0]) >= WIDTH
