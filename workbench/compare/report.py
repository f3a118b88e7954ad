"""A comparison written out: `comparison.csv`, `comparison.json` and `comparison.png`.

The PNG is the architecture notes' chart made for the user's own data:
the runs' shared score (validation accuracy, or the monitored metric of
another task: val MSE, mean IoU, label agreement) and validation loss
overlaid against epoch and wall time, and the best score against
multiply-adds with circle area proportional to parameters.  It is
drawn with matplotlib's Agg canvas (no pyplot, no display, no global
state), so the CLI and the GUI's export make the same picture from any thread.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_target, write_text_atomic
from ..errors import WorkbenchError
from ..spec.units import human
from .results import CSV_COLUMNS, RunRecord, best_score, leaderboard_columns, score_of

COMPARISON_VERSION = 1
CSV_NAME, JSON_NAME, PNG_NAME = "comparison.csv", "comparison.json", "comparison.png"
#: what a comparison.json says about the settings shared by its runs
SETTINGS = ("dataset", "config", "input_shape")

#: largest circle in the bubble chart, in points²; the others scale by parameters
_MAX_BUBBLE = 2400.0
_MIN_BUBBLE = 30.0
_DIGITS = {"best_val_accuracy": 4, "final_val_loss": 4, "train_seconds": 3, "samples_per_second": 1}


def csv_text(records: Sequence[RunRecord]) -> str:
    """One row per finished run, columns `leaderboard_columns` (`CSV_COLUMNS` for classification); empty cells for
    missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    finished = [r for r in records if r.finished]
    columns = leaderboard_columns(finished)
    writer.writerow(columns)
    for record in finished:
        row = record.csv_row()
        writer.writerow(["" if row.get(c) is None else _rounded(c, row[c]) for c in columns])
    return buffer.getvalue()


def _rounded(column: str, value: Any) -> Any:
    digits = _DIGITS.get(column, 4 if column.startswith("best_val") or column not in CSV_COLUMNS else None)
    return round(float(value), digits) if digits is not None else value


def comparison_document(records: Sequence[RunRecord], *, dataset: dict, config: dict,
                        input_shape: Sequence[int] | None = None) -> dict:
    """The `comparison.json` document: settings shared by every run, then each run with its curves.

    `unscored` names the finished runs that have no score to rank by (a GAN without label agreement): their
    best value is left empty and they keep their queue order."""
    return {
        "workbench_comparison": COMPARISON_VERSION,
        "dataset": dataset,
        "config": config,
        "input_shape": list(input_shape) if input_shape else None,
        "columns": list(leaderboard_columns([r for r in records if r.finished])),
        "unscored": [r.preset for r in records if r.finished and r.best_value is None],
        "runs": [r.to_dict() for r in records],
    }


def read_comparison(path: str | Path) -> tuple[dict, list[RunRecord]]:
    """A `comparison.json`'s shared settings (`SETTINGS`) and its runs; WorkbenchError names what is wrong."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        records = [RunRecord.from_dict(r) for r in document["runs"]]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise WorkbenchError(f"{path}: not a comparison file ({exc})") from None
    return settings_of(document), records


def settings_of(document: dict) -> dict:
    return {key: document.get(key) for key in SETTINGS}


def write_csv(records: Sequence[RunRecord], path: str | Path) -> Path:
    path = Path(path)
    write_text_atomic(path, csv_text(records))
    return path


def write_json(document: dict, path: str | Path) -> Path:
    path = Path(path)
    write_text_atomic(path, json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return path


def png_bytes(records: Sequence[RunRecord], title: str = "") -> bytes:
    """The chart as PNG bytes: four curve panels and the bubble chart to their right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(16, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 3, width_ratios=(1, 1, 1.3))
    plotted = [r for r in records if r.curves.get("elapsed")]
    colours = {r.preset: f"C{i % 10}" for i, r in enumerate(plotted)}
    score_key, score_name = score_of(list(records))
    for row, (y_key, label) in enumerate(((score_key, score_name), ("val_loss", "validation loss"))):
        for col, x_key in enumerate(("epoch", "elapsed")):
            ax = fig.add_subplot(grid[row, col])
            for r in plotted:
                xs, ys = r.series(x_key, y_key)
                if xs:
                    ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.2, color=colours[r.preset], label=r.preset)
            ax.set_xlabel("epoch" if x_key == "epoch" else "training time (s)")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
            if x_key == "epoch":
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if row == 0 and col == 0 and ax.get_lines():
                ax.legend(fontsize="small")
    bubbles = fig.add_subplot(grid[:, 2])
    scored = [(r, best_score(r, score_key)) for r in records if r.finished]
    _bubbles(bubbles, [(r, y) for r, y in scored if y is not None], colours, score_name)
    bubbles.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: human(value)))
    if title:
        fig.suptitle(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def parameter_shares(params: Sequence[int]) -> list[float]:
    """Each count as a fraction of the largest: the bubbles' relative areas."""
    top = max(params, default=0) or 1
    return [p / top for p in params]


def bubble_sizes(params: Sequence[int]) -> list[float]:
    """Marker areas (points²) proportional to parameters, the largest `_MAX_BUBBLE`."""
    return [max(_MIN_BUBBLE, _MAX_BUBBLE * share) for share in parameter_shares(params)]


def _bubbles(ax, scored: Sequence[tuple[RunRecord, float]], colours: dict[str, str], name: str) -> None:
    """Each run's best `name` (its value in `scored`) against its multiply-adds, circle area ∝ parameters."""
    ax.set_title(f"best {name} against multiply-adds\n(circle area ∝ parameters)")
    ax.set_xlabel("multiply-adds per sample")
    ax.set_ylabel(f"best {name}")
    ax.grid(alpha=0.3)
    if not scored:
        return
    sizes = bubble_sizes([r.params for r, _ in scored])
    macs = [max(r.macs, 1) for r, _ in scored]
    for (r, y), x, size in zip(scored, macs, sizes):
        ax.scatter([x], [y], s=size, alpha=0.5, color=colours.get(r.preset, "C0"), edgecolors="black",
                   linewidths=0.6)
        ax.annotate(f"{r.preset}\n{human(r.params)} params", (x, y), fontsize="small", ha="center", va="center")
    if max(macs) / min(macs) > 10:
        ax.set_xscale("log")
    low, high = min(y for _, y in scored), max(y for _, y in scored)
    pad = max(0.05, (high - low) * 0.25) if high <= 1.0 else (high - low) * 0.25 or abs(high) * 0.1
    ax.set_ylim(max(0.0, low - pad), min(1.0, high + pad) if high <= 1.0 else high + pad)
    ax.margins(x=0.25)


def write_png(records: Sequence[RunRecord], path: str | Path, title: str = "") -> Path:
    """Render and save atomically (temp file beside it, fsync, rename)."""
    path = Path(path)
    data = png_bytes(records, title)
    with atomic_target(path, what="chart") as temp:
        temp.write_bytes(data)
    return path


def write_reports(out_dir: str | Path, records: Sequence[RunRecord], document: dict, title: str = "") -> list[Path]:
    """All three files into `out_dir`; returns their paths."""
    out_dir = Path(out_dir)
    return [
        write_csv(records, out_dir / CSV_NAME),
        write_json(document, out_dir / JSON_NAME),
        write_png(records, out_dir / PNG_NAME, title),
    ]
