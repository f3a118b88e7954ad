"""One execution of `Trainer.run`: set up, fit, finish, each step sharing the run's state.

Split from `trainer` so that the public `Trainer` stays short; nothing here
is meant to be used but through `Trainer.run`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.errors import WorkbenchError
from workbench.keras_bridge import BridgeError
from workbench.quiet_tensorflow import import_keras_quietly
from workbench.spec import analyze

from .batches import BatchBuffer
from .callbacks import TrainingCallback
from .device import DeviceInfo, describe_device
from .epoch_files import EpochFiles
from .errors import TrainError
from .events import StartInfo
from .execution import steps_per_execution
from .h5_save import save_model, workbench_metadata
from .memory_check import memory_where, require_memory
from .prepare import Prepared, prepare, task_for
from .probe import check_layers
from .result import DIVERGED, FAILED, FINISHED, STOPPED, TrainResult
from .run_dir import (
    CHECKPOINTS,
    HISTORY_FILE,
    MODEL_FILE,
    TENSORBOARD_DIR,
    Checkpoint,
    RunDir,
    history_columns,
    new_run_path,
)
from .run_info import iso, library_versions, repeat_targets, summary, tensorboard_callback
from .task_epoch import TaskEpoch

log = logging.getLogger(__name__)


@dataclass
class _Progress:
    """What the run has produced so far; enough to write files whatever happens next."""

    rows: list[dict] = field(default_factory=list)
    best_value: float | None = None
    best_epoch: int | None = None
    last_checkpoint_epoch: int | None = None


class Session:
    """One execution of `Trainer.run`, split into steps that share its state."""

    def __init__(self, trainer, spec, dataset, sink, run_dir, resume_from):
        self.trainer = trainer
        self.config = trainer.config
        self.control = trainer.control
        self.spec = spec
        self.dataset = dataset
        self.sink = sink
        self.requested_dir = run_dir
        self.resume_from = Path(resume_from) if resume_from is not None else None
        self.progress = _Progress()
        self.run_dir: RunDir | None = None
        self.files: EpochFiles | None = None  # the run folder's per-epoch files, written in batches
        self.prepared: Prepared | None = None
        self.task = None  # the spec's `workbench.tasks.Task`, bound once the data set is known
        self.objectives = None  # the task's `Objectives`: losses, metrics, monitored key and direction
        self.batch_size = self.config.batch_size  # the whole training set for a full-batch task
        self.device: DeviceInfo | None = None
        self.callback: TrainingCallback | None = None
        self.initial_epoch = 0
        self.steps_per_epoch = 0
        self.steps_per_execution = 1
        self.batches: BatchBuffer | None = None
        self.params = 0
        self.started_at = time.time()
        self.first_started: str | None = None  # a resumed run keeps the start time of its first session
        self.fit_started_at: float | None = None
        self.record: dict = {}

    # -- outline -----------------------------------------------------------
    def execute(self) -> TrainResult:
        import_keras_quietly()  # after another thread's import, never beside it
        import keras

        previous_policy = keras.config.dtype_policy()
        try:
            self._setup()
            self._fit()
            return self._finish()
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user as a message
            if isinstance(exc, (WorkbenchError, BridgeError)):
                message = str(exc)
            else:
                log.exception("training failed")
                message = f"Training failed: {type(exc).__name__}: {exc}"
            return self._fail(message)
        finally:
            if self.batches is not None:  # batches a failure left in the buffer
                self.batches.flush()
            keras.config.set_dtype_policy(previous_policy)

    # -- steps ---------------------------------------------------------------
    def _open_run_dir(self, path) -> None:
        """The run folder, made ready, and its per-epoch files (written in batches)."""
        self.run_dir = RunDir(path)
        self.run_dir.prepare()
        self.files = EpochFiles(self.run_dir)

    def _setup(self) -> None:
        import keras

        from workbench.keras_bridge import build

        config = self.config
        self.task = self.trainer.task = task_for(self.spec, self.dataset)
        self.prepared = prepare(self.spec, self.dataset, config, self.task)
        spec = self.prepared.spec
        if self._full_batch():
            self.batch_size = self.prepared.num_train
        checkpoint = self._read_resume_point()
        self.device = describe_device()
        if self.trainer.check_memory:
            require_memory(spec, self.batch_size, config.optimizer, memory_where(self.device.kind))
        self._open_run_dir(self.requested_dir or self.resume_from or new_run_path(spec.name))
        # Keras' global state is per thread: set it here, in the thread that trains.
        keras.utils.set_random_seed(config.seed)
        if config.mixed_precision:
            keras.config.set_dtype_policy("mixed_float16" if self.device.kind == "GPU" else "mixed_bfloat16")
        network = build(spec)
        self.params = int(network.count_params())
        model = self.task.build(network)
        self.trainer.model = model
        self.steps_per_epoch = self._steps_per_epoch()
        self.steps_per_execution = steps_per_execution(
            config, analyze(spec).total_macs, self.steps_per_epoch, on_gpu=self.device.kind == "GPU")
        self.trainer.prepared = self.prepared
        self.objectives = self.task.compile(
            model, config.make_optimizer(self.steps_per_epoch), has_validation=self.prepared.has_validation,
            steps_per_execution=self.steps_per_execution,
            new_optimizer=lambda: config.make_optimizer(self.steps_per_epoch),
        )
        if checkpoint is not None:
            self._restore(checkpoint)
        self.progress.best_value, self.progress.best_epoch = self._best_so_far()
        fitted = getattr(self.task, "fitted", None)  # what the task keeps before training (the RPROP view's start)
        if fitted is not None:
            fitted(model, self.prepared.x_train, self.prepared.y_train, self.run_dir.path, config)

    def _read_resume_point(self) -> Checkpoint | None:
        if self.resume_from is None:
            return None
        source = RunDir(self.resume_from)
        checkpoint = source.load_checkpoint("last")
        if checkpoint.epoch >= self.config.epochs:
            raise TrainError(
                f"{self.resume_from} has already trained {checkpoint.epoch} epochs; "
                f"ask for more than {checkpoint.epoch} epochs to continue it."
            )
        if checkpoint.optimizer != self.config.optimizer:
            raise TrainError(
                f"{self.resume_from} was trained with the {checkpoint.optimizer} optimizer; "
                f"resume it with the same optimizer (not {self.config.optimizer})."
            )
        self.progress.rows = [row for row in source.read_history() if row["epoch"] <= checkpoint.epoch]
        if self.requested_dir is None or Path(self.requested_dir) == self.resume_from:
            timings = source.read_run().get("timings") if source.run_file.is_file() else None
            self.first_started = timings.get("started") if isinstance(timings, dict) else None
        self.progress.last_checkpoint_epoch = checkpoint.epoch
        self.initial_epoch = checkpoint.epoch
        return checkpoint

    def _restore(self, checkpoint: Checkpoint) -> None:
        """Weights, optimizer iterations and slots from a checkpoint, checked against this model."""
        model = self.trainer.model
        shapes = [tuple(w.shape) for w in model.weights]
        if shapes != [tuple(w.shape) for w in checkpoint.weights]:
            raise TrainError(
                f"{self.resume_from}: its checkpoint holds weights of another architecture "
                f"({len(checkpoint.weights)} arrays, this model has {len(shapes)}); resume it with the same model."
            )
        model.set_weights(checkpoint.weights)
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        variables = optimizer.variables
        if [tuple(v.shape) for v in variables] != [tuple(a.shape) for a in checkpoint.optimizer_values]:
            raise TrainError(f"{self.resume_from}: its optimizer state does not match this model and optimizer.")
        for variable, value in zip(variables, checkpoint.optimizer_values):
            variable.assign(value)

    def _best_so_far(self) -> tuple[float | None, int | None]:
        best_value, best_epoch = None, None
        for row in self.progress.rows:
            value = row.get(self.objectives.monitor)
            if self._improves(value, best_value):
                best_value, best_epoch = value, row["epoch"]
        return best_value, best_epoch

    def _improves(self, value, best) -> bool:
        if value is None or not math.isfinite(value):
            return False
        if best is None:
            return True
        return value > best if self.objectives.mode == "max" else value < best

    def _full_batch(self) -> bool:
        """The whole training set per step: the task asks for it, or RPROP trains (it stalls on mini-batches)."""
        if self.prepared.streamed:
            return False
        return self.task.batching_for() == "full" or self.config.optimizer == "rprop"

    def _steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.prepared.num_train / self.batch_size))

    def _fit_inputs(self) -> dict:
        """`fit` keyword arguments for the data: arrays, or PyDatasets for streamed sets.

        A model with several outputs gets the same labels for each of them.
        """
        prepared, config = self.prepared, self.config
        outputs = len(self.objectives.outputs)
        if prepared.streamed:
            stream = prepared.dataset.stream
            args = {"x": repeat_targets(stream("train", config.batch_size, seed=config.seed), outputs)}
            if prepared.has_validation:
                args["validation_data"] = repeat_targets(stream("val", config.batch_size), outputs)
            return args

        def targets(y):
            return y if outputs == 1 or y is None else (y,) * outputs

        args = {"x": prepared.x_train, "y": targets(prepared.y_train), "batch_size": self.batch_size, "shuffle": True}
        if prepared.has_validation:
            args["validation_data"] = (prepared.x_val, targets(prepared.y_val))
        return args

    def _fit(self) -> None:
        config, model, sink = self.config, self.trainer.model, self.sink
        probe = self.trainer.probe if sink.wants("on_feature_maps") else None
        if probe is not None:
            check_layers(model, config.probe_layers)
            if probe.samples is None:
                probe.samples = np.ascontiguousarray(self.prepared.probe_sample())
        if sink.wants("on_batches"):
            self.batches = BatchBuffer(sink.on_batches, config.batch_events_per_second)
        epoch_task = TaskEpoch(self.task, model, self.prepared, sink, config.epochs)
        self.callback = TrainingCallback(
            control=self.control,
            sink=sink,
            steps_per_epoch=self.steps_per_epoch,
            record=self._record_epoch,
            batch_events_per_second=config.batch_events_per_second,
            batches=self.batches,
            probe=probe,
            probe_per_second=config.probe_per_second,
            nan_hint=self._nan_hint(),
            chance_loss=self._chance_loss(),
            task_logs=epoch_task.logs,
            after_epoch=epoch_task.send_samples if sink.wants("on_samples") else None,
            on_pause=self.files.flush,
        )
        callbacks = [self.callback]
        tensorboard = tensorboard_callback(self.run_dir.tensorboard_dir) if config.tensorboard else None
        if tensorboard is not None:
            callbacks.append(tensorboard)
        self.record = self._describe_run(tensorboard=tensorboard is not None)
        self.run_dir.write_run(self._run_record("running"))
        sink.on_start(self._start_info())
        data = self._fit_inputs()
        self.fit_started_at = time.monotonic()
        model.fit(
            **data,
            epochs=config.epochs,
            initial_epoch=self.initial_epoch,
            callbacks=callbacks,
            verbose=0,
        )

    def _chance_loss(self) -> float | None:
        """Cross-entropy of a uniform guess (ln C) for single-output classification, else None."""
        dataset = self.prepared.dataset
        if self.task.name != "classification" or self.objectives.multi_output or dataset.num_classes < 2:
            return None
        return math.log(dataset.num_classes)

    def _nan_hint(self) -> str:
        config = self.config
        return (
            f"The learning rate ({config.learning_rate:g}, {config.optimizer}) is probably too high for this "
            f"model: lower it, or use a decaying schedule."
        )

    def _start_info(self) -> StartInfo:
        model = self.trainer.model
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        return StartInfo(
            device=self.device.description,
            device_info=self.device.to_dict(),
            params=self.params,
            trainable_params=trainable,
            steps_per_epoch=self.steps_per_epoch,
            epochs=self.config.epochs,
            initial_epoch=self.initial_epoch,
            batch_size=self.batch_size,
            num_train=self.prepared.num_train,
            num_val=self.prepared.num_val,
            run_dir=str(self.run_dir.path),
            monitor=self.objectives.monitor,
            mode=self.objectives.mode,
            probe_layers=self.config.probe_layers,
            steps_per_execution=self.steps_per_execution,
        )

    def _record_epoch(self, epoch: int, logs: dict, weights: list[np.ndarray] | None) -> None:
        """Per epoch: history row, checkpoints (finite weights only); `EpochFiles` writes them in batches."""
        progress = self.progress
        progress.rows.append({"epoch": epoch, **logs})
        checkpoints = {}
        if weights is not None:
            monitor = self.objectives.monitor
            value = logs.get(monitor)
            model = self.trainer.model
            checkpoints["last"] = Checkpoint(
                epoch=epoch,
                optimizer=self.config.optimizer,
                weight_names=[w.path for w in model.weights],
                weights=weights,
                optimizer_names=[v.path for v in model.optimizer.variables],
                optimizer_values=[np.asarray(v.numpy()) for v in model.optimizer.variables],
                monitor=monitor,
                monitor_value=value,
            )
            progress.last_checkpoint_epoch = epoch
            if self._improves(value, progress.best_value):
                progress.best_value, progress.best_epoch = value, epoch
                checkpoints["best"] = checkpoints["last"]
        self.files.add(progress.rows, checkpoints)

    def _status(self) -> tuple[str, str]:
        if self.control.failure is not None:
            return DIVERGED, self.control.failure
        if self.control.stop_requested:
            return STOPPED, "Stopped on request; the model and the history so far are saved."
        return FINISHED, ""

    def _stopped_at(self) -> dict | None:
        callback = self.callback
        if callback is None or callback.batches_in_epoch >= self.steps_per_epoch:
            return None
        return {"epoch": callback.epoch + 1, "batch": callback.batches_in_epoch}

    def _finish(self) -> TrainResult:
        """Save the model (the last finite weights after a divergence) and the final run.json."""
        self.files.flush()
        status, message = self._status()
        if status == DIVERGED:
            model_epoch = self._restore_last_finite()
        else:
            model_epoch = self.progress.rows[-1]["epoch"] if self.progress.rows else self.initial_epoch
        result = self._result(status, message, model_epoch)
        record = self._run_record(status, message, result)
        if model_epoch is not None:
            metadata = workbench_metadata(self.prepared.spec, history_columns(self.progress.rows), summary(record))
            paths = [save_model(network, self.run_dir.path / name, metadata)
                     for name, network in self.task.saved_models(self.trainer.model).items()]
            result.model_path = paths[0]
            record["files"] = {**record["files"], "model": paths[0].name, "models": [p.name for p in paths]}
        else:
            record["files"] = {**record["files"], "model": None}
        self.run_dir.write_run(record)
        return result

    def _restore_last_finite(self) -> int | None:
        """After divergence: put back the last finite checkpoint's weights (None if there is none)."""
        if self.progress.last_checkpoint_epoch is None:
            return None
        checkpoint = self.run_dir.load_checkpoint("last")
        self.trainer.model.set_weights(checkpoint.weights)
        return checkpoint.epoch

    def _result(self, status: str, message: str, model_epoch: int | None) -> TrainResult:
        rows = self.progress.rows
        callback = self.callback
        return TrainResult(
            status=status,
            message=message,
            run_dir=self.run_dir.path if self.run_dir else None,
            history=history_columns(rows) if rows else {},
            epochs_completed=rows[-1]["epoch"] if rows else self.initial_epoch,
            initial_epoch=self.initial_epoch,
            model_epoch=model_epoch,
            monitor=self.objectives.monitor if self.objectives else "",
            mode=self.objectives.mode if self.objectives else "max",
            best_value=self.progress.best_value,
            best_epoch=self.progress.best_epoch,
            final_logs={k: v for k, v in rows[-1].items() if k != "epoch"} if rows else {},
            stopped_at=self._stopped_at() if status != FINISHED else None,
            device=self.device.description if self.device else "",
            params=self.params,
            steps_per_epoch=self.steps_per_epoch,
            seconds=time.monotonic() - self.fit_started_at if self.fit_started_at else 0.0,
            paused_seconds=callback.paused_seconds if callback else 0.0,
        )

    def _fail(self, message: str) -> TrainResult:
        """Record a failure in the run folder (if there is one yet) and build the error result."""
        result = self._result(FAILED, message, None)
        if self.run_dir is not None and self.run_dir.path.is_dir():
            try:
                if self.files is not None:
                    self.files.flush()
                elif self.progress.rows:
                    self.run_dir.write_history(self.progress.rows)
                self.run_dir.write_run(self._run_record(FAILED, message, result))
            except WorkbenchError as exc:
                if str(exc) not in message:  # a full disk fails run.json the same way: say it once
                    result.message = f"{message}\n{exc}"
        return result

    # -- run.json ----------------------------------------------------------
    def _describe_run(self, tensorboard: bool | None = None) -> dict:
        """The parts of run.json that do not change while training.

        `tensorboard` is None before training starts (no files written yet).
        """
        prepared = self.prepared
        spec = prepared.spec if prepared else self.spec
        files = {}
        if tensorboard is not None:
            files = {
                "history": HISTORY_FILE,
                "model": MODEL_FILE,
                "checkpoints": dict(CHECKPOINTS),
                "tensorboard": TENSORBOARD_DIR if tensorboard else None,
            }
        return {
            "name": spec.name,
            "spec": spec.to_dict(),
            "config": self.config.to_dict(),
            "seed": self.config.seed,
            "steps_per_execution": self.steps_per_execution,  # as chosen when the config says "auto"
            "dataset": prepared.dataset.describe() if prepared else {"name": getattr(self.dataset, "name", "")},
            "adaptations": prepared.notes if prepared else [],
            "versions": library_versions(),
            "device": self.device.to_dict() if self.device else None,
            "resumed_from": str(self.resume_from) if self.resume_from else None,
            "files": files,
        }

    def _run_record(self, status: str, message: str = "", result: TrainResult | None = None) -> dict:
        """run.json: the description, the status, timings and (once known) the result."""
        if not self.record:
            self.record = self._describe_run()
        now = time.time()
        record = {
            **self.record,
            "status": status,
            "message": message,
            "warnings": list(self.callback.warnings) if self.callback else [],
            "timings": {
                "started": self.first_started or iso(self.started_at),
                "resumed": iso(self.started_at) if self.first_started else None,
                "updated": iso(now),
                "seconds": now - self.started_at,
                "fit_seconds": result.seconds if result else None,
                "paused_seconds": result.paused_seconds if result else 0.0,
                "epoch_seconds": [row.get("epoch_seconds") for row in self.progress.rows],
            },
        }
        if result is not None:
            record["result"] = {
                "status": status,
                "epochs_completed": result.epochs_completed,
                "initial_epoch": result.initial_epoch,
                "model_epoch": result.model_epoch,
                "monitor": result.monitor,
                "best_value": result.best_value,
                "best_epoch": result.best_epoch,
                "best_val_accuracy": result.best_val_accuracy,
                "final": result.final_logs,
                "stopped_at": result.stopped_at,
                "params": result.params,
                "steps_per_epoch": result.steps_per_epoch,
            }
        return record
