"""`workbench sweep P… --dataset D --param lr=1e-4:1e-1:log … --out-dir DIR`: search settings with Optuna.

Writes the comparison reports over every trial of the study (comparison.csv/
.json/.png, trial folders under DIR/trials), plus sweep-importance.png and
sweep-parallel.png.  Running it again with the same DIR continues the study.
"""

from __future__ import annotations

import sys

from ..errors import WorkbenchError
from ..spec.units import plain
from .backend_options import add_backend_options, backend_from_args, report_startup
from .compare import _entries, leaderboard_table, run_inputs
from ..quiet_tensorflow import import_keras_quietly
from .tracking_options import add_mlflow_option, log_record, open_tracker


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "sweep", help="search presets' hyperparameters with Optuna (resumable, optional pruning, local or Ray)",
        description="Sample training settings (and the preset, when several are named) with Optuna; each trial "
        "trains like a comparison entry. The study is kept in DIR/study.db: run again to continue it.")
    p.add_argument("targets", nargs="+", metavar="PRESET", help="preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("--dataset", required=True, help="embedded data set name, download name, or a path")
    p.add_argument("--out-dir", required=True, help="folder for the study, the trial folders and the reports")
    p.add_argument("--param", action="append", default=[], metavar="NAME=SPEC",
                   help="lr=1e-4:1e-1:log, momentum=0.8:0.99, epochs=2:6 or batch_size=32,64,128 (repeatable)")
    p.add_argument("--trials", type=int, default=10, help="trials the study should hold in the end (default 10)")
    p.add_argument("--sampler", choices=("grid", "random", "tpe"), default="tpe", help="how to pick settings")
    p.add_argument("--prune", action="store_true", help="stop trials whose accuracy trails the median")
    p.add_argument("--epochs", type=int, default=10, help="epochs per trial unless swept (default 10)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size unless swept (default 32)")
    p.add_argument("--optimizer", default="adam", help="optimizer unless swept (default adam)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="learning rate unless swept")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, the weights and the sampler")
    p.add_argument("--validation-split", type=float, default=0.2, help="fraction held out for validation")
    p.add_argument("--max-samples", type=int, help="use at most this many samples of the data set")
    p.add_argument("--input-shape", help="train every preset on this input shape, e.g. 32,32,1")
    add_backend_options(p)
    add_mlflow_option(p)


class _TrialPrinter:
    """A line per trial on stderr: its settings, each epoch's accuracy, how it ended."""

    def on_trial_started(self, number: int, params: dict) -> None:
        settings = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
        print(f"trial {number}: {settings}", file=sys.stderr)

    def on_trial_epoch(self, number: int, record) -> None:
        accuracy = (record.curves.get("val_accuracy") or [None])[-1]
        if accuracy is not None:
            print(f"trial {number}: epoch {record.epochs} val acc {accuracy:.4f}", file=sys.stderr)

    def on_trial_ended(self, number: int, record, state: str) -> None:
        detail = f" ({plain(record.error)})" if state == "fail" and record.error else ""
        print(f"trial {number}: {state}{detail}", file=sys.stderr)


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def run_sweep(args) -> int:
    from ..compare.sweep import Sweep, import_optuna, trial_records, write_sweep_reports
    from ..compare.sweep_space import parse_param, space

    import_optuna()
    if args.trials < 1:
        raise WorkbenchError(f"--trials must be at least 1, got {args.trials}")
    entries = _entries(args.targets)
    params = space([parse_param(text) for text in args.param], [e.label for e in entries])
    if not params:
        raise WorkbenchError("a sweep needs a --param (e.g. --param lr=1e-4:1e-1:log) or several presets")
    input_shape, config, dataset, out_dir = run_inputs(args)
    backend = backend_from_args(args)
    tracker = open_tracker(args, out_dir)
    import_keras_quietly()
    sweep = Sweep(entries, dataset, config, params, out_dir, sampler=args.sampler, prune=args.prune,
                  backend=backend, input_shape=input_shape, sink=_TrialPrinter())
    study = sweep.run(args.trials)
    report_startup(backend)
    rows = trial_records(study)
    records = [record for _, record in rows]
    if tracker is not None:
        parent = tracker.start(f"sweep {dataset.name}", {**config.to_dict(), "dataset": dataset.name})
        for trial, record in rows:
            if trial.number in sweep.trained:
                log_record(tracker, record, config.to_dict(), parent=parent, extra=trial.params)
        tracker.end(parent)
    title = f"{dataset.name}: sweep of {', '.join(e.label for e in entries)}"
    paths, note = write_sweep_reports(sweep, study, title)
    if note:
        print(note, file=sys.stderr)
    print(leaderboard_table(records))
    _print_best(study)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _print_best(study) -> None:
    from ..compare.results import RunRecord
    from ..compare.sweep import RECORD_ATTR

    try:
        best = study.best_trial
    except ValueError:
        print("no trial completed")
        return
    settings = ", ".join(f"{k}={_short(v)}" for k, v in best.params.items())
    record = RunRecord.from_dict(best.user_attrs[RECORD_ATTR])
    print(f"best: trial {best.number}, {record.monitor.replace('_', ' ')} {record.best_value:.4f}: {settings}")
