"""The sweep's own charts: parameter importance and parallel coordinates (matplotlib Agg, PNG).

Drawn like `comparison.png` (a Figure with the Agg canvas, no pyplot), and
saved atomically.  The trials are given as plain rows, so the charts need no
Optuna: `(number, params, value)` with value None for a pruned or failed trial.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..atomic import atomic_target

IMPORTANCE_PNG, PARALLEL_PNG = "sweep-importance.png", "sweep-parallel.png"


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    with atomic_target(path, what="chart") as temp:
        temp.write_bytes(buffer.getvalue())
    return path


def write_importance(importances: Mapping[str, float], path: str | Path, title: str = "") -> Path:
    """Horizontal bars, most important parameter on top."""
    fig = _figure(8, 1.2 + 0.5 * max(len(importances), 1))
    ax = fig.add_subplot()
    names = list(importances)[::-1]
    ax.barh(names, [importances[n] for n in names], color="tab:blue")
    ax.set_xlabel("importance for the best monitored value (fANOVA)")
    ax.set_title(title or "parameter importance")
    return _save(fig, Path(path))


def write_parallel(rows: Sequence[tuple[int, dict, float | None]], names: Sequence[str], path: str | Path,
                   title: str = "", objective: str = "val_accuracy") -> Path:
    """One line per trial across every parameter's axis and the monitored metric `objective` (its best value);
    colour = that value, grey = pruned or failed."""
    from matplotlib import colormaps

    axes_names = list(names) + [objective.replace("_", " ")]
    fig = _figure(max(6, 2 * len(axes_names)), 5)
    ax = fig.add_subplot()
    columns = [[row[1].get(n) for row in rows] for n in names] + [[row[2] for row in rows]]
    scaled, ticks = zip(*(_scaled(values) for values in columns)) if rows else ((), ())
    done = [row[2] for row in rows if row[2] is not None]
    low, high = (min(done), max(done)) if done else (0.0, 1.0)
    for i, row in enumerate(rows):
        ys = [column[i] for column in scaled]
        shade = "lightgrey" if row[2] is None else colormaps["viridis"]((row[2] - low) / ((high - low) or 1.0))
        ax.plot(range(len(axes_names)), [0.5 if y is None else y for y in ys], color=shade, lw=1.5, alpha=0.9)
    for x, labels in enumerate(ticks):
        ax.axvline(x, color="black", lw=0.8)
        for y, text in labels:
            ax.annotate(text, (x, y), fontsize=7, xytext=(3, 0), textcoords="offset points", va="center")
    ax.set_xticks(range(len(axes_names)), axes_names)
    ax.set_yticks([])
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(title or "trials (grey: pruned or failed)")
    return _save(fig, Path(path))


def _scaled(values: list) -> tuple[list, list[tuple[float, str]]]:
    """Values mapped onto 0..1 (categories spread evenly, numbers linearly), with tick labels."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        low, high = min(present), max(present)
        span = (high - low) or 1.0
        ticks = [(0.0, f"{low:.3g}"), (1.0, f"{high:.3g}")] if high != low else [(0.5, f"{low:.3g}")]
        return [None if v is None else (v - low) / span for v in values], ticks
    categories = sorted({str(v) for v in present})
    place = {c: (k + 0.5) / len(categories) for k, c in enumerate(categories)}
    return [None if v is None else place[str(v)] for v in values], [(y, c) for c, y in place.items()]
