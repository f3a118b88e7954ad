"""`workbench compare P1 P2 … --dataset D --out-dir DIR`: train presets alike, rank them, chart them.

Writes `comparison.csv`, `comparison.json`, `comparison.png` and one run
directory per preset into DIR; running it again into the same DIR reuses
the entries that already finished with the same settings.  An entry that
fails is reported and the others still train; the exit status is then 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..compare.results import leaderboard_columns, ranked
from ..errors import WorkbenchError
from ..keras_bridge.targets import open_model, open_trainable
from ..spec import preset_paths
from ..spec.units import human, human_bytes, plain
from ..quiet_tensorflow import import_keras_quietly
from .backend_options import add_backend_options, backend_from_args, report_startup
from .tracking_options import add_mlflow_option, tracked
from .targets import input_shape_option


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="train several presets on one data set with the same settings and rank them",
        description="Train several presets on one data set with the same hyperparameters, seed and split; "
        "write comparison.csv/.json/.png and one run directory per preset.",
    )
    p.add_argument("targets", nargs="+", metavar="PRESET",
                   help="preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("--dataset", required=True, help="embedded data set name, download name, or a path")
    p.add_argument("--out-dir", required=True, help="folder for the reports and the run directories")
    p.add_argument("--epochs", type=int, default=10, help="epochs per preset (default 10)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    p.add_argument("--input-shape", help="train every preset on this input shape, e.g. 32,32,1")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, the weights and the shuffling")
    p.add_argument("--optimizer", default="adam", help="optimizer shared by every preset (default adam)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="learning rate (default 0.001)")
    p.add_argument("--validation-split", type=float, default=0.2,
                   help="fraction held out for validation when the data set has no split of its own")
    p.add_argument("--max-samples", type=int, help="use at most this many samples of the data set (classes kept)")
    p.add_argument("--retrain", action="store_true", help="train every preset again, even if DIR holds its run")
    p.add_argument("--force", action="store_true",
                   help="train presets whose memory estimate exceeds the free memory")
    add_backend_options(p)
    add_mlflow_option(p)


def _entries(targets: list[str], opener=open_model):
    """Entries labelled by slug (or file stem); `opener=open_trainable` also takes multi-network presets."""
    from ..compare.runner import make_entries
    from ..spec.networks_io import network_preset_paths

    slugs = {**preset_paths(), **network_preset_paths()}
    return make_entries([(t if t in slugs else Path(t).stem, opener(t), t) for t in targets])


def _config(args):
    from ..train.config import TrainConfig

    try:
        return TrainConfig(
            optimizer=args.optimizer, learning_rate=args.learning_rate, batch_size=args.batch_size,
            epochs=args.epochs, seed=args.seed, validation_split=args.validation_split,
        )
    except ValueError as exc:
        raise WorkbenchError(f"compare: {exc}") from None


def run_inputs(args):
    """The input shape, settings, data set and output folder, read alike by `compare` and `sweep`."""
    from ..data import load_dataset
    from ..data.registry import size_options

    input_shape = input_shape_option(args.input_shape) if args.input_shape else None
    config = _config(args)
    options = size_options(args.dataset, args.max_samples) if args.max_samples is not None else {}
    dataset = load_dataset(args.dataset, seed=config.seed, validation_split=config.validation_split, **options)
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise WorkbenchError(f"--out-dir {out_dir} is a file, not a folder")
    return input_shape, config, dataset, out_dir


class _ProgressSink:
    """One progress bar per running entry on stderr (several at once on Ray); a line per ended entry."""

    def __init__(self, total: int):
        self.total = total
        self.labels: dict[int, str] = {}
        self.bars: dict = {}

    def _label(self, index: int, record=None) -> str:
        if record is not None:
            self.labels[index] = plain(f"[{index + 1}/{self.total}] {record.preset}")
        return self.labels.get(index, f"[{index + 1}/{self.total}]")

    def on_run_started(self, index: int, record) -> None:
        self._label(index, record)

    def on_run_progress(self, index: int, step: int, total_steps: int) -> None:
        bar = self.bars.get(index)
        if bar is None:
            from tqdm import tqdm

            bar = self.bars[index] = tqdm(desc=self._label(index), total=total_steps, unit="step", file=sys.stderr,
                                          leave=False, position=len(self.bars))
        bar.n = step
        bar.refresh()

    def on_run_epoch(self, index: int, record) -> None:
        bar = self.bars.get(index)
        if bar is not None and record.best_value is not None:
            bar.set_postfix_str(f"epoch {record.epochs} best {record.monitor} {record.best_value:.3f}")

    def on_run_finished(self, index: int, record) -> None:
        bar = self.bars.pop(index, None)
        if bar is not None:
            bar.close()
        label = self._label(index, record)
        if record.reused:
            print(f"{label}: already trained in {record.run_dir}, reused", file=sys.stderr)
        elif record.finished:
            print(f"{label}: done in {record.train_seconds:.1f} s", file=sys.stderr)
        else:
            print(f"{label}: {record.status}: {plain(record.error)}", file=sys.stderr)


#: the table's header and cell text per `leaderboard_columns` column; a best-value or named-metric column
#: not listed here is headed by its own name, its value shown to four places
_TABLE = {
    "preset": ("preset", plain),
    "params": ("params", lambda v: f"{v:,}"),
    "macs": ("MACs", human),
    "epochs": ("epochs", str),
    "best_val_accuracy": ("best val acc", lambda v: f"{v:.4f}"),
    "best_epoch": ("@", str),
    "final_val_loss": ("val loss", lambda v: f"{v:.4f}"),
    "train_seconds": ("time", lambda v: f"{v:.1f} s"),
    "samples_per_second": ("samples/s", lambda v: f"{v:,.0f}"),
    "model_bytes": ("model", human_bytes),
}


def leaderboard_table(records) -> str:
    """Finished runs, best score first (each task's own direction); runs without a score (a GAN without label
    agreement) after them in queue order.  The columns are `leaderboard_columns`, training memory beside MACs."""
    done = ranked([r for r in records if r.finished])
    columns = list(leaderboard_columns(done))
    columns.insert(columns.index("macs") + 1, "training_memory")
    table = {**_TABLE, "training_memory": ("train mem", human_bytes)}
    headers = [table.get(c, (c,))[0] for c in columns]
    rows = []
    for r in done:
        cells = {**r.csv_row(), "training_memory": r.training_memory}
        rows.append(["" if cells.get(c) is None else table.get(c, (c, lambda v: f"{v:.4f}"))[1](cells[c])
                     for c in columns])
    widths = [max(len(h), *(len(row[c]) for row in rows)) if rows else len(h) for c, h in enumerate(headers)]
    lines = ["  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(row, widths)))
             for row in [headers] + rows]
    return "\n".join(lines)


def run_compare(args) -> int:
    from ..compare.report import comparison_document, write_reports
    from ..compare.runner import ComparisonRunner

    entries = _entries(args.targets, open_trainable)
    input_shape, config, dataset, out_dir = run_inputs(args)
    backend = backend_from_args(args)
    import_keras_quietly()
    with tracked(args, out_dir, _ProgressSink(len(entries)), config, dataset) as sink:
        runner = ComparisonRunner(entries, dataset, config, out_dir, sink, input_shape=input_shape,
                                  reuse_finished=not args.retrain, check_memory=not args.force, backend=backend)
        records = runner.run()
    report_startup(backend)
    document = comparison_document(records, dataset=dataset.describe(), config=config.to_dict(),
                                   input_shape=input_shape)
    paths = write_reports(out_dir, records, document, title=f"{dataset.name}: {', '.join(e.label for e in entries)}")
    print(leaderboard_table(records))
    print("wrote " + ", ".join(str(p) for p in paths))
    failed = [r for r in records if not r.finished]
    return 1 if failed else 0
