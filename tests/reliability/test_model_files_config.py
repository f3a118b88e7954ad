"""Model-file configs that are costly to read: each is read in time linear in its size."""

from __future__ import annotations

import json
import time
import zipfile

from workbench.keras_bridge import read_spec
from workbench.spec import analyze
from workbench.spec import infer


def _entry(cls: str, name: str, config: dict, source: str | None) -> dict:
    inbound = [] if source is None else [[[source, 0, 0, {}]]]  # Keras 2 form: no shapes recorded
    return {"class_name": cls, "name": name, "config": {"name": name, **config}, "inbound_nodes": inbound}


def keras_file(path, names, name="chain", batch_norm_every=0, width=8):
    """A .keras archive of a Dense chain (config only); every `batch_norm_every`-th layer a BatchNormalization(axis=1).

    A positive axis with no recorded input shape makes the reader infer the input's rank.
    """
    layers = [_entry("InputLayer", "img", {"batch_input_shape": [None, width]}, None)]
    previous = "img"
    for i, layer in enumerate(names):
        if batch_norm_every and i % batch_norm_every == batch_norm_every - 1:
            layers.append(_entry("BatchNormalization", layer, {"axis": [1]}, previous))
        else:
            layers.append(_entry("Dense", layer, {"units": width}, previous))
        previous = layer
    config = {"class_name": "Model", "config": {"name": name, "layers": layers, "input_layers": [["img", 0, 0]],
                                                "output_layers": [[previous, 0, 0]]}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
    return path


def test_a_5000_layer_chain_is_read_with_each_layer_inferred_once(tmp_path, monkeypatch):
    """Used to re-analyse the whole spec for every BatchNormalization: 164 s for this file; now linear."""
    n = 5000
    path = keras_file(tmp_path / "long.keras", [f"l{i}" for i in range(n)], batch_norm_every=2)
    calls = {"add": 0}
    add = infer.Inference.add

    def counted_add(self, layer, ins):
        calls["add"] += 1
        return add(self, layer, ins)

    monkeypatch.setattr(infer.Inference, "add", counted_add)
    start = time.perf_counter()
    spec = read_spec(path)
    print(f"read {n} layers in {time.perf_counter() - start:.2f} s")
    assert len(spec.layers) == n
    assert calls["add"] == n - 1  # every layer before the last BatchNormalization, once (was ~n²/4)
    assert [(l.type, l.config) for l in spec.layers[:2]] == [("Dense", {"units": 8}), ("BatchNormalization", {})]
    assert analyze(spec).total_params == (n // 2) * (8 * 8 + 8) + (n // 2) * 4 * 8
