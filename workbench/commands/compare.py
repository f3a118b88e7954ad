"""`workbench compare P1 P2 … --dataset D --out-dir DIR`: train presets alike, rank them, chart them.

Writes `comparison.csv`, `comparison.json`, `comparison.png` and one run
directory per preset into DIR; running it again into the same DIR reuses
the entries that already finished with the same settings.  An entry that
fails is reported and the others still train; the exit status is then 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import WorkbenchError
from ..keras_bridge.targets import open_model
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


def _entries(targets: list[str]):
    from ..compare.runner import make_entries

    slugs = preset_paths()
    return make_entries([(t if t in slugs else Path(t).stem, open_model(t), t) for t in targets])


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
        if bar is not None and record.best_val_accuracy is not None:
            bar.set_postfix_str(f"epoch {record.epochs} best val acc {record.best_val_accuracy:.3f}")

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


def leaderboard_table(records) -> str:
    """Finished runs, best validation accuracy first."""
    headers = ["preset", "params", "MACs", "train mem", "epochs", "best val acc", "@", "val loss", "time", "samples/s",
               "model"]
    done = sorted((r for r in records if r.finished), key=lambda r: -(r.best_val_accuracy or 0.0))
    rows = [
        [
            plain(r.preset), f"{r.params:,}", human(r.macs), human_bytes(r.training_memory), str(r.epochs),
            "" if r.best_val_accuracy is None else f"{r.best_val_accuracy:.4f}",
            "" if r.best_epoch is None else str(r.best_epoch),
            "" if r.final_val_loss is None else f"{r.final_val_loss:.4f}",
            f"{r.train_seconds:.1f} s", f"{r.samples_per_second:,.0f}", human_bytes(r.model_bytes),
        ]
        for r in done
    ]
    widths = [max(len(h), *(len(row[c]) for row in rows)) if rows else len(h) for c, h in enumerate(headers)]
    lines = ["  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(row, widths)))
             for row in [headers] + rows]
    return "\n".join(lines)


def run_compare(args) -> int:
    from ..compare.report import comparison_document, write_reports
    from ..compare.runner import ComparisonRunner

    entries = _entries(args.targets)
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
