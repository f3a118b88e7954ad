"""Comparing architectures: train several on one data set and rank them; diff two of them layer by layer.

No Qt here.  Importing the package loads only the diff (pure `workbench.spec`),
so `workbench diff` answers as fast as `workbench summary`; the runner, the
records and the reports load on first use, the trainer and matplotlib only
when training or drawing starts.

    records = ComparisonRunner(make_entries([("lenet5", spec, "lenet5"), ...]), dataset, config, out_dir).run()
    write_reports(out_dir, records, comparison_document(records, dataset=..., config=...))
    d = diff_specs(load_named("vgg16"), load_named("vgg19"));  d.params_delta == 5_309_696
"""

from __future__ import annotations

import importlib

from .diff import ADDED, CHANGED, REMOVED, SAME, ConfigChange, LayerDiff, SpecDiff, diff_specs

#: name -> module, for the exports whose modules import the trainer's packages
_LAZY = {
    "CompareEntry": "runner", "ComparisonRunner": "runner", "ComparisonSink": "runner", "make_entries": "runner",
    "CANCELLED": "results", "CSV_COLUMNS": "results", "FAILED": "results", "FINISHED": "results",
    "RunRecord": "results", "comparison_document": "report", "csv_text": "report", "png_bytes": "report",
    "write_csv": "report", "write_json": "report", "write_png": "report", "write_reports": "report",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ADDED", "CHANGED", "REMOVED", "SAME", "ConfigChange", "LayerDiff", "SpecDiff", "diff_specs", *_LAZY]
