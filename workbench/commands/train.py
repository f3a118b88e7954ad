"""`workbench train`: the headless Trainer with a progress bar per epoch.

Ctrl+C asks the Trainer to stop after the current batch (the model and the
history so far are saved); a second Ctrl+C aborts at once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from ..errors import WorkbenchError
from ..keras_bridge.targets import open_trainable
from ..quiet_tensorflow import import_keras_quietly
from ..spec.networks import NetworkSet
from .tracking_options import add_mlflow_option, open_tracker
from .targets import apply_overrides


def add_parsers(sub) -> None:
    p = sub.add_parser("train", help="train a preset or model on a data set, with a progress bar")
    p.add_argument("target", nargs="?", help="preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("--dataset", help="embedded name (digits, shapes, xor, ...), download name, or a path; "
                                     "a named set's loader options follow a colon, e.g. "
                                     "adding_problem:length=100,samples=2000 (see `workbench datasets`)")
    p.add_argument("--epochs", type=int, help="total epochs (default: the paper's, capped at 30)")
    p.add_argument("--batch-size", type=int, help="batch size (default: the paper's, capped at 64)")
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--optimizer", help="sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, rprop (full batch)")
    p.add_argument("--schedule", help="constant, step, cosine, exponential")
    p.add_argument("--momentum", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--validation-split", type=float, default=0.2)
    p.add_argument("--mixed-precision", action="store_true")
    p.add_argument("--steps-per-execution", type=_steps, metavar="N|auto",
                   help="batches per compiled call (default: auto, chosen from the model's size, as in the window)")
    p.add_argument("--input-shape", help="train on this input shape, e.g. 32,32,1")
    p.add_argument("--max-samples", type=int,
                   help="use at most this many samples of the data set, training and validation together "
                        "(a generated set: generate this many, split as its default sizes are)")
    p.add_argument("--out", help="also save the trained model here (.h5 or .keras)")
    p.add_argument("--run-dir", help="run directory (default: a new one under the runs folder)")
    add_mlflow_option(p)
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run directory (its spec, data set and settings)")
    p.add_argument("--force", action="store_true",
                   help="train even when the model's memory estimate exceeds the free memory")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object when the run ends: preset, task, data set, epochs, best epoch, "
                        "the task's metrics at the best epoch, and the saved model")


_OVERRIDES = {  # CLI option -> TrainConfig field
    "epochs": "epochs", "batch_size": "batch_size", "lr": "learning_rate", "optimizer": "optimizer",
    "schedule": "schedule", "momentum": "momentum", "weight_decay": "weight_decay",
    "steps_per_execution": "steps_per_execution",
}


def _steps(text: str) -> int | str:
    """--steps-per-execution: a whole number or "auto" (TrainConfig checks the range)."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, got {text!r}") from None


class ProgressSink:
    """Draws one tqdm bar per epoch: loss, accuracy, validation figures, samples/s."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.bar = None
        self.info = None
        self.epoch_start = 0.0

    def on_start(self, info) -> None:
        self.info = info
        print(
            f"training on {info.device}: {info.params:,} params, {info.num_train:,} train / {info.num_val:,} "
            f"validation samples, batch {info.batch_size}, {info.steps_per_epoch} steps per epoch",
            file=self.stream,
        )
        self._new_bar(info.initial_epoch + 1)

    def _new_bar(self, epoch: int) -> None:
        from tqdm import tqdm

        self.epoch = epoch
        self.epoch_start = time.perf_counter()
        self.bar = tqdm(
            total=self.info.steps_per_epoch, desc=f"epoch {epoch}/{self.info.epochs}", file=self.stream,
            unit="step", leave=True, dynamic_ncols=True,
        )

    def _postfix(self, logs: dict, steps: int) -> None:
        elapsed = max(time.perf_counter() - self.epoch_start, 1e-9)
        shown = {k: f"{v:.4g}" for k, v in logs.items() if k in ("loss", "accuracy") or k.startswith("val_")}
        shown["samples/s"] = f"{steps * self.info.batch_size / elapsed:,.0f}"
        self.bar.set_postfix(shown, refresh=False)

    def on_batch(self, step: int, logs: dict) -> None:
        done = step - (self.epoch - 1) * self.info.steps_per_epoch
        self.bar.update(max(0, done - self.bar.n))
        self._postfix(logs, done)
        self.bar.refresh()

    def on_epoch(self, epoch: int, logs: dict) -> None:
        self.bar.update(self.info.steps_per_epoch - self.bar.n)
        self._postfix(logs, self.info.steps_per_epoch)
        self.bar.close()
        if epoch < self.info.epochs:
            self._new_bar(epoch + 1)

    def on_error(self, message: str) -> None:
        self.close()  # run_train reports the message once the run has ended

    def on_warning(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(f"warning: {message}", file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _config(args, spec, resume_config):
    from ..train import TrainConfig

    overrides = {field: getattr(args, opt) for opt, field in _OVERRIDES.items() if getattr(args, opt) is not None}
    overrides.update(seed=args.seed, validation_split=args.validation_split, mixed_precision=args.mixed_precision)
    if resume_config is not None:
        return resume_config.replace(**{k: v for k, v in overrides.items() if k in ("epochs",)})
    return TrainConfig.from_preset(spec, **overrides)


def _copy_out(result, trainer, out: Path) -> str:
    """The trained model at `--out`: the run's .h5 (with its metadata), or a .keras export.

    Only a model of a finite completed epoch is written: a run that diverged
    or stopped before its first epoch ended leaves an existing file as it was.
    Returns what the summary line says was saved.
    """
    from ..train import SaveError, save_model
    from ..atomic import atomic_target

    if not result.model_epoch or result.model_path is None:
        kept = "left unchanged" if out.exists() else "not written"
        print(f"--out {out} {kept}: the run has no finite completed epoch (run folder {result.run_dir})",
              file=sys.stderr)
        return str(result.model_path or "(no model saved)")
    try:
        if out.suffix.lower() in (".h5", ".hdf5"):
            with atomic_target(out, what="model") as temp:
                shutil.copyfile(result.model_path, temp)
        else:
            save_model(next(iter(trainer.task.saved_models(trainer.model).values())), out)
    except SaveError as exc:
        raise WorkbenchError(f"{exc} The trained model is in the run folder: {result.model_path}") from None
    return str(out)


def _check_out(out: str | None) -> None:
    """Refuse an --out that could not be written before any time is spent training."""
    if not out:
        return
    path = Path(out)
    if path.suffix.lower() not in (".h5", ".hdf5", ".keras"):
        raise WorkbenchError(f"--out {out}: choose a file name ending in .h5 or .keras")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise WorkbenchError(f"--out {out}: the folder {folder} does not exist")
    if path.is_dir():
        raise WorkbenchError(f"--out {out} is a folder; give a file name ending in .h5 or .keras")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WorkbenchError(f"--out {out}: the folder {folder} is not writable; choose another place")


def _dataset_source(args, record: dict) -> tuple[str | None, dict]:
    """The data set a resumed run trained on (name or path and its loader options), unless --dataset names one."""
    if args.dataset:
        return args.dataset, {}
    described = record.get("dataset") or {}
    origin = described.get("origin")
    if isinstance(origin, dict) and origin.get("name"):
        return str(origin["name"]), dict(origin.get("options") or {})
    return described.get("source"), {}


def _log_to_mlflow(args, spec, config, dataset, result) -> None:
    """The finished run in MLflow (its default store beside the run folder) when --mlflow was given."""
    if result.run_dir is None:
        return
    tracker = open_tracker(args, Path(result.run_dir).parent)
    if tracker is None:
        return
    run = tracker.start(spec.name, {**config.to_dict(), "dataset": dataset.name, "preset": spec.name})
    tracker.log_curves(run, result.history)
    tracker.log_summary(run, {f"best_{result.monitor}": result.best_value})
    tracker.log_folder(run, result.run_dir)
    tracker.end(run, result.status)
    print(f"logged to MLflow at {tracker.uri} (run {run})", file=sys.stderr)


def _summary_json(args, spec, dataset, result, saved: str, task) -> dict:
    """`--json`: the run's outcome, with the task's reported metrics (and the monitored one) at the best epoch."""
    history = result.history
    epochs = list(history.get("epoch", []))
    row = epochs.index(result.best_epoch) if result.best_epoch in epochs else None
    metrics = {}
    for name in dict.fromkeys((result.monitor, *task.reported)):
        key = name if name in history else name.removeprefix("val_")
        if row is not None and key in history:
            metrics[key] = history[key][row]
    return {
        "preset": args.target if args.target and not args.resume else spec.name,
        "task": task.name,
        "dataset": dataset.name,
        "epochs": result.epochs_completed,
        "best_epoch": result.best_epoch,
        "metrics": metrics,
        "out": saved if result.model_path is not None else None,
    }


def run_train(args) -> int:
    from ..data import load_dataset
    from ..train import RunDir

    from ..train.config import RPROP_NOTE
    from ..train.preflight import preflight

    resume_config, options = None, {}
    if args.resume:
        run = RunDir(args.resume)
        spec, resume_config = run.load_spec(), run.load_config()
        dataset_name, options = _dataset_source(args, run.read_run())
    else:
        if not args.target:
            raise WorkbenchError("name a preset, preset .json or model file to train (or --resume RUN_DIR)")
        spec = open_trainable(args.target)
        if isinstance(spec, NetworkSet):
            if args.input_shape:
                raise WorkbenchError(f"--input-shape: {args.target} holds several networks; set each network's "
                                     f"input in its preset")
        else:
            spec = apply_overrides(spec, args.input_shape, None)
        dataset_name = args.dataset
    if not dataset_name:
        raise WorkbenchError("--dataset is required: an embedded name (see `workbench datasets`) or a path")
    _check_out(args.out)
    config = _config(args, spec, resume_config)
    if args.max_samples:
        from ..data.registry import size_options

        options.update(size_options(dataset_name, args.max_samples))
    dataset = load_dataset(dataset_name, seed=config.seed, validation_split=config.validation_split, **options)
    preflight(spec, dataset)  # graph, shape, class and task errors before TensorFlow's seconds of importing
    if config.optimizer == "rprop":
        print(f"note: {RPROP_NOTE}", file=sys.stderr)

    import_keras_quietly()
    from ..train import Trainer

    trainer = Trainer(config, check_memory=not args.force)
    sink = ProgressSink()
    previous = signal.getsignal(signal.SIGINT)

    def stop(signum, frame):
        print("\nstopping after this batch (Ctrl+C again to abort)", file=sys.stderr)
        trainer.stop()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, stop)
    try:
        result = trainer.run(spec, dataset, sink, run_dir=args.run_dir, resume_from=args.resume)
    finally:
        signal.signal(signal.SIGINT, previous)
        sink.close()
    if result.status == "error":
        trainer.release()
        raise WorkbenchError(result.message)
    if result.status == "nan":
        print(f"error: {result.message}", file=sys.stderr)
    saved = str(result.model_path or "(no model saved)")
    task = trainer.task
    try:
        if args.out and trainer.model is not None:
            saved = _copy_out(result, trainer, Path(args.out))
    finally:
        trainer.release()
    _log_to_mlflow(args, spec, config, dataset, result)
    if args.json:
        json.dump(_summary_json(args, spec, dataset, result, saved, task), sys.stdout)
        sys.stdout.write("\n")
    elif result.best_epoch is not None:
        print(f"best {result.monitor} {result.best_value:.4f} at epoch {result.best_epoch}; saved {saved}; run {result.run_dir}")
    else:
        print(f"{result.status}: no completed epoch; run {result.run_dir}")
    return 1 if result.status == "nan" else 0
