"""Mutated presets: every outcome is a sound analysed spec or the workbench's own error, never another exception.

Starting from real presets (LeNet-5, ResNet-20, a small MLP), hypothesis
removes layers, retargets inputs, sets numbers to 0/-1/huge/Infinity/NaN,
strings, null or booleans, drops required keys and adds unknown types and
keys; the result is read as preset text, analysed, summarised and exported
as a script.  Deterministic (derandomize) and writes no example database.
"""

from __future__ import annotations

import copy
import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.commands.summary import summary_dict, summary_table
from workbench.errors import WorkbenchError
from workbench.export.script import to_script
from workbench.spec import analyze, load_named, parse_preset

from ._presets import mlp

OUTCOMES: Counter = Counter()
NUMBERS = [0, -1, 1, 2.5, 10**15 + 1, 10**20, 2**64, 1e308, float("inf"), float("-inf"), float("nan"),
           "7", "", None, True, [], {}]
FIXED = dict(database=None, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))


def _paths(value, path=()):
    """(path, value) of every value in a JSON document."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _paths(item, path + (key,))


def _at(doc, path):
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def mutated(draw, base: dict):
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        layers = doc.get("layers") if isinstance(doc.get("layers"), list) else []
        names = [l.get("name", "?") for l in layers if isinstance(l, dict)] + ["input", "missing"]
        op = draw(st.sampled_from(["remove", "retarget", "number", "drop", "unknown_type", "unknown_key", "outputs", "shape"]))
        if op == "remove" and layers:
            layers.pop(draw(st.integers(0, len(layers) - 1)))
        elif op == "retarget" and layers:
            layer = layers[draw(st.integers(0, len(layers) - 1))]
            if isinstance(layer, dict):
                layer["inputs"] = draw(st.lists(st.sampled_from(names), min_size=0, max_size=3))
        elif op == "number":
            numeric = [p for p, v in _paths(doc) if p and isinstance(v, (int, float)) and not isinstance(v, bool)]
            if numeric:
                path = draw(st.sampled_from(numeric))
                _at(doc, path[:-1])[path[-1]] = draw(st.sampled_from(NUMBERS))
        elif op == "drop":
            holders = [p for p, v in _paths(doc) if isinstance(v, dict) and v]
            path = draw(st.sampled_from(holders))
            holder = _at(doc, path)
            holder.pop(draw(st.sampled_from(sorted(holder))))
        elif op == "unknown_type" and layers:
            layer = layers[draw(st.integers(0, len(layers) - 1))]
            if isinstance(layer, dict):
                layer["type"] = draw(st.sampled_from(["Bogus", "Lambda", "Input", "Add", "Dense", "", "Concatenate"]))
        elif op == "unknown_key":
            holders = [p for p, v in _paths(doc) if isinstance(v, dict)]
            _at(doc, draw(st.sampled_from(holders)))[draw(st.sampled_from(["colour", "units", "axis", "inputs"]))] = (
                draw(st.sampled_from(NUMBERS))
            )
        elif op == "outputs":
            doc["outputs"] = draw(st.lists(st.sampled_from(names), min_size=0, max_size=3))
        elif op == "shape":
            doc["input_shape"] = draw(st.lists(st.sampled_from(NUMBERS[:8]), min_size=0, max_size=5))
    return doc


def _outcome(doc: dict) -> str:
    try:
        spec = parse_preset(json.dumps(doc), "fuzz.json")
    except WorkbenchError:
        return "refused"
    analysis = analyze(spec)
    if analysis.errors:
        return "reported"
    summary_table(analysis, 32)
    json.dumps(summary_dict(analysis, 32))
    compile(to_script(spec), "fuzz.py", "exec")
    return "valid"


def _check(doc: dict) -> None:
    OUTCOMES[_outcome(doc)] += 1  # anything but a WorkbenchError propagates and fails the test


LENET = load_named("lenet5").to_dict()
RESNET = load_named("resnet20").to_dict()
MLP = mlp()


@settings(max_examples=450, **FIXED)
@given(mutated(LENET))
def test_mutated_lenet5(doc):
    _check(doc)


@settings(max_examples=450, **FIXED)
@given(mutated(MLP))
def test_mutated_mlp(doc):
    _check(doc)


@settings(max_examples=150, **FIXED)
@given(mutated(RESNET))
def test_mutated_resnet20(doc):
    _check(doc)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\npreset fuzz: {sum(OUTCOMES.values())} mutated presets: " + ", ".join(f"{k} {v}" for k, v in sorted(OUTCOMES.items())))
