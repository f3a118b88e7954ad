"""Small preset documents written into tmp_path by the reliability tests."""

from __future__ import annotations

import json
from pathlib import Path


def mlp(name: str = "mlp", **extra) -> dict:
    """A two-layer perceptron preset document (the smallest useful one)."""
    doc = {
        "workbench_preset": 1,
        "name": name,
        "description": "",
        "family": "custom",
        "input_shape": [4],
        "layers": [
            {"name": "hidden", "type": "Dense", "config": {"units": 8, "activation": "relu"}},
            {"name": "out", "type": "Dense", "config": {"units": 3, "activation": "softmax"}},
        ],
    }
    doc.update(extra)
    return doc


def write(path: Path, doc: dict | str) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path
