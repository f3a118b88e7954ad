"""Views of models with two inputs: the decision surface over the input plane.

The grid spans the data's range plus a margin, so the points sit inside the
picture (TensorFlow-Playground style); a hidden Dense unit reading the two
inputs directly is drawn as its line w·x + b = 0, clipped to the grid.
"""

from __future__ import annotations

import numpy as np

from .base import predict

GRID = 64
_MARGIN = 0.15


def grid_extent(x: np.ndarray) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) around the points with a 15 % margin."""
    low, high = x.min(axis=0), x.max(axis=0)
    pad = (high - low) * _MARGIN + 1e-3
    return float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1])


def decision_grid(model, x: np.ndarray, resolution: int = GRID) -> dict[str, np.ndarray]:
    """The model's score for 'class 1' (or its class index, for several classes) on a grid.

    Returns "grid" (resolution × resolution, row = y, column = x) and
    "extent" (x_min, x_max, y_min, y_max).
    """
    x0, x1, y0, y1 = grid_extent(x)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    out = predict(model, points)
    out = out.reshape(len(points), -1)
    if out.shape[1] == 1:
        score = out[:, 0]
    elif out.shape[1] == 2:
        score = out[:, 1] - out[:, 0] if out.min() < 0 else out[:, 1]
    else:
        score = out.argmax(axis=1).astype(np.float32)
    return {"grid": score.reshape(resolution, resolution).astype(np.float32),
            "extent": np.array([x0, x1, y0, y1], dtype=np.float32)}


def unit_lines(kernel: np.ndarray, bias: np.ndarray, extent: np.ndarray) -> np.ndarray:
    """Each unit's line w0·x + w1·y + b = 0 as two end points: (units, 2, 2), NaN where a unit has no line."""
    x0, x1, y0, y1 = (float(v) for v in extent)
    lines = np.full((kernel.shape[1], 2, 2), np.nan, dtype=np.float32)
    for unit in range(kernel.shape[1]):
        w0, w1, b = float(kernel[0, unit]), float(kernel[1, unit]), float(bias[unit])
        if abs(w1) >= abs(w0) and w1 != 0:
            xs = np.array([x0, x1])
            lines[unit] = np.stack([xs, -(w0 * xs + b) / w1], axis=1)
        elif w0 != 0:
            ys = np.array([y0, y1])
            lines[unit] = np.stack([-(w1 * ys + b) / w0, ys], axis=1)
    return lines


def first_dense(model):
    """The Dense layer that reads the two inputs directly, or None."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel = layer.get_weights()[0]
            return layer if kernel.shape[0] == 2 else None
    return None


def plane_samples(model, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Decision grid, the points with their labels, and the first layer's unit lines."""
    out = decision_grid(model, x)
    out["points"] = x.astype(np.float32)
    out["labels"] = np.asarray(y).reshape(len(x), -1)[:, 0]
    dense = first_dense(model)
    if dense is not None and dense.use_bias:
        kernel, bias = dense.get_weights()[:2]
        out["unit_lines"] = unit_lines(kernel, bias, out["extent"])
    return out
