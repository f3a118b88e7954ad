"""A run of a task that is not a plain `fit(x, y)`: GANs, RBMs, DBNs, Hopfield networks.

`TaskSession` is the `Session` whose model, compile, data and saving come
from the task registry (`workbench.tasks`): the task turns the built
network(s) into the model `fit()` drives (`Task.build`), compiles it (a
task that trains two networks makes the second optimizer with
`new_optimizer`), receives the training arrays, the run folder and the
config once before training through its `fitted`, where it has one (a DBN's
pre-training, the GAN's reference classifier).  Post-epoch metrics and view
arrays come from `Session`'s `TaskEpoch`, as for every task.  A multi-network preset (`NetworkSet`) has every network
built; each network the task names is saved as its own `.h5`
(`Task.saved_models`), the first being the run's model file.
"""

from __future__ import annotations

import numpy as np

from workbench.data import fit_to_model, split_indices
from workbench.data.dataset import Dataset
from workbench.spec.networks import NetworkSet

from .device import describe_device
from .errors import TrainError
from .h5_save import save_model, workbench_metadata
from .prepare import Prepared
from .result import DIVERGED
from .run_dir import history_columns, new_run_path
from .run_info import summary
from .session import Session
from .task_specs import input_shape_of

def prepare_task(task, spec, dataset: Dataset, config) -> Prepared:
    """The data fitted to the spec's input, checked by the task, split, and turned into the task's arrays."""
    if not isinstance(dataset, Dataset):
        raise TrainError(f"expected a workbench Dataset, got {type(dataset).__name__}")
    dataset.validate()
    fitted = fit_to_model(dataset, input_shape_of(spec))
    if fitted.stream is not None:
        raise TrainError(f"{spec.name}: the {task.name} task trains on data held in memory, not on {dataset.name}'s stream")
    task.check(fitted)
    notes = []
    x_train, y_train, x_val, y_val = fitted.x_train, fitted.y_train, fitted.x_val, fitted.y_val
    if x_val is None and config.validation_split > 0:
        train, val = split_indices(y_train, config.validation_split, config.seed, stratify=fitted.is_classification)
        if len(val):
            x_train, y_train, x_val, y_val = x_train[train], y_train[train], x_train[val], y_train[val]
            notes.append(f"held out {len(val)} of {len(train) + len(val)} samples for validation")
    if task.trains_on_validation and x_val is not None and (y_train is None) == (y_val is None):
        x_train = np.concatenate([x_train, x_val])
        y_train = None if y_train is None else np.concatenate([y_train, y_val])
        notes.append(f"the {task.name} task reads no held-out samples: it trains on all {len(x_train)}")
    x_train, y_train = task.arrays(x_train, y_train)
    if x_val is not None:
        x_val, y_val = task.arrays(x_val, y_val)
    return Prepared(spec, fitted, x_train, y_train, x_val, y_val, notes)


class TaskSession(Session):
    """`Session` with the task deciding the model, compile, extra metrics, view arrays and saved files."""

    task = None

    def _setup(self) -> None:
        import keras

        from workbench.keras_bridge import build
        from workbench.tasks import for_spec

        if self.resume_from is not None:
            raise TrainError(f"{self.spec.name}: a {self.spec.task} run cannot be resumed; start a new run")
        self.task = task = for_spec(self.spec)
        self.prepared = prepare_task(task, self.spec, self.dataset, self.config)
        if task.batching_for() == "full":
            self.config = self.config.replace(batch_size=max(1, self.prepared.num_train))
        self.device = describe_device()
        self._open_run_dir(self.requested_dir or new_run_path(self.spec.name))
        keras.utils.set_random_seed(self.config.seed)
        if isinstance(self.spec, NetworkSet):
            built = {name: build(network) for name, network in self.spec.networks.items()}
        else:
            built = build(self.spec)
        model = task.build(built)
        self.trainer.model = model
        self.trainer.prepared = self.prepared
        self.trainer.task = task
        self.params = sum(int(m.count_params()) for m in task.saved_models(model).values())
        self.steps_per_epoch = self._steps_per_epoch()

        def new_optimizer():
            return self.config.make_optimizer(self.steps_per_epoch)

        self.objectives = task.compile(model, new_optimizer(), has_validation=self.prepared.has_validation,
                                       new_optimizer=new_optimizer)
        fitted = getattr(task, "fitted", None)
        if fitted is not None:
            fitted(model, self.prepared.x_train, self.prepared.y_train, self.run_dir.path, self.config)

    def _fit_inputs(self) -> dict:
        prepared = self.prepared
        args = {"x": prepared.x_train, "batch_size": self.config.batch_size, "shuffle": True}
        if prepared.y_train is not None:
            args["y"] = prepared.y_train
        if self.task.validates_in_fit and prepared.has_validation:
            args["validation_data"] = (prepared.x_val if prepared.y_val is None else (prepared.x_val, prepared.y_val))
        return args

    def _chance_loss(self) -> float | None:
        return None

    def _finish(self):
        """Each network the task saves as its own `.h5`; the first one is the run's model."""
        status, message = self._status()
        model_epoch = self._restore_last_finite() if status == DIVERGED else (
            self.progress.rows[-1]["epoch"] if self.progress.rows else None)
        result = self._result(status, message, model_epoch)
        record = self._run_record(status, message, result)
        files = {}
        if model_epoch is not None:
            history, run = history_columns(self.progress.rows), summary(record)
            for name, network in self.task.saved_models(self.trainer.model).items():
                spec = self.spec.network(name[:-3]) if isinstance(self.spec, NetworkSet) else self.spec
                files[name] = save_model(network, self.run_dir.path / name, workbench_metadata(spec, history, run))
            result.model_path = next(iter(files.values()))
        record["files"] = {**record["files"], "model": next(iter(files), None), "models": list(files)}
        self.run_dir.write_run(record)
        return result
