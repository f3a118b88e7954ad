"""Hyper-parameter sweeps: Optuna asks, the workbench's own runner trains, Optuna is told.

Ask-and-tell keeps the Trainer in charge of the loop (KerasTuner would own
it).  The study lives in `DIR/study.db` (SQLite), so running the same sweep
again continues it: trials that completed or were pruned count toward
`--trials` and are never trained again, and a trial left running by an
interrupted process is marked failed.  Each trial is one comparison entry
(`DIR/trials/tNNN-<preset>/`), its record kept in the trial's user
attributes so the reports cover every trial of the study.  Pruning reports
each epoch's validation accuracy (`trial.report`) and stops the Trainer when
`trial.should_prune()` says so, locally or in a Ray worker.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from ..train.config import ConfigError, TrainConfig
from .results import CANCELLED, FINISHED, RunRecord
from .runner import CompareEntry, ComparisonRunner, run_folder_name
from .sweep_space import PRESET, Param, grid_size

INSTALL_HINT = "workbench sweep needs Optuna: pip install 'keras-workbench[sweep]'"
STUDY_FILE, STUDY_NAME = "study.db", "workbench-sweep"
RECORD_ATTR = "workbench_record"
SAMPLERS = ("grid", "random", "tpe")


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise WorkbenchError(INSTALL_HINT) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


@dataclass
class Sweep:
    """`entries` (one per preset) × the `space`, trained on `dataset` from `base` settings, under `out_dir`."""

    entries: list[CompareEntry]
    dataset: Any
    base: TrainConfig
    space: list[Param]
    out_dir: Path
    sampler: str = "tpe"
    prune: bool = False
    backend: Any = None  # None: local; a RayBackend: trials in parallel
    input_shape: tuple | None = None
    sink: Any = None  # on_trial_started(number, params), on_trial_epoch(number, record), on_trial_ended(number, record, state)
    trained: list[int] = field(default_factory=list)  # trial numbers this call trained
    _stopped: bool = field(default=False, init=False, repr=False)
    _running: Any = field(default=None, init=False, repr=False)  # the trial's runner or the Ray pool: `stop()` cancels it

    def stop(self) -> None:
        """From any thread: end the running trials (they count as failed) and ask for no more."""
        self._stopped = True
        running = self._running
        if running is not None:
            running.cancel_all()

    def study(self):
        optuna = import_optuna()
        if self.sampler not in SAMPLERS:
            raise WorkbenchError(f"--sampler {self.sampler}: choose from {', '.join(SAMPLERS)}")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        pruner = (optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1) if self.prune
                  else optuna.pruners.NopPruner())
        study = optuna.create_study(study_name=STUDY_NAME, storage=f"sqlite:///{self.out_dir / STUDY_FILE}",
                                    load_if_exists=True, direction="maximize", pruner=pruner)
        # a resumed study continues the sampler's sequence instead of replaying it from the seed
        seed = self.base.seed + len(study.get_trials(deepcopy=False))
        samplers = {
            "grid": lambda: optuna.samplers.GridSampler({p.name: p.grid for p in self.space}, seed=seed),
            "random": lambda: optuna.samplers.RandomSampler(seed=seed),
            "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        }
        study.sampler = samplers[self.sampler]()
        return study

    def run(self, trials: int):
        """Run until the study holds `trials` completed or pruned trials; returns the study."""
        optuna = import_optuna()
        study = self.study()
        states = optuna.trial.TrialState
        for stale in study.get_trials(deepcopy=False, states=(states.RUNNING,)):
            study.tell(stale.number, state=states.FAIL)
        if self.sampler == "grid":
            trials = min(trials, grid_size(self.space))
        counted = len(study.get_trials(deepcopy=False, states=(states.COMPLETE, states.PRUNED)))
        if self.backend is None:
            for _ in range(max(trials - counted, 0)):
                if self._stopped:
                    break
                self._run_local(study, study.ask())
        else:
            self._run_ray(study, max(trials - counted, 0))
        return study

    # -- one trial -----------------------------------------------------------------
    def _setup(self, trial) -> tuple[CompareEntry, TrainConfig]:
        values = {p.name: p.suggest(trial) for p in self.space}
        by_label = {e.label: e for e in self.entries}
        entry = by_label[values.pop(PRESET)] if PRESET in values else self.entries[0]
        try:
            config = self.base.replace(**values)
        except ConfigError as exc:
            raise WorkbenchError(f"sweep trial {trial.number}: {exc}") from None
        label = f"t{trial.number:03d}-{entry.label}"
        if self.sink is not None:
            self.sink.on_trial_started(trial.number, dict(trial.params))
        return CompareEntry(label, entry.spec, entry.source), config

    def _epoch(self, trial, record: RunRecord) -> bool:
        """Report the epoch; True when the trial should stop here."""
        if self.sink is not None:
            self.sink.on_trial_epoch(trial.number, record)
        score = record.latest_objective()
        if score is None:
            return False
        trial.report(score, step=record.epochs)
        return self.prune and trial.should_prune()

    def _tell(self, study, trial, record: RunRecord, pruned: bool) -> None:
        states = import_optuna().trial.TrialState
        trial.set_user_attr(RECORD_ATTR, record.to_dict())
        if pruned and record.status == CANCELLED:
            state, value = states.PRUNED, None
        elif record.status == FINISHED and record.objective() is not None:
            state, value = states.COMPLETE, record.objective()
        else:
            state, value = states.FAIL, None
        try:
            study.tell(trial, value, state=state)
        except RuntimeError as exc:
            # The grid sampler stops its study once every cell was asked for, which Optuna allows only inside
            # `optimize`; the trial's state and value are stored before that (and `run` asks no more than the
            # grid holds), so the stop is all that is lost.
            if "Study.stop" not in str(exc):
                raise
        self.trained.append(trial.number)
        if self.sink is not None:
            self.sink.on_trial_ended(trial.number, record, state.name.lower())

    def _run_local(self, study, trial) -> None:
        entry, config = self._setup(trial)
        pruned = []
        runner = None

        class Relay:
            def on_run_epoch(_, index, record):
                if self._epoch(trial, record) and not pruned:
                    pruned.append(record.epochs)
                    runner.cancel(0)

        runner = ComparisonRunner([entry], self.dataset, config, self.out_dir / "trials", Relay(),
                                  input_shape=self.input_shape, reuse_finished=False)
        self._running = runner
        if self._stopped:
            runner.cancel_all()
        try:
            record = runner.run()[0]
        finally:
            self._running = None
        self._tell(study, trial, record, bool(pruned))

    def _run_ray(self, study, count: int) -> None:
        """Keep as many trials in flight as the cluster has slots; tell each as it ends."""
        running: dict[int, Any] = {}
        pruned: set[int] = set()
        pool = None

        def on_event(number, kind, payload):
            if kind == "epoch" and number not in pruned and self._epoch(running[number], RunRecord.from_dict(payload)):
                pruned.add(number)
                pool.cancel(number)

        pool = self.backend.pool(self.dataset, on_event)
        self._running = pool
        slots = max(int(pool.slots()), 1)
        asked = 0
        while asked < count or running:
            if self._stopped:
                pool.cancel_all()
            while asked < count and len(running) < slots and not self._stopped:
                trial = study.ask()
                entry, config = self._setup(trial)
                running[trial.number] = trial
                pool.submit(trial.number, entry, config, self.input_shape,
                            self.out_dir / "trials" / run_folder_name(entry.label))
                asked += 1
            for number, record in pool.poll():
                self._tell(study, running.pop(number), record, number in pruned)
        self._running = None
        pool.close()


def trial_records(study) -> list[tuple[Any, RunRecord]]:
    """Every trial that holds a record, in trial order, with its record."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        if RECORD_ATTR in trial.user_attrs:
            rows.append((trial, RunRecord.from_dict(copy.deepcopy(trial.user_attrs[RECORD_ATTR]))))
    return rows


def write_sweep_reports(sweep: Sweep, study, title: str) -> tuple[list[Path], str]:
    """The comparison reports over every trial of `study`, plus the parallel-coordinates and importance
    charts; (paths written, why the importance chart is missing or "")."""
    from .report import comparison_document, write_reports
    from .sweep_charts import IMPORTANCE_PNG, PARALLEL_PNG, write_importance, write_parallel

    optuna = import_optuna()
    rows = trial_records(study)
    records = [record for _, record in rows]
    document = comparison_document(records, dataset=sweep.dataset.describe(), config=sweep.base.to_dict(),
                                   input_shape=sweep.input_shape)
    document["sweep"] = {"trials": [{"number": t.number, "state": t.state.name.lower(), "params": t.params,
                                     "monitor": r.monitor, "value": r.best_value} for t, r in rows],
                         "sampler": sweep.sampler, "prune": sweep.prune, "space": [p.name for p in sweep.space]}
    paths = write_reports(sweep.out_dir, records, document, title=title)
    complete = optuna.trial.TrialState.COMPLETE
    lines = [(t.number, t.params, r.best_value if t.state == complete else None) for t, r in rows]
    objective = rows[0][1].monitor if rows else "val_accuracy"
    paths.append(write_parallel(lines, [p.name for p in sweep.space], sweep.out_dir / PARALLEL_PNG, title,
                                objective=objective))
    try:
        importances = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError) as exc:  # fewer than two completed trials, or one value only
        return paths, f"no parameter-importance chart: {exc}"
    paths.append(write_importance(importances, sweep.out_dir / IMPORTANCE_PNG, title))
    return paths, ""
