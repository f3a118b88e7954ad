"""A trained model's workbench attributes: one damaged attribute does not hide the others."""

from __future__ import annotations

import json
import logging

import h5py

from workbench.keras_bridge import read_metadata


def test_one_bad_metadata_attribute_keeps_the_curves(tmp_path, caplog):
    path = tmp_path / "model.h5"
    history = {"epoch": [1, 2], "loss": [0.5, 0.4]}
    with h5py.File(path, "w") as f:
        f.attrs["workbench_history"] = json.dumps(history)
        f.attrs["workbench_run"] = '{"status": '
        f.attrs["workbench_preset"] = 7
    with caplog.at_level(logging.WARNING):
        assert read_metadata(path) == {"workbench_history": history}
    messages = sorted(r.getMessage() for r in caplog.records)
    assert messages == [
        f"{path}: attribute 'workbench_preset' is not a single string; skipped",
        f"{path}: workbench_run is not valid JSON (Expecting value: line 1 column 12 (char 11)); skipped",
    ]
