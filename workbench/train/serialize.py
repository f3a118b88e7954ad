"""Strict JSON for what training produces (NaN losses, numpy scalars, tuples).

Python's `json` writes NaN as a bare `NaN` token that other JSON readers
reject; a diverged run is exactly when someone opens run.json, so non-finite
numbers are written as `null` instead.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """`value` with numpy types made plain and NaN/Inf replaced by None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    """Strict JSON text (no NaN tokens); compact unless `indent` is given."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(jsonable(value), indent=indent, separators=separators, allow_nan=False, ensure_ascii=False)
